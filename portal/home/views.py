"""The home page: for the upper tiers, what to do this term (counts of schools to chase, each opening the list
of those schools) for their own region and each region below it; a school's or a department's own unit."""
from flask_login import current_user, login_required

from portal.errors import saving
from portal.home import bp
from portal.oversight import services as oversight
from portal.oversight.figures import TermReading
from portal.oversight.options import TODO_FLAGS, PersonList
from portal.progress.services import progress_of
from portal.progress.summary import build_summary, summarised
from portal.reasons import services as reasons
from portal.terms import current_term
from portal.web import render, scope


def _unit_page(school):
    """A school's home (this term's library figures, what is due next) or a department's (school is None)."""
    if school is None:
        return render("home/index.html", school=None)
    term = current_term()
    return render("home/index.html", school=school, term=term, figures=progress_of(school.id, term.code),
                  due=reasons.due_next(school))


@bp.get("/")
@login_required
def index():
    root_code = scope().root_code
    if root_code is None:
        return _unit_page(current_user.school)
    region = scope().region(root_code)
    reading = TermReading(scope(), current_term())
    if not summarised(reading.term.code):  # no write has reached the term yet: its first read builds the summary
        with saving():
            build_summary(reading.term)
    todo = oversight.todo(reading, region)
    return render("home/index.html", region=region, term=reading.term, total=todo.total, rows=todo.rows,
                  flags=TODO_FLAGS, invalid=todo.invalid, PersonList=PersonList)
