"""Data quality on 003's 3个100% and 3个零误差, per region and drillable like the progress table: schools with an
enabled account, schools that uploaded this term, library students verified and graded, funded records complete,
unfunded students with a reason, duplicates outstanding, shell (空壳) schools. One grouped query over the
schools and their SchoolProgress rows per level (oversight.figures), never students; every offending figure opens
the school list filtered by its SchoolFlag."""
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.audit.services import Actor, Target, record
from portal.bulk import count_where
from portal.extensions import db
from portal.org.models import Region, School
from portal.oversight.figures import TermReading, has_active_account, under
from portal.oversight.options import SchoolFlag
from portal.oversight.services import Level, level
from portal.progress.models import SchoolProgress
from portal.sheet_writer import write_xlsx
from portal.vocab import AuditAction, RegionLevel


def _sum(column):
    return func.coalesce(func.sum(column), 0)


def quality_columns(reading: TermReading) -> list:
    """The figures of one row, as labelled aggregates over the active schools and their progress rows."""
    progress = SchoolProgress
    return [
        func.count(School.id).label("schools"),
        count_where(has_active_account()).label("with_account"),
        func.count(progress.uploaded_at).label("uploaded"),
        _sum(progress.hardship).label("hardship"),
        _sum(progress.verified).label("verified"),
        _sum(progress.hardship - progress.without_hardship_level).label("graded"),
        _sum(progress.without_hardship_level).label("ungraded"),
        _sum(progress.funded_records).label("funded_records"),
        _sum(progress.incomplete_records).label("incomplete_records"),
        _sum(reading.with_reason).label("unfunded_with_reason"),
        _sum(reading.without_reason).label("unfunded_without_reason"),
        _sum(progress.duplicates).label("duplicates"),
        *(count_where(reading.flag(flag)).label(f"schools_{flag.value}") for flag in COUNTED_FLAGS),
        # filled from the inactive schools afterwards (the reading counts active schools only)
        func.sum(0).label("shell"),
    ]


COUNTED_FLAGS = (SchoolFlag.NO_ACCOUNT, SchoolFlag.NOT_UPLOADED, SchoolFlag.UNVERIFIED, SchoolFlag.UNGRADED,
                 SchoolFlag.INCOMPLETE_RECORDS, SchoolFlag.UNAIDED, SchoolFlag.DUPLICATES)


@dataclass(frozen=True)
class Measure:
    """One column of the table: a figure (or a rate of two), the flag whose school list it opens."""

    key: str
    label: str
    title: str  # the xlsx header
    rate: tuple[str, str] | None = None  # (part, whole)
    flag: SchoolFlag | None = None  # opens the schools with this flag
    bad: bool = False  # a non-zero value is a problem (red)


MEASURE_GROUPS: tuple[tuple[str, str, tuple[Measure, ...]], ...] = (
    ("100%", "学校机构纳入管理", (
        Measure("schools", "学校", "有效学校（所）"),
        Measure("account_rate", "有账号率", "有有效账号学校占比（%）", rate=("with_account", "schools")),
        Measure("schools_no_account", "无账号", "无有效账号学校（所）", flag=SchoolFlag.NO_ACCOUNT, bad=True),
        Measure("shell", "空壳学校", "已标记空壳学校（所）"),
    )),
    ("100%", "学籍信息上传", (
        Measure("upload_rate", "上传率", "已上传学籍学校占比（%）", rate=("uploaded", "schools")),
        Measure("schools_not_uploaded", "未上传", "未上传学籍学校（所）", flag=SchoolFlag.NOT_UPLOADED, bad=True),
    )),
    ("零误差", "困难学生核实与认定", (
        Measure("hardship", "困难学生", "特殊困难学生（人）"),
        Measure("verified_rate", "核实率", "已核实占比（%）", rate=("verified", "hardship")),
        Measure("schools_unverified", "未核完学校", "有未核实学生的学校（所）", flag=SchoolFlag.UNVERIFIED, bad=True),
        Measure("graded_rate", "认定率", "已认定困难等级占比（%）", rate=("graded", "hardship")),
        Measure("ungraded", "未认定等级", "在校未认定困难等级（人）", flag=SchoolFlag.UNGRADED, bad=True),
    )),
    ("零误差", "资助信息", (
        Measure("funded_records", "资助记录", "资助记录（条）"),
        Measure("complete_rate", "完整率", "信息完整记录占比（%）", rate=("complete_records", "funded_records")),
        Measure("incomplete_records", "不完整", "银行卡、金额或日期不全的记录（条）", flag=SchoolFlag.INCOMPLETE_RECORDS,
                bad=True),
        Measure("reason_rate", "原因填报率", "未资助学生已填原因占比（%）", rate=("unfunded_with_reason", "unfunded")),
        Measure("unfunded_without_reason", "应助未助", "应助未助（未资助且无原因，人）", flag=SchoolFlag.UNAIDED, bad=True),
        Measure("duplicates", "学籍重复", "学籍重复待处理（人）", flag=SchoolFlag.DUPLICATES, bad=True),
    )),
)
MEASURES = tuple(measure for _, _, measures in MEASURE_GROUPS for measure in measures)
DERIVED = {"complete_records": lambda f: f["funded_records"] - f["incomplete_records"],
           "unfunded": lambda f: f["unfunded_with_reason"] + f["unfunded_without_reason"]}


def value(row, measure: Measure):
    """A measure of a drill-down Row: its figure, or its rate (None when there is nothing to divide)."""
    figures = row.figures
    if measure.rate:
        part, whole = (DERIVED[key](figures) if key in DERIVED else figures[key] for key in measure.rate)
        return part / whole if whole else None
    return figures[measure.key]


def quality_level(reading: TermReading, region: Region) -> Level:
    """The quality table of a region in scope: its child regions and the schools hanging on it, and the total."""
    table = level(reading, region, quality_columns(reading))
    shells = _shell_counts(reading, region)
    for row in table.regions:
        row.figures["shell"] = shells.get(row.code, 0)
    table.total.figures["shell"] = sum(shells.values())
    return table


def _shell_counts(reading: TermReading, region: Region) -> dict[str, int]:
    """Schools marked 空壳 below the region, by child region (those hanging on the region itself under its code)."""
    child = {RegionLevel.PROVINCE.value: School.city_code, RegionLevel.CITY.value: School.county_code}.get(region.level)
    key = func.coalesce(child, region.code) if child is not None else School.region_code
    query = (select(key, func.count()).where(reading.scope.school_condition(), under(region), School.active.is_(False))
             .group_by(key))
    return {code: int(count) for code, count in db.session.execute(query).all()}


def quality_xlsx(actor: Actor, reading: TermReading, region: Region, table: Level) -> bytes:
    headers = ["名称", "代码", *(measure.title for measure in MEASURES)]
    lines = [[row.name, row.code, *(_cell(row, measure) for measure in MEASURES)]
             for row in [*table.rows, table.total]]
    content = write_xlsx(headers, lines, sheet_title=f"{reading.term.label}数据质量")
    record(actor, AuditAction.EXPORT, Target.of_region(region), f"{reading.term.label}数据质量：{region.name}")
    return content


def _cell(row, measure: Measure):
    result = value(row, measure)
    return round(result * 100, 1) if measure.rate and result is not None else result
