"""Funding: project catalogue, funded lists per school and period, funding status of library students, fiscal allocations."""
from flask import Blueprint

bp = Blueprint("funding", __name__, url_prefix="/funding")


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.funding import fiscal_views, import_views, views  # noqa: F401  (their routes join bp)

    return bp
