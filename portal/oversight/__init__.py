"""Oversight for counties, cities and the province: the drill-down province → city → county → school, the
school lists its counts open, and each tier's to-do counts; all rolled up from SchoolProgress, never students."""
from flask import Blueprint

bp = Blueprint("oversight", __name__, url_prefix="/oversight")


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.oversight import report_views, views  # noqa: F401  (their routes join bp)

    return bp
