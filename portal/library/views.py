"""Routes of the base library: overview, import (upload → preview → confirm or cancel), batch history, search."""
import json

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user


from portal import jobs, sheets, uploads
from portal.enrolment import matching
from portal.errors import saving
from portal.extensions import db
from portal.idcard import check_digit
from portal.jobs.models import Job
from portal.library import bp, diff, importer, services
from portal.library.access import importable_categories, visible_batch
from portal.library.columns import IMPORT_HINTS, TEMPLATE_EXAMPLES, columns_for
from portal.library.models import BatchStatus, LibraryBatch, LibraryRecord
from portal.scope import refuse_and_record
from portal.vocab import Category, Role
from portal.web import acting, download, page_number, render, roles_required


READERS = (Role.PROVINCE, Role.DEPARTMENT)
EXAMPLE_ID = "32010220100315001" + check_digit("32010220100315001")  # a valid number for the template's example row


def _category(code: str) -> Category:
    """A category this account may import; any other answers 404, as if the page did not exist."""
    try:
        category = Category(code)
    except ValueError:
        abort(404)
    if category not in importable_categories(current_user):
        refuse_and_record(current_user, "library_category", category.label)
    return category


@bp.get("/")
@roles_required(Role.PROVINCE)
def overview():
    return render("library/overview.html", overview=services.overview(), last_matching=matching.last_matching_at(),
                  matching_url=url_for("enrolment.matching_page"))


# -- import: upload → preview → confirm or cancel ------------------------------------------------
@bp.get("/import")
@roles_required(*READERS)
def import_start():
    return render("library/import_start.html", categories=importable_categories(current_user))


@bp.route("/import/<category>", methods=["GET", "POST"])
@roles_required(*READERS)
def import_file(category: str):
    """GET: the import page (with ?job=N, that import job's preview or refused rows). POST: the file is staged
    and read by a background job; the user follows its progress on the job's page."""
    category = _category(category)
    if request.method == "GET":
        if request.args.get("job"):
            return _import_page(category, **_job_preview(category, request.args.get("job", type=int)))
        return _import_page(category)
    with saving() as saved:
        token, _ = uploads.stage(request.files.get("file"), current_user.id)
    if saved.refusal:
        return _import_page(category, error=saved.message, status=saved.status)
    job = jobs.submit("library_import", {"category": category.value, "token": token}, acting())
    return redirect(url_for("jobs.page", job_id=job.id), 303)


def _job_preview(category: Category, job_id: int | None) -> dict:
    """What an import job of this user found: the pending batch's preview, or the refused rows (404 otherwise)."""
    job = db.session.get(Job, job_id) if job_id else None
    if job is not None and job.user_id != current_user.id:
        refuse_and_record(current_user, "job", job.id)
    if job is None or job.kind != "library_import":
        abort(404)
    if json.loads(job.params).get("category") != category.value:
        abort(404)
    data = jobs.job_data(job)
    if "batch_id" in data:
        batch = db.session.get(LibraryBatch, data["batch_id"])
        if batch is None or batch.status != BatchStatus.PENDING:
            return {"error": "这次导入已确认或已取消，请查看导入历史"}
        return {"preview": importer.preview_of(batch)}
    if "errors" in data:
        errors = [sheets.RowError(row, column, reason) for row, column, reason in data["errors"]]
        found = importer.ImportPreview(category, data["filename"], data["rows_read"], [], errors,
                                       data["errors_total"], data["rows_refused"])
        return {"preview": found, "token": data["token"], "status": 422}
    if not job.finished:
        return {"error": "文件仍在后台读取和检查中，请稍候再打开本页"}
    return {"error": job.message, "status": 422}


def _import_page(category: Category, preview=None, token=None, error=None, status=200):
    pending = db.session.scalars(services.batch_history(current_user, category.value)
                                 .where(LibraryBatch.status == BatchStatus.PENDING,
                                        LibraryBatch.uploaded_by_id == current_user.id)).all()
    return render("library/import.html", category=category, columns=columns_for(category),
                  hint=IMPORT_HINTS.get(category), preview=preview,
                  token=token, error=error, pending=[b for b in pending if not preview or b is not preview.batch],
                  categories=importable_categories(current_user), status=status)


@bp.post("/import/<category>/refused")
@roles_required(*READERS)
def refused_rows(category: str):
    """The refused rows of a previewed file, with a reason column, to correct and upload again."""
    category = _category(category)
    with saving() as saved:
        path, filename = uploads.staged(request.form.get("token", ""), current_user.id)
        content = importer.refused_rows(acting(), category, path, filename)
    if saved.refusal:
        return _import_page(category, error=saved.message, status=saved.status)
    return download(content, f"{category.label}导入错误行.xlsx")


