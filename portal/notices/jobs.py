"""A large batch of notices as one PDF, made by the worker (portal.jobs): a school of 3,000 hardship students
takes minutes, which no web request may hold. The job page shows the pages done; the PDF downloads from it."""
from io import BytesIO

from flask import url_for

from portal.audit.services import Target, record
from portal.extensions import db
from portal.jobs import JobRefused, Outcome, job_kind
from portal.notices.pdf import render_notices_pdf
from portal.notices.services import Selection
from portal.org.models import School
from portal.terms import TermError, parse_term
from portal.vocab import AuditAction

KIND = "notices_pdf"


def _download(job) -> tuple[str, str] | None:
    return ("下载告知书 PDF", url_for("jobs.result_file", job_id=job.id)) if job.result_file else None


@job_kind(KIND, "生成资助政策告知书 PDF", unit="份", next_step=_download)
def make_notices_pdf(params: dict, actor, progress) -> Outcome:
    """params: school_id, term (code) and args (the Selection's query arguments), checked against the scope by
    the view that submitted the job."""
    school = db.session.get(School, params["school_id"])
    if school is None:
        raise JobRefused("学校不存在，未生成告知书")
    try:
        term = parse_term(params["term"])
    except TermError:
        raise JobRefused("学期无效，未生成告知书") from None
    selection = Selection.from_args(params.get("args", {}))
    out = BytesIO()
    pages = render_notices_pdf(school, term, selection, out, progress=lambda done, total: progress(done, total))
    record(actor, AuditAction.PRINT_NOTICES, Target.of_school(school),
           f"{term.label}｜{selection.describe()}｜{pages} 份｜后台生成PDF")
    return Outcome(f"已生成 {pages} 份告知书", file=(out.getvalue(),
                   f"{school.name}{term.label}资助政策告知书（{selection.describe()}）.pdf"))
