"""Submit → review for every kind of period work (funded lists by project level, unfunded reasons): one
mechanism. A school's edits go through mark_in_progress(), which refuses once the period is submitted,
approved or past its own deadline (portal.deadlines.periods: each kind, each level, its own dates); the
school's authority (county, or the city/province for schools directly under them) approves, returns with a
comment, or reopens a late period for some days. A 学校/社会 list has no authority review: the school's
submission is its own final review. Every step is audited.
Status changes are conditional UPDATEs on (status, version), so two people acting at once cannot both win."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update

from portal.audit.services import Actor, Target, record
from portal.bulk import upsert_insert
from portal.deadlines import periods, services as deadlines
from portal.errors import DomainError
from portal.extensions import db
from portal.org.models import School
from portal.review.models import PeriodSubmission
from portal.scope import reviewing_role
from portal.terms import Period, parse_period
from portal.vocab import AuditAction, SubmissionKind, SubmissionStatus

OPEN = (SubmissionStatus.NOT_STARTED.value, SubmissionStatus.IN_PROGRESS.value, SubmissionStatus.RETURNED.value)
DONE = (SubmissionStatus.SUBMITTED.value, SubmissionStatus.APPROVED.value)
RETURN_REOPEN_DAYS = 7  # a period returned after its deadline stays open this long for the school
MAX_REOPEN_DAYS = 60
BLOCKERS_SHOWN = 10


class ReviewError(DomainError, ValueError):
    """A refused step, with a Chinese message for the user."""


def as_period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def _kind(kind: SubmissionKind | str) -> str:
    return SubmissionKind(str(kind)).value


def _find(school_id: int, kind: str, period_code: str) -> PeriodSubmission | None:
    return db.session.scalar(select(PeriodSubmission).where(
        PeriodSubmission.school_id == school_id, PeriodSubmission.kind == kind,
        PeriodSubmission.period == period_code))


def current_submission(school: School, kind: SubmissionKind | str, period: Period | str) -> PeriodSubmission:
    """The school's submission for the period; a fresh 未填报 one (not added to the session) if none yet."""
    kind, code = _kind(kind), as_period(period).code
    found = _find(school.id, kind, code)
    if found is not None:
        return found
    return PeriodSubmission(school_id=school.id, kind=kind, period=code, city_code=school.city_code,
                            county_code=school.county_code, status=SubmissionStatus.NOT_STARTED.value, version=0)


def ensure_submission(school: School, kind: SubmissionKind | str, period: Period | str) -> PeriodSubmission:
    """The stored row, inserted if missing (INSERT … ON CONFLICT DO NOTHING: two first edits at once are fine)."""
    kind, code = _kind(kind), as_period(period).code
    found = _find(school.id, kind, code)
    if found is not None:
        return found
    db.session.execute(upsert_insert(PeriodSubmission).values(
        school_id=school.id, kind=kind, period=code, city_code=school.city_code, county_code=school.county_code,
        status=SubmissionStatus.NOT_STARTED.value, version=1,
    ).on_conflict_do_nothing(index_elements=["school_id", "kind", "period"]))
    return _find(school.id, kind, code)


def _target(school: School, sub: PeriodSubmission) -> Target:
    label = f"{school.name} {as_period(sub.period).label} {SubmissionKind.label_of(sub.kind)}"
    return Target("submission", str(sub.id), label[:128], school.city_code, school.county_code, school.id)


def _transition(sub: PeriodSubmission, allowed: tuple[str, ...], refusal: str, **values) -> None:
    """Move the row on only if nobody moved it since it was read; otherwise refuse with `refusal`."""
    result = db.session.execute(
        update(PeriodSubmission)
        .where(PeriodSubmission.id == sub.id, PeriodSubmission.version == sub.version,
               PeriodSubmission.status.in_(allowed))
        .values(version=PeriodSubmission.version + 1, **values)
        .execution_options(synchronize_session=False))
    db.session.expire(sub)
    if result.rowcount != 1:
        raise ReviewError(refusal)


# -- the school's side ---------------------------------------------------------------------------------
def reopened(sub: PeriodSubmission, day: date) -> bool:
    """Whether the authority's reopening (or a late return) still lets the school edit on `day`."""
    return sub.reopened_until is not None and day <= sub.reopened_until.date()


