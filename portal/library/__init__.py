"""The provincial base library of special-hardship people (特殊困难人群基础信息库)."""
from flask import Blueprint

bp = Blueprint("library", __name__, url_prefix="/library")


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.library import views  # noqa: F401  (their routes join bp)

    return bp
