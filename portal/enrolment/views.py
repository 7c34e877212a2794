"""Routes of the enrolment area: the school's upload (template → preview → confirm). The library pages are in
library_views.py, the upper tiers' review and matching pages in overview_views.py; all on this bp."""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal import uploads
from portal.enrolment import bp, upload
from portal.enrolment.common import current_upload
from portal.enrolment.models import EnrolmentUpload
from portal.errors import saving
from portal.terms import current_term, recent_terms
from portal.vocab import Role
from portal.web import ALL_TIERS, acting, download, render, roles_required, scope


@bp.context_processor
def terms_context():
    return {"recent_terms": recent_terms()}


def _upload_page(status: int = 200, **context):
    term = current_term()
    context = {"preview": None, "token": None, "error": None, **context}
    return render("enrolment/upload.html", "enrolment/_preview.html", status, school=current_user.school,
                  term=term, snapshot=current_upload(current_user.school_id, term), **context)


@bp.get("/upload")
@roles_required(Role.SCHOOL)
def upload_page():
    return _upload_page()


@bp.get("/template.xlsx")
@roles_required(*ALL_TIERS)
def template():
    return download(upload.template_xlsx(), "学籍导入模板.xlsx")


@bp.post("/upload")
@roles_required(Role.SCHOOL)
def upload_file():
    token = None
    with saving() as saved:
        token, filename = uploads.stage(request.files.get("file"), current_user.id)
        path, _ = uploads.staged(token, current_user.id)
        preview = upload.preview_upload(acting(), current_user.school, current_term(), path, filename)
    if isinstance(saved.refusal, upload.RowsRefused):  # nothing kept: the preview lists the refused rows
        preview = saved.refusal.preview
    elif saved.refusal:
        if token:
            uploads.discard(token, current_user.id)
        return _upload_page(saved.status, error=saved.message)
    if preview.ok or not preview.errors:
        uploads.discard(token, current_user.id)  # kept only for the refused-rows download
        token = None
    return _upload_page(preview=preview, token=token)


@bp.post("/upload/refused")
@roles_required(Role.SCHOOL)
def refused_rows():
    """The refused rows of a previewed file, with a reason column, to correct and upload again."""
    with saving() as saved:
        path, filename = uploads.staged(request.form.get("token", ""), current_user.id)
        content = upload.refused_rows(acting(), current_user.school, current_term(), path, filename)
    if saved.refusal:
        return _upload_page(saved.status, error=saved.message)
    return download(content, "学籍导入错误行.xlsx")


@bp.post("/upload/<int:upload_id>/confirm")
@roles_required(Role.SCHOOL)
def confirm_upload(upload_id: int):
    pending = scope().owned(EnrolmentUpload, upload_id)
    with saving() as saved:
        run = upload.confirm_upload(acting(), current_user.school, pending.id,
                                    acknowledged=request.form.get("acknowledged") == "1")
    if saved.refusal:  # the preview again, when the upload still waits: its warnings and the box
        return _upload_page(saved.status, error=saved.message,
                            preview=upload.pending_preview(current_user.school, pending.id))
    flash(f"学籍已导入，共 {run.students} 名特殊困难学生：{upload.outcome_text(run)}")
    return redirect(url_for("enrolment.library", school_id=current_user.school_id), 303)


@bp.post("/upload/<int:upload_id>/discard")
@roles_required(Role.SCHOOL)
def discard_upload(upload_id: int):
    with saving():
        upload.discard_upload(current_user.school, scope().owned(EnrolmentUpload, upload_id).id)
    flash("已取消本次上传，原有学籍数据未变")
    return redirect(url_for("enrolment.upload_page"), 303)
