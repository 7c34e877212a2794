"""Enrolment upload and online matching: each school's special-hardship enrolment library (就学信息库)."""
from flask import Blueprint

bp = Blueprint("enrolment", __name__, url_prefix="/enrolment")


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.enrolment import bulk_views, library_views, overview_views, views  # noqa: F401  (their routes join bp)

    return bp
