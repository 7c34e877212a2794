"""Funding status of library students, computed and never stored: a student is funded in a period when a
FundingRecord of the school and period carries their ID digest, and unfunded otherwise. These conditions
are what every other area (reasons, progress, dashboards) builds on."""
from sqlalchemy import ColumnElement, Select, and_, exists, select

from portal.enrolment.models import HardshipStudent
from portal.funding.models import FundingRecord
from portal.terms import Period


def library_condition(period: Period) -> ColumnElement[bool]:
    """HardshipStudent rows that are the school's library for the period: the term's counted students."""
    return and_(HardshipStudent.term == period.term.code, HardshipStudent.counted())


def funded_condition(school_id_column, period: Period) -> ColumnElement[bool]:
    """EXISTS a record of that school and period for the HardshipStudent row's ID digest."""
    return funded_in(school_id_column, period.term.code, period.code)


def funded_in(school_id_column, term_code: str, period_code) -> ColumnElement[bool]:
    """funded_condition() for a period given as a code or an SQL expression (a month for 中职 schools, the term
    for the others). The term is always named: the records' index leads with (school, term, digest)."""
    return exists().where(
        FundingRecord.school_id == school_id_column,
        FundingRecord.term == term_code,
        FundingRecord.period == period_code,
        FundingRecord.id_hash == HardshipStudent.id_hash,
    )


def unfunded_condition(school_id_column, period: Period) -> ColumnElement[bool]:
    return ~funded_condition(school_id_column, period)


def unfunded_students_query(school_id: int, period: Period) -> Select:
    """select(HardshipStudent.id) of the school's library students left unfunded in the period."""
    return select(HardshipStudent.id).where(
        HardshipStudent.school_id == school_id,
        library_condition(period),
        unfunded_condition(HardshipStudent.school_id, period),
    )


def funded_students_query(school_id: int, period: Period) -> Select:
    """select(HardshipStudent.id) of the school's library students funded in the period."""
    return select(HardshipStudent.id).where(
        HardshipStudent.school_id == school_id,
        library_condition(period),
        funded_condition(HardshipStudent.school_id, period),
    )
