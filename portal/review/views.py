"""Routes: the authorities' review list (every school's period by status) and one school's submission,
approved, returned or reopened in place by its reviewing authority; other tiers read the same, read-only."""
from functools import partial

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from portal.accounts.models import User
from portal.deadlines import periods, services as deadlines
from portal.errors import saving
from portal.extensions import db
from portal.funding import records as funding_records
from portal.paging import bounded_int
from portal.reasons import options
from portal.reasons import services as reasons
from portal.review import bp, listing, services
from portal.scope import reviewing_role
from portal.terms import TermError, current_term, parse_period, parse_term, recent_terms
from portal.vocab import DeadlineParty, Role, SubmissionKind, SubmissionStatus
from portal.web import acting, page_number, render, roles_required, school_and_period, scope, wants_fragment


AUTHORITIES = (Role.PROVINCE, Role.CITY, Role.COUNTY)
CHANGED = "review-changed"  # HX-Trigger: the list refreshes itself after a decision
KINDS = "any(reasons, funding, funding_local, funding_school)"


def _list_filters() -> dict:
    today = deadlines.today()
    try:
        term = parse_term(request.args.get("term", "")) if request.args.get("term") else current_term(today)
    except TermError:
        term = current_term(today)
    months = [parse_period(code) for code in term.months()]
    month = next((m for m in months if m.code == request.args.get("month")), None)
    if month is None:  # the month whose 中职 unfunded report is being made
        month = periods.reporting_month(term, today)
    kinds = (*SubmissionKind._value2member_map_, "all")
    kind = request.args.get("kind") if request.args.get("kind") in kinds else "reasons"
    return {"term": term, "month": month, "months": months, "kind": kind, "terms": recent_terms(today, 4),
            "status_filter": request.args.get("status") or None}


@bp.get("/")
@roles_required(*AUTHORITIES)
def review_list():
    filters = _list_filters()
    kind = None if filters["kind"] == "all" else filters["kind"]
    rows = listing.review_page(scope(), filters["term"], filters["month"], kind, filters["status_filter"], page_number())
    counts = listing.status_counts(scope(), filters["term"], filters["month"], kind)
    return render("review/list.html", "review/_list.html", rows=rows, counts=counts, statuses=SubmissionStatus,
                  kinds=SubmissionKind, period_label=lambda code: parse_period(code).label, today=deadlines.today(),
                  **filters)


def _submission_context(school_id: int, kind: str, period_code: str, error=None) -> dict:
    school, period = school_and_period(school_id, period_code, partial(periods.named_period, kind=kind))
    sub = services.current_submission(school, kind, period)
    due, today = periods.due(school, kind, period), deadlines.today()
    context = dict(school=school, kind=kind, kind_label=SubmissionKind.label_of(kind), period=period, sub=sub,
                   due=due, authority_due=periods.due(school, kind, period, DeadlineParty.AUTHORITY),
                   authority_review=periods.work(kind).authority_review, overdue=services.overdue(sub, due),
                   reopened=services.reopened(sub, today), may_review=scope().reviews(school),
                   reviewer=reviewing_role(school), today=today, error=error,
                   people={user.id: user.display_name for user in db.session.scalars(select(User).where(User.id.in_(
                       [i for i in (sub.submitted_by_id, sub.reviewed_by_id, sub.reopened_by_id) if i])))})
    if kind == SubmissionKind.REASONS.value:
        students = db.paginate(reasons.student_table(school, period), page=page_number(), per_page=50,
                               error_out=False)
        ids = [student.id for student in students.items]
        context.update(students=students, labels=options.labels(), state=reasons.standing(school, period),
                       reasons=reasons.reasons_for(ids, period), poor_ids=reasons.registered_poor_ids(ids),
                       unfit=options.NOT_FOR_REGISTERED_POOR)
    else:
        context.update(funding=funding_records.overview(school, period, SubmissionKind(kind)))
    return context


@bp.get(f"/<int:school_id>/<{KINDS}:kind>/<period_code>")
@roles_required(*AUTHORITIES)
def submission(school_id: int, kind: str, period_code: str):
    return render("review/submission.html", "review/_submission.html",
                  **_submission_context(school_id, kind, period_code))


def _decide(school_id: int, kind: str, period_code: str, step, done_message: str):
    """Run a reviewer's step, then show the submission as it now stands (or the refusal beside it)."""
    with saving() as saved:
        step(*school_and_period(school_id, period_code, partial(periods.named_period, kind=kind)))
    if saved.refusal:
        context = _submission_context(school_id, kind, period_code, error=saved.message)
        if wants_fragment():
            return render("review/_submission.html", **context)
        return render("review/submission.html", status=saved.status, **context)
    if wants_fragment():
        response = render("review/_submission.html", notice=done_message,
                          **_submission_context(school_id, kind, period_code))
        response.headers["HX-Trigger"] = CHANGED
        return response
    flash(done_message)
    return redirect(url_for("review.submission", school_id=school_id, kind=kind, period_code=period_code), 303)


def _stored(school, kind, period):
    sub = services.current_submission(school, kind, period)
    if sub.id is None:
        raise services.ReviewError("该学校本期尚未提交")
    return sub


@bp.post(f"/<int:school_id>/<{KINDS}:kind>/<period_code>/approve")
@roles_required(*AUTHORITIES)
def approve(school_id: int, kind: str, period_code: str):
    def step(school, period):
        services.approve(acting(), scope(), _stored(school, kind, period).id, _version())
    return _decide(school_id, kind, period_code, step, "已审核通过")


@bp.post(f"/<int:school_id>/<{KINDS}:kind>/<period_code>/return")
@roles_required(*AUTHORITIES)
def send_back(school_id: int, kind: str, period_code: str):
    def step(school, period):
        services.send_back(acting(), scope(), _stored(school, kind, period).id, request.form.get("comment", ""),
                           _version())
    return _decide(school_id, kind, period_code, step, "已退回学校修改")


@bp.post(f"/<int:school_id>/<{KINDS}:kind>/<period_code>/reopen")
@roles_required(*AUTHORITIES)
def reopen(school_id: int, kind: str, period_code: str):
    def step(school, period):
        services.require_reviewer(scope(), school)  # before a submission row is made for the school
        sub = services.ensure_submission(school, kind, period)
        services.reopen(acting(), scope(), sub.id, request.form.get("days", ""))
    return _decide(school_id, kind, period_code, step, "已重新开放")


def _version() -> int | None:
    return bounded_int(request.form.get("version", ""))  # None: the service answers 页面已过期
