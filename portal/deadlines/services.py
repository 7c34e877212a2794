"""The deadline calendar: seeding it, the date a row gives in a period, the dates of a piece of work for some
stages, what a school has due next, the province's page (grouped like the annex tables) and its edits."""
import calendar as month_calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert, select

from portal.audit.services import Actor, Target, record
from portal.deadlines.models import Deadline
from portal.deadlines.seed_data import annex_of, seed_rows
from portal.errors import DomainError
from portal.extensions import db
from portal.terms import Period, current_term, periods_of, term_period
from portal.vocab import AuditAction, DeadlineCycle, DeadlineModule, DeadlineParty, DeadlineTask, Stage

KEY = ("stage", "module", "task", "cycle", "party")
# A monthly row of these tasks falls in the month after the period: 中职's 未资助情况上报 of October is made by
# 15 November, once October's funded list is final (its 录入及审核 closes on the 20th, the authority's on the 25th).
NEXT_MONTH_TASKS = {DeadlineTask.UNFUNDED_REPORT.value}


class DeadlineError(DomainError, ValueError):
    """A refused calendar edit, with a Chinese message."""


def today() -> date:
    """The one clock deadlines are read against (tests replace it)."""
    return date.today()


def seed_deadlines(actor: Actor) -> int:
    """Insert the rows of 003's tables that are missing; rows already there (edited or not) are kept."""
    present = {tuple(row) for row in db.session.execute(select(*(getattr(Deadline, name) for name in KEY)))}
    missing = [row for row in seed_rows() if tuple(row[name] for name in KEY) not in present]
    if missing:
        db.session.execute(insert(Deadline), missing)
        record(actor, AuditAction.SEED_DEADLINES, Target("deadline", None, "截止日期表"), f"新增 {len(missing)} 条")
    return len(missing)


# -- the date a row gives ------------------------------------------------------------------------------
def cycle_of(period: Period) -> DeadlineCycle:
    return DeadlineCycle.MONTHLY if period.is_month else DeadlineCycle(period.term.season)


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, month_calendar.monthrange(year, month)[1]))


def rule_date(rule: Deadline, period: Period) -> date:
    """The date a term or monthly row gives in one of its periods."""
    if rule.month is None:
        year, month = period.starts.year, period.starts.month
        if rule.task in NEXT_MONTH_TASKS:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return _clamped(year, month, rule.day)
    # an autumn term runs into January: its dates in January–July fall in the following year
    year = period.term.year + (1 if rule.cycle == DeadlineCycle.AUTUMN.value and rule.month < 8 else 0)
    return _clamped(year, rule.month, rule.day)


def next_yearly(rule: Deadline, day: date) -> date:
    """A school-year row's date as it next comes round, on or after `day`."""
    found = _clamped(day.year, rule.month, rule.day)
    return found if found >= day else _clamped(day.year + 1, rule.month, rule.day)


def rules_for(stages: list[str], modules, tasks, party: DeadlineParty, cycle: DeadlineCycle) -> list[Deadline]:
    return list(db.session.scalars(select(Deadline).where(
        Deadline.stage.in_(stages), Deadline.module.in_([str(m) for m in modules]),
        Deadline.task.in_([str(t) for t in tasks]), Deadline.party == party.value, Deadline.cycle == cycle.value)))


def due_date(stages: list[str], modules, tasks, period: Period,
             party: DeadlineParty = DeadlineParty.SCHOOL) -> date | None:
    """The earliest date of the work among the stages (a nine-year school answers to both), or None when
    the calendar has no such row ("——")."""
    rules = rules_for(stages, modules, tasks, party, cycle_of(period))
    return min((rule_date(rule, period) for rule in rules), default=None)


# -- what a school has due next ----------------------------------------------------------------------
@dataclass(frozen=True)
class DueItem:
    label: str  # 资助名单审核（困难生生活补助、地方政府资助）
    period_label: str  # 2026秋, 2026年10月, 学年
    due: date
    days_left: int

    @property
    def countdown(self) -> str:
        return "今天截止" if self.days_left == 0 else f"还剩 {self.days_left} 天"


def _calendar_periods(school, term) -> list[Period]:
    """The periods a school's dates fall in: the term, and the 中职 months if it teaches 中职."""
    periods = [term_period(term)]
    if Stage.VOCATIONAL in school.stage_list:
        periods += periods_of(term, True)
    return periods


