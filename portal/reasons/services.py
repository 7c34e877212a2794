"""Unfunded reasons per student and period: the school's table, one student's save (refused when someone
saved first), one reason for many students, and what still blocks submitting the period.
Bad input changes nothing: every check runs before the first write."""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, delete, exists, func, select, update

from portal.audit.services import Actor, Target, record
from portal.bulk import inserted, upsert_insert
from portal.deadlines import periods, services as calendar
from portal.enrolment.models import EnrolmentUpload, HardshipStudent, UploadStatus
from portal.errors import Conflict, DomainError, NotFound
from portal.extensions import db
from portal.org.models import School
from portal.paging import MAX_INT, bounded_int
from portal.progress.models import SchoolProgress
from portal.reasons import figures, options
from portal.reasons.models import UnfundedReason
from portal.review import services as review
from portal.terms import Period, TermError, parse_period
from portal.vocab import AuditAction, Role, SubmissionKind

REASONS = SubmissionKind.REASONS
NOTE_MAX = 500
MISSING_SHOWN = 100
LIBRARY_MISSING = "本学期尚未上传学籍，就学信息库为空，无法确定未资助学生，请先上传学籍"
NOT_FOR_POOR = "建档立卡学生脱贫后继续享受资助政策（摘帽后“四不摘”），不能选择“{label}”"
UNFIT_SAVED = "有 {count} 名建档立卡学生的原因不适用于建档立卡学生，请重新选择（可用“原因不适用”筛选）"


class ReasonError(DomainError, ValueError):
    """A refused save, with a Chinese message."""


class NoteMissing(ReasonError):
    """The reason chosen needs a note and none was given (a row saved on change may simply wait for it)."""


class ReasonConflict(ReasonError, Conflict):
    """Someone saved this student's reason since the page was loaded: theirs is kept and shown."""

    def __init__(self, message: str, current: UnfundedReason | None):
        super().__init__(message)
        self.current = current


def period_of(text: str) -> Period:
    try:
        return parse_period(text)
    except TermError as error:
        raise ReasonError(str(error)) from None


def _reason_join(period: Period):
    return and_(UnfundedReason.student_id == HardshipStudent.id, UnfundedReason.period == period.code)


def student_table(school: School, period: Period, show: str | None = None, class_name: str | None = None):
    """The period's unfunded students of the school (a select of HardshipStudent, for paginating):
    show='missing' keeps those without a reason, show='done' those with one."""
    query = (select(HardshipStudent)
             .outerjoin(UnfundedReason, _reason_join(period))
             .where(HardshipStudent.id.in_(figures.unfunded_ids(school.id, period))))
    if show == "missing":
        query = query.where(UnfundedReason.id.is_(None))
    elif show == "done":
        query = query.where(UnfundedReason.id.is_not(None))
    elif show == "unfit":
        query = query.where(_unfit())
    if class_name:
        query = query.where(HardshipStudent.class_name == class_name)
    return query.order_by(HardshipStudent.class_name, HardshipStudent.name, HardshipStudent.id)


def reasons_for(student_ids: list[int], period: Period) -> dict[int, UnfundedReason]:
    """The saved reasons of one page of students, in one query."""
    if not student_ids:
        return {}
    rows = db.session.scalars(select(UnfundedReason).where(
        UnfundedReason.student_id.in_(student_ids), UnfundedReason.period == period.code))
    return {row.student_id: row for row in rows}


def _unfit():
    """A saved reason the student may not have (one saved before the rule, or by a since-changed category)."""
    return and_(UnfundedReason.reason_code.in_(options.NOT_FOR_REGISTERED_POOR), HardshipStudent.registered_poor())


def registered_poor_ids(student_ids: list[int]) -> set[int]:
    """Which of these students are 建档立卡 (HardshipStudent.registered_poor), in one query."""
    if not student_ids:
        return set()
    return set(db.session.scalars(select(HardshipStudent.id).where(HardshipStudent.id.in_(student_ids),
                                                                   HardshipStudent.registered_poor())))


def classes(school: School, period: Period) -> list[str]:
    return [name for name in db.session.scalars(
        select(HardshipStudent.class_name).distinct()
        .where(HardshipStudent.id.in_(figures.unfunded_ids(school.id, period)),
               HardshipStudent.class_name.is_not(None))
        .order_by(HardshipStudent.class_name))]


