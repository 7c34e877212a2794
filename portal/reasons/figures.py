"""The reasons figures of ReasonsProgress: unfunded students with and without a reason (应助未助) per school and
reporting period (one grouped SELECT for any number of schools, written by portal.progress.services before each
commit that touched them); and the page's own counts. Status, due date and overdue are read, never stored."""
from sqlalchemy import Date, String, and_, cast, func, literal, null, or_, select

from portal.deadlines import periods
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.funding.status import (funded_in, library_condition, monthly_student, reporting_students,
                                   unfunded_condition, unfunded_students_query)
from portal.org.models import School
from portal.reasons.models import UnfundedReason
from portal.terms import Period, term_period

NO_DATE = cast(null(), Date)  # typed, so PostgreSQL can match it with dates in a CASE or UNION


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


def reason_figures(school_ids, period: Period, monthly: bool):
    """select(school_id, unfunded_with_reason, unfunded_without_reason) of the schools that report this period:
    a term for schools not teaching only 中职 (their 中职 students' months are on their own page), a month for
    中职 schools. One grouped SELECT for any number of schools; a school it does not return has none unfunded."""
    term = period.term
    student = HardshipStudent
    period_code = literal(period.code, String)
    vocational = School.stages == periods.VOCATIONAL
    funded = funded_in(student.school_id, term.code, period_code)
    unfunded = func.count(student.id)
    with_reason = func.count(UnfundedReason.id)
    return (
        select(student.school_id, with_reason.label("unfunded_with_reason"),
               (unfunded - with_reason).label("unfunded_without_reason"))
        .join(School, School.id == student.school_id)
        .outerjoin(UnfundedReason, and_(UnfundedReason.student_id == student.id, UnfundedReason.period == period_code))
        .where(student.school_id.in_(school_ids), library_condition(term_period(term)), reportable(), ~funded,
               and_(vocational, monthly_student()) if monthly else and_(~vocational, ~monthly_student()))
        .group_by(student.school_id)
    )
