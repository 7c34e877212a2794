"""Routes: the project catalogue, a school's funding pages (overview, records, library status, a student's
history), export and submission. The import and hand entry live in import_views, 财政资金 in fiscal_views;
all three put their routes on the package's blueprint; pages.py holds what they share."""
from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import exports
from portal.deadlines import periods as work_periods, services as deadlines
from portal.enrolment.models import HardshipStudent
from portal.errors import saving
from portal.extensions import db
from portal.funding import bp, catalogue, export_jobs, records, students
from portal.funding.pages import school_and_period, school_context
from portal.org.models import School
from portal.progress.models import SchoolProgress
from portal.terms import TermError, current_term, parse_term, recent_terms
from portal.vocab import PeriodType, ProjectLevel, Role, Stage, SubmissionKind
from portal.web import ALL_TIERS, acting, page_number, render, roles_required, scope


VOCABULARIES = {"ProjectLevel": ProjectLevel, "PeriodType": PeriodType, "Stage": Stage}


# -- catalogue -------------------------------------------------------------------------------------------
@bp.get("/projects")
@roles_required(*ALL_TIERS)
def project_list():
    level, stage = request.args.get("level") or None, request.args.get("stage") or None
    projects = db.paginate(catalogue.visible_projects(scope(), level, stage), page=page_number(), per_page=50,
                           error_out=False)
    return render("funding/projects.html", "funding/_projects.html", projects=projects, level=level, stage=stage,
                  levels=catalogue.LEVELS_BY_ROLE.get(scope().role, ()), **VOCABULARIES)


@bp.route("/projects/new", methods=["GET", "POST"])
@roles_required(*ALL_TIERS)
def create_project():
    levels = catalogue.LEVELS_BY_ROLE[scope().role]
    draft = catalogue.ProjectDraft("", levels[0].value, [], PeriodType.TERM.value, [], PeriodType.YEAR.value)
    error = None
    if request.method == "POST":
        form = request.form
        draft = catalogue.ProjectDraft(form.get("name", ""), form.get("level", ""), form.getlist("stages"),
                                       form.get("period_type", ""), form.getlist("standards"),
                                       form.get("standard_per", ""), form.get("note", ""))
        with saving() as saved:
            project = catalogue.create_project(acting(), scope(), draft)
        if not saved.refusal:
            flash(f"已设立资助项目“{project.name}”")
            return redirect(url_for("funding.project_list"), 303)
        error = saved.message
    stages = current_user.school.stage_list if current_user.school else list(Stage)
    return render("funding/project_new.html", draft=draft, levels=levels, stages=stages, error=error,
                  status=422 if error else 200, **VOCABULARIES)


@bp.post("/projects/<int:project_id>/active")
@roles_required(*ALL_TIERS)
def set_project_active(project_id: int):
    project = catalogue.managed_project(scope(), project_id)
    active = request.form.get("active") == "1"
    with saving() as saved:
        catalogue.set_project_active(acting(), project, active)
    flash(saved.message or f"资助项目“{project.name}”已{'启用' if active else '停用'}")
    return redirect(url_for("funding.project_list"), 303)


# -- a school's funding ----------------------------------------------------------------------------------
@bp.get("/")
@roles_required(*ALL_TIERS)
def index():
    """A school sees its own period; upper tiers get their schools' funding figures (from progress)."""
    if current_user.role == Role.SCHOOL.value:
        return school_page(current_user.school_id)
    try:
        term = parse_term(request.args["term"]) if request.args.get("term") else current_term(deadlines.today())
    except TermError:
        term = current_term(deadlines.today())
    query = (select(SchoolProgress).join(School, School.id == SchoolProgress.school_id)
             .where(scope().school_condition(), SchoolProgress.term == term.code, School.active.is_(True))
             .order_by(SchoolProgress.unfunded.desc(), School.code))
    rows = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    schools = {school.id: school for school in db.session.scalars(
        select(School).where(School.id.in_([progress.school_id for progress in rows.items])))}
    return render("funding/index.html", "funding/_index_table.html", rows=rows, schools=schools, term=term,
                  terms=recent_terms(deadlines.today()))


@bp.get("/schools/<int:school_id>")
@roles_required(*ALL_TIERS)
def school_page(school_id: int):
    school, period = school_and_period(school_id)
    summary = records.overview(school, period)
    return render("funding/school.html", overview=summary,
                  **school_context(school, period))


@bp.get("/schools/<int:school_id>/records")
@roles_required(*ALL_TIERS)
def record_list(school_id: int):
    school, period = school_and_period(school_id)
    incomplete, search = request.args.get("incomplete") == "1", request.args.get("q", "").strip()
    found = db.paginate(records.records_query(school, period, incomplete, search), page=page_number(), per_page=50,
                        error_out=False)
    return render("funding/records.html", "funding/_records.html", records=found, incomplete=incomplete,
                  search=search, **school_context(school, period))


@bp.get("/schools/<int:school_id>/records.xlsx")
@roles_required(*ALL_TIERS)
def export_records(school_id: int):
    """Up to exports.IN_REQUEST_ROWS records at once; a big school's list is written by the worker."""
    school, period = school_and_period(school_id)
    return exports.answer(records.export_count(school, period), export_jobs.KIND,
                          {"school_id": school.id, "period": period.code}, acting(),
                          lambda: records.export(acting(), school, period),
                          records.export_name(school, period))


@bp.get("/schools/<int:school_id>/students")
@roles_required(*ALL_TIERS)
def student_list(school_id: int):
    """The library with each student's status and amount in the period, filterable to 未受助."""
    school, period = school_and_period(school_id)
    status = request.args.get("status") if request.args.get("status") in students.STATUS_FILTERS else None
    search = request.args.get("q", "").strip()
    rows = db.paginate(students.library_table(school.id, period, status, search), page=page_number(), per_page=50,
                       error_out=False)
    return render("funding/students.html", "funding/_students.html", rows=rows, status_filter=status, search=search,
                  paid=students.paid(school.id, period, rows.items), filters=students.STATUS_FILTERS,
                  **school_context(school, period))


@bp.get("/students/<int:student_id>")
@roles_required(*ALL_TIERS)
def student_history(student_id: int):
    student = scope().owned(HardshipStudent, student_id)
    return render("funding/student.html", "funding/_history.html", student=student,
                  history=students.history(scope(), student))


@bp.post("/schools/<int:school_id>/submit")
@roles_required(Role.SCHOOL)
def submit(school_id: int):
    school, period = school_and_period(school_id)
    with saving() as saved:
        kind = records.submit(acting(), school, period, request.form.get("kind", SubmissionKind.FUNDING.value))
    flash(saved.message or (f"{period.label}{kind.label}已提交，等待主管部门审核" if work_periods.work(kind).authority_review
                            else f"{period.label}{kind.label}已由学校审核确认（无需主管部门审核）"))
    return redirect(url_for("funding.school_page", school_id=school.id, period=period.code), 303)