@dataclass
class Standing:
    """Where the school's period stands: counts, the submission, and whether it may still be edited."""

    period: Period
    unfunded: int
    with_reason: int
    submission: object
    editable: bool
    lock_reason: str
    due: date | None
    missing: list = field(default_factory=list)  # the first students still without a reason
    library_missing: bool = False  # no enrolment this term yet: nobody can say who is unfunded
    unfit: int = 0  # 建档立卡 students whose saved reason is one they may not have
    without_level: int = 0  # library students of the term with no 困难等级 yet (003): said, not blocking

    @property
    def without_reason(self) -> int:
        return self.unfunded - self.with_reason

    @property
    def unfit_message(self) -> str:
        return UNFIT_SAVED.format(count=self.unfit)

    @property
    def blockers(self) -> list[str]:
        if self.library_missing:
            return [LIBRARY_MISSING]
        unfit = [self.unfit_message] if self.unfit else []
        if not self.without_reason:
            return unfit
        names = [f"{student.name}（{student.id_masked}）" for student in self.missing]
        return [f"还有 {self.without_reason} 名未资助学生没有填写原因"] + unfit + [f"{name}未填写原因" for name in names]


def standing(school: School, period: Period, today: date | None = None, with_missing: bool = True) -> Standing:
    unfunded, with_reason = figures.counts(school.id, period)
    allowed, why = review.editable(school, REASONS, period, today)
    missing = []
    if with_missing and unfunded > with_reason:
        missing = list(db.session.scalars(student_table(school, period, "missing").limit(MISSING_SHOWN)))
    unfit = db.session.scalar(select(func.count()).select_from(student_table(school, period, "unfit").subquery()))
    return Standing(period, unfunded, with_reason, review.current_submission(school, REASONS, period), allowed, why,
                    periods.due(school, REASONS, period), missing,
                    library_missing=not unfunded and not _has_library(school, period), unfit=unfit,
                    without_level=_without_level(school, period))


def _without_level(school: School, period: Period) -> int:
    """From the school's progress row, kept by every write (the term's library, whatever the period)."""
    return db.session.scalar(select(SchoolProgress.without_hardship_level).where(
        SchoolProgress.school_id == school.id, SchoolProgress.term == period.term.code)) or 0


def _has_library(school: School, period: Period) -> bool:
    """Whether the term's enrolment was uploaded (or library students exist): zero unfunded then means zero."""
    term = period.term.code
    return bool(db.session.scalar(select(
        exists().where(HardshipStudent.school_id == school.id, HardshipStudent.term == term)
        | exists().where(EnrolmentUpload.school_id == school.id, EnrolmentUpload.term == term,
                         EnrolmentUpload.status == UploadStatus.CURRENT))))


# -- saving ------------------------------------------------------------------------------------------
def _student(scope, student_id: int) -> HardshipStudent:
    if scope.role is not Role.SCHOOL:
        raise NotFound()
    return scope.owned(HardshipStudent, student_id)


def _option_and_note(code: str, note: str | None):
    option = options.active_option((code or "").strip())
    if option is None:
        raise ReasonError("请从列表中选择未资助原因")
    note = (note or "").strip()
    if option.needs_note and not note:
        raise NoteMissing(f"选择“{option.label}”时须填写说明")
    if len(note) > NOTE_MAX:
        raise ReasonError(f"说明不超过 {NOTE_MAX} 个字")
    return option, note or None


def _version(text) -> int:
    try:
        version = int(str(text).strip())
    except (TypeError, ValueError):
        raise ReasonError("页面已过期，请刷新后再保存") from None
    if not 0 <= version <= MAX_INT:
        raise ReasonError("页面已过期，请刷新后再保存")
    return version


def _refuse_if_locked(school: School, period: Period, today: date | None) -> None:
    allowed, why = review.editable(school, REASONS, period, today)
    if not allowed:
        raise ReasonError(why)


def _is_unfunded(school: School, period: Period, student_ids: list[int]) -> set[int]:
    query = figures.unfunded_ids(school.id, period).where(HardshipStudent.id.in_(student_ids))
    return set(db.session.scalars(query))


