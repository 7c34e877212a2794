"""Which periods a school reports each kind of work in, and the dates that work is due.

中职 students are reported by month (no February or August), every other stage by term; a school teaching
中职 beside another stage has both (003 §二(四)). Funded lists go by project level: 中职's national projects
by month, every 地方/学校/社会 list by term (annex 3); each list closes on its own level's dates, and a
学校/社会 list has no authority review ("——" in every annex). The unfunded report of a 中职 month is due in
the following month, after that month's funded list is final."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.deadlines import services as calendar
from portal.extensions import db
from portal.org.models import School
from portal.terms import Period, Term, TermError, current_term, parse_period, periods_of, term_period
from portal.vocab import (DeadlineCycle, DeadlineModule as M, DeadlineParty, DeadlineTask as T, ProjectLevel, Stage,
                          SubmissionKind)

VOCATIONAL = Stage.VOCATIONAL.value
PRESCHOOL = Stage.PRESCHOOL.value  # annex 6 has no national module for 学前
NATIONAL_MODULES = (M.SCHOLARSHIP, M.NATIONAL_GRANT, M.TUITION_WAIVER, M.FEE_WAIVER, M.LIVING_ALLOWANCE,
                    M.MILITARY, M.GRASSROOTS_FIRST, M.GRASSROOTS_SECOND, M.GRASSROOTS_EMPLOYMENT)


@dataclass(frozen=True)
class Work:
    """A kind of period work the school submits, and where the calendar keeps its closing dates."""

    kind: SubmissionKind
    modules: tuple
    tasks: tuple  # the school's closing task (its 审核 of the list, or the report itself)
    vocational_monthly: bool  # 中职 does it per month (else per term, like every other stage)
    authority_review: bool  # False: the school's own review is final (学校/社会 lists)
    levels: tuple = ()  # the project levels a funded list holds


WORKS = {work.kind.value: work for work in (
    Work(SubmissionKind.REASONS, (M.POVERTY,), (T.UNFUNDED_REPORT,), True, True),
    Work(SubmissionKind.FUNDING, NATIONAL_MODULES, (T.FUNDING_REVIEW, T.FUNDING_ENTRY_REVIEW), True, True,
         (ProjectLevel.NATIONAL,)),
    Work(SubmissionKind.FUNDING_LOCAL, (M.LOCAL,), (T.FUNDING_REVIEW,), False, True, (ProjectLevel.LOCAL,)),
    Work(SubmissionKind.FUNDING_SCHOOL, (M.SCHOOL_SOCIAL,), (T.FUNDING_REVIEW,), False, False,
         (ProjectLevel.SCHOOL, ProjectLevel.SOCIAL)),
)}
FUNDING_KINDS = (SubmissionKind.FUNDING, SubmissionKind.FUNDING_LOCAL, SubmissionKind.FUNDING_SCHOOL)
LEVEL_KINDS = {level.value: work.kind for work in WORKS.values() for level in work.levels}


def work(kind: SubmissionKind | str) -> Work:
    return WORKS[str(kind)]


def list_kind(level: str) -> SubmissionKind:
    """The funded list a project of this level belongs in."""
    return LEVEL_KINDS[level]


def teaches_monthly(stages: str) -> bool:
    return VOCATIONAL in stages.split(",")


def teaches_termly(stages: str) -> bool:
    return any(stage != VOCATIONAL for stage in stages.split(",") if stage)


def periods(school: School, kind: SubmissionKind | str, term: Term) -> list[Period]:
    """The school's periods of the term for this kind of work: the term, the 中职 months, or both."""
    return [period for period in [term_period(term), *periods_of(term, True)] if reports(school, kind, period)]


def funding_periods(school: School, term: Term) -> list[Period]:
    """Every period a school keeps funded lists in: the term (地方/学校/社会, other stages' national lists)
    and, if it teaches 中职, the months (中职's national lists)."""
    found = [term_period(term)]
    if teaches_monthly(school.stages):
        found += periods_of(term, True)
    return found


def reports(school: School, kind: SubmissionKind | str, period: Period) -> bool:
    """Whether the school reports this kind of work in this period (a month only for what 中职 does monthly;
    a national list by a school teaching only 学前 only if the catalogue has a national project for 学前)."""
    if str(kind) == SubmissionKind.FUNDING.value and school.stages == PRESCHOOL and not national_preschool():
        return False
    if period.is_month:
        return work(kind).vocational_monthly and teaches_monthly(school.stages)
    return not work(kind).vocational_monthly or teaches_termly(school.stages)


