"""通报 (circulars, 002 §三(三) 通报制度; 003 §三 定期通报): the province ranks its cities, a city its counties, by
the completion rate of each task as of a date, names the lagging schools and says it in a paragraph the issuer
may edit; issuing stores the whole snapshot (Circular.figures) so that later work never changes it. A draft is a
few grouped queries over the progress rows (oversight.services.level), so it is built and issued in the request."""
import re
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_, select

from portal.audit.services import Actor, Target, record
from portal.deadlines import services as deadlines
from portal.errors import DomainError, NotFound
from portal.extensions import db
from portal.org.models import Region, School
from portal.oversight import lists
from portal.oversight.figures import TermReading
from portal.oversight.models import Circular
from portal.oversight.options import SchoolFlag
from portal.oversight.services import Row, direct_schools, level, percent
from portal.scope import Scope
from portal.sheet_writer import write_xlsx
from portal.terms import Term
from portal.vocab import AuditAction, RegionLevel, SubmissionStatus

LAGGARDS_KEPT = 2000  # per kind, in the snapshot and its xlsx; the count says how many there are in all
LAGGARDS_PRINTED = 30  # per kind on the page: the full list is the xlsx
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


class CircularError(DomainError, ValueError):
    """A 通报 that cannot be drafted or issued, with a Chinese message."""


# (key, label, part, whole, higher is better): the tasks every region is ranked by
TASKS = (
    ("upload", "学籍上传率", "uploaded", "schools", True),
    ("submitted", "未资助情况提交率", "submitted", "schools", True),
    ("graded", "困难等级认定率", "graded", "hardship", True),
    ("funded", "资助率", "funded", "hardship", True),
    ("unaided", "应助未助率", "unfunded_without_reason", "hardship", False),
)
LAGGARD_FLAGS = (SchoolFlag.NOT_UPLOADED, SchoolFlag.OVERDUE, SchoolFlag.UNAIDED)


def parse_as_of(text: str | None, term: Term, today: date | None = None) -> date:
    """通报日期 as typed (2026-12-03, 2026/12/3, 2026年12月3日); empty means today; never a day to come, nor one
    before the term began."""
    today = today or deadlines.today()
    if not (text or "").strip():
        return today
    match = _DATE.match(text)
    try:
        day = date(*map(int, match.groups())) if match else None
    except ValueError:
        day = None
    if day is None:
        raise CircularError(f"通报日期“{text.strip()[:20]}”无法识别，请按 2026-12-03 的格式填写")
    if day > today:
        raise CircularError(f"通报日期 {day:%Y-%m-%d} 晚于今天，只能通报截至今天或以前的进展")
    if day < term.starts:
        raise CircularError(f"通报日期 {day:%Y-%m-%d} 早于{term.label}学期开始（{term.starts:%Y-%m-%d}），请改选学期或日期")
    return day


def issuable_region(scope: Scope) -> Region:
    """The region a user issues for: the province for the province, a city for its counties."""
    region = scope.region(scope.root_code)
    if region.level == RegionLevel.COUNTY.value:
        raise CircularError("县级不发布通报")
    return region


def visible(scope: Scope) -> ColumnElement[bool]:
    """The circulars a user may read: issued by their region or one below it, or by the province above them."""
    own_and_below = select(Region.code).where(scope.region_condition())
    above = select(Region.code).where(Region.level == RegionLevel.PROVINCE.value)
    return or_(Circular.region_code.in_(own_and_below), Circular.region_code.in_(above))


def circular_of(scope: Scope, circular_id: int) -> Circular:
    found = db.session.scalar(select(Circular).where(Circular.id == circular_id, visible(scope)))
    if found is None:
        raise NotFound()
    return found


def past(scope: Scope) -> list[Circular]:
    return list(db.session.scalars(select(Circular).where(visible(scope)).order_by(Circular.issued_at.desc(),
                                                                                   Circular.id.desc())))


# -- the draft -----------------------------------------------------------------------------------------
def draft(reading: TermReading, region: Region) -> dict:
    """The figures a 通报 stores: each child region's (and the directly attached schools') rates and ranks, the
    total, and the lagging schools. An empty term (no school uploaded) is refused rather than ranked at zero."""
    table = level(reading, region)
    if not table.total.figures["uploaded"]:
        raise CircularError(f"{reading.term.label}{region.name}尚无学校上传学籍，没有可通报的进展，暂不能生成通报")
    rows = [_entry(row) for row in table.regions if row.figures["schools"]]
    if (direct := direct_schools(table, region)) is not None:
        rows.append(_entry(direct, f"{region.name}直属学校"))
    for key, _, _, _, higher in TASKS:
        known = sorted((row for row in rows if row["rates"][key] is not None),
                       key=lambda row: row["rates"][key], reverse=higher)
        previous, rank = None, 0
        for position, row in enumerate(known, 1):
            if row["rates"][key] != previous:
                rank, previous = position, row["rates"][key]
            row["ranks"][key] = rank
    rows.sort(key=lambda row: (_mean_rank(row), row["code"]))
    return {"term": reading.term.code, "term_label": reading.term.label, "region": region.name,
            "as_of": reading.today.isoformat(), "child_level": _child_level(region),
            "tasks": [{"key": key, "label": label, "higher": higher} for key, label, _, _, higher in TASKS],
            "rows": rows, "total": _entry(table.total, f"{region.name}合计"),
            "laggards": [_laggards(reading, region, flag) for flag in LAGGARD_FLAGS]}


def _figures(row: Row) -> dict:
    figures = dict(row.figures)
    figures["submitted"] = sum(figures[f"status_{status}"] for status in
                               (SubmissionStatus.SUBMITTED.value, SubmissionStatus.APPROVED.value))
    return figures


