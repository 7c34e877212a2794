"""Funding status of library students, computed and never stored: a student is funded in a term when a
FundingRecord of the school and term carries their ID digest, and in a 中职 month when a record of that month
or of its term does (地方/学校/社会 lists are kept per term and cover its months); unfunded otherwise. Who
belongs to a period: a month's students are the 中职 ones. These conditions are what every other area
(reasons, progress, dashboards) builds on."""
from sqlalchemy import ColumnElement, Select, String, and_, exists, func, literal, or_, select, true

from portal.enrolment.models import HardshipStudent
from portal.funding.models import FundingRecord
from portal.org.models import School
from portal.terms import Period
from portal.vocab import Stage

VOCATIONAL = Stage.VOCATIONAL.value


def monthly_student() -> ColumnElement[bool]:
    """The student is reported by month: a 中职 student (no stage recorded: the school teaches only 中职)."""
    school_stages = (select(School.stages).where(School.id == HardshipStudent.school_id)
                     .correlate_except(School).scalar_subquery())
    return func.coalesce(HardshipStudent.stage, school_stages) == VOCATIONAL


def period_students(period: Period) -> ColumnElement[bool]:
    """The students a period's funding pages count: a month's are the 中职 students, a term's everyone."""
    return monthly_student() if period.is_month else true()


def reporting_students(period: Period) -> ColumnElement[bool]:
    """The students whose unfunded reasons a period reports: 中职 ones by month, the others by term."""
    return monthly_student() if period.is_month else ~monthly_student()


def library_condition(period: Period) -> ColumnElement[bool]:
    """HardshipStudent rows that are the school's library for the period: the term's counted students."""
    return and_(HardshipStudent.term == period.term.code, HardshipStudent.counted())


def funded_condition(school_id_column, period: Period) -> ColumnElement[bool]:
    """EXISTS a record of that school and period for the HardshipStudent row's ID digest."""
    return funded_in(school_id_column, period.term.code, period.code)


def funded_in(school_id_column, term_code: str, period_code) -> ColumnElement[bool]:
    """funded_condition() for a period given as a code or an SQL expression (a month for 中职 students, the
    term for the others). The term is always named: the records' index leads with (school, term, digest)."""
    return exists().where(
        FundingRecord.school_id == school_id_column,
        FundingRecord.term == term_code,
        status_period(term_code, period_code),
        FundingRecord.id_hash == HardshipStudent.id_hash,
    )


def status_period(term_code: str, period_code) -> ColumnElement[bool]:
    """FundingRecord.period condition for a status: a term counts every record of the term, a month its own
    records and the term's."""
    if isinstance(period_code, str):
        return true() if period_code == term_code else FundingRecord.period.in_((period_code, term_code))
    return or_(period_code == literal(term_code, String), FundingRecord.period == period_code,
               FundingRecord.period == term_code)


def unfunded_condition(school_id_column, period: Period) -> ColumnElement[bool]:
    return ~funded_condition(school_id_column, period)


def unfunded_students_query(school_id: int, period: Period) -> Select:
    """select(HardshipStudent.id) of the school's library students the period reports and left unfunded."""
    return select(HardshipStudent.id).where(
        HardshipStudent.school_id == school_id,
        library_condition(period),
        reporting_students(period),
        unfunded_condition(HardshipStudent.school_id, period),
    )


def funded_students_query(school_id: int, period: Period) -> Select:
    """select(HardshipStudent.id) of the school's library students the period reports and funded."""
    return select(HardshipStudent.id).where(
        HardshipStudent.school_id == school_id,
        library_condition(period),
        reporting_students(period),
        funded_condition(HardshipStudent.school_id, period),
    )
