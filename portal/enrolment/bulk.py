"""The province's bulk enrolment import (DESIGN §4.2: one 学籍 file for many schools, a 学校标识码 column) as a
background job: the worker reads and checks the staged file and, when every row is clean, makes it each named
school's snapshot, matches and refreshes their progress rows, all in one transaction (upload.import_file, the
same path as `flask import-enrolment` without --school). A file with errors imports nothing; its refused rows,
with the user's row numbers, are kept with the job for the import page."""
from flask import url_for

from portal import uploads
from portal.enrolment import upload
from portal.enrolment.common import EnrolmentError
from portal.jobs import JobRefused, Outcome, job_data, job_kind
from portal.terms import TermError, parse_term

KIND = "enrolment_bulk_import"
SHOWN_ERRORS = 200  # refused rows kept with the job for the page (the xlsx download has them all)


def _to_import_page(job) -> tuple[str, str] | None:
    if "errors" in job_data(job):
        return "查看错误行", url_for("enrolment.bulk_import", job=job.id)
    return "返回批量导入页面", url_for("enrolment.bulk_import")


@job_kind(KIND, "学籍批量导入（多校）", unit="行", next_step=_to_import_page)
def import_bulk_file(params: dict, actor, progress) -> Outcome:
    """params: token (the staged upload of the asking user) and term (code)."""
    try:
        term = parse_term(params["term"])
        source, filename = uploads.staged(params["token"], actor.user_id)
        preview, run = upload.import_file(actor, source, filename, term, None,
                                          progress=lambda done, total, message=None: progress(done, total, message))
    except TermError:
        raise JobRefused("学期无效，未导入任何数据。") from None
    except uploads.UploadError as refusal:
        raise JobRefused(f"{refusal}。未导入任何数据。".replace("。。", "。")) from None
    except upload.RowsRefused as refusal:
        preview = refusal.preview
        errors = [[error.row, error.column, error.reason] for error in preview.errors[:SHOWN_ERRORS]]
        raise JobRefused(f"文件中有 {preview.rows_refused:,} 行有错误（共 {preview.errors_total:,} 处），整个文件未导入，"
                         f"各校原有学籍保持不变。请查看错误行，改正后重新上传。",
                         data={"token": params["token"], "filename": filename, "rows_read": preview.rows_read,
                               "rows_refused": preview.rows_refused, "errors_total": preview.errors_total,
                               "errors": errors}) from None
    except EnrolmentError as refusal:
        raise JobRefused(f"{refusal}。未导入任何数据，各校原有学籍保持不变。".replace("。。", "。")) from None
    uploads.discard(params["token"], actor.user_id)
    return Outcome(f"已导入 {preview.schools:,} 所学校的 {preview.students:,} 名学生；{upload.outcome_text(run)}。",
                   {"schools": preview.schools, "students": preview.students})
