"""Tables of the parent notices: the province's template, each school's own part (aid-office contact, the
school's paragraph, its application date), and one row per telling of a student (a printed notice, a home
visit, a phone call, a group message)."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.vocab import Vocab


class NoticeMethod(Vocab):
    """How a family was told."""

    PRINTED = "printed", "打印告知书"
    HOME_VISIT = "home_visit", "家访"
    PHONE = "phone", "电话"
    GROUP_MESSAGE = "group_message", "群消息"


class NoticeTemplate(db.Model):
    """The province's notice text (one row; the built-in text until the province saves its own)."""

    __tablename__ = "notice_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    school_paragraph_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_name: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class NoticeSchoolSettings(db.Model):
    """What a school adds to its notices: the aid office's contact, its own paragraph (when the province allows
    one) and the date by which families apply (else the calendar's 家庭经济困难认定 date)."""

    __tablename__ = "notice_school_settings"

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    contact: Mapped[str | None] = mapped_column(Text)
    school_paragraph: Mapped[str | None] = mapped_column(Text)
    apply_by: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class NoticeRecord(db.Model):
    """One telling of one library student's family."""

    __tablename__ = "notice_record"
    __table_args__ = (Index("ix_notice_record_school_term_student", "school_id", "term", "student_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    term: Mapped[str] = mapped_column(String(16))
    student_id: Mapped[int] = mapped_column(ForeignKey("hardship_student.id", ondelete="CASCADE"))
    notified_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))  # NoticeMethod
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    by_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    @property
    def method_label(self) -> str:
        return NoticeMethod.label_of(self.method)
