"""A school's funded lists for one period: which periods it works in, the overview of a period and of each
list (国家 / 地方政府 / 学校和社会: each opens, closes and is submitted on its own), one record typed in by
hand or deleted, the file import's write path, submission for review, and the export."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, func, select, true

from portal import sheets
from portal.audit.services import Actor, Target, record
from portal.bulk import count_where
from portal.deadlines import periods as work_periods, services as deadlines
from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, HardshipStudent, UploadStatus
from portal.exports import batches
from portal.extensions import db
from portal.funding import importer
from portal.funding.checks import Checker
from portal.funding.errors import FundingError
from portal.funding.models import FundingImport, FundingProject, FundingRecord, missing_of
from portal.funding.status import funded_condition, library_condition
from portal.funding.students import period_records, period_students
from portal.org.models import School
from portal.protect import protector
from portal.review import services as review
from portal.terms import Period, TermError, current_term, parse_period
from portal.vocab import AuditAction, DeadlineParty, FundingImportMode, ProjectLevel, SubmissionKind


# -- periods and lists -----------------------------------------------------------------------------
def periods(school: School, today: date | None = None) -> list[Period]:
    """The periods a school can look at: this term's and the previous term's, newest first (a term before
    its months: its 地方/学校/社会 lists cover them all)."""
    day = today or deadlines.today()
    term = current_term(day)
    found = work_periods.funding_periods(school, term) + work_periods.funding_periods(school, term.previous())
    return sorted(work_periods.begun(found, day),
                  key=lambda period: (period.starts, not period.is_month), reverse=True) or found[:1]


def period_for(school: School, text: str | None, today: date | None = None) -> Period:
    """The period named in a request (default: the one the school works on now), checked for the school."""
    day = today or deadlines.today()
    if not text:
        return work_periods.current_period(school, SubmissionKind.FUNDING, day)
    try:
        period = parse_period(text)
    except TermError as refusal:
        raise FundingError(str(refusal)) from None
    if period.is_month and not work_periods.teaches_monthly(school.stages):
        raise FundingError("本校按学期填报资助名单（如 2026秋），只有中职按月填报")
    if period.starts > day:
        raise FundingError(f"{period.label}尚未开始")
    return period


def list_kind(project: FundingProject) -> SubmissionKind:
    return work_periods.list_kind(project.level)


def open_list(actor: Actor, school: School, kind: SubmissionKind, period: Period) -> None:
    """Before any change to one of the period's lists: refused once it is submitted, approved or locked."""
    try:
        review.mark_in_progress(actor, school, kind, period)
    except review.ReviewError as refusal:
        raise FundingError(f"{kind.label}：{refusal}") from None


@dataclass
class ListState:
    """One of the period's funded lists as the school and its authority see it."""

    kind: SubmissionKind
    submission: object
    editable: bool
    lock_reason: str
    due: date | None  # the school's 资助名单审核
    authority_due: date | None  # the authority's (None: no authority review, or "——")
    records: int = 0
    incomplete: int = 0

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def authority_review(self) -> bool:
        return work_periods.work(self.kind).authority_review

    @property
    def levels(self) -> list[str]:
        return [level.value for level in work_periods.work(self.kind).levels]

    @property
    def blockers(self) -> list[str]:
        """What stops the school submitting this list (an empty 地方/学校/社会 list may be confirmed as such)."""
        problems = []
        if not self.records and self.kind is SubmissionKind.FUNDING:
            problems.append("本期尚未录入国家资助名单")
        if self.incomplete:
            problems.append(f"有 {self.incomplete} 条资助记录信息不完整（缺银行卡号、资助标准、发放时间或资助金额）")
        return problems


def list_states(school: School, period: Period, today: date | None = None) -> list[ListState]:
    """The lists the school keeps in the period, each with its status, dates and record counts (one query)."""
    counts = {level: (count, incomplete) for level, count, incomplete in db.session.execute(
        select(FundingProject.level, func.count(FundingRecord.id),
               count_where(FundingRecord.incomplete.is_(True)))
        .join(FundingProject, FundingProject.id == FundingRecord.project_id)
        .where(period_records(school.id, period)).group_by(FundingProject.level))}
    found = []
    for kind in work_periods.kinds_in(school, period):
        allowed, why = review.editable(school, kind, period, today)
        totals = [counts.get(level.value, (0, 0)) for level in work_periods.work(kind).levels]
        found.append(ListState(kind, review.current_submission(school, kind, period), allowed, why,
                               work_periods.due(school, kind, period),
                               work_periods.due(school, kind, period, DeadlineParty.AUTHORITY),
                               sum(count for count, _ in totals), sum(incomplete for _, incomplete in totals)))
    return found


def list_state(school: School, period: Period, kind: SubmissionKind) -> ListState:
    for state in list_states(school, period):
        if state.kind is kind:
            return state
    raise FundingError(f"本校{period.label}没有{kind.label}")


