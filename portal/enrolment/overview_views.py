"""Routes of the upper tiers: review of manual additions, and the province's re-match of every school with a
self-polling progress fragment that follows its background job. (Progress figures are portal.oversight's drill-down and school list.)"""
from flask import flash, redirect, request, url_for

from portal.enrolment import bp, manual, rematch
from portal.enrolment.matching import last_matching_at
from portal.errors import saving
from portal.extensions import db
from portal.jobs import kinds
from portal.terms import current_term
from portal.vocab import ReviewStatus, Role
from portal.web import UPPER_TIERS, acting, page_number, render, roles_required, scope, wants_fragment


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
    with saving() as saved:
        manual.review_addition(acting(), student, request.form.get("decision") == "approve",
                               request.form.get("comment", ""))
    error = saved.message
    if wants_fragment():
        return render("enrolment/_review_row.html", student=student, error=error)
    if error:
        flash(error)
    return redirect(url_for("enrolment.review_list"), 303)


def _matching_context():
    return {"run": rematch.latest_run(), "job": rematch.active_job(), "kind": kinds()[rematch.JOB_KIND],
            "term": current_term(),
            "last_matched": last_matching_at(), "library_changed": rematch.library_newer_than_matching(),
            "error": None}


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
    """The re-match is queued for the worker; this page then follows the job until it is done."""
    with saving() as saved:
        rematch.request_rematch(acting(), current_term())
    if saved.refusal:
        context = {**_matching_context(), "error": saved.message}
        return render("enrolment/matching.html", "enrolment/_matching_status.html", saved.status, **context)
    if wants_fragment():
        return render("enrolment/_matching_status.html", **_matching_context())
    return redirect(url_for("enrolment.matching_page"), 303)
