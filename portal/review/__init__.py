"""Submission and review: a school submits a period's work (funded list, unfunded reasons); its county
approves or returns it; deadlines lock it until the county reopens it. One mechanism for every kind."""
from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.review import views  # noqa: F401  (their routes join bp)

    return bp
