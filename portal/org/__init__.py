"""Registry: regions and schools, the drill-down tree, and the province's registry imports."""
from flask import Blueprint

bp = Blueprint("org", __name__, url_prefix="/org")


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.org import views  # noqa: F401  (their routes join bp)

    return bp
