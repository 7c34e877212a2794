"""Base-library tables: one batch per import of a category, one record per person in a batch.

A batch is written whole while 'pending' (the preview), becomes 'current' on confirmation, and the
category's previous batch becomes 'superseded' but stays as history. So an import is all or nothing
by construction: readers and matching only ever join records of current batches."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.vocab import Category


class BatchStatus:
    PENDING = "pending"
    CURRENT = "current"
    SUPERSEDED = "superseded"
    DISCARDED = "discarded"


class LibraryBatch(db.Model):
    __tablename__ = "library_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(24), index=True)  # Category
    department: Mapped[str | None] = mapped_column(String(16))  # Department that supplied it, None: province
    status: Mapped[str] = mapped_column(String(16), index=True, default=BatchStatus.PENDING)
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_by_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("library_batch.id"))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    records: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)  # diff against the previous batch
    removed: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def category_label(self) -> str:
        return Category.label_of(self.category)


class LibraryRecord(db.Model):
    """One person as one batch lists them. The ID number is never stored in clear: id_hash is the keyed
    digest everything joins on, id_cipher the encrypted number for showing it on request."""

    __tablename__ = "library_record"
    __table_args__ = (Index("ix_library_record_batch_hash", "batch_id", "id_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("library_batch.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(24))
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(16), index=True)
    id_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_masked: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64), index=True)
    gender: Mapped[str] = mapped_column(String(1))  # Gender, from the ID number
    birth_date: Mapped[date] = mapped_column(Date)  # from the ID number
    region_prefix: Mapped[str] = mapped_column(String(6))  # where the ID was first issued
    hukou_code: Mapped[str | None] = mapped_column(String(6), index=True)  # 户籍地, when the file gives it
    poverty_status: Mapped[str | None] = mapped_column(String(16))  # PovertyStatus (建档立卡)
    dibao_type: Mapped[str | None] = mapped_column(String(16))  # DibaoType (低保)
    disability_type: Mapped[str | None] = mapped_column(String(16))  # DisabilityType (残疾)
    disability_grade: Mapped[str | None] = mapped_column(String(4))  # DisabilityGrade
    disability_cert_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)  # 残疾人证号 holds the ID
    source_province: Mapped[str | None] = mapped_column(String(32))  # 外省下发: the province that sent it
    row_number: Mapped[int] = mapped_column(Integer)  # in the imported file

    batch: Mapped[LibraryBatch] = relationship()
