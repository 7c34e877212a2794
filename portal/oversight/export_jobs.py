"""The oversight lists' large exports as background jobs (see portal/exports.py): 名单查询 and the school list of
a region, written by the worker for the user who asked, within that user's scope as it is when the job runs."""
from portal.exports import row_count, scope_of_actor, started, still_in_scope, term_of
from portal.jobs import Outcome, job_kind
from portal.oversight import lists, people
from portal.oversight.figures import TermReading

PEOPLE = "people_export"
SCHOOLS = "school_list_export"


@job_kind(PEOPLE, "导出名单", unit="人")
def export_people(params: dict, actor, progress) -> Outcome:
    """params: term (code) and args (the list's query arguments, PeopleFilter.args())."""
    scope, term = scope_of_actor(actor), term_of(params)
    with still_in_scope():
        filters = people.PeopleFilter.from_args(scope, params.get("args", {}))
    total = row_count(people.people_query(scope, term, filters), people.EXPORT_LIMIT)
    content = people.people_xlsx(actor, scope, term, filters, progress=started(progress, total))
    return Outcome(f"已导出 {total:,} 人，请下载文件。", file=(content, people.export_name(term, filters)))


@job_kind(SCHOOLS, "导出学校名单", unit="所")
def export_schools(params: dict, actor, progress) -> Outcome:
    """params: term (code) and args (ListFilter.args())."""
    scope, term = scope_of_actor(actor), term_of(params)
    with still_in_scope():
        filters = lists.ListFilter.from_args(scope, params.get("args", {}))
    reading = TermReading(scope, term)
    total = lists.school_count(reading, filters)
    content = lists.school_list_xlsx(actor, reading, filters, progress=started(progress, total))
    return Outcome(f"已导出 {total:,} 所学校，请下载文件。", file=(content, lists.export_name(reading, filters)))
