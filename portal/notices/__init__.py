"""Notices for parents (资助政策告知书, 002 §四): one A4 notice per hardship student from a province-edited
template, batch printing (browser and PDF), and the record of who was told, when, by whom and how."""
from flask import Blueprint

bp = Blueprint("notices", __name__, url_prefix="/notices")


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.notices import views  # noqa: F401  (their routes join bp)

    return bp
