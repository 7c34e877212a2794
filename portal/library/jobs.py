"""The base-library import as a background job: the worker reads and checks the staged upload and writes it as a
pending batch (importer.preview); the user then sees the preview, or the refused rows, on the import page."""
import json

from flask import url_for

from portal import uploads
from portal.jobs import JobRefused, Outcome, job_data, job_kind
from portal.library import importer
from portal.library.access import LibraryError
from portal.vocab import Category

SHOWN_ERRORS = 200  # refused rows kept with the job for the import page (the xlsx download has them all)


def _to_import_page(job) -> tuple[str, str] | None:
    """Onward from a finished import job: to the preview to confirm, or back to the import page with the refusal."""
    category = json.loads(job.params)["category"]
    data = job_data(job)
    if "batch_id" in data:
        return "查看预览并确认导入", url_for("library.import_file", category=category, job=job.id)
    if "errors" in data:
        return "查看错误行", url_for("library.import_file", category=category, job=job.id)
    return "返回导入页面", url_for("library.import_file", category=category, job=job.id)


def _remove_partial_batch(params: dict, job) -> None:
    """The worker stopped during the import: the records it had stored so far go, as if the file never came."""
    importer.remove_unfinished(job.user_id, Category(params["category"]), job.started_at or job.created_at)


@job_kind("library_import", "基础信息库导入", unit="行", next_step=_to_import_page, on_interrupted=_remove_partial_batch)
def import_library_file(params: dict, actor, progress) -> Outcome:
    category = Category(params["category"])
    try:
        path, filename = uploads.staged(params["token"], actor.user_id)
        found = importer.preview(actor, category, path, filename, progress=progress)
    except uploads.UploadError as refusal:
        raise JobRefused(f"{refusal}。未导入任何数据。") from None
    except LibraryError as refusal:
        raise JobRefused(f"{refusal}。未导入任何数据，当前数据保持不变。".replace("。。", "。")) from None
    progress(found.rows_read, found.rows_read)
    if not found.ok:
        errors = [[error.row, error.column, error.reason] for error in found.errors[:SHOWN_ERRORS]]
        raise JobRefused(f"文件中有 {found.rows_refused:,} 行有错误（共 {found.errors_total:,} 处），整个文件未导入，"
                         f"当前数据保持不变。请查看错误行，改正后重新上传。",
                         data={"category": category.value, "token": params["token"], "filename": filename,
                               "rows_read": found.rows_read, "rows_refused": found.rows_refused,
                               "errors_total": found.errors_total, "errors": errors})
    uploads.discard(params["token"], actor.user_id)  # the records are in the pending batch now
    batch = found.batch
    return Outcome(f"已读取并检查 {found.rows_read:,} 行，全部有效：{batch.records:,} 人（与当前数据相比新增 {batch.added:,}，"
                   f"减少 {batch.removed:,}，变更 {batch.changed:,}）。请查看预览，确认后才会替换当前数据。",
                   {"category": category.value, "batch_id": batch.id})