# -- overview --------------------------------------------------------------------------------------------
@dataclass
class Overview:
    period: Period
    library: int = 0
    funded: int = 0
    records: int = 0
    amount: Decimal = Decimal(0)
    incomplete: int = 0
    missing: dict[str, int] = field(default_factory=dict)  # 银行卡号 / 资助标准 / 发放时间 / 资助金额 → records
    by_project: list[tuple] = field(default_factory=list)  # (name, level label, stages, records, students, amount)
    imports: list[FundingImport] = field(default_factory=list)

    @property
    def unfunded(self) -> int:
        return self.library - self.funded


def overview(school: School, period: Period, kind: SubmissionKind | None = None) -> Overview:
    """One school's period at a glance, or one of its lists (its own page may count its own rows; dashboards
    read progress). The library is the period's students: a month's are the 中职 students."""
    found = _record_totals(school, period, kind)
    found.library, found.funded = db.session.execute(
        select(func.count(HardshipStudent.id), count_where(funded_condition(HardshipStudent.school_id, period)))
        .where(HardshipStudent.school_id == school.id, library_condition(period), period_students(period))).one()
    rows = db.session.execute(
        select(FundingProject, func.count(FundingRecord.id), func.count(func.distinct(FundingRecord.id_hash)),
               func.coalesce(func.sum(FundingRecord.amount), 0))
        .join(FundingRecord, FundingRecord.project_id == FundingProject.id)
        .where(period_records(school.id, period), _of_list(kind))
        .group_by(FundingProject.id).order_by(FundingProject.level, FundingProject.name))
    found.by_project = [(project.name, project.level_label, project.stage_labels, count, students, Decimal(amount))
                        for project, count, students, amount in rows]
    found.imports = list(db.session.scalars(
        select(FundingImport).where(FundingImport.school_id == school.id, FundingImport.period == period.code)
        .order_by(FundingImport.id.desc()).limit(5)))
    return found


def _of_list(kind: SubmissionKind | None):
    """FundingProject condition: the projects of one list (every project when kind is None)."""
    if kind is None:
        return true()
    return FundingProject.level.in_([level.value for level in work_periods.work(kind).levels])


def _record_totals(school: School, period: Period, kind: SubmissionKind | None = None) -> Overview:
    """The period's records (of one list, or all) counted: how many, their amount, how many are incomplete
    and what they lack."""
    found = Overview(period)
    missing = {"银行卡号": FundingRecord.card_masked, "资助标准": FundingRecord.standard,
               "发放时间": FundingRecord.paid_on, "资助金额": FundingRecord.amount}
    totals = db.session.execute(
        select(func.count(FundingRecord.id), func.coalesce(func.sum(FundingRecord.amount), 0),
               count_where(FundingRecord.incomplete.is_(True)),
               *[count_where(column.is_(None)) for column in missing.values()])
        .join(FundingProject, FundingProject.id == FundingRecord.project_id)
        .where(period_records(school.id, period), _of_list(kind))).one()
    found.records, found.amount, found.incomplete = totals[0], Decimal(totals[1]), totals[2]
    found.missing = dict(zip(missing, totals[3:]))
    return found


def submit(actor: Actor, school: School, period: Period, kind: SubmissionKind | str) -> SubmissionKind:
    """Submit one of the period's lists (学校/社会: the school's review is final)."""
    try:
        kind = SubmissionKind(str(kind))
    except ValueError:
        raise FundingError("请选择要提交的资助名单") from None
    state = list_state(school, period, kind)
    try:
        review.submit(actor, school, kind, period, state.blockers)
    except review.ReviewError as refusal:
        raise FundingError(f"{kind.label}：{refusal}") from None
    return kind


# -- record list -----------------------------------------------------------------------------------------
def records_query(school: School, period: Period, incomplete_only: bool = False, search: str = ""):
    query = select(FundingRecord).where(period_records(school.id, period))
    if incomplete_only:
        query = query.where(FundingRecord.incomplete.is_(True))
    if search:
        query = query.where(FundingRecord.name.contains(search, autoescape=True))
    return query.order_by(FundingRecord.row_number, FundingRecord.id)


EXPORT_HEADER = ["身份证件号", "姓名", "资助项目", "项目类别", "资助标准", "资助金额", "发放时间", "银行卡号", "信息不完整"]


def export_count(school: School, period: Period) -> int:
    """The lines the export would hold: above exports.IN_REQUEST_ROWS (a big school) the worker writes it."""
    return db.session.scalar(select(func.count()).select_from(FundingRecord).where(period_records(school.id, period)))


def export_name(school: School, period: Period) -> str:
    return f"{school.name}{period.label}资助名单.xlsx"


