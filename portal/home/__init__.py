"""Home: each role's landing page."""
from flask import Blueprint

bp = Blueprint("home", __name__)


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.home import views  # noqa: F401  (their routes join bp)

    return bp
