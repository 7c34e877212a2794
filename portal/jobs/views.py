"""Routes of a job: its page, the progress fragment the page polls, and its result file."""
from flask import abort, current_app
from flask_login import current_user, login_required

from portal.audit.services import Target, record
from portal.errors import saving
from portal.extensions import db
from portal.jobs import bp
from portal.jobs.models import Job, JobStatus
from portal.jobs.services import kinds, result_content
from portal.scope import refuse_and_record
from portal.sheet_writer import note_export
from portal.vocab import AuditAction
from portal.web import acting, download, render


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
    return {"job": job, "kind": kind, "next_step": step, "file_days": current_app.config["JOB_FILE_DAYS"]}


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
    """The finished job's file, for the user who asked for it alone; each download goes into the audit log."""
    job = _own_job(job_id)
    content = result_content(job) if job.status == JobStatus.DONE else None
    if content is None:
        abort(404)
    where = Target.of_user(current_user)
    note_export(content, None)
    with saving():  # the download is in the audit log before the file goes out
        record(acting(), AuditAction.EXPORT, Target("job", str(job.id), (job.result_name or "")[:128],
                                                      where.city_code, where.county_code, where.school_id),
               f"下载后台任务 {job.id} 的文件：{job.result_name}")
    mimetype = "application/pdf" if (job.result_name or "").endswith(".pdf") else None
    return download(content, job.result_name, mimetype)