def export(actor: Actor, school: School, period: Period, progress=None) -> bytes:
    """The period's funded list as xlsx (ID numbers and cards masked), read a batch at a time as plain rows; the
    export is recorded in the audit log (the caller commits). progress(done) is told after each batch."""
    query = (select(FundingRecord.id_masked, FundingRecord.name, FundingProject.name.label("project"),
                    FundingProject.level, FundingRecord.standard, FundingRecord.amount, FundingRecord.paid_on,
                    FundingRecord.card_masked)
             .join(FundingProject, FundingProject.id == FundingRecord.project_id)
             .where(period_records(school.id, period)).order_by(FundingRecord.row_number, FundingRecord.id))

    def lines():
        for rows in batches(query, progress):
            for found in rows:
                yield (found.id_masked, found.name, found.project, ProjectLevel.label_of(found.level), found.standard,
                       found.amount, found.paid_on, found.card_masked or "", "、".join(missing_of(found)))

    content = sheets.stream_xlsx(EXPORT_HEADER, lines(), sheet_title=f"{period.label}资助名单")
    record(actor, AuditAction.EXPORT, Target.of_school(school), f"{period.label}资助名单")
    return content


# -- writes ----------------------------------------------------------------------------------------------
class _Refusals:
    """Stands in for the reader's Sheet: collects what the import checks refuse in a typed-in record."""

    def __init__(self):
        self.reasons: list[str] = []

    def refuse(self, _record, column: str, reason: str) -> None:
        self.reasons.append(f"{column}：{reason}")


def add_record(actor: Actor, school: School, period: Period, *, number: str, name: str, project: FundingProject,
               standard: Decimal | None, amount: Decimal | None, paid_on: date | None,
               card: str | None) -> FundingRecord:
    """One record typed in by hand (read by forms.RecordForm with the import's cell parsers): the same checks
    as a file row (a record of the period for the same student and project already there is refused)."""
    open_list(actor, school, list_kind(project), period)
    checker = Checker(school, period, FundingImportMode.APPEND.value, students=_one_student(school, period, number))
    refusals = _Refusals()
    accepted = checker.check(refusals, [(None, number, name, project.name, standard, amount, paid_on, card, 0)])
    if refusals.reasons:
        raise FundingError("；".join(refusals.reasons))
    importer.insert_rows(school, period, accepted, actor, None)
    record(actor, AuditAction.ADD_FUNDING_RECORD, Target.of_school(school),
           f"{period.label} {accepted[0].id_masked} {name} {project.name} {amount or ''}")
    return db.session.scalar(select(FundingRecord).where(period_records(school.id, period))
                             .order_by(FundingRecord.id.desc()).limit(1))


def _one_student(school: School, period: Period, id18: str) -> dict:
    """The enrolment lookup of the import, for one ID (a hand entry need not load the whole school)."""
    id_hash = protector().digest(id18)
    current = select(EnrolmentUpload.id).where(EnrolmentUpload.school_id == school.id,
                                               EnrolmentUpload.term == period.term.code,
                                               EnrolmentUpload.status == UploadStatus.CURRENT)
    row = db.session.execute(select(EnrolmentStudent.id_cipher, EnrolmentStudent.id_masked, EnrolmentStudent.stage)
                             .where(EnrolmentStudent.upload_id.in_(current), EnrolmentStudent.id_hash == id_hash)
                             .limit(1)).first()
    if row is None:
        row = db.session.execute(select(HardshipStudent.id_cipher, HardshipStudent.id_masked, HardshipStudent.stage)
                                 .where(HardshipStudent.school_id == school.id, HardshipStudent.term == period.term.code,
                                        HardshipStudent.id_hash == id_hash, HardshipStudent.active.is_(True))).first()
    return {id_hash: tuple(row)} if row else {}


def delete_record(actor: Actor, found: FundingRecord) -> None:
    school = db.session.get(School, found.school_id)
    period = parse_period(found.period)
    open_list(actor, school, list_kind(found.project), period)
    detail = f"{period.label} {found.id_masked} {found.name} {found.project.name} {found.amount or ''}"
    db.session.execute(delete(FundingRecord).where(FundingRecord.id == found.id))
    record(actor, AuditAction.DELETE_FUNDING_RECORD, Target.of_school(school), detail)


def import_list(actor: Actor, school: School, period: Period, mode: str | None, source, filename: str):
    """The funded list file, written all or nothing; the progress figures follow in the same transaction.
    Every list the file writes to must be open, and a replacement (which removes the period's records) also
    every list that holds records now."""
    importer.check_mode(mode)
    if mode == FundingImportMode.REPLACE.value:
        for kind in _lists_holding_records(school, period):
            open_list(actor, school, kind, period)
    done = importer.import_file(actor, school, period, mode, source, filename)
    for level in sorted(done.levels):
        open_list(actor, school, work_periods.list_kind(level), period)
    return done


def _lists_holding_records(school: School, period: Period) -> list[SubmissionKind]:
    levels = db.session.scalars(select(FundingProject.level).distinct()
                                .join(FundingRecord, FundingRecord.project_id == FundingProject.id)
                                .where(period_records(school.id, period)))
    return sorted({work_periods.list_kind(level) for level in levels}, key=list(SubmissionKind).index)