def editable(school: School, kind: SubmissionKind | str, period: Period | str,
             today: date | None = None) -> tuple[bool, str]:
    """Whether the school may change the period's work now, and if not (or only by reopening) why."""
    period = as_period(period)
    sub = current_submission(school, kind, period)
    if sub.status == SubmissionStatus.SUBMITTED.value:
        return False, "本期已提交，等待主管部门审核，不能修改"
    if sub.status == SubmissionStatus.APPROVED.value:
        return False, "本期已审核通过，不能修改"
    day = today or deadlines.today()
    due = periods.due(school, sub.kind, period)
    if due is not None and day > due:
        if reopened(sub, day):
            return True, f"已过截止日期，主管部门已重新开放至 {sub.reopened_until:%Y年%m月%d日}"
        return False, f"已过截止日期（{due:%Y年%m月%d日}），本期已锁定；如需修改，请联系主管部门重新开放"
    return True, ""


def mark_in_progress(actor: Actor, school: School, kind: SubmissionKind | str, period: Period | str,
                     today: date | None = None) -> PeriodSubmission:
    """Call before every school edit of the period: refuses when it is locked; 未填报 becomes 填报中."""
    allowed, reason = editable(school, kind, period, today)
    if not allowed:
        raise ReviewError(reason)
    sub = ensure_submission(school, kind, period)
    if sub.status == SubmissionStatus.NOT_STARTED.value:
        result = db.session.execute(
            update(PeriodSubmission)
            .where(PeriodSubmission.id == sub.id, PeriodSubmission.status == SubmissionStatus.NOT_STARTED.value)
            .values(status=SubmissionStatus.IN_PROGRESS.value, version=PeriodSubmission.version + 1)
            .execution_options(synchronize_session=False))
        db.session.expire(sub)
        if result.rowcount == 1:  # whoever edits first records the start; a simultaneous second edit need not
            record(actor, AuditAction.SUBMISSION_START, _target(school, sub))
    return sub


def submit(actor: Actor, school: School, kind: SubmissionKind | str, period: Period | str, blockers: list[str],
           today: date | None = None) -> PeriodSubmission:
    """Submit the period for review; refused while anything blocks it (each blocker is named)."""
    if blockers:
        shown = "；".join(blockers[:BLOCKERS_SHOWN])
        more = f" 等 {len(blockers)} 项" if len(blockers) > BLOCKERS_SHOWN else ""
        raise ReviewError(f"还不能提交：{shown}{more}")
    allowed, reason = editable(school, kind, period, today)
    if not allowed:
        raise ReviewError(reason)
    sub = ensure_submission(school, kind, period)
    now = datetime.now()
    if periods.work(sub.kind).authority_review:
        _transition(sub, OPEN, "本期状态已被他人改变，请刷新后再试",
                    status=SubmissionStatus.SUBMITTED.value, submitted_at=now, submitted_by_id=actor.user_id)
    else:  # the school's review is the last one ("——" for the authority in every annex)
        _transition(sub, OPEN, "本期状态已被他人改变，请刷新后再试", status=SubmissionStatus.APPROVED.value,
                    submitted_at=now, submitted_by_id=actor.user_id, reviewed_at=now, reviewed_by_id=actor.user_id)
    record(actor, AuditAction.SUBMISSION_SUBMIT, _target(school, sub))
    return sub


# -- the authority's side ------------------------------------------------------------------------------
def require_reviewer(scope, school: School) -> None:
    """Refuse (in Chinese) anyone but the school's reviewer: others in scope may only look."""
    if not scope.reviews(school):
        raise ReviewError(f"该学校由{reviewing_role(school).label}资助部门审核，您只能查看")


def _reviewable(scope, submission_id: int) -> tuple[PeriodSubmission, School]:
    sub = scope.owned(PeriodSubmission, submission_id)
    school = scope.school(sub.school_id)
    require_reviewer(scope, school)
    return sub, school


def _check_version(sub: PeriodSubmission, version: int | None) -> None:
    if version is not None and version != sub.version:
        raise ReviewError("该学校的填报已有变化（可能已被他人审核或学校已重新提交），请刷新后再操作")


