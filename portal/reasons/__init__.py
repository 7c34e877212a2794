"""Unfunded reasons (未资助原因): why each library student left unfunded in a period was not funded."""
from flask import Blueprint

bp = Blueprint("reasons", __name__, url_prefix="/reasons")


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.reasons import views  # noqa: F401  (their routes join bp)

    return bp
