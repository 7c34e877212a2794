"""Audit log: record() for every write and export, and the scoped log pages."""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.audit import views  # noqa: F401  (their routes join bp)

    return bp