def next_due(school, day: date | None = None, limit: int = 5) -> list[DueItem]:
    """The school's own dates still ahead, soonest first: this term's and next term's, its 中职 months, and
    the school-year rows as they next come round. Work due the same day in the same period is one item
    naming its modules. The calendar rows of the school's stages are read in one query."""
    day = day or today()
    term = current_term(day)
    periods = _calendar_periods(school, term) + _calendar_periods(school, term.following())
    merged: dict[tuple, list[str]] = defaultdict(list)  # (due, task, period label) → module labels
    for rule in db.session.scalars(select(Deadline).where(
            Deadline.stage.in_([stage.value for stage in school.stage_list]),
            Deadline.party == DeadlineParty.SCHOOL.value)):
        if rule.cycle == DeadlineCycle.YEAR.value:
            dates = [(next_yearly(rule, day), "学年")]
        else:
            dates = [(rule_date(rule, period), period.label) for period in periods
                     if cycle_of(period).value == rule.cycle]
        for due, label in dates:
            modules = merged[due, rule.task, label]
            if due >= day and rule.module_label not in modules:
                modules.append(rule.module_label)
    order = {member.value: n for n, member in enumerate(DeadlineTask)}
    found = sorted(((due, order.get(task, 99), task, label, modules) for (due, task, label), modules in merged.items()
                    if modules), key=lambda item: item[:2])
    return [DueItem(f"{DeadlineTask.label_of(task)}（{'、'.join(modules)}）", label, due, (due - day).days)
            for due, _, task, label, modules in found[:limit]]


# -- the calendar page ---------------------------------------------------------------------------------
CYCLE_GROUPS = {"term": "学期", "year": "学年", "monthly": "月"}


@dataclass
class CalendarLine:
    """One line of an annex table: a module's task in one cycle, the school's and the authority's dates."""

    module: str
    task: str
    cycle_group: str  # term / year / monthly
    school: list[Deadline] = field(default_factory=list)
    authority: list[Deadline] = field(default_factory=list)

    @property
    def module_label(self) -> str:
        return DeadlineModule.label_of(self.module)

    @property
    def task_label(self) -> str:
        return DeadlineTask.label_of(self.task)

    @property
    def cycle_label(self) -> str:
        return CYCLE_GROUPS[self.cycle_group]

    @property
    def notes(self) -> list[str]:
        found = []
        for rule in self.school + self.authority:
            if rule.note and rule.note not in found:
                found.append(rule.note)
        return found


@dataclass
class StageTable:
    stage: str
    lines: list[CalendarLine]

    @property
    def stage_label(self) -> str:
        return Stage.label_of(self.stage)

    @property
    def annex(self) -> int | None:
        return annex_of(self.stage)


def _cycle_group(cycle: str) -> str:
    return "term" if cycle in (DeadlineCycle.SPRING.value, DeadlineCycle.AUTUMN.value) else cycle


def calendar_tables(stages: list[str] | None = None, module: str | None = None, cycle: str | None = None,
                    party: str | None = None) -> list[StageTable]:
    """The calendar, filtered, as one table per stage in the annexes' order of modules and tasks."""
    query = select(Deadline)
    if stages:
        query = query.where(Deadline.stage.in_(stages))
    if module:
        query = query.where(Deadline.module == module)
    if cycle == "term":
        query = query.where(Deadline.cycle.in_((DeadlineCycle.SPRING.value, DeadlineCycle.AUTUMN.value)))
    elif cycle:
        query = query.where(Deadline.cycle == cycle)
    if party == DeadlineParty.SCHOOL.value:
        query = query.where(Deadline.party == party)
    elif party:
        query = query.where(Deadline.party != DeadlineParty.SCHOOL.value)
    orders = [{member.value: n for n, member in enumerate(vocab)}
              for vocab in (Stage, DeadlineModule, DeadlineTask, DeadlineCycle, DeadlineParty)]
    rows = sorted(db.session.scalars(query), key=lambda r: tuple(
        order.get(value, 99) for order, value in zip(orders, (r.stage, r.module, r.task, r.cycle, r.party))))
    tables: dict[str, dict[tuple, CalendarLine]] = {}
    for row in rows:
        key = (row.module, row.task, _cycle_group(row.cycle))
        line = tables.setdefault(row.stage, {}).setdefault(key, CalendarLine(*key))
        (line.school if row.party == DeadlineParty.SCHOOL.value else line.authority).append(row)
    return [StageTable(stage_code, list(lines.values())) for stage_code, lines in tables.items()]


def deadline(deadline_id: int) -> Deadline | None:
    return db.session.get(Deadline, deadline_id)


def update_deadline(actor: Actor, rule: Deadline, month: str | None, day: str, note: str | None) -> Deadline:
    """Change one row's date (and note). A monthly row takes a day only; a term or school-year row a month
    and a day."""
    try:
        new_day = int(str(day).strip())
        new_month = None if rule.month is None else int(str(month).strip())
    except (TypeError, ValueError):
        raise DeadlineError("请填写数字形式的月和日") from None
    if new_month is not None and not 1 <= new_month <= 12:
        raise DeadlineError("月份应在 1 到 12 之间")
    last_day = 31 if new_month is None else month_calendar.monthrange(2024, new_month)[1]
    if not 1 <= new_day <= last_day:
        raise DeadlineError(f"日期应在 1 到 {last_day} 之间")
    note = (note or "").strip()[:200] or None
    before = rule.day_label
    rule.month, rule.day, rule.note = new_month, new_day, note
    rule.updated_at, rule.updated_by_name = datetime.now(), actor.name
    record(actor, AuditAction.EDIT_DEADLINE, Target("deadline", str(rule.id), rule.title[:128]),
           f"{rule.cycle_label}：{before} → {rule.day_label}")
    return rule
