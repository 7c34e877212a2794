"""The home page: the user's scope as a drill-down tree (upper tiers), or their own unit."""
from flask import Blueprint
from flask_login import current_user, login_required

from portal.org import services as org
from portal.web import render, scope

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    root_code = scope().root_code
    tree = org.branch(scope(), scope().region(root_code)) if root_code else None
    totals = org.scope_totals(scope()) if root_code else None
    return render("home/index.html", tree=tree, totals=totals, school=current_user.school)
