"""Keeping SchoolProgress and ReasonsProgress right. No writer calls anything: portal.progress.touched notes the
schools each transaction touched and calls refresh_touched() just before it commits (the reasons rows alone when
only reasons were written), so dashboards read one row per school and never count students. refresh_progress() is
also what `flask refresh-progress` runs.

Each domain contributes a *figure source*: a function (school ids select, term code) → a SELECT of
`school_id` plus one labelled column per SchoolProgress column it owns, grouped by school. Schools the
select does not return get the source's defaults (no upload yet, no students …). To add figures, write
such a function beside the others and list it in FIGURE_SOURCES with its defaults."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, delete, insert, literal, select, update

from portal.bulk import SET_BASED, count_where
from portal.deadlines import periods
from portal.enrolment.models import EnrolmentUpload, HardshipStudent, UploadStatus
from portal.extensions import db
from portal.org.models import School
from portal.progress.models import CATEGORY_FIGURES, ReasonsProgress, SchoolProgress
from portal.funding.figures import RECORD_DEFAULTS, STUDENT_DEFAULTS, record_figures, student_figures
from portal.reasons.figures import reason_figures
from portal.terms import TermError, parse_term, periods_of
from portal.notices.figures import NOTICE_DEFAULTS, notice_figures
from portal.progress import touched
from portal.vocab import HardshipSource, ReviewStatus


@dataclass(frozen=True)
class FigureSource:
    figures: Callable[[Select, str], Select]  # (school ids, term code) → select(school_id, figure columns…)
    defaults: dict[str, object]  # SchoolProgress column → value for a school the select does not return


def enrolment_figures(school_ids: Select, term: str) -> Select:
    return (
        select(EnrolmentUpload.school_id, EnrolmentUpload.confirmed_at.label("uploaded_at"),
               EnrolmentUpload.students.label("students"))
        .where(EnrolmentUpload.school_id.in_(school_ids), EnrolmentUpload.term == term,
               EnrolmentUpload.status == UploadStatus.CURRENT)
    )


def library_figures(school_ids: Select, term: str) -> Select:
    student = HardshipStudent
    counted = student.counted()
    manual = student.source == HardshipSource.MANUAL.value
    columns = [count_where(counted).label("hardship")]
    columns += [count_where(and_(counted, student.categories.contains(category.value))).label(column)
                for column, category in CATEGORY_FIGURES.items()]
    columns += [
        count_where(and_(student.active.is_(True), manual, student.review_status == ReviewStatus.PENDING.value))
        .label("manual_pending"),
        count_where(and_(counted, student.verified_at.is_not(None))).label("verified"),
        count_where(student.lacks_hardship_level()).label("without_hardship_level"),
        count_where(and_(counted, student.duplicate.is_(True))).label("duplicates"),
    ]
    return (select(student.school_id, *columns)
            .where(student.school_id.in_(school_ids), student.term == term)
            .group_by(student.school_id))


FIGURE_SOURCES: list[FigureSource] = [
    FigureSource(enrolment_figures, {"uploaded_at": None, "students": 0}),
    FigureSource(library_figures, {
        "hardship": 0, **{column: 0 for column in CATEGORY_FIGURES}, "manual_pending": 0, "verified": 0,
        "without_hardship_level": 0, "duplicates": 0,
    }),
    FigureSource(student_figures, STUDENT_DEFAULTS),  # library students funded / unfunded (portal.funding)
    FigureSource(record_figures, RECORD_DEFAULTS),  # funded records, incomplete ones, amounts (portal.funding)
    FigureSource(notice_figures, NOTICE_DEFAULTS),  # hardship students whose families were told (portal.notices)
]


# the refresh's own writes: set-based, and not read back by the commit hooks (_note_summary names their schools)
_WRITE = {**SET_BASED, touched.NOTED: True}
_INSERT = {touched.NOTED: True}


def refresh_progress(school_ids: Iterable[int] | Select | None, term: str) -> None:
    """Recompute the figures of these schools (None: every school) for a term, in the current transaction.

    Set-based whatever the number of schools: one INSERT for missing rows, then per figure source one
    UPDATE to the defaults and one UPDATE … FROM the source's grouped select; then the reasons rows: one DELETE
    and one INSERT … SELECT per reporting period the schools report in (the term, or its 中职 months).
    """
    school_ids = _listed(school_ids)
    ids = _school_id_select(school_ids)
    now = datetime.now()
    _ensure_rows(ids, term)
    target = and_(SchoolProgress.term == term, SchoolProgress.school_id.in_(ids))
    school = select(School.city_code, School.county_code, School.active).where(School.id == SchoolProgress.school_id)
    db.session.execute(update(SchoolProgress).where(target).values(
        city_code=school.with_only_columns(School.city_code).scalar_subquery(),
        county_code=school.with_only_columns(School.county_code).scalar_subquery(),
        school_active=school.with_only_columns(School.active).scalar_subquery(),
        updated_at=now,
    ), execution_options=_WRITE)
    for source in FIGURE_SOURCES:
        db.session.execute(update(SchoolProgress).where(target).values(**source.defaults), execution_options=_WRITE)
        figures = source.figures(ids, term).subquery()
        db.session.execute(
            update(SchoolProgress)
            .where(SchoolProgress.term == term, SchoolProgress.school_id == figures.c.school_id)
            .values({name: figures.c[name] for name in source.defaults}),
            execution_options=_WRITE,
        )
    _refresh_reasons(school_ids, ids, term)


def refresh_reasons(school_ids: Iterable[int] | Select | None, term: str) -> None:
    """Recompute only the reasons rows (ReasonsProgress) of these schools for a term: what a write of reasons alone
    changes (portal.reasons.figures is the only figure counted from them)."""
    school_ids = _listed(school_ids)
    _refresh_reasons(school_ids, _school_id_select(school_ids), term)


def _refresh_reasons(school_ids, ids: Select, term_code: str) -> None:
    db.session.execute(delete(ReasonsProgress).where(ReasonsProgress.term == term_code,
                                                     ReasonsProgress.school_id.in_(ids)), execution_options=_WRITE)
    term = parse_term(term_code)
    for monthly in _reporting_kinds(school_ids, ids):
        for period in periods_of(term, monthly):
            figures = reason_figures(ids, period, monthly).subquery()
            db.session.execute(insert(ReasonsProgress).from_select(
                ["school_id", "term", "period", "unfunded_with_reason", "unfunded_without_reason"],
                select(figures.c.school_id, literal(term_code), literal(period.code),
                       figures.c.unfunded_with_reason, figures.c.unfunded_without_reason)
                .where((figures.c.unfunded_with_reason + figures.c.unfunded_without_reason) > 0)),
                execution_options=_INSERT)
    _note_summary(school_ids, term_code)


def _reporting_kinds(school_ids, ids: Select) -> list[bool]:
    """Whether the schools report by the term (False), by 中职 month (True), or both: reason_figures returns no
    school of the other kind, so its periods need no statement (a primary school: one, not six)."""
    if school_ids is None:
        return [False, True]
    vocational = db.session.scalars(select(School.stages == periods.VOCATIONAL).distinct()
                                    .where(School.id.in_(ids))).all()
    return sorted({bool(each) for each in vocational})


def _note_summary(school_ids, term: str) -> None:
    """The homes' summary rows of these schools are rebuilt before the commit (portal.progress.summary)."""
    every = school_ids is None or isinstance(school_ids, Select)
    touched.touch(db.session(), touched.ALL if every else school_ids, term, key=touched.SUMMARY_NOTES)


