"""Routes of a school's hardship enrolment library: the table, a student, the full ID on request, verification,
the export, and the school's manual additions. Upper tiers reach a school's library from its school page."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal import exports
from portal.enrolment import bp, export_jobs, library, manual
from portal.enrolment.common import current_upload
from portal.enrolment.forms import AdditionForm, LibraryFilterForm
from portal.enrolment.models import HardshipStudent
from portal.errors import saving
from portal.extensions import db
from portal.forms import checked
from portal.funding import students as funding
from portal.notices import services as notices
from portal.places import place_name
from portal.progress.services import progress_of
from portal.scope import reviewing_role
from portal.terms import current_term
from portal.vocab import (Category, DibaoType, DisabilityGrade, DisabilityType, HardshipLevel, LibraryFlag,
                          PovertyStatus, Role, Stage)
from portal.web import (ALL_TIERS, UPPER_TIERS, acting, page_number, render, roles_required, scope,
                        selected_term, wants_fragment)

VOCABULARIES = {"Category": Category, "LibraryFlag": LibraryFlag, "HardshipLevel": HardshipLevel,
                "PovertyStatus": PovertyStatus, "DibaoType": DibaoType, "DisabilityType": DisabilityType,
                "DisabilityGrade": DisabilityGrade, "Stage": Stage}


@bp.get("/")
@login_required
def index():
    """The nav's entry: a school's own library; the upper tiers' progress is oversight's drill-down."""
    if current_user.role == Role.SCHOOL.value:
        return library_page(current_user.school_id)
    if current_user.role in {role.value for role in UPPER_TIERS}:
        return redirect(url_for("oversight.index"))
    abort(404)


@bp.get("/schools/<int:school_id>/library", endpoint="library")
@roles_required(*ALL_TIERS)
def library_page(school_id: int):
    school = scope().school(school_id)
    term = selected_term()
    filters = LibraryFilterForm.read(request.args)
    # funding status and amount of the period (portal.funding), and its 未受助 filter
    funding_period = funding.library_period(school, term)
    funding_status = request.args.get("funding") if request.args.get("funding") in funding.STATUS_FILTERS else None
    query = funding.with_status(library.library_students(school.id, term.code, filters), school.id, funding_period,
                                funding_status)
    students = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    return render("enrolment/library.html", "enrolment/_table.html", school=school, term=term, filters=filters,
                  funding_period=funding_period, funding_status=funding_status, funding_filters=funding.STATUS_FILTERS,
                  paid=funding.paid(school.id, funding_period, students.items),
                  students=students, classes=library.class_names(school.id, term.code),
                  grades=library.grade_names(school.id, term.code), notified_filters=library.NOTIFIED_FILTERS,
                  told=notices.told(student.id for student in students.items),
                  progress=progress_of(school.id, term.code), snapshot=current_upload(school.id, term),
                  **VOCABULARIES)


@bp.get("/schools/<int:school_id>/library/export.xlsx")
@roles_required(*ALL_TIERS)
def export_library(school_id: int):
    """Up to exports.IN_REQUEST_ROWS students at once; a big school's library is written by the worker."""
    school = scope().school(school_id)
    term = selected_term()
    return exports.answer(library.export_count(school.id, term.code), export_jobs.KIND,
                          {"school_id": school.id, "term": term.code}, acting(),
                          lambda: library.library_xlsx(acting(), school, term), library.export_name(school, term))


def _student_page(student, status: int = 200, **context):
    context.setdefault("history", funding.history(scope(), student))  # funding across periods (portal.funding)
    context.setdefault("told", notices.history(student.id))  # families told (portal.notices)
    not_enrolled = student.is_manual and manual.enrolment_of(student.school_id, student.term, student.id_hash) is None
    return render("enrolment/student.html", status=status, student=student, place=place_name(
        student.hukou_code or student.region_prefix), from_hukou=bool(student.hukou_code), error=None,
        revealed=None, duplicate_schools=library.duplicate_schools(student), not_enrolled=not_enrolled,
        **{**VOCABULARIES, **context})


@bp.get("/students/<int:student_id>")
@roles_required(*ALL_TIERS)
def student_page(student_id: int):
    return _student_page(scope().owned(HardshipStudent, student_id))


@bp.post("/students/<int:student_id>/reveal")
@roles_required(*ALL_TIERS)
def reveal_id(student_id: int):
    student = scope().owned(HardshipStudent, student_id)
    with saving() as saved:  # the reveal is in the audit log before the number is shown
        number = library.reveal_id(acting(), student, request.form.get("reason"))
    if saved.refusal:
        if wants_fragment():
            return render("enrolment/_id_number.html", status=saved.status, student=student, revealed=None,
                          reveal_error=saved.message)
        return _student_page(student, saved.status, reveal_error=saved.message)
    if wants_fragment():
        return render("enrolment/_id_number.html", student=student, revealed=number)
    return _student_page(student, revealed=number)


@bp.post("/students/<int:student_id>/verify")
@roles_required(Role.SCHOOL)
def verify_student(student_id: int):
    student = scope().owned(HardshipStudent, student_id)
    answers = {name: {"1": True, "0": False}.get(request.form.get(name, "")) for name in ("in_school", "needs_aid")}
    with saving() as saved:
        library.verify(acting(), student, answers["in_school"], answers["needs_aid"], request.form.get("level"))
    if saved.refusal:
        if wants_fragment():
            return render("enrolment/_verify.html", student=student, error=saved.message, saved=False,
                          **VOCABULARIES)
        return _student_page(student, saved.status, error=saved.message)
    if wants_fragment():
        return render("enrolment/_verify.html", student=student, error=None, saved=True, **VOCABULARIES)
    flash("核实结果已保存")
    return redirect(url_for("enrolment.student_page", student_id=student.id), 303)


@bp.route("/add", methods=["GET", "POST"])
@roles_required(Role.SCHOOL)
def add_student():
    school, term = current_user.school, current_term()
    form = AdditionForm()
    if request.method == "POST":
        with saving() as saved:
            student = manual.add_student(acting(), school, term, **checked(form))
        if saved.refusal:  # a student not in the school's 学籍: the form again, with the warning and the box
            not_enrolled = isinstance(saved.refusal, manual.NotEnrolled)
            return render("enrolment/add.html", status=saved.status, school=school, term=term, form=form,
                          error=None if not_enrolled else saved.message,
                          not_enrolled=saved.message if not_enrolled else None, **VOCABULARIES)
        flash(f"已新增 {student.name}，待{reviewing_role(school).label}资助部门审核")
        return redirect(url_for("enrolment.student_page", student_id=student.id), 303)
    return render("enrolment/add.html", school=school, term=term, form=form, error=None, not_enrolled=None,
                  **VOCABULARIES)
