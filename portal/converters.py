"""URL converters: every `<int:…>` in a route is bounded by the database's INTEGER, so a 20-digit id is a 404
(no such object) rather than an overflow inside the query (a 500)."""
from werkzeug.routing import IntegerConverter

from portal.paging import MAX_INT


class BoundedIntConverter(IntegerConverter):
    """<int:x>: 0 … 2³¹−1, digits only; anything else does not match the route (404)."""

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_INT, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
