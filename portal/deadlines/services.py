"""The deadline calendar: seeding it, reading a school's due dates for a period, and the province's edits."""
import calendar as month_calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select

from portal.audit.services import Actor, Target, record
from portal.deadlines.models import Deadline
from portal.deadlines.seed_data import seed_rows
from portal.extensions import db
from portal.org.models import School
from portal.terms import Period, Term, current_term, periods_of
from portal.vocab import AuditAction, DeadlineCycle, DeadlineTask, Stage, SubmissionKind

# The deadline that locks each kind of submission for the school.
KIND_TASKS = {
    SubmissionKind.REASONS.value: DeadlineTask.UNFUNDED_REPORT,
    SubmissionKind.FUNDING.value: DeadlineTask.FUNDING_SCHOOL_REVIEW,
}
SCHOOL_TASKS = (DeadlineTask.IDENTIFY, DeadlineTask.FUNDING_ENTRY, DeadlineTask.FUNDING_SCHOOL_REVIEW,
                DeadlineTask.UNFUNDED_REPORT)


class DeadlineError(ValueError):
    """A refused calendar edit, with a Chinese message."""


def today() -> date:
    """The one clock deadlines are read against (tests replace it)."""
    return date.today()


def seed_deadlines(actor: Actor) -> int:
    """Insert the rows of 003's tables that are missing; rows the province already edited are kept."""
    present = {tuple(row) for row in db.session.execute(select(Deadline.stage, Deadline.task, Deadline.cycle))}
    missing = [row for row in seed_rows() if (row["stage"], row["task"], row["cycle"]) not in present]
    if missing:
        db.session.execute(insert(Deadline), missing)
        record(actor, AuditAction.SEED_DEADLINES, Target("deadline", None, "截止日期表"), f"新增 {len(missing)} 条")
    return len(missing)


# -- reading ---------------------------------------------------------------------------------------
MONTHLY_STAGES = Stage.VOCATIONAL.value  # a school whose stages are exactly this reports per month (SQL too)


def reports_monthly(school: School) -> bool:
    """中职 reports per month; a school teaching other stages as well reports per term."""
    return school.stages == MONTHLY_STAGES


def school_periods(school: School, term: Term) -> list[Period]:
    return periods_of(term, reports_monthly(school))


def current_period(school: School, day: date | None = None) -> Period:
    """The period a school works on today: the term, or for 中职 this month (the term's last month in
    February and August, which have none)."""
    day = day or today()
    periods = school_periods(school, current_term(day))
    started = [period for period in periods if period.starts <= day]
    return started[-1] if started else periods[0]


def cycle_of(period: Period) -> DeadlineCycle:
    return DeadlineCycle.MONTHLY if period.is_month else DeadlineCycle(period.term.season)


def rule_date(rule: Deadline, period: Period) -> date:
    if rule.month is None:
        year, month = period.starts.year, period.starts.month
    else:
        # an autumn term runs into January: its dates in January–July fall in the following year
        year = period.term.year + (1 if rule.cycle == DeadlineCycle.AUTUMN.value and rule.month < 8 else 0)
        month = rule.month
    return date(year, month, min(rule.day, month_calendar.monthrange(year, month)[1]))


def due_date(stages: list[str], task: DeadlineTask, period: Period) -> date | None:
    """The earliest due date of the task among the stages (a nine-year school answers to both)."""
    rules = db.session.scalars(select(Deadline).where(
        Deadline.stage.in_(stages), Deadline.task == task.value, Deadline.cycle == cycle_of(period).value)).all()
    return _earliest(rules, period)


def _earliest(rules: list[Deadline], period: Period) -> date | None:
    return min((rule_date(rule, period) for rule in rules), default=None)


def school_due_date(school: School, task: DeadlineTask, period: Period) -> date | None:
    return due_date([stage.value for stage in school.stage_list], task, period)


def submission_due_date(school: School, kind: str, period: Period) -> date | None:
    return school_due_date(school, KIND_TASKS[str(kind)], period)


@dataclass(frozen=True)
class DueItem:
    task: DeadlineTask
    period: Period
    due: date
    days_left: int

    @property
    def countdown(self) -> str:
        return "今天截止" if self.days_left == 0 else f"还剩 {self.days_left} 天"


def next_due(school: School, day: date | None = None, limit: int = 4) -> list[DueItem]:
    """What the school has due next, soonest first: this term's and next term's dates still ahead. The
    calendar rows of the school's stages are read once (a 中职 school has up to 12 months × 4 tasks)."""
    day = day or today()
    term = current_term(day)
    rules: dict[tuple[str, str], list[Deadline]] = defaultdict(list)  # (task, cycle) → the school's stages' rows
    for rule in db.session.scalars(select(Deadline).where(
            Deadline.stage.in_([stage.value for stage in school.stage_list]),
            Deadline.task.in_([task.value for task in SCHOOL_TASKS]))):
        rules[rule.task, rule.cycle].append(rule)
    items = []
    for period in school_periods(school, term) + school_periods(school, term.following()):
        for task in SCHOOL_TASKS:
            due = _earliest(rules[task.value, cycle_of(period).value], period)
            if due is not None and due >= day:
                items.append(DueItem(task, period, due, (due - day).days))
    items.sort(key=lambda item: (item.due, SCHOOL_TASKS.index(item.task)))
    return items[:limit]


# -- the province's page ------------------------------------------------------------------------------
def calendar_rows(stage: str | None = None, task: str | None = None) -> list[Deadline]:
    query = select(Deadline)
    if stage:
        query = query.where(Deadline.stage == stage)
    if task:
        query = query.where(Deadline.task == task)
    rows = db.session.scalars(query).all()
    stage_order = {member.value: n for n, member in enumerate(Stage)}
    task_order = {member.value: n for n, member in enumerate(DeadlineTask)}
    cycle_order = {member.value: n for n, member in enumerate(DeadlineCycle)}
    return sorted(rows, key=lambda r: (stage_order.get(r.stage, 99), task_order.get(r.task, 99),
                                       cycle_order.get(r.cycle, 99)))


def deadline(deadline_id: int) -> Deadline | None:
    return db.session.get(Deadline, deadline_id)


def update_deadline(actor: Actor, rule: Deadline, month: str | None, day: str, note: str | None) -> Deadline:
    """Change one row's date (and note). A monthly row takes a day only; a term row a month and a day."""
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
    record(actor, AuditAction.EDIT_DEADLINE, Target("deadline", str(rule.id), f"{rule.stage_label}·{rule.task_label}"),
           f"{rule.cycle_label}：{before} → {rule.day_label}")
    return rule
