"""The deadline calendar (003's annex tables as data): per stage, task and term or 中职 month; the province edits it."""
from flask import Blueprint

bp = Blueprint("deadlines", __name__, url_prefix="/deadlines")


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.deadlines import views  # noqa: F401  (their routes join bp)

    return bp
