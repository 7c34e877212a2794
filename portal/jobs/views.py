"""Routes of a job: its page, the progress fragment the page polls, and its result file."""
from flask import abort, send_file
from flask_login import current_user, login_required

from portal.extensions import db
from portal.jobs import bp
from portal.jobs.models import Job
from portal.jobs.services import kinds, result_path
from portal.scope import refuse_and_record
from portal.web import render


def _own_job(job_id: int) -> Job:
    """A job of the signed-in user; anyone else's answers 404 (and the attempt is recorded)."""
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if job.user_id != current_user.id:
        refuse_and_record(current_user, "job", job.id)
    return job


def _context(job: Job) -> dict:
    kind = kinds().get(job.kind)
    step = kind.next_step(job) if kind and kind.next_step and job.finished else None
    return {"job": job, "kind": kind, "next_step": step}


@bp.get("/<int:job_id>")
@login_required
def page(job_id: int):
    return render("jobs/job.html", "jobs/_progress.html", **_context(_own_job(job_id)))


@bp.get("/<int:job_id>/progress")
@login_required
def progress(job_id: int):
    return render("jobs/_progress.html", **_context(_own_job(job_id)))


@bp.get("/<int:job_id>/file")
@login_required
def result_file(job_id: int):
    job = _own_job(job_id)
    path = result_path(job)
    if path is None:
        abort(404)
    response = send_file(path, as_attachment=True, download_name=job.result_name)
    response.headers["Cache-Control"] = "no-store"
    return response
