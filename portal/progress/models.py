"""SchoolProgress: one row per school per term; ReasonsProgress: one row per school per reporting period (the
term, or each 中职 month of it). Every transaction that changes a figure refreshes the rows of the schools it
touched before it commits (portal.progress.touched), so a dashboard reads O(schools in scope) rows and never
counts students. Nothing here depends on today's date: which 中职 month is being reported, its due date and
whether it is overdue are worked out when the rows are read (portal.oversight.figures)."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.vocab import Category

CATEGORY_FIGURES = {  # SchoolProgress column → category code
    "poverty": Category.POVERTY, "dibao": Category.DIBAO, "tekun": Category.TEKUN, "orphan": Category.ORPHAN,
    "disabled": Category.DISABLED, "out_of_province": Category.OUT_OF_PROVINCE,
}


class SchoolProgress(db.Model):
    __tablename__ = "school_progress"
    __table_args__ = (UniqueConstraint("school_id", "term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    term: Mapped[str] = mapped_column(String(16), index=True)
    # copied from the school so that rollups filter and group without a join
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    school_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # enrolment and matching
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime)
    students: Mapped[int] = mapped_column(Integer, default=0)
    hardship: Mapped[int] = mapped_column(Integer, default=0)  # distinct students, any category
    poverty: Mapped[int] = mapped_column(Integer, default=0)
    dibao: Mapped[int] = mapped_column(Integer, default=0)
    tekun: Mapped[int] = mapped_column(Integer, default=0)
    orphan: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[int] = mapped_column(Integer, default=0)
    out_of_province: Mapped[int] = mapped_column(Integer, default=0)  # 外省下发 category
    manual_pending: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[int] = mapped_column(Integer, default=0)
    # 003: 困难等级 not yet assessed (HardshipStudent.lacks_hardship_level); hardship minus it is "graded"
    without_hardship_level: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    # funding (portal.funding): library students with a record in any period of the term, the rest,
    # and what the school's funded lists paid out (national projects apart, for the fiscal page)
    funded: Mapped[int] = mapped_column(Integer, default=0)
    unfunded: Mapped[int] = mapped_column(Integer, default=0)
    funded_records: Mapped[int] = mapped_column(Integer, default=0)
    incomplete_records: Mapped[int] = mapped_column(Integer, default=0)  # 003 §二(四): card/standard/date/amount
    funded_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    national_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    notified: Mapped[int] = mapped_column(Integer, default=0)  # families told (portal.notices), counted students
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReasonsProgress(db.Model):
    """Unfunded students of a school in one reporting period, with and without a reason (应助未助): the term
    for most schools, every month of it for a 中职 school. The submission's status is read from
    PeriodSubmission itself (one row per school and period), so review writes nothing here."""
    __tablename__ = "reasons_progress"
    __table_args__ = (UniqueConstraint("school_id", "period"), Index("ix_reasons_progress_term", "term"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    term: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    unfunded_with_reason: Mapped[int] = mapped_column(Integer, default=0)
    unfunded_without_reason: Mapped[int] = mapped_column(Integer, default=0)


class ProgressSnapshot(db.Model):
    """A day's rolled-up figures per region and term (the 省, each 市, each 县), for the chart of the term's
    progress over time. Written once a day: by `flask refresh-progress` and by the first refresh of a day."""
    __tablename__ = "progress_snapshot"
    __table_args__ = (UniqueConstraint("day", "term", "region_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    term: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(6))
    schools: Mapped[int] = mapped_column(Integer, default=0)
    uploaded: Mapped[int] = mapped_column(Integer, default=0)
    hardship: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[int] = mapped_column(Integer, default=0)
    funded: Mapped[int] = mapped_column(Integer, default=0)
    unaided: Mapped[int] = mapped_column(Integer, default=0)  # 应助未助 in the period being reported that day
    submitted: Mapped[int] = mapped_column(Integer, default=0)  # schools whose report that day was submitted/approved


class TodoSummary(db.Model):
    """What a tier's home counts (its to-do figures), summed per group of schools that the home tells apart or
    sorts by date when read: the schools hanging on one county (or directly on a city, or on the province) with the
    same stages and the same status in a reporting period. Rows exist for every period a school may be reporting
    — the term for most schools, each month of it for a 中职 school — so the reader picks today's period, due date
    and overdue months itself (portal.oversight.figures.TermReading.todo_rollup); nothing here depends on the
    date. Kept from SchoolProgress, ReasonsProgress, PeriodSubmission and School by the same commit hooks
    (portal.progress.touched → portal.progress.summary; a term nothing was written in yet is built by its first
    home read), so a home reads a few hundred rows, not every school."""
    __tablename__ = "todo_summary"
    __table_args__ = (Index("ix_todo_summary_term_period", "term", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(16))
    # the schools' own city and county (a county's schools; a city's or the province's own when NULL)
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    stages: Mapped[str] = mapped_column(String(128))
    period: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # the period's 未资助情况上报 status (未填报 when none)
    # a 中职 school's months of the term (bit i: the i-th) whose report is neither submitted nor approved; 0 otherwise
    months_open: Mapped[int] = mapped_column(Integer, default=0)
    schools: Mapped[int] = mapped_column(Integer, default=0)  # active ones; every figure below counts only those
    inactive: Mapped[int] = mapped_column(Integer, default=0)  # 空壳 schools, counted nowhere else
    schools_not_uploaded: Mapped[int] = mapped_column(Integer, default=0)
    schools_unaided: Mapped[int] = mapped_column(Integer, default=0)
    unfunded_without_reason: Mapped[int] = mapped_column(Integer, default=0)
    schools_manual_pending: Mapped[int] = mapped_column(Integer, default=0)
    schools_duplicates: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
