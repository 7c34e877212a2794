"""The home page: for the upper tiers, what to do this term (counts of schools to chase, each opening the list
of those schools) for their own region and each region below it; a school's or a department's own unit."""
from flask_login import current_user, login_required

from portal.home import bp
from portal.org import services as org
from portal.oversight import services as oversight
from portal.oversight.figures import TermReading
from portal.oversight.options import TODO_FLAGS, PersonList
from portal.terms import current_term
from portal.web import render, scope


@bp.get("/")
@login_required
def index():
    root_code = scope().root_code
    if root_code is None:
        return render("home/index.html", school=current_user.school)
    region = scope().region(root_code)
    reading = TermReading(scope(), current_term())
    table = oversight.level(reading, region, reading.todo_columns())
    direct = oversight.direct_schools(table, region)
    return render("home/index.html", region=region, term=reading.term, total=table.total,
                  rows=[*table.regions, *([direct] if direct else [])], flags=TODO_FLAGS,
                  invalid=org.scope_totals(scope()).invalid, PersonList=PersonList)
