"""Enrolment snapshots (学籍) per school and term, and the hardship enrolment library matched from them.

An upload is written whole while 'pending' (the preview) and becomes the school's 'current' snapshot
for the term on confirmation, the previous one 'superseded': the swap is two UPDATEs in one transaction.
HardshipStudent rows are keyed by (school, term, ID digest) and updated in place by each matching, so
what the school verified survives a re-upload or a re-match."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.org.models import School
from portal.vocab import Category, HardshipLevel, HardshipSource, ReviewStatus


class UploadStatus:
    PENDING = "pending"
    CURRENT = "current"
    SUPERSEDED = "superseded"
    DISCARDED = "discarded"


class EnrolmentUpload(db.Model):
    __tablename__ = "enrolment_upload"
    __table_args__ = (Index("ix_enrolment_upload_school_term", "school_id", "term", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    term: Mapped[str] = mapped_column(String(16))  # Term.code, e.g. "2026-autumn"
    status: Mapped[str] = mapped_column(String(16), default=UploadStatus.PENDING)
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_by_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    students: Mapped[int] = mapped_column(Integer, default=0)

    school: Mapped[School] = relationship()


class EnrolmentStudent(db.Model):
    """One row of a school's enrolment file. ID numbers as in the base library: digest, cipher, mask."""

    __tablename__ = "enrolment_student"
    __table_args__ = (
        Index("ix_enrolment_student_upload_hash", "upload_id", "id_hash"),
        Index("ix_enrolment_student_term_hash", "term", "id_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("enrolment_upload.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(Integer, index=True)
    term: Mapped[str] = mapped_column(String(16))
    student_no: Mapped[str | None] = mapped_column(String(32))  # 学籍号
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(1))
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(16))
    id_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_masked: Mapped[str] = mapped_column(String(18))
    region_prefix: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date] = mapped_column(Date)
    stage: Mapped[str | None] = mapped_column(String(16))  # Stage
    grade: Mapped[str | None] = mapped_column(String(32))
    class_name: Mapped[str | None] = mapped_column(String(64))
    entry_month: Mapped[str | None] = mapped_column(String(7))  # "2024-09"
    hukou_code: Mapped[str | None] = mapped_column(String(6))
    row_number: Mapped[int] = mapped_column(Integer)


class HardshipStudent(db.Model):
    """A student of the school's hardship enrolment library for a term: found by matching, or added by hand."""

    __tablename__ = "hardship_student"
    __table_args__ = (UniqueConstraint("school_id", "term", "id_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    term: Mapped[str] = mapped_column(String(16), index=True)
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(16), index=True)
    id_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_masked: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date)
    region_prefix: Mapped[str] = mapped_column(String(6))
    student_no: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str | None] = mapped_column(String(16))
    grade: Mapped[str | None] = mapped_column(String(32))
    class_name: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), default=HardshipSource.MATCHED.value)
    categories: Mapped[str] = mapped_column(String(128), default="")  # Category codes joined by ","
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False: no longer matched (kept for history)
    # flags
    out_of_province: Mapped[bool] = mapped_column(Boolean, default=False)  # 外省户籍
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)  # 学籍重复
    name_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)  # 姓名不一致
    library_name: Mapped[str | None] = mapped_column(String(64))  # the base library's name, when it differs
    # verification (003 §二(三))
    in_school: Mapped[bool | None] = mapped_column(Boolean)
    needs_aid: Mapped[bool | None] = mapped_column(Boolean)
    hardship_level: Mapped[str | None] = mapped_column(String(16))  # HardshipLevel
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # manual additions (新增): reviewed by the county
    note: Mapped[str | None] = mapped_column(Text)
    review_status: Mapped[str | None] = mapped_column(String(16))  # ReviewStatus, manual additions only
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    matched_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    school: Mapped[School] = relationship()
    details: Mapped[list["HardshipCategory"]] = relationship(
        back_populates="student", cascade="all, delete-orphan", order_by="HardshipCategory.category")

    @property
    def category_labels(self) -> str:
        return "、".join(Category.label_of(code) for code in self.categories.split(",") if code)

    @property
    def hardship_level_label(self) -> str:
        return HardshipLevel.label_of(self.hardship_level)

    @property
    def review_label(self) -> str:
        return ReviewStatus.label_of(self.review_status)


class HardshipCategory(db.Model):
    """One category a library student belongs to, with its details as the base library (or the school) gave them."""

    __tablename__ = "hardship_category"
    __table_args__ = (UniqueConstraint("student_id", "category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("hardship_student.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(24))
    library_record_id: Mapped[int | None] = mapped_column(Integer)  # None for a manual addition
    poverty_status: Mapped[str | None] = mapped_column(String(16))
    dibao_type: Mapped[str | None] = mapped_column(String(16))
    disability_type: Mapped[str | None] = mapped_column(String(16))
    disability_grade: Mapped[str | None] = mapped_column(String(4))

    student: Mapped[HardshipStudent] = relationship(back_populates="details")
