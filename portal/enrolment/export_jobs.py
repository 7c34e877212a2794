"""A school's 就学信息库 export as a background job (see portal/exports.py): a big school's library (tens of
thousands of students) is written by the worker for the user who asked, within that user's scope as it is then."""
from portal.enrolment import library
from portal.exports import school_of, started, term_of
from portal.jobs import Outcome, job_kind

KIND = "library_export"


@job_kind(KIND, "导出就学信息库", unit="人")
def export_library(params: dict, actor, progress) -> Outcome:
    """params: school_id and term (code)."""
    school, term = school_of(actor, params), term_of(params)
    total = library.export_count(school.id, term.code)
    content = library.library_xlsx(actor, school, term, progress=started(progress, total))
    return Outcome(f"已导出 {total:,} 人，请下载文件。", file=(content, library.export_name(school, term)))
