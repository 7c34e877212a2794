"""The home page: for the upper tiers, what to do this term (counts of schools to chase, each opening the list
of those schools) for their own region and each region below it; a school's or a department's own unit."""
from flask import Blueprint
from flask_login import current_user, login_required

from portal.oversight import services as oversight
from portal.oversight.figures import TermReading
from portal.oversight.options import TODO_FLAGS, PersonList
from portal.terms import current_term
from portal.web import render, scope

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    root_code = scope().root_code
    if root_code is None:
        return render("home/index.html", school=current_user.school)
    region = scope().region(root_code)
    reading = TermReading(scope(), current_term())
    todo = oversight.todo(reading, region)
    return render("home/index.html", region=region, term=reading.term, total=todo.total, rows=todo.rows,
                  flags=TODO_FLAGS, invalid=todo.invalid, PersonList=PersonList)
