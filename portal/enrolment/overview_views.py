"""Routes of the upper tiers: 比对进度 (schools in scope, from SchoolProgress), review of manual additions,
and the province's re-match of every school with a self-polling progress fragment."""
from flask import current_app, flash, redirect, request, url_for

from portal.enrolment import manual, overview, rematch
from portal.enrolment.common import EnrolmentError
from portal.enrolment.matching import last_matching_at
from portal.enrolment.views import UPPER_TIERS, bp, selected_term
from portal.extensions import db
from portal.org.models import Region
from portal.progress.services import CATEGORY_FIGURES
from portal.terms import current_term
from portal.vocab import ReviewStatus, Role
from portal.web import acting, page_number, render, roles_required, scope, wants_fragment

CATEGORY_COLUMNS = [(column, category.label) for column, category in CATEGORY_FIGURES.items()]


@bp.get("/progress", endpoint="progress")
@roles_required(*UPPER_TIERS)
def progress_page():
    term = selected_term()
    filters = overview.ProgressFilter.from_args(request.args)
    schools = db.paginate(overview.schools_with_progress(scope(), term.code, filters), page=page_number(),
                          per_page=50, error_out=False)
    figures = overview.figures_of([school.id for school in schools.items], term.code)
    regions = db.session.scalars(scope().regions().order_by(Region.code)).all()
    return render("enrolment/progress.html", "enrolment/_progress_table.html", term=term, filters=filters,
                  schools=schools, figures=figures, totals=overview.totals(scope(), term.code, filters),
                  regions=regions, category_columns=CATEGORY_COLUMNS)


@bp.get("/review")
@roles_required(*UPPER_TIERS)
def review_list():
    status = request.args.get("status", ReviewStatus.PENDING.value)
    students = db.paginate(manual.additions(scope(), status), page=page_number(), per_page=50, error_out=False)
    return render("enrolment/review.html", "enrolment/_review_table.html", students=students, review_status=status,
                  ReviewStatus=ReviewStatus, error=None)


@bp.post("/students/<int:student_id>/review")
@roles_required(*UPPER_TIERS)
def review_student(student_id: int):
    student = manual.reviewable_addition(scope(), student_id)
    error = None
    try:
        manual.review_addition(acting(), student, request.form.get("decision") == "approve",
                               request.form.get("comment", ""))
    except EnrolmentError as refusal:
        error = refusal.message
    if wants_fragment():
        return render("enrolment/_review_row.html", student=student, error=error)
    if error:
        flash(error)
    return redirect(url_for("enrolment.review_list"), 303)


def _matching_context():
    run = rematch.latest_run()
    return {"run": run, "term": current_term(), "last_matched": last_matching_at(),
            "library_changed": rematch.library_newer_than_matching(), "error": None}


@bp.get("/matching")
@roles_required(Role.PROVINCE)
def matching_page():
    return render("enrolment/matching.html", "enrolment/_matching_status.html", **_matching_context())


@bp.get("/matching/status")
@roles_required(Role.PROVINCE)
def matching_status():
    return render("enrolment/_matching_status.html", **_matching_context())


@bp.post("/matching")
@roles_required(Role.PROVINCE)
def start_matching():
    try:
        run = rematch.start_rematch(acting(), current_term())
    except EnrolmentError as refusal:
        context = {**_matching_context(), "error": refusal.message}
        return render("enrolment/matching.html", "enrolment/_matching_status.html", 422, **context)
    if current_app.config.get("MATCHING_IN_BACKGROUND", not current_app.testing):
        rematch.finish_in_background(current_app._get_current_object(), run.id)
    else:
        rematch.finish_rematch(run.id)
    if wants_fragment():
        return render("enrolment/_matching_status.html", **_matching_context())
    return redirect(url_for("enrolment.matching_page"), 303)
