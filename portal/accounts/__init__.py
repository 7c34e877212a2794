"""Accounts: sign-in and the management of lower-tier accounts."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.accounts import manage, views  # noqa: F401  (their routes join bp)

    return bp
