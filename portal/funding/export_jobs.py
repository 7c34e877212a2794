"""A school's funded list (资助名单) export as a background job (see portal/exports.py): a big school's list is
written by the worker for the user who asked, within that user's scope as it is then."""
from portal.exports import school_of, started
from portal.funding import records
from portal.funding.errors import FundingError
from portal.jobs import JobRefused, Outcome, job_kind

KIND = "funding_export"


@job_kind(KIND, "导出资助名单", unit="条")
def export_funded_list(params: dict, actor, progress) -> Outcome:
    """params: school_id and period (code)."""
    school = school_of(actor, params)
    try:
        period = records.period_for(school, params.get("period"))
    except FundingError as refusal:
        raise JobRefused(f"{refusal}，未导出任何数据。") from None
    total = records.export_count(school, period)
    content = records.export(actor, school, period, progress=started(progress, total))
    return Outcome(f"已导出 {total:,} 条资助记录，请下载文件。", file=(content, records.export_name(school, period)))
