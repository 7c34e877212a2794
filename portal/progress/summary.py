"""Keeping TodoSummary right: the homes' to-do figures summed per group of schools, from the progress rows.

portal.progress.touched notes the schools (and terms) whose SchoolProgress, ReasonsProgress or PeriodSubmission
rows a transaction wrote, and any change to a school's place, stages or 空壳 flag; just before the commit
refresh_summary() rebuilds the rows of the counties (or cities' and the province's own schools) those schools hang
on — one DELETE and one INSERT … SELECT per reporting period of the term those schools report in (the term, or
its 中职 months). The first write of a term builds the whole term; a school moved, added or marked 空壳 rebuilds
every term summed so far (its old place is not kept). A term read before anything was written in it (a new term's
first days) is built by its first home read (build_summary; the home view commits it): the homes read these rows
alone."""
from sqlalchemy import Select, String, and_, case, delete, exists, func, insert, literal, or_, select, text, true

from portal.bulk import SET_BASED, count_where
from portal.deadlines import periods
from portal.extensions import db
from portal.org.models import School
from portal.progress.models import ReasonsProgress, SchoolProgress, TodoSummary
from portal.review.models import PeriodSubmission
from portal.review.services import DONE
from portal.terms import Term, TermError, parse_term, periods_of
from portal.vocab import SubmissionKind, SubmissionStatus

FIGURES = ("schools", "inactive", "schools_not_uploaded", "schools_unaided", "unfunded_without_reason",
           "schools_manual_pending", "schools_duplicates", "duplicates")


def month_bits(term: Term) -> dict[str, int]:
    """A 中职 month's bit in TodoSummary.months_open: 1 for the term's first month, 2 for the second …"""
    return {month.code: 1 << index for index, month in enumerate(periods_of(term, True))}


def summarised(term_code: str) -> bool:
    """Whether the term's summary has been built (by its first write or its first home read). Built, it has a row
    for every group of schools and period (空壳 schools' too), so it is empty only when there is no school at all,
    and then there is nothing to build."""
    built = exists().where(TodoSummary.term == term_code)
    return bool(db.session.scalar(select(or_(built, ~exists().where(School.id.is_not(None))))))


def build_summary(term: Term) -> None:
    """The term's summary, if nothing has built it yet: for a home read before the term's first write (the caller
    commits). Two requests racing here take turns (_take_turns); on PostgreSQL the second then finds the rows the
    first committed, on SQLite it may rebuild the same rows over."""
    _take_turns(term)
    if not summarised(term.code):
        _rebuild(term, None)


def refresh_summary(found: dict) -> None:
    """Rebuild what portal.progress.touched noted: {term or EVERY_TERM: school ids or ALL}."""
    from portal.progress import touched

    every = found.pop(touched.EVERY_TERM, None)
    if every:
        for term in db.session.scalars(select(TodoSummary.term).distinct()).all():
            noted = found.get(term, set())
            found[term] = touched.ALL if touched.ALL in (every, noted) else noted | every
    for term_code, ids in sorted(found.items()):
        try:
            term = parse_term(term_code)
        except TermError:
            continue
        _take_turns(term)
        if ids == touched.ALL or not summarised(term.code):
            _rebuild(term, None)
        elif ids:
            schools = db.session.execute(select(School.city_code, School.county_code,
                                                School.stages == periods.VOCATIONAL).distinct()
                                         .where(School.id.in_(sorted(ids)))).all()
            _rebuild(term, sorted({(city, county) for city, county, _ in schools}, key=str),
                     sorted({bool(monthly) for _, _, monthly in schools}))