def _actor_label(actor: Actor) -> str:
    user = actor.user
    return (getattr(user, "display_name", None) or actor.name)[:64] if user is not None else actor.name


def conflict_message(current: UnfundedReason | None) -> str:
    if current is None:
        return "该学生的原因已被他人清除，请确认后再保存"
    label = options.labels().get(current.reason_code, current.reason_code)
    note = f"（{current.note}）" if current.note else ""
    return (f"该学生的原因已被 {current.updated_by_name} 于 {current.updated_at:%H:%M} 修改为“{label}{note}”，"
            "请确认后再保存")


def set_reason(actor: Actor, scope, period_text: str, student_id: int, code: str, note: str | None, version,
               today: date | None = None) -> UnfundedReason | None:
    """Save one student's reason (an empty code clears it). `version` is what the user saw: 0 for none."""
    period = period_of(period_text)
    student = _student(scope, student_id)
    school = student.school
    clearing = not (code or "").strip()
    option, note = (None, None) if clearing else _option_and_note(code, note)
    version = _version(version)
    if student.term != period.term.code or not _is_unfunded(school, period, [student.id]):
        raise ReasonError("该学生本期已有资助记录（或不在本期名单中），无需填写未资助原因")
    if option is not None and option.code in options.NOT_FOR_REGISTERED_POOR and registered_poor_ids([student.id]):
        raise ReasonError(NOT_FOR_POOR.format(label=option.label))
    _refuse_if_locked(school, period, today)
    where = and_(UnfundedReason.student_id == student.id, UnfundedReason.period == period.code,
                 UnfundedReason.version == version)
    now = datetime.now()
    if clearing:
        done = version > 0 and db.session.execute(delete(UnfundedReason).where(where)).rowcount == 1
    elif version == 0:
        done = inserted(upsert_insert(UnfundedReason).values(
            school_id=school.id, period=period.code, student_id=student.id, reason_code=option.code, note=note,
            version=1, updated_at=now, updated_by_id=actor.user_id, updated_by_name=_actor_label(actor),
        ).on_conflict_do_nothing(index_elements=["student_id", "period"]), UnfundedReason.id) == 1
    else:
        done = db.session.execute(update(UnfundedReason).where(where).values(
            reason_code=option.code, note=note, version=UnfundedReason.version + 1, updated_at=now,
            updated_by_id=actor.user_id, updated_by_name=_actor_label(actor),
        ).execution_options(synchronize_session=False)).rowcount == 1
    current = db.session.scalar(select(UnfundedReason).where(
        UnfundedReason.student_id == student.id, UnfundedReason.period == period.code)
        .execution_options(populate_existing=True))
    if not done:
        if clearing and current is None:
            return None  # already empty: nothing to clear, nobody to warn
        if not clearing and current is not None and (current.reason_code, current.note) == (option.code, note):
            return current  # the same value saved twice (a double click, or two colleagues agreeing): no conflict
        raise ReasonConflict(conflict_message(current), current)
    review.mark_in_progress(actor, school, REASONS, period, today)
    record(actor, AuditAction.SET_UNFUNDED_REASON, _student_target(student),
           f"{period.label}：{'清除原因' if clearing else option.label}{'（' + note + '）' if note else ''}")
    return current


def _student_target(student: HardshipStudent) -> Target:
    school = student.school
    return Target("hardship_student", str(student.id), f"{student.name}（{student.id_masked}）",
                  school.city_code, school.county_code, school.id)


@dataclass
class BulkResult:
    saved: int
    stale: list[str]  # students someone else changed since the page was loaded: left as they were


