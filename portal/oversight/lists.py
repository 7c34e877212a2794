"""The school list the drill-down and the homes' to-do counts open: the active schools in scope under a region,
filtered by a flag (未上传、逾期、应助未助 …) and a name, a page at a time, from SchoolProgress; and its xlsx."""
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.audit.services import Actor, Target, record
from portal.exports import batches, row_count
from portal.extensions import db
from portal.org.models import Region, School
from portal.oversight.figures import TermReading, under
from portal.oversight.options import SchoolFlag
from portal.paging import Page
from portal.scope import Scope
from portal.sheet_writer import write_xlsx
from portal.terms import parse_period
from portal.vocab import AuditAction, SubmissionStatus

PER_PAGE = 50
EXPORT_LIMIT = 50_000
HEADERS = ["学校", "学校标识码", "所在区划", "学籍上传时间", "在校生", "特殊困难学生", "已资助", "应助未助",
           "新增待审核", "学籍重复", "未资助情况上报期", "上报状态", "截止日期", "是否逾期", "已告知家长"]


@dataclass(frozen=True)
class ListFilter:
    region: Region
    flag: SchoolFlag | None = None
    direct: bool = False  # only the schools hanging on the region itself (省属、市属)
    search: str = ""

    @classmethod
    def from_args(cls, scope: Scope, args) -> "ListFilter":
        """The list's query arguments; a region outside the scope is a 404 (Scope.region)."""
        region = scope.region(args.get("region") or scope.root_code)
        flag = args.get("flag", "")
        return cls(region, SchoolFlag(flag) if flag in SchoolFlag._value2member_map_ else None,
                   args.get("direct") == "1", args.get("q", "").strip()[:64])

    def args(self, **changes) -> dict:
        """Query arguments that give this filter back (with changes), for links and the export."""
        values = {"region": self.region.code, "flag": self.flag.value if self.flag else "",
                  "direct": "1" if self.direct else "", "q": self.search, **changes}
        return {key: value for key, value in values.items() if value}


def schools(reading: TermReading, filters: ListFilter):
    conditions = [under(filters.region)]
    if filters.direct:
        conditions.append(School.region_code == filters.region.code)
    if filters.flag:
        conditions.append(reading.flag(filters.flag))
    if filters.search:
        conditions.append(School.name.contains(filters.search, autoescape=True) | (School.code == filters.search))
    return reading.school_list(conditions).order_by(School.code)


def school_page(reading: TermReading, filters: ListFilter, page: int) -> Page:
    query = schools(reading, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return Page(items, page, PER_PAGE, total)


def school_count(reading: TermReading, filters: ListFilter) -> int:
    """The lines the export would hold (up to EXPORT_LIMIT): above exports.IN_REQUEST_ROWS it is a job."""
    return row_count(schools(reading, filters), EXPORT_LIMIT)


def school_list_xlsx(actor: Actor, reading: TermReading, filters: ListFilter, progress=None) -> bytes:
    """The list as the page shows it, read a batch at a time; the export goes into the audit log (the caller
    commits). progress(done) is told after each batch."""

    def lines():
        for rows in batches(schools(reading, filters).limit(EXPORT_LIMIT), progress):
            for row in rows:
                yield [row.name, row.code, row.region_name, row.uploaded_at, row.students or 0, row.hardship or 0,
                       row.funded or 0, row.unfunded_without_reason or 0, row.manual_pending or 0, row.duplicates or 0,
                       parse_period(row.period).label, SubmissionStatus.label_of(row.status), row.due,
                       "逾期" if row.overdue else "", row.notified or 0]

    content = write_xlsx(HEADERS, lines(), sheet_title=f"{reading.term.label}学校名单")
    what = filters.flag.label if filters.flag else "全部学校"
    record(actor, AuditAction.EXPORT, Target.of_region(filters.region),
           f"{reading.term.label}学校名单（{what}）：{filters.region.name}")
    return content


def export_name(reading: TermReading, filters: ListFilter) -> str:
    return f"{filters.region.name}{reading.term.label}学校名单.xlsx"
