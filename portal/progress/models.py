"""SchoolProgress: one row per school per term. Every write that changes a figure refreshes its school's
row (portal.progress.services), so a dashboard reads O(schools in scope) rows and never counts students."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


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
    matched_at: Mapped[datetime | None] = mapped_column(DateTime)
    students: Mapped[int] = mapped_column(Integer, default=0)
    hardship: Mapped[int] = mapped_column(Integer, default=0)  # distinct students, any category
    poverty: Mapped[int] = mapped_column(Integer, default=0)
    dibao: Mapped[int] = mapped_column(Integer, default=0)
    tekun: Mapped[int] = mapped_column(Integer, default=0)
    orphan: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[int] = mapped_column(Integer, default=0)
    out_of_province: Mapped[int] = mapped_column(Integer, default=0)  # 外省下发 category
    manual_added: Mapped[int] = mapped_column(Integer, default=0)
    manual_pending: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[int] = mapped_column(Integer, default=0)
    without_hardship_level: Mapped[int] = mapped_column(Integer, default=0)  # 003: 困难等级 not yet assessed
    graded: Mapped[int] = mapped_column(Integer, default=0)  # with a 困难等级 the school assessed
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    other_province_hukou: Mapped[int] = mapped_column(Integer, default=0)  # 外省户籍 flag
    name_mismatches: Mapped[int] = mapped_column(Integer, default=0)
    # unfunded reasons (portal.reasons): for the term, or for 中职 the term's latest month begun
    reasons_period: Mapped[str | None] = mapped_column(String(16))
    unfunded_with_reason: Mapped[int] = mapped_column(Integer, default=0)
    unfunded_without_reason: Mapped[int] = mapped_column(Integer, default=0)  # 应助未助
    reasons_status: Mapped[str | None] = mapped_column(String(16))  # SubmissionStatus
    reasons_due: Mapped[date | None] = mapped_column(Date)  # overdue = past it and not submitted
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