def named_period(school: School, code: str | None, kind: SubmissionKind | str) -> Period:
    """The period a request names for this kind of the school's work (the one it works on now if none);
    TermError for a code that is no period or a period the school does not report this kind in."""
    if not code:
        return current_period(school, kind)
    period = parse_period(code)
    if not reports(school, kind, period):
        raise TermError(f"本校不在{period.label}填报此项")
    return period


def national_preschool() -> bool:
    """Whether an active national project serves 学前 (annex 6 has none: 学前 aid is the local government's)."""
    from portal.funding.models import FundingProject  # imported late: funding builds on these periods

    return bool(db.session.scalar(select(FundingProject.id).where(
        FundingProject.level == ProjectLevel.NATIONAL.value, FundingProject.active.is_(True),
        ("," + FundingProject.stages + ",").contains(f",{PRESCHOOL},")).limit(1)))


def kinds_in(school: School, period: Period, kinds=FUNDING_KINDS) -> list[SubmissionKind]:
    """The kinds of work (by default: funded lists) the school keeps in this period."""
    return [kind for kind in kinds if reports(school, kind, period)]


def stages_of(stages: str, kind: SubmissionKind | str, period: Period) -> list[str]:
    """The school's stages whose dates govern the work in the period: 中职 alone in a month; in a term the
    other stages for what 中职 does monthly, every stage otherwise."""
    codes = [code for code in stages.split(",") if code]
    if period.is_month:
        return [VOCATIONAL]
    if work(kind).vocational_monthly and teaches_termly(stages):
        return [code for code in codes if code != VOCATIONAL]
    return codes


def due_for(stages: str, kind: SubmissionKind | str, period: Period,
            party: DeadlineParty = DeadlineParty.SCHOOL) -> date | None:
    """When the work closes for the school (or, with party=AUTHORITY, for its authority's review)."""
    chosen = work(kind)
    if party is not DeadlineParty.SCHOOL and not chosen.authority_review:
        return None
    return calendar.due_date(stages_of(stages, kind, period), chosen.modules, chosen.tasks, period, party)


def due(school: School, kind: SubmissionKind | str, period: Period,
        party: DeadlineParty = DeadlineParty.SCHOOL) -> date | None:
    return due_for(school.stages, kind, period, party)


def current_period(school: School, kind: SubmissionKind | str = SubmissionKind.REASONS,
                   day: date | None = None) -> Period:
    """The period the school works on today. Funded lists: the term, or for a school teaching only 中职 this
    month (the term's last month in February and August, which have none). Reasons: of the periods begun,
    the one whose report is due soonest (a 中职 month is reported in the month after)."""
    day = day or calendar.today()
    term = current_term(day)
    if str(kind) != SubmissionKind.REASONS.value:
        if teaches_termly(school.stages) or not work(kind).vocational_monthly:
            return term_period(term)
        return latest_begun(periods_of(term, True), day)
    candidates = periods(school, kind, term.previous()) + periods(school, kind, term)
    ahead = [(found, period) for period in begun(candidates, day)
             if (found := due(school, kind, period)) and found >= day]
    if ahead:
        return min(ahead, key=lambda pair: (pair[0], pair[1].is_month))[1]
    return latest_begun(periods(school, kind, term), day)


def reporting_month(term: Term, day: date | None = None) -> Period:
    """The 中职 month of a term whose unfunded report is being made: the first begun whose report is not yet
    due-and-past, else the term's last (the first, before the term starts)."""
    day = day or calendar.today()
    months = periods_of(term, True)
    reasons = work(SubmissionKind.REASONS)
    rules = calendar.rules_for([VOCATIONAL], reasons.modules, reasons.tasks, DeadlineParty.SCHOOL,
                               DeadlineCycle.MONTHLY)  # read once for every month
    for month in begun(months, day):
        if any(calendar.rule_date(rule, month) >= day for rule in rules):
            return month
    return latest_begun(months, day)


def begun(found: list[Period], day: date) -> list[Period]:
    """The periods (in their order) that have started by `day`."""
    return [period for period in found if period.starts <= day]


def latest_begun(found: list[Period], day: date) -> Period:
    """The latest period begun: the last of `found` (in order) started by `day`, or the first before any has."""
    started = begun(found, day)
    return started[-1] if started else found[0]
