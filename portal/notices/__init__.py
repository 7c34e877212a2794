"""Notices for parents (资助政策告知书, 002 §四): one A4 notice per hardship student from a province-edited
template, batch printing (browser and PDF), and the record of who was told, when, by whom and how."""
from flask import Blueprint

bp = Blueprint("notices", __name__, url_prefix="/notices")