def set_reasons_bulk(actor: Actor, scope, school: School, period_text: str, selections: list[str], code: str,
                     note: str | None, today: date | None = None) -> BulkResult:
    """One reason for every selected student ("id:version" each). Stale selections are skipped and named."""
    period = period_of(period_text)
    if scope.role is not Role.SCHOOL or school.id != scope.school_id:
        raise NotFound()
    seen: dict[int, int] = {}
    for item in selections:
        student_id, _, version = str(item).partition(":")
        try:
            if bounded_int(student_id) is None:
                raise ValueError(student_id)
            seen[int(student_id)] = _version(version or "0")
        except ValueError:
            raise ReasonError("所选学生无效，请刷新后重试") from None
    if not seen:
        raise ReasonError("请先勾选学生")
    option, note = _option_and_note(code, note)
    found = dict(db.session.execute(select(HardshipStudent.id, HardshipStudent.name).where(
        HardshipStudent.id.in_(list(seen)), scope.owns(HardshipStudent.school_id))).all())
    if len(found) != len(seen):
        raise NotFound()
    if _is_unfunded(school, period, list(seen)) != set(seen):
        raise ReasonError("所选学生中有人本期已有资助记录（或不在本期名单中），请刷新后重新勾选")
    poor = len(registered_poor_ids(list(seen))) if option.code in options.NOT_FOR_REGISTERED_POOR else 0
    if poor:  # all or nothing: a half-applied bulk would leave the clerk to work out who was skipped
        raise ReasonError(f"所选学生中有 {poor} 名建档立卡学生，{NOT_FOR_POOR.format(label=option.label)}。"
                          "请取消勾选这些学生后再设置，本次未作任何修改")
    _refuse_if_locked(school, period, today)
    current = dict(db.session.execute(select(UnfundedReason.student_id, UnfundedReason.version).where(
        UnfundedReason.student_id.in_(list(seen)), UnfundedReason.period == period.code)).all())
    stale = sorted(found[sid] for sid, version in seen.items() if current.get(sid, 0) != version)
    fresh = {sid: version for sid, version in seen.items() if current.get(sid, 0) == version}
    saved = _write_bulk(actor, school, period, fresh, option.code, note)
    if saved < len(fresh):
        stale.append(f"另有 {len(fresh) - saved} 名学生刚被他人修改")
    if saved:
        review.mark_in_progress(actor, school, REASONS, period, today)
        record(actor, AuditAction.SET_UNFUNDED_REASON, Target.of_school(school),
               f"{period.label}：批量设为“{option.label}”{'（' + note + '）' if note else ''}，{saved} 名学生")
    return BulkResult(saved, stale)


def _write_bulk(actor: Actor, school: School, period: Period, fresh: dict[int, int], code: str, note) -> int:
    """A few set-based statements: one INSERT for students without a reason, one UPDATE per version seen."""
    now, name = datetime.now(), _actor_label(actor)
    saved = 0
    new_ids = [sid for sid, version in fresh.items() if version == 0]
    if new_ids:
        saved += inserted(upsert_insert(UnfundedReason).values([
            {"school_id": school.id, "period": period.code, "student_id": sid, "reason_code": code, "note": note,
             "version": 1, "updated_at": now, "updated_by_id": actor.user_id, "updated_by_name": name}
            for sid in new_ids
        ]).on_conflict_do_nothing(index_elements=["student_id", "period"]), UnfundedReason.id)
    for version in sorted({v for v in fresh.values() if v > 0}):
        ids = [sid for sid, v in fresh.items() if v == version]
        saved += db.session.execute(update(UnfundedReason).where(
            UnfundedReason.student_id.in_(ids), UnfundedReason.period == period.code,
            UnfundedReason.version == version,
        ).values(reason_code=code, note=note, version=UnfundedReason.version + 1, updated_at=now,
                 updated_by_id=actor.user_id, updated_by_name=name).execution_options(synchronize_session=False)
        ).rowcount
    return saved


def submit_period(actor: Actor, school: School, period_text: str, today: date | None = None) -> Standing:
    """Submit the period for review once every unfunded student has a reason; the standing it was submitted in
    (students still without a 困难等级 do not block it, but the school is told)."""
    period = period_of(period_text)
    state = standing(school, period, today)
    review.submit(actor, school, REASONS, period, state.blockers, today)
    return state


def missing_count(school: School, period: Period) -> int:
    unfunded, with_reason = figures.counts(school.id, period)
    return unfunded - with_reason


def due_next(school: School) -> dict:
    """For the school's home page: what is due next (with days left) and what still blocks submitting."""
    period = periods.current_period(school)
    return {"items": calendar.next_due(school), "period": period,
            "state": standing(school, period, with_missing=False)}


def row_student(scope, school: School, period: Period, student_id: int) -> HardshipStudent:
    """One student of the school's table, for re-rendering its row (404 outside the scope)."""
    student = _student(scope, student_id)
    if student.school_id != school.id:
        raise NotFound()
    return student
