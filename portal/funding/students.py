"""Students as funding sees them: who a funded list may name (the school's enrolment for the term), the
library table with each student's status and amount in a period, and one student's history."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, or_, select

from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, HardshipStudent, UploadStatus
from portal.extensions import db
from portal.funding.models import FundingProject, FundingRecord
from portal.funding.status import (funded_condition, library_condition, period_students, status_period,
                                   unfunded_condition)
from portal.scope import Scope
from portal.deadlines import periods as work_periods, services as deadlines
from portal.org.models import School
from portal.terms import Period, Term, parse_period, periods_of, term_period

STATUS_FILTERS = {"funded": "已受助", "unfunded": "未受助"}


def enrolled_students(school_id: int, term_code: str) -> dict[bytes, tuple[bytes, str, str | None]]:
    """ID digest → (ID cipher, masked ID, stage) of every student a funded list of the term may name: the
    school's current enrolment snapshot, plus library students added by hand (who may be missing from it)."""
    current = select(EnrolmentUpload.id).where(EnrolmentUpload.school_id == school_id,
                                               EnrolmentUpload.term == term_code,
                                               EnrolmentUpload.status == UploadStatus.CURRENT)
    found = {}
    added = db.session.execute(select(HardshipStudent.id_hash, HardshipStudent.id_cipher, HardshipStudent.id_masked,
                                      HardshipStudent.stage)
                               .where(HardshipStudent.school_id == school_id, HardshipStudent.term == term_code,
                                      HardshipStudent.active.is_(True)))
    for id_hash, cipher, masked, stage in added:
        found[id_hash] = (cipher, masked, stage)
    enrolled = db.session.execute(select(EnrolmentStudent.id_hash, EnrolmentStudent.id_cipher,
                                         EnrolmentStudent.id_masked, EnrolmentStudent.stage)
                                  .where(EnrolmentStudent.upload_id.in_(current)))
    found.update((id_hash, (cipher, masked, stage)) for id_hash, cipher, masked, stage in enrolled)
    return found


def period_records(school_id: int, period: Period):
    """FundingRecord rows of one school and period (the term is named too, for the index)."""
    return and_(FundingRecord.school_id == school_id, FundingRecord.term == period.term.code,
                FundingRecord.period == period.code)


def library_table(school_id: int, period: Period, status: str | None = None, search: str = "",
                  class_name: str | None = None) -> Select:
    """select(HardshipStudent) of the school's library for the period, narrowed to funded or unfunded
    students (status "funded" / "unfunded"), ordered by class and name. Pair a page of it with paid()."""
    query = select(HardshipStudent).where(HardshipStudent.school_id == school_id, library_condition(period),
                                          period_students(period))
    query = with_status(query, school_id, period, status)
    if search:
        query = query.where(or_(HardshipStudent.name.contains(search, autoescape=True),
                                HardshipStudent.student_no.contains(search, autoescape=True)))
    if class_name:
        query = query.where(HardshipStudent.class_name == class_name)
    return query.order_by(HardshipStudent.class_name, HardshipStudent.name, HardshipStudent.id)


@dataclass
class Paid:
    """What one student received in a period: the projects and the amount."""

    projects: list[str] = field(default_factory=list)
    amount: Decimal = Decimal(0)
    records: int = 0

    @property
    def project_names(self) -> str:
        return "、".join(self.projects)


def paid(school_id: int, period: Period, students: list[HardshipStudent]) -> dict[bytes, Paid]:
    """ID digest → Paid for a page of students (one query); students missing from it are unfunded. A month
    counts the term's records too, as the status does."""
    found: dict[bytes, Paid] = {}
    if not students:
        return found
    rows = db.session.execute(
        select(FundingRecord.id_hash, FundingProject.name, FundingRecord.amount)
        .join(FundingProject, FundingProject.id == FundingRecord.project_id)
        .where(FundingRecord.school_id == school_id, FundingRecord.term == period.term.code,
               status_period(period.term.code, period.code), FundingRecord.id_hash.in_([s.id_hash for s in students]))
        .order_by(FundingProject.name))
    for id_hash, name, amount in rows:
        line = found.setdefault(id_hash, Paid())
        line.records += 1
        line.amount += amount or 0
        if name not in line.projects:
            line.projects.append(name)
    return found


def history(scope: Scope, student: HardshipStudent) -> list[FundingRecord]:
    """Every record of this student in the schools the user may see, newest period first."""
    records = db.session.scalars(
        select(FundingRecord).where(FundingRecord.id_hash == student.id_hash, scope.owns(FundingRecord.school_id))
        .order_by(FundingRecord.id)).all()
    # period codes do not sort as time does ("2026-spring" > "2026-autumn"), so order by the periods' dates
    return sorted(records, key=lambda found: (parse_period(found.period).starts, found.paid_on or date.min),
                  reverse=True)


def library_period(school: School, term: Term, today: date | None = None) -> Period:
    """The period the library table shows funding for: the term, or for a 中职 school the term's latest month
    begun (a school teaching other stages too shows the term: every record of it counts)."""
    if work_periods.teaches_termly(school.stages):
        return term_period(term)
    return work_periods.latest_begun(periods_of(term, True), today or deadlines.today())


def with_status(query: Select, school_id: int, period: Period, status: str | None) -> Select:
    """A select of HardshipStudent narrowed to students funded ("funded") or not ("unfunded") in the period."""
    if status == "funded":
        return query.where(funded_condition(HardshipStudent.school_id, period))
    if status == "unfunded":
        return query.where(unfunded_condition(HardshipStudent.school_id, period))
    return query
