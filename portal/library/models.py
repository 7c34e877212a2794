"""Base-library tables: one batch per import of a category, one record per person in a batch.

A batch is written whole while 'pending' (the preview), becomes 'current' on confirmation, and the
category's previous batch becomes 'superseded' but stays as history. So an import is all or nothing
by construction: readers and matching only ever join records of current batches."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.library.columns import types_text
from portal.places import place_name
from portal.vocab import (Category, Department, DibaoType, DisabilityGrade, DisabilityType, Gender, ImportStatus,
                          PovertyStatus)


# Confirming a batch that removes more than a tenth of its category's current people needs the number of
# people removed typed in: a wrong or truncated file must not wipe a category behind a generic confirm.
BIG_REMOVAL_DIVISOR = 10


class BatchStatus:
    PENDING = "pending"
    CURRENT = "current"
    SUPERSEDED = "superseded"
    DISCARDED = "discarded"


class LibraryBatch(db.Model):
    __tablename__ = "library_batch"
    # At most one current batch per category, even when two confirmations race (the loser gets an error).
    __table_args__ = (
        Index("ux_library_batch_current", "category", unique=True,
              sqlite_where=text("status = 'current'"), postgresql_where=text("status = 'current'")),
    )

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

    previous: Mapped["LibraryBatch | None"] = relationship(remote_side=[id], foreign_keys=[previous_id])

    @property
    def big_removal(self) -> bool:
        """Confirming would remove more than a tenth of the people the category has now."""
        return self.previous is not None and self.removed * BIG_REMOVAL_DIVISOR > self.previous.records

    @property
    def category_label(self) -> str:
        return Category.label_of(self.category)

    @property
    def status_label(self) -> str:
        return ImportStatus.label_of(self.status)

    @property
    def source_label(self) -> str:
        """Who supplied the batch: a department, or the province's own centre."""
        return Department.label_of(self.department) if self.department else "省资助中心"


class LibraryRecord(db.Model):
    """One person as one batch lists them. The ID number is never stored in clear: id_hash is the keyed
    digest everything joins on, id_cipher the encrypted number for showing it on request.

    Few secondary indexes, because every index is paid for on each row of a million-row import:
    batch_id (rows of one batch; batch ids only grow, so inserting is an append) and id_hash (matching,
    look-up by ID number, and the diff between two batches, which joins on id_hash and filters batch_id); and
    户籍地 (ix_library_record_hukou, below) for the oversight lists of a region's people."""

    __tablename__ = "library_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("library_batch.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(24))
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(16), index=True)
    id_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_masked: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(1))  # Gender, from the ID number
    birth_year: Mapped[int] = mapped_column(Integer)  # from the ID number; the full date only under the key
    region_prefix: Mapped[str] = mapped_column(String(6))  # where the ID was first issued
    hukou_code: Mapped[str | None] = mapped_column(String(6))  # 户籍地, when the file gives it
    poverty_status: Mapped[str | None] = mapped_column(String(16))  # PovertyStatus (建档立卡)
    dibao_type: Mapped[str | None] = mapped_column(String(16))  # DibaoType (低保)
    disability_type: Mapped[str | None] = mapped_column(String(16))  # DisabilityType (残疾)
    disability_grade: Mapped[str | None] = mapped_column(String(4))  # DisabilityGrade
    disability_cert_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)  # 残疾人证号 holds the ID
    source_province: Mapped[str | None] = mapped_column(String(32))  # 外省下发: the province that sent it
    # 外省下发: the person's hardship categories (of the five) as codes joined by "," in the vocabulary's order;
    # matching gives the student these categories beside 外省下发
    hardship_types: Mapped[str | None] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(Integer)  # in the imported file

    batch: Mapped[LibraryBatch] = relationship()

    @property
    def category_label(self) -> str:
        return Category.label_of(self.category)

    @property
    def gender_label(self) -> str:
        return Gender.label_of(self.gender)

    @property
    def hardship_type_labels(self) -> str:
        """外省下发: the person's hardship types as users read them (建档立卡、低保)."""
        return types_text(self.hardship_types)

    @property
    def detail_text(self) -> str:
        """脱贫状态, 低保类型, 残疾类别与等级, 来源省份与困难类型: whatever this category carries, as users read it."""
        parts = [PovertyStatus.label_of(self.poverty_status), DibaoType.label_of(self.dibao_type),
                 DisabilityType.label_of(self.disability_type), DisabilityGrade.label_of(self.disability_grade),
                 self.source_province or "", self.hardship_type_labels]
        return " ".join(part for part in parts if part)

    @property
    def hukou_place(self) -> str:
        """户籍地 as the file gave it, else where the ID number was first issued."""
        return place_name(self.hukou_code or self.region_prefix)


# 户籍地 as the oversight lists read it (portal.oversight.people.hukou_of): a county's people are an index range,
# not a scan of the library. The one index beside the two above, paid for on each imported row.
Index("ix_library_record_hukou", func.coalesce(LibraryRecord.hukou_code, LibraryRecord.region_prefix))


class LibraryChange(db.Model):
    """One person a batch added, removed or changed against the batch it replaces, worked out once when the batch
    is counted (portal.library.diff), so that its pages read a few indexed rows instead of comparing two batches of
    a million on every view. record_id is the person's record in the batch (for 'removed': in the previous one);
    before_id the previous record of a changed person. Rows go with their batch; a first batch has none (all added)."""

    __tablename__ = "library_change"
    __table_args__ = (Index("ix_library_change_batch_kind_row", "batch_id", "kind", "row_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("library_batch.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # added / removed / changed
    record_id: Mapped[int] = mapped_column(Integer)
    before_id: Mapped[int | None] = mapped_column(Integer)
    row_number: Mapped[int] = mapped_column(Integer)  # of record_id in its file: pages list changes in file order


class LibraryFigures(db.Model):
    """The province's overview of the base library (counts per category and area), worked out once per state of
    the library and day and kept here, so that every web process reads the same figures instead of scanning
    every record again (and none keeps a copy of its own)."""

    __tablename__ = "library_figures"

    state: Mapped[str] = mapped_column(String(200), primary_key=True)  # current batches, the day, the province
    figures: Mapped[str] = mapped_column(db.Text)  # JSON of portal.library.services.Overview
    computed_at: Mapped[datetime] = mapped_column(DateTime)
