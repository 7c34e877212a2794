"""The reasons figures of SchoolProgress: unfunded students with and without a reason (应助未助), the
submission's status and due date. A figure source of portal.progress.services (one grouped SELECT for any
number of schools), so each write's refresh_progress() keeps them right; and the page's own counts."""
from datetime import date

from sqlalchemy import Date, String, and_, case, cast, func, literal, null, or_, select

from portal.deadlines import periods
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.funding.status import (funded_in, library_condition, monthly_student, reporting_students,
                                   unfunded_condition, unfunded_students_query)
from portal.org.models import School
from portal.reasons.models import UnfundedReason
from portal.review.models import PeriodSubmission
from portal.terms import Period, Term, parse_term, term_period
from portal.vocab import SubmissionKind, SubmissionStatus

NO_DATE = cast(null(), Date)  # typed, so PostgreSQL can match it with dates in a CASE or UNION
REASON_DEFAULTS = {"reasons_period": None, "unfunded_with_reason": 0, "unfunded_without_reason": 0,
                   "reasons_status": None, "reasons_due": None}


def reportable():
    """Unfunded students who need a reason: those the school has marked as no longer in school do not."""
    return or_(HardshipStudent.in_school.is_(None), HardshipStudent.in_school.is_(True))


def unfunded_ids(school_id: int, period: Period):
    """select(HardshipStudent.id): the school's library students unfunded in the period who need a reason."""
    return unfunded_students_query(school_id, period).where(reportable())


def counts(school_id: int, period: Period) -> tuple[int, int]:
    """(unfunded students, of whom with a reason) for one school and period."""
    row = db.session.execute(
        select(func.count(HardshipStudent.id), func.count(UnfundedReason.id))
        .outerjoin(UnfundedReason, and_(UnfundedReason.student_id == HardshipStudent.id,
                                        UnfundedReason.period == period.code))
        .where(HardshipStudent.school_id == school_id, library_condition(period), reporting_students(period),
               reportable(), unfunded_condition(HardshipStudent.school_id, period))).one()
    return row[0], row[1]


def month_in_progress(term: Term, today: date | None = None) -> Period:
    """The 中职 month a term's progress row reports: the one whose unfunded report is being made."""
    return periods.reporting_month(term, today)


def reason_figures(school_ids, term_code: str):
    """select(school_id, reasons_period, unfunded_with_reason, unfunded_without_reason, reasons_status,
    reasons_due) for the schools: the term's period for most, the month being reported for 中职 schools. A
    school teaching 中职 beside other stages counts its term here (its 中职 students' months are on its page)."""
    term = parse_term(term_code)
    month = month_in_progress(term)
    monthly = School.stages == periods.VOCATIONAL
    period_code = case((monthly, literal(month.code, String)), else_=literal(term.code, String))
    student = HardshipStudent
    funded = funded_in(student.school_id, term.code, period_code)
    per_school = (
        select(student.school_id, func.count(student.id).label("unfunded"),
               func.count(UnfundedReason.id).label("with_reason"))
        .join(School, School.id == student.school_id)
        .outerjoin(UnfundedReason, and_(UnfundedReason.student_id == student.id,
                                        UnfundedReason.period == period_code))
        .where(student.school_id.in_(school_ids), library_condition(term_period(term)), reportable(), ~funded,
               or_(and_(monthly, monthly_student()), and_(~monthly, ~monthly_student())))
        .group_by(student.school_id)
    ).subquery()
    submission = and_(PeriodSubmission.school_id == School.id, PeriodSubmission.period == period_code,
                      PeriodSubmission.kind == SubmissionKind.REASONS.value)
    with_reason = func.coalesce(per_school.c.with_reason, 0)
    return (
        select(School.id.label("school_id"), period_code.label("reasons_period"),
               with_reason.label("unfunded_with_reason"),
               (func.coalesce(per_school.c.unfunded, 0) - with_reason).label("unfunded_without_reason"),
               func.coalesce(PeriodSubmission.status, SubmissionStatus.NOT_STARTED.value).label("reasons_status"),
               _due_dates(school_ids, term, month).label("reasons_due"))
        .outerjoin(per_school, per_school.c.school_id == School.id)
        .outerjoin(PeriodSubmission, submission)
        .where(School.id.in_(school_ids))
    )


def _due_dates(school_ids, term: Term, month: Period):
    """The due date as a CASE over the few distinct stage sets of these schools (deadlines are per stage)."""
    whens = []
    for stages in db.session.scalars(select(School.stages).distinct().where(School.id.in_(school_ids))):
        period = month if stages == periods.VOCATIONAL else term_period(term)
        due = periods.due_for(stages, SubmissionKind.REASONS, period)
        if due is not None:
            whens.append((School.stages == stages, literal(due, Date)))
    return case(*whens, else_=NO_DATE) if whens else NO_DATE


def refresh_school(school: School, term: Term) -> None:
    from portal.progress.services import refresh_progress  # progress lists this module as a figure source

    refresh_progress([school.id], term.code)
