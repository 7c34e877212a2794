"""Keeping SchoolProgress right: every write that changes a school's figures calls refresh_progress() for
the schools it touched, in its own transaction, so dashboards read one row per school and never count students.

Each domain contributes a *figure source*: a function (school ids select, term code) → a SELECT of
`school_id` plus one labelled column per SchoolProgress column it owns, grouped by school. Schools the
select does not return get the source's defaults (no upload yet, no students …). To add figures, write
such a function beside the others and list it in FIGURE_SOURCES with its defaults."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, func, insert, literal, select, update

from portal.bulk import SET_BASED
from portal.enrolment.models import EnrolmentUpload, HardshipStudent, UploadStatus
from portal.extensions import db
from portal.org.models import School
from portal.progress.models import SchoolProgress
from portal.funding.figures import RECORD_DEFAULTS, STUDENT_DEFAULTS, record_figures, student_figures
from portal.notices.figures import NOTICE_DEFAULTS, notice_figures
from portal.reasons.figures import REASON_DEFAULTS, reason_figures
from portal.vocab import Category, HardshipSource, ReviewStatus


@dataclass(frozen=True)
class FigureSource:
    figures: Callable[[Select, str], Select]  # (school ids, term code) → select(school_id, figure columns…)
    defaults: dict[str, object]  # SchoolProgress column → value for a school the select does not return


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def enrolment_figures(school_ids: Select, term: str) -> Select:
    return (
        select(EnrolmentUpload.school_id, EnrolmentUpload.confirmed_at.label("uploaded_at"),
               EnrolmentUpload.matched_at.label("matched_at"), EnrolmentUpload.students.label("students"))
        .where(EnrolmentUpload.school_id.in_(school_ids), EnrolmentUpload.term == term,
               EnrolmentUpload.status == UploadStatus.CURRENT)
    )


CATEGORY_FIGURES = {  # SchoolProgress column → category code
    "poverty": Category.POVERTY, "dibao": Category.DIBAO, "tekun": Category.TEKUN, "orphan": Category.ORPHAN,
    "disabled": Category.DISABLED, "out_of_province": Category.OUT_OF_PROVINCE,
}


def library_figures(school_ids: Select, term: str) -> Select:
    student = HardshipStudent
    counted = student.counted()
    manual = student.source == HardshipSource.MANUAL.value
    columns = [_count(counted).label("hardship")]
    columns += [_count(and_(counted, student.categories.contains(category.value))).label(column)
                for column, category in CATEGORY_FIGURES.items()]
    columns += [
        _count(and_(student.active.is_(True), manual, student.review_status == ReviewStatus.APPROVED.value))
        .label("manual_added"),
        _count(and_(student.active.is_(True), manual, student.review_status == ReviewStatus.PENDING.value))
        .label("manual_pending"),
        _count(and_(counted, student.verified_at.is_not(None))).label("verified"),
        _count(student.lacks_hardship_level()).label("without_hardship_level"),
        _count(and_(counted, student.hardship_level.is_not(None))).label("graded"),
        _count(and_(counted, student.duplicate.is_(True))).label("duplicates"),
        _count(and_(counted, student.out_of_province.is_(True))).label("other_province_hukou"),
        _count(and_(counted, student.name_mismatch.is_(True))).label("name_mismatches"),
    ]
    return (select(student.school_id, *columns)
            .where(student.school_id.in_(school_ids), student.term == term)
            .group_by(student.school_id))


FIGURE_SOURCES: list[FigureSource] = [
    FigureSource(enrolment_figures, {"uploaded_at": None, "matched_at": None, "students": 0}),
    FigureSource(library_figures, {
        "hardship": 0, **{column: 0 for column in CATEGORY_FIGURES}, "manual_added": 0, "manual_pending": 0,
        "verified": 0, "without_hardship_level": 0, "graded": 0, "duplicates": 0, "other_province_hukou": 0,
        "name_mismatches": 0,
    }),
    FigureSource(reason_figures, REASON_DEFAULTS),  # unfunded with / without a reason (portal.reasons)
    FigureSource(student_figures, STUDENT_DEFAULTS),  # library students funded / unfunded (portal.funding)
    FigureSource(record_figures, RECORD_DEFAULTS),  # funded records, incomplete ones, amounts (portal.funding)
    FigureSource(notice_figures, NOTICE_DEFAULTS),  # hardship students whose families were told (portal.notices)
]


def refresh_progress(school_ids: Iterable[int] | Select | None, term: str) -> None:
    """Recompute the figures of these schools (None: every school) for a term, in the current transaction.

    Set-based whatever the number of schools: one INSERT for missing rows, then per figure source one
    UPDATE to the defaults and one UPDATE … FROM the source's grouped select.
    """
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
    ), execution_options=SET_BASED)
    for source in FIGURE_SOURCES:
        db.session.execute(update(SchoolProgress).where(target).values(**source.defaults), execution_options=SET_BASED)
        figures = source.figures(ids, term).subquery()
        db.session.execute(
            update(SchoolProgress)
            .where(SchoolProgress.term == term, SchoolProgress.school_id == figures.c.school_id)
            .values({name: figures.c[name] for name in source.defaults}),
            execution_options=SET_BASED,
        )


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
        ["school_id", "term", "city_code", "county_code", "school_active"], missing))


def progress_of(school_id: int, term: str) -> SchoolProgress | None:
    return db.session.scalar(select(SchoolProgress).where(SchoolProgress.school_id == school_id,
                                                          SchoolProgress.term == term))