def _take_turns(term: Term) -> None:
    """Two transactions rebuilding the same rows at once would each delete only what was committed before it began
    and both insert: on PostgreSQL a term's rebuilds wait for one another until the commit (terms taken in order;
    SQLite lets one writer in at a time anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"todo_summary {term.code}"})


def _rebuild(term: Term, places: list | None, kinds: list[bool] = (False, True)) -> None:
    """The term's rows of these places ((city, county) pairs; None: everywhere), from the schools there; of the
    periods of the schools reporting by term (False) or by 中职 month (True) among `kinds`. A period's rows count
    the schools of its kind alone, so a primary school's write rebuilds one period's rows, not six."""
    if places is not None and not places:
        return
    rows = and_(TodoSummary.term == term.code, _at(places, TodoSummary.city_code, TodoSummary.county_code))
    if len(kinds) == 1:
        rows = and_(rows, TodoSummary.period.in_([period.code for period in periods_of(term, kinds[0])]))
    db.session.execute(delete(TodoSummary).where(rows), execution_options=SET_BASED)
    for monthly in kinds:
        for period in periods_of(term, monthly):
            query = _grouped(term, period.code, monthly, _at(places, School.city_code, School.county_code))
            db.session.execute(insert(TodoSummary).from_select(
                ["term", "city_code", "county_code", "stages", "period", "status", "months_open", *FIGURES], query))


def _at(places: list | None, city, county):
    """A WHERE clause: rows of the schools hanging on these places."""
    if places is None:
        return true()
    counties = {place_county for _, place_county in places if place_county}
    cities = {place_city for place_city, place_county in places if place_city and not place_county}
    conditions = [county.in_(sorted(counties))] if counties else []
    if cities:
        conditions.append(and_(county.is_(None), city.in_(sorted(cities))))
    if (None, None) in {tuple(place) for place in places}:
        conditions.append(and_(county.is_(None), city.is_(None)))
    return or_(*conditions)


def _grouped(term: Term, period_code: str, monthly: bool, where) -> Select:
    """The schools of one reporting period (the term's for schools not teaching only 中职, a month's for those that
    do), joined to their progress rows and grouped by what the home reads apart."""
    active = School.active.is_(True)
    without_reason = func.coalesce(ReasonsProgress.unfunded_without_reason, 0)
    joined = (School.__table__
              .outerjoin(SchoolProgress, and_(SchoolProgress.school_id == School.id, SchoolProgress.term == term.code))
              .outerjoin(ReasonsProgress, and_(ReasonsProgress.school_id == School.id,
                                               ReasonsProgress.period == period_code))
              .outerjoin(PeriodSubmission, and_(PeriodSubmission.school_id == School.id,
                                                PeriodSubmission.period == period_code,
                                                PeriodSubmission.kind == SubmissionKind.REASONS.value)))
    keys = [School.city_code, School.county_code, School.stages, PeriodSubmission.status]
    months_open = literal(0)
    if monthly:
        bits = month_bits(term)
        done = (select(PeriodSubmission.school_id,
                       func.sum(case(*((PeriodSubmission.period == code, bit) for code, bit in bits.items()),
                                     else_=0)).label("bits"))
                .where(PeriodSubmission.kind == SubmissionKind.REASONS.value, PeriodSubmission.period.in_(bits),
                       PeriodSubmission.status.in_(DONE))
                .group_by(PeriodSubmission.school_id).subquery())
        joined = joined.outerjoin(done, done.c.school_id == School.id)
        months_open = sum(bits.values()) - func.coalesce(done.c.bits, 0)
        keys.append(done.c.bits)

    def among_active(condition):
        return count_where(and_(active, condition))

    def summed(value):
        return func.coalesce(func.sum(case((active, value), else_=0)), 0)

    vocational = School.stages == periods.VOCATIONAL
    return (select(literal(term.code, String), School.city_code, School.county_code, School.stages,
                   literal(period_code, String),
                   func.coalesce(PeriodSubmission.status, literal(SubmissionStatus.NOT_STARTED.value, String)),
                   months_open,
                   among_active(true()), count_where(School.active.is_not(True)),
                   among_active(SchoolProgress.uploaded_at.is_(None)), among_active(without_reason > 0),
                   summed(without_reason), among_active(SchoolProgress.manual_pending > 0),
                   among_active(SchoolProgress.duplicates > 0), summed(func.coalesce(SchoolProgress.duplicates, 0)))
            .select_from(joined).where(where, vocational if monthly else ~vocational).group_by(*keys))
