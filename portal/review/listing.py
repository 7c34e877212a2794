"""The review list: every school in scope with its period's status, for one kind or all, waiting-for-review
first. A kind's rows are the schools reporting it per term, and (what 中职 does monthly) the schools teaching
中职 for the chosen month: a school teaching 中职 beside another stage has both. Schools that have not started
have no submission row, so the list starts from School (outer join). One SQL statement per page whatever the
number of schools; due dates are a CASE over the few stage sets."""
from datetime import date, datetime, time

from sqlalchemy import Date, Integer, String, and_, case, cast, false, func, literal, null, select, true, union_all

from portal.deadlines import periods, services as deadlines
from portal.extensions import db
from portal.org.models import School
from portal.paging import Page
from portal.progress.models import ReasonsProgress
from portal.reasons.figures import NO_DATE
from portal.review.models import PeriodSubmission
from portal.review.services import DONE
from portal.terms import Period, Term, term_period
from portal.vocab import SubmissionKind, SubmissionStatus

# waiting for review first, then returned (the school has work), in progress, not started, approved
STATUS_ORDER = (SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED, SubmissionStatus.IN_PROGRESS,
                SubmissionStatus.NOT_STARTED, SubmissionStatus.APPROVED)
OVERDUE = "overdue"
PER_PAGE = 50


def _kind_rows(scope, kind: SubmissionKind, period: Period):
    """Every school in scope that reports this kind in this period (a term, or a 中职 month), with its status."""
    period_code = literal(period.code, String)
    schools = [scope.school_condition(), School.active.is_(True), _reports(kind, period)]
    whens = []
    for stages in db.session.scalars(select(School.stages).distinct().where(*schools)):
        due = periods.due_for(stages, kind, period)
        if due is not None:
            whens.append((School.stages == stages, literal(due, Date)))
    due = case(*whens, else_=NO_DATE) if whens else NO_DATE
    joined = and_(PeriodSubmission.school_id == School.id, PeriodSubmission.kind == kind.value,
                  PeriodSubmission.period == period_code)
    # 应助未助 from the school's progress row for this period (a term, or any 中职 month of it): none unfunded
    # without a reason has no row, so a reasons row shows 0 rather than nothing.
    counted = and_(ReasonsProgress.school_id == School.id, ReasonsProgress.period == period_code)
    without_reason = (func.coalesce(ReasonsProgress.unfunded_without_reason, 0) if kind is SubmissionKind.REASONS
                      else cast(null(), Integer))
    return (
        select(School.id.label("school_id"), School.code.label("school_code"), School.name.label("school_name"),
               School.stages.label("stages"), literal(kind.value, String).label("kind"),
               period_code.label("period"),
               func.coalesce(PeriodSubmission.status, SubmissionStatus.NOT_STARTED.value).label("status"),
               PeriodSubmission.id.label("submission_id"), PeriodSubmission.submitted_at.label("submitted_at"),
               PeriodSubmission.reviewed_at.label("reviewed_at"),
               PeriodSubmission.reopened_until.label("reopened_until"), due.label("due"),
               case((scope.reviewed_schools(), True), else_=False).label("reviewable"),
               without_reason.label("without_reason"))
        .outerjoin(PeriodSubmission, joined)
        .outerjoin(ReasonsProgress, counted)
        .where(*schools)
    )


def _reports(kind: SubmissionKind, period: Period):
    """School.stages condition: the schools that report this kind in a term, or in a 中职 month."""
    vocational = ("," + School.stages + ",").contains(f",{periods.VOCATIONAL},")
    termly = School.stages != periods.VOCATIONAL
    if kind is SubmissionKind.FUNDING and not periods.national_preschool():  # as periods.reports()
        termly = and_(termly, School.stages != periods.PRESCHOOL)
    if period.is_month:
        return vocational if periods.work(kind).vocational_monthly else false()
    return termly if periods.work(kind).vocational_monthly else true()


def _rows(scope, term: Term, month: Period, kind: str | None):
    kinds = [SubmissionKind(kind)] if kind in SubmissionKind._value2member_map_ else list(SubmissionKind)
    selects = [_kind_rows(scope, k, period) for k in kinds for period in (term_period(term), month)
               if not period.is_month or periods.work(k).vocational_monthly]
    return (selects[0] if len(selects) == 1 else union_all(*selects)).subquery("review_rows")


def _overdue(rows, today: date):
    """Past the due date, not submitted, and not reopened by the authority (services.overdue, in SQL)."""
    reopened = and_(rows.c.reopened_until.is_not(None), rows.c.reopened_until >= datetime.combine(today, time()))
    return and_(rows.c.due.is_not(None), rows.c.due < today, rows.c.status.not_in(DONE), ~reopened)


def review_page(scope, term: Term, month: Period, kind: str | None, status: str | None, page: int,
                today: date | None = None) -> Page:
    today = today or deadlines.today()
    rows = _rows(scope, term, month, kind)
    query = select(rows, _overdue(rows, today).label("overdue"))
    if status == OVERDUE:
        query = query.where(_overdue(rows, today))
    elif status in SubmissionStatus._value2member_map_:
        query = query.where(rows.c.status == status)
    rank = case(*((rows.c.status == s.value, literal(n, Integer)) for n, s in enumerate(STATUS_ORDER)), else_=9)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.execute(
        query.order_by(rank, case((_overdue(rows, today), 0), else_=1), rows.c.school_code, rows.c.kind)
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return Page(items, page, PER_PAGE, total)


def status_counts(scope, term: Term, month: Period, kind: str | None, today: date | None = None) -> dict[str, int]:
    """How many rows per status, and how many overdue: the list's headline."""
    today = today or deadlines.today()
    rows = _rows(scope, term, month, kind)
    found = dict(db.session.execute(select(rows.c.status, func.count()).group_by(rows.c.status)).all())
    found[OVERDUE] = db.session.scalar(select(func.count()).select_from(rows).where(_overdue(rows, today))) or 0
    return found

