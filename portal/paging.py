"""Page numbers read from the query string, and a page of rows computed outside the ORM (diffs, joined
listings), shaped like Flask-SQLAlchemy's Pagination so the same `pager` macro renders both."""
from dataclasses import dataclass
from math import ceil

from flask import abort, request

# Every integer a URL or a form brings is bounded by what the database's INTEGER holds: a longer number would
# overflow in SQLite or PostgreSQL (a 500) instead of naming nothing (a 404).
MAX_INT = 2**31 - 1
MAX_PAGE = 1_000_000  # far past any list (50 rows a page): an OFFSET beyond it is a bad address, not a page


def bounded_int(text, low: int = 0, high: int = MAX_INT) -> int | None:
    """The whole number in text within [low, high], or None (not a number, or out of range)."""
    value = str(text if text is not None else "").strip()
    if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > 12:
        return None
    number = int(value)
    return number if low <= number <= high else None


def page_number() -> int:
    """?page=N: missing, unreadable or below 1 is the first page; a number past any list is a 404."""
    text = request.args.get("page", "").strip()
    if text.isascii() and text.isdigit() and int(text) > MAX_PAGE:
        abort(404)  # /audit/?page=99999999999999999999: no such page
    return max(1, bounded_int(text, low=-MAX_INT, high=MAX_PAGE) or 1)


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
