"""The funding figures of SchoolProgress, as figure sources of portal.progress.services (one grouped SELECT
for any number of schools): library students funded in any period of the term and those left unfunded;
the records, incomplete records and amounts the school's funded lists hold for the term."""
from sqlalchemy import Select, and_, case, exists, func, select

from portal.bulk import count_where
from portal.enrolment.models import HardshipStudent
from portal.funding.models import FundingProject, FundingRecord
from portal.funding.status import library_condition
from portal.terms import parse_term, term_period
from portal.vocab import ProjectLevel

STUDENT_DEFAULTS = {"funded": 0, "unfunded": 0}
RECORD_DEFAULTS = {"funded_records": 0, "incomplete_records": 0, "funded_amount": 0, "national_amount": 0}


def student_figures(school_ids: Select, term_code: str) -> Select:
    student = HardshipStudent
    funded = exists().where(FundingRecord.school_id == student.school_id, FundingRecord.term == term_code,
                            FundingRecord.id_hash == student.id_hash)
    return (select(student.school_id, count_where(funded).label("funded"), count_where(~funded).label("unfunded"))
            .where(student.school_id.in_(school_ids), library_condition(term_period(parse_term(term_code))))
            .group_by(student.school_id))


def record_figures(school_ids: Select, term_code: str) -> Select:
    record = FundingRecord
    national = FundingProject.level == ProjectLevel.NATIONAL.value
    return (
        select(record.school_id, func.count(record.id).label("funded_records"),
               count_where(record.incomplete.is_(True)).label("incomplete_records"),
               func.coalesce(func.sum(record.amount), 0).label("funded_amount"),
               func.coalesce(func.sum(case((and_(national, record.amount.is_not(None)), record.amount), else_=0)), 0)
               .label("national_amount"))
        .join(FundingProject, FundingProject.id == record.project_id)
        .where(record.school_id.in_(school_ids), record.term == term_code)
        .group_by(record.school_id)
    )
