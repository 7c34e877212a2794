"""Demo unfunded reasons and review states: schools in every state (未填报, 填报中, 已提交, 已退回, 已审核,
逾期), so the county's review list, the school's page and the dashboards are alive after `make run`.
Set-based (a few INSERT … SELECT); works on whatever library students and funded records the earlier demo
steps made (none at all is fine). Runs after the enrolment and funding demos."""
from datetime import date, datetime

from sqlalchemy import String, and_, case, delete, exists, func, insert, literal, select

from portal.audit.services import Actor, Target, record
from portal.bulk import inserted
from portal.deadlines import services as deadlines
from portal.deadlines.periods import VOCATIONAL, reporting_month
from portal.deadlines.cli import seed_reference_data
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.funding.status import library_condition, unfunded_condition
from portal.org.models import School
from portal.reasons.figures import reportable
from portal.reasons.models import UnfundedReason
from portal.reasons.options import NOT_FOR_REGISTERED_POOR
from portal.review.models import PeriodSubmission
from portal.terms import Period, current_term, month_period, term_period
from portal.vocab import AuditAction, SubmissionKind, SubmissionStatus as S

DEMO_COUNTY = "320102"  # 玄武区: the demo county account reviews these schools
FULL = (S.SUBMITTED.value, S.RETURNED.value, S.APPROVED.value)  # every unfunded student has a reason
REASON_CYCLE = ("not_in_school", "other_aid", "improved", "declined", "id_error", "next_batch", "other")
FIT_FOR_POOR = "next_batch"  # what a 建档立卡 student gets instead of a reason not offered to them
RETURN_COMMENT = "请核实“身份信息有误，待核实”的学生，补充说明后重新提交"


def previous_month(period: Period) -> Period:
    year, month = period.starts.year, period.starts.month
    while True:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        if month not in (2, 8):
            return month_period(year, month)


def _plans(today: date, demo_school_id: int | None):
    """(period, which schools, state expression): the current term, the 中职 month being reported, and the month
    before it (past its deadline, so the schools left in progress there are overdue)."""
    term = current_term(today)
    monthly = School.stages == VOCATIONAL
    month = reporting_month(term, today)
    forced = [(School.id == demo_school_id, literal(S.IN_PROGRESS.value))] if demo_school_id else []
    every = (S.NOT_STARTED, S.IN_PROGRESS, S.SUBMITTED, S.RETURNED, S.APPROVED, S.SUBMITTED)
    rotating = case(*forced, *((School.id % len(every) == n, literal(s.value)) for n, s in enumerate(every)))
    late = case((School.county_code == DEMO_COUNTY, literal(S.IN_PROGRESS.value)),
                (School.id % 3 == 0, literal(S.IN_PROGRESS.value)),
                (School.id % 3 == 1, literal(S.SUBMITTED.value)), else_=literal(S.APPROVED.value))
    return [(term_period(term), ~monthly, rotating), (month, monthly, rotating),
            (previous_month(month), monthly, late)]


def seed_reasons_demo(today: date | None = None) -> dict[str, int]:
    actor = Actor.command_line()
    seed_reference_data(actor)
    today = today or deadlines.today()
    demo_school_id = db.session.scalar(select(School.id).where(
        School.county_code == DEMO_COUNTY, School.name.contains("小学")).order_by(School.code).limit(1))
    now = datetime.now()
    made = {"submissions": 0, "reasons": 0}
    for period, which, state in _plans(today, demo_school_id):
        made["reasons"] += _insert_reasons(period, which, state, now)
        made["submissions"] += _insert_submissions(period, which, state, now)
    record(actor, AuditAction.SEED_DEMO, Target("demo", None, "演示省"),
           f"未资助原因演示：{made['submissions']} 个填报状态，{made['reasons']} 条原因")
    return made


def _insert_submissions(period: Period, which, state, now: datetime) -> int:
    done = state.in_(FULL)
    rows = (
        select(School.id, literal(SubmissionKind.REASONS.value, String), literal(period.code, String),
               School.city_code, School.county_code, state,
               case((done, literal(now)), else_=None), case((state.in_(FULL[1:]), literal(now)), else_=None),
               case((state == S.RETURNED.value, literal(RETURN_COMMENT)), else_=None), literal(1))
        .where(School.active.is_(True), which, state != S.NOT_STARTED.value,
               ~exists().where(PeriodSubmission.school_id == School.id, PeriodSubmission.period == period.code,
                               PeriodSubmission.kind == SubmissionKind.REASONS.value))
    )
    columns = ["school_id", "kind", "period", "city_code", "county_code", "status", "submitted_at", "reviewed_at",
               "review_comment", "version"]
    return inserted(insert(PeriodSubmission).from_select(columns, rows), PeriodSubmission.id)


def _insert_reasons(period: Period, which, state, now: datetime) -> int:
    student = HardshipStudent
    unfit = [(and_(student.registered_poor(), student.id % len(REASON_CYCLE) == n), literal(FIT_FOR_POOR))
             for n, c in enumerate(REASON_CYCLE) if c in NOT_FOR_REGISTERED_POOR]
    code = case(*unfit, *((student.id % len(REASON_CYCLE) == n, literal(c)) for n, c in enumerate(REASON_CYCLE)))
    note = case((student.id % len(REASON_CYCLE) == len(REASON_CYCLE) - 1, literal("已转入外省学校就读，待对方学校核实")),
                else_=None)
    wanted = state.in_(FULL + (S.IN_PROGRESS.value,))
    rows = (
        select(student.school_id, literal(period.code, String), student.id, code, note, literal(1), literal(now),
               literal("演示数据", String))
        .join(School, School.id == student.school_id)
        .where(School.active.is_(True), which, wanted, library_condition(period), reportable(),
               unfunded_condition(student.school_id, period),
               ~exists().where(UnfundedReason.student_id == student.id, UnfundedReason.period == period.code))
    )
    columns = ["school_id", "period", "student_id", "reason_code", "note", "version", "updated_at", "updated_by_name"]
    written = inserted(insert(UnfundedReason).from_select(columns, rows), UnfundedReason.id)
    # a school still in progress has work left: its last student's reason is taken out again
    last = (select(func.max(UnfundedReason.id)).join(School, School.id == UnfundedReason.school_id)
            .where(UnfundedReason.period == period.code, UnfundedReason.updated_at == now,
                   state == S.IN_PROGRESS.value)
            .group_by(UnfundedReason.school_id))
    removed = db.session.execute(delete(UnfundedReason).where(UnfundedReason.id.in_(last))).rowcount or 0
    return written - removed