def _entry(row: Row, name: str | None = None) -> dict:
    figures = _figures(row)
    keep = ("schools", "uploaded", "submitted", "hardship", "graded", "funded", "unfunded_without_reason",
            "schools_overdue")
    rates = {key: (figures[part] / figures[whole] if figures[whole] else None) for key, _, part, whole, _ in TASKS}
    return {"name": name or row.name, "code": row.code, "figures": {key: figures[key] for key in keep},
            "rates": rates, "ranks": {}}


def _mean_rank(row: dict) -> float:
    ranks = list(row["ranks"].values())
    return sum(ranks) / len(ranks) if ranks else float("inf")


def _child_level(region: Region) -> str:
    return "设区市" if region.level == RegionLevel.PROVINCE.value else "县（市、区）"


def _laggards(reading: TermReading, region: Region, flag: SchoolFlag) -> dict:
    query = lists.schools(reading, lists.ListFilter(region, flag))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    order = (query if flag is not SchoolFlag.UNAIDED else
             query.order_by(None).order_by(reading.without_reason.desc(), School.code))
    named = [{"name": row.name, "region": row.region_name, "unaided": row.unfunded_without_reason or 0}
             for row in db.session.execute(order.limit(LAGGARDS_KEPT))]
    return {"flag": flag.value, "label": flag.label, "total": total, "schools": named}


def summary(figures: dict) -> str:
    """The paragraph a 通报 opens with, from its figures: the issuer edits it before issuing."""
    total = figures["total"]["figures"]
    rates = figures["total"]["rates"]
    text = (f"截至{_day(figures['as_of'])}，{figures['region']}应上传学籍学校{total['schools']:,}所，已上传{total['uploaded']:,}所"
            f"（{percent(rates['upload'])}）；未资助情况已提交{total['submitted']:,}所（{percent(rates['submitted'])}）；"
            f"就学信息库特殊困难学生{total['hardship']:,}人，已资助{total['funded']:,}人（{percent(rates['funded'])}），"
            f"已认定困难等级{total['graded']:,}人（{percent(rates['graded'])}），应助未助{total['unfunded_without_reason']:,}人。")
    rows = figures["rows"]
    if len(rows) > 1:
        best, worst = rows[0]["name"], rows[-1]["name"]
        text += f"综合排名靠前的是{best}，靠后的是{worst}。"
    unaided = sorted((row for row in rows if row["figures"]["unfunded_without_reason"]),
                     key=lambda row: -row["figures"]["unfunded_without_reason"])[:3]
    if unaided:
        text += "应助未助人数较多的是" + "、".join(f"{row['name']}（{row['figures']['unfunded_without_reason']:,}人）"
                                        for row in unaided) + "。"
    overdue = next(item for item in figures["laggards"] if item["flag"] == SchoolFlag.OVERDUE.value)["total"]
    if overdue:
        text += f"另有{overdue:,}所学校逾期未提交未资助情况，名单见附表。"
    return text + "请各地对照排名和附表，督促所属学校按时完成各项工作，确保应助尽助。"


def _day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


# -- issuing -------------------------------------------------------------------------------------------
def issue(actor: Actor, reading: TermReading, region: Region, summary_text: str) -> Circular:
    """Store the snapshot as drafted now (the figures are read again, not taken from the form) and audit it."""
    figures = draft(reading, region)
    text = (summary_text or "").strip()[:4000] or summary(figures)
    number = (db.session.scalar(select(func.max(Circular.number)).where(Circular.region_code == region.code)) or 0) + 1
    circular = Circular(region_code=region.code, number=number, term=reading.term.code, as_of=reading.today,
                        title=f"{region.name}{reading.term.label}特殊困难学生资助工作进展情况通报（第{number}期）",
                        summary=text, figures=figures, issued_by_id=actor.user_id,
                        issued_by_name=actor.user.display_name if actor.user is not None else actor.name,
                        issued_at=datetime.now())
    db.session.add(circular)
    db.session.flush()
    record(actor, AuditAction.ISSUE_CIRCULAR, Target.of_region(region), f"{circular.title}，截至{reading.today:%Y-%m-%d}")
    return circular


def circular_xlsx(actor: Actor, circular: Circular) -> bytes:
    figures = circular.figures
    tasks = figures["tasks"]
    headers = ["名次", figures["child_level"], "应上传学校（所）", "已上传（所）", "已提交（所）", "特殊困难学生（人）",
               "应助未助（人）", *(f"{task['label']}（%）" for task in tasks), *(f"{task['label']}名次" for task in tasks)]
    lines = [[number, *_line(row, tasks)] for number, row in enumerate(figures["rows"], 1)]
    lines.append(["", *_line(figures["total"], tasks)])
    lines.append([])
    for item in figures["laggards"]:
        lines.append([f"{item['label']}学校（共{item['total']}所，列出{len(item['schools'])}所）"])
        lines += [["", school["name"], school["region"], *([school["unaided"]] if item["flag"] == "unaided" else [])]
                  for school in item["schools"]]
    lines += [[], ["通报摘要", circular.summary]]
    content = write_xlsx(headers, lines, sheet_title=f"通报第{circular.number}期")
    record(actor, AuditAction.EXPORT, Target.of_region(circular.region), f"{circular.title}（xlsx）")
    return content


def _line(row: dict, tasks: list) -> list:
    numbers = row["figures"]
    rates = [None if row["rates"][task["key"]] is None else round(row["rates"][task["key"]] * 100, 1) for task in tasks]
    return [row["name"], numbers["schools"], numbers["uploaded"], numbers["submitted"], numbers["hardship"],
            numbers["unfunded_without_reason"], *rates, *(row["ranks"].get(task["key"]) for task in tasks)]