@bp.get("/import/<category>/template.xlsx")
@roles_required(*READERS)
def import_template(category: str):
    category = _category(category)
    columns = columns_for(category)
    example = ["张三", EXAMPLE_ID, "320102", *TEMPLATE_EXAMPLES[category]]
    return download(sheets.template_xlsx(columns, example, sheet_title=category.label), f"{category.label}导入模板.xlsx")


@bp.post("/batches/<int:batch_id>/confirm")
@roles_required(*READERS)
def confirm_batch(batch_id: int):
    batch = visible_batch(current_user, batch_id)
    with saving():  # counted again when another import came first: kept, and shown, even if confirming is refused
        importer.recount(acting(), batch.id)
    with saving() as saved:
        importer.confirm(acting(), batch.id, request.form.get("removed"))
    if isinstance(saved.refusal, importer.RemovalNotConfirmed):
        # The same preview again with the refusal (200, so that a boosted form shows it).
        return _import_page(Category(batch.category), preview=importer.preview_of(batch), error=saved.message)
    if saved.refusal:
        flash(saved.message)
        return redirect(url_for("library.import_file", category=batch.category), 303)
    flash(f"{batch.category_label}数据已导入：{batch.records:,} 人（新增 {batch.added:,}，减少 {batch.removed:,}，"
          f"变更 {batch.changed:,}），已替换原有数据")
    return redirect(url_for("library.batch_page", batch_id=batch.id), 303)


@bp.post("/batches/<int:batch_id>/cancel")
@roles_required(*READERS)
def cancel_batch(batch_id: int):
    batch = visible_batch(current_user, batch_id)
    with saving() as saved:
        importer.cancel(acting(), batch.id)
    flash(saved.message or "已取消本次导入，原有数据不变")
    return redirect(url_for("library.import_file", category=batch.category), 303)


# -- history ------------------------------------------------------------------------------------
@bp.get("/batches")
@roles_required(*READERS)
def batch_list():
    batches = db.paginate(services.batch_history(current_user, request.args.get("category") or None),
                          page=page_number(), per_page=50, error_out=False)
    return render("library/batches.html", "library/_batch_table.html", batches=batches,
                  categories=importable_categories(current_user))


@bp.get("/batches/<int:batch_id>")
@roles_required(*READERS)
def batch_page(batch_id: int):
    batch = visible_batch(current_user, batch_id)
    kind = request.args.get("kind") if request.args.get("kind") in diff.KINDS else "added"
    changes = diff.changes(batch, kind, page_number(), current_app.config.get("PAGE_SIZE", 50))
    return render("library/batch.html", "library/_changes.html", batch=batch, kind=kind, changes=changes,
                  kinds=diff.KINDS, needs_matching=_needs_matching(batch),
                  matching_url=url_for("enrolment.matching_page"))


def _needs_matching(batch: LibraryBatch) -> bool:
    """The province, looking at a current batch confirmed after the last whole-province matching: the schools'
    libraries do not reflect it yet (departments do not match, so they are not told)."""
    if current_user.role != Role.PROVINCE.value or batch.status != BatchStatus.CURRENT or not batch.confirmed_at:
        return False
    last = matching.last_matching_at()
    return last is None or batch.confirmed_at > last


# -- search and reveal --------------------------------------------------------------------------
@bp.route("/search", methods=["GET", "POST"])
@roles_required(Role.PROVINCE)
def search():
    """The search form (GET), and the search itself (POST): an ID number never travels in a URL, where the
    access log and the browser's history would keep it. Each search is recorded."""
    text = request.form.get("q", "") if request.method == "POST" else ""
    result = services.SearchResult("")
    if text.strip():
        with saving():  # the search is in the audit log before its result is shown
            result = services.search(acting(), text)
    return render("library/search.html", "library/_results.html", result=result)


@bp.post("/records/<int:record_id>/reveal")
@roles_required(Role.PROVINCE)
def reveal_id(record_id: int):
    with saving() as saved:  # the reveal is in the audit log before the number is shown
        found, number = services.reveal(acting(), record_id, request.form.get("reason"))
    if saved.refusal:
        person = db.session.get(LibraryRecord, record_id)
        return render("library/reveal_refused.html", "library/_reveal_cell.html", saved.status, person=person,
                      reveal_error=saved.message)
    return render("library/revealed.html", "library/_revealed.html", record=found, number=number)