def refresh_touched(session, found: dict, reasons: dict | None = None) -> None:
    """Refresh what portal.progress.touched noted: {term or EVERY_TERM: school ids or ALL}, every figure of the
    schools in `found`, the reasons rows alone of those in `reasons`. A school moved or marked 空壳 is refreshed in
    every term it has rows for. Then, once a day, the day's snapshot."""
    found, reasons = _by_term(session, found), _by_term(session, reasons or {})
    for term in sorted(set(found) | set(reasons)):
        try:
            parse_term(term)
        except TermError:
            continue  # not a term code: nothing is counted under it
        ids = found.get(term, set())
        if ids == touched.ALL or len(ids) > touched.MANY:
            refresh_progress(None, term)
            continue
        if ids:
            refresh_progress(ids, term)
        only = reasons.get(term, set())
        if only == touched.ALL or len(only) > touched.MANY:
            refresh_reasons(None, term)
        elif only - ids:
            refresh_reasons(only - ids, term)
    from portal.progress.history import snapshot_if_due

    snapshot_if_due()


def _by_term(session, found: dict) -> dict:
    """The notes with EVERY_TERM spread over the terms the schools have progress rows for."""
    every = found.pop(touched.EVERY_TERM, None)
    if every == touched.ALL:
        for term in session.scalars(select(SchoolProgress.term).distinct()).all():
            found[term] = touched.ALL
    elif every:
        rows = select(SchoolProgress.term, SchoolProgress.school_id).where(SchoolProgress.school_id.in_(sorted(every)))
        for term, school_id in session.execute(rows).all():
            if found.get(term) != touched.ALL:
                found.setdefault(term, set()).add(school_id)
    return found


def _listed(school_ids):
    """School ids as given (None, a select) or as a list: they are read twice."""
    return school_ids if school_ids is None or isinstance(school_ids, Select) else list(school_ids)


def _school_id_select(school_ids) -> Select:
    if school_ids is None:
        return select(School.id)
    if isinstance(school_ids, Select):
        return school_ids
    return select(School.id).where(School.id.in_(sorted(set(school_ids))))


def _ensure_rows(ids: Select, term: str) -> None:
    missing = (
        select(School.id, literal(term), School.city_code, School.county_code, School.active)
        .where(School.id.in_(ids))
        .where(~select(SchoolProgress.id).where(SchoolProgress.school_id == School.id,
                                                SchoolProgress.term == term).exists())
    )
    db.session.execute(insert(SchoolProgress).from_select(
        ["school_id", "term", "city_code", "county_code", "school_active"], missing), execution_options=_INSERT)


def progress_of(school_id: int, term: str) -> SchoolProgress | None:
    return db.session.scalar(select(SchoolProgress).where(SchoolProgress.school_id == school_id,
                                                          SchoolProgress.term == term))
