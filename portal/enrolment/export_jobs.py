"""A school's 就学信息库 export as a background job (see portal/exports.py): a big school's library (tens of
thousands of students) is written by the worker for the user who asked, within that user's scope as it is then."""
from portal.enrolment import library
from portal.exports import scope_of_actor, started, still_in_scope
from portal.jobs import JobRefused, Outcome, job_kind
from portal.terms import TermError, parse_term

KIND = "library_export"


@job_kind(KIND, "导出就学信息库", unit="人")
def export_library(params: dict, actor, progress) -> Outcome:
    """params: school_id and term (code)."""
    scope = scope_of_actor(actor)
    with still_in_scope():
        school = scope.school(params["school_id"])
    try:
        term = parse_term(params["term"])
    except (KeyError, TermError):
        raise JobRefused("学期无效，未导出任何数据。") from None
    total = library.export_count(school.id, term.code)
    content = library.library_xlsx(actor, school, term, progress=started(progress, total))
    return Outcome(f"已导出 {total:,} 人，请下载文件。", file=(content, library.export_name(school, term)))
