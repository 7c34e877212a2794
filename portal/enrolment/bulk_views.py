"""Routes of the province's bulk enrolment import: the page with its upload form (and, with ?job=N, what that
import job refused, row by row), the upload that hands the file to a background job, and the refused rows as xlsx."""
from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal import jobs, sheets, uploads
from portal.enrolment import bp, bulk, upload
from portal.errors import saving
from portal.extensions import db
from portal.jobs.models import Job
from portal.scope import refuse_and_record
from portal.terms import current_term
from portal.vocab import Role
from portal.web import acting, download, render, roles_required


def _bulk_page(status: int = 200, **context):
    return render("enrolment/bulk.html", status=status, term=current_term(),
                  **{"error": None, "refused": None, **context})


def _refused(job_id: int | None) -> dict:
    """The refused rows an import job of this user kept (404 for anyone else's, or another kind of job)."""
    job = db.session.get(Job, job_id) if job_id else None
    if job is not None and job.user_id != current_user.id:
        refuse_and_record(current_user, "job", job.id)
    if job is None or job.kind != bulk.KIND:
        abort(404)
    data = jobs.job_data(job)
    if "errors" not in data:
        return {}
    data["errors"] = [sheets.RowError(row, column, reason) for row, column, reason in data["errors"]]
    return {"refused": data}


@bp.route("/bulk", methods=["GET", "POST"])
@roles_required(Role.PROVINCE)
def bulk_import():
    """GET: the page (?job=N: that job's refused rows). POST: the file is staged and imported by a background job
    whose page shows how far it got."""
    if request.method == "GET":
        return _bulk_page(**(_refused(request.args.get("job", type=int)) if request.args.get("job") else {}))
    with saving() as saved:
        token, _ = uploads.stage(request.files.get("file"), current_user.id)
    if saved.refusal:
        return _bulk_page(saved.status, error=saved.message)
    job = jobs.submit(bulk.KIND, {"token": token, "term": current_term().code}, acting())
    return redirect(url_for("jobs.page", job_id=job.id), 303)


@bp.post("/bulk/refused")
@roles_required(Role.PROVINCE)
def bulk_refused_rows():
    """The refused rows of the staged file, with a reason column, to correct and upload again."""
    with saving() as saved:
        source, filename = uploads.staged(request.form.get("token", ""), current_user.id)
        content = upload.refused_rows(acting(), None, current_term(), source, filename)
    if saved.refusal:
        return _bulk_page(saved.status, error=saved.message)
    return download(content, "学籍批量导入错误行.xlsx")