def approve(actor: Actor, scope, submission_id: int, version: int | None = None) -> PeriodSubmission:
    sub, school = _reviewable(scope, submission_id)
    _check_version(sub, version)
    _require_authority_review(sub)
    if sub.status != SubmissionStatus.SUBMITTED.value:
        raise ReviewError(f"只有已提交的填报可以审核，当前状态：{sub.status_label}")
    _transition(sub, (SubmissionStatus.SUBMITTED.value,), "该填报已被他人处理，请刷新后再试",
                status=SubmissionStatus.APPROVED.value, reviewed_at=datetime.now(), reviewed_by_id=actor.user_id,
                review_comment=None)
    record(actor, AuditAction.SUBMISSION_APPROVE, _target(school, sub))
    return sub


def send_back(actor: Actor, scope, submission_id: int, comment: str, version: int | None = None,
              today: date | None = None) -> PeriodSubmission:
    """Return a submission with a comment; the school can edit again (after the deadline: for some days)."""
    comment = (comment or "").strip()
    sub, school = _reviewable(scope, submission_id)
    if not comment:
        raise ReviewError("退回时请填写退回原因，学校将看到这段说明")
    _check_version(sub, version)
    _require_authority_review(sub)
    if sub.status != SubmissionStatus.SUBMITTED.value:
        raise ReviewError(f"只有已提交的填报可以退回，当前状态：{sub.status_label}")
    values = {}
    day = today or deadlines.today()
    due = periods.due(school, sub.kind, as_period(sub.period))
    if due is not None and day + timedelta(days=RETURN_REOPEN_DAYS) > due:
        values = {"reopened_until": _end_of(day + timedelta(days=RETURN_REOPEN_DAYS)), "reopened_by_id": actor.user_id}
    _transition(sub, (SubmissionStatus.SUBMITTED.value,), "该填报已被他人处理，请刷新后再试",
                status=SubmissionStatus.RETURNED.value, reviewed_at=datetime.now(), reviewed_by_id=actor.user_id,
                review_comment=comment[:2000], **values)
    record(actor, AuditAction.SUBMISSION_RETURN, _target(school, sub), comment[:500])
    return sub


def reopen(actor: Actor, scope, submission_id: int, days, today: date | None = None) -> PeriodSubmission:
    """After the deadline, let the school edit the period again for `days` days (recorded)."""
    sub, school = _reviewable(scope, submission_id)
    try:
        days = int(str(days).strip())
    except (TypeError, ValueError):
        raise ReviewError("请填写重新开放的天数") from None
    if not 1 <= days <= MAX_REOPEN_DAYS:
        raise ReviewError(f"重新开放的天数应在 1 到 {MAX_REOPEN_DAYS} 天之间")
    day = today or deadlines.today()
    due = periods.due(school, sub.kind, as_period(sub.period))
    if due is None or day <= due:
        raise ReviewError("尚未过截止日期，学校仍可填报，无需重新开放")
    if sub.status == SubmissionStatus.SUBMITTED.value:
        raise ReviewError("该学校已提交，请审核通过或退回修改")
    if sub.status == SubmissionStatus.APPROVED.value:
        raise ReviewError("本期已审核通过，不能重新开放")
    if reopened(sub, day):
        raise ReviewError(f"本期已重新开放至 {sub.reopened_until:%Y年%m月%d日}，学校可以修改，无需再次开放")
    until = _end_of(day + timedelta(days=days))
    _transition(sub, OPEN, "本期状态已被他人改变，请刷新后再试", reopened_until=until, reopened_by_id=actor.user_id)
    record(actor, AuditAction.SUBMISSION_REOPEN, _target(school, sub), f"重新开放 {days} 天，至 {until:%Y-%m-%d}")
    return sub


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59))


def overdue(sub: PeriodSubmission, due: date | None, today: date | None = None) -> bool:
    """Past the deadline, not yet submitted and not reopened: what upper tiers see as 逾期."""
    day = today or deadlines.today()
    return due is not None and day > due and sub.status not in DONE and not reopened(sub, day)


def _require_authority_review(sub: PeriodSubmission) -> None:
    if not periods.work(sub.kind).authority_review:
        raise ReviewError(f"{sub.kind_label}由学校审核确认，无需主管部门审核")
