"""The province's list of standard reasons, and one reason per unfunded student per period.
A student's reason row carries a version: a save based on an older version is refused, not applied."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class ReasonOption(db.Model):
    __tablename__ = "reason_option"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(64))
    needs_note: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # retired reasons stay readable on old rows
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the list
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class UnfundedReason(db.Model):
    __tablename__ = "unfunded_reason"
    __table_args__ = (
        UniqueConstraint("student_id", "period"),
        Index("ix_unfunded_reason_school_period", "school_id", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    period: Mapped[str] = mapped_column(String(16))  # Period.code
    student_id: Mapped[int] = mapped_column(ForeignKey("hardship_student.id", ondelete="CASCADE"))
    reason_code: Mapped[str] = mapped_column(String(32))  # ReasonOption.code
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_by_name: Mapped[str] = mapped_column(String(64))
