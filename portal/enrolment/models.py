"""Enrolment snapshots (学籍) per school and term, and the hardship enrolment library matched from them.

An upload is written whole while 'pending' (the preview) and becomes the school's 'current' snapshot
for the term on confirmation, the previous one 'superseded': the swap is two UPDATEs in one transaction.
HardshipStudent rows are keyed by (school, term, ID digest) and updated in place by each matching, so
what the school verified survives a re-upload or a re-match."""
from datetime import datetime

from sqlalchemy import (JSON, Boolean, ColumnElement, DateTime, ForeignKey, Index, Integer, LargeBinary, String,
                        Text, UniqueConstraint, and_, func, or_)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.org.models import School
from portal.vocab import (Category, DibaoType, DisabilityGrade, DisabilityType, HardshipLevel, HardshipSource,
                          LibraryFlag, PovertyStatus, ReviewStatus)


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
    matched_at: Mapped[datetime | None] = mapped_column(DateTime)  # last matching of this snapshot
    # [[stage, grade, students], …] as the file was read: what the confirmation judges against the school's stages
    # (portal.enrolment.upload_risks) without reading the rows again
    stage_grades: Mapped[list | None] = mapped_column(JSON)

    school: Mapped[School] = relationship()


class EnrolmentStudent(db.Model):
    """One row of a school's enrolment file. ID numbers as in the base library: digest, cipher, mask."""

    __tablename__ = "enrolment_student"
    # One index only: a new upload's rows append to it (its upload_id is the largest), so writing a
    # 50,000-row file costs no random B-tree inserts. Matching and look-ups go upload → ID digest; a
    # duplicate across schools is found among library students (hardship_student), and only for the few
    # students added by hand by probing each current upload here.
    __table_args__ = (Index("ix_enrolment_student_upload_hash", "upload_id", "id_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("enrolment_upload.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(Integer)
    term: Mapped[str] = mapped_column(String(16))
    student_no: Mapped[str | None] = mapped_column(String(32))  # 学籍号
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(1))
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(16))
    id_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_masked: Mapped[str] = mapped_column(String(18))
    region_prefix: Mapped[str] = mapped_column(String(6))
    birth_year: Mapped[int] = mapped_column(Integer)  # never the full date in clear (portal.idcard)
    stage: Mapped[str | None] = mapped_column(String(16))  # Stage
    grade: Mapped[str | None] = mapped_column(String(32))
    class_name: Mapped[str | None] = mapped_column(String(64))
    entry_month: Mapped[str | None] = mapped_column(String(7))  # "2024-09"
    hukou_code: Mapped[str | None] = mapped_column(String(6))
    row_number: Mapped[int] = mapped_column(Integer)


class HardshipStudent(db.Model):
    """A student of the school's hardship enrolment library for a term: found by matching, or added by hand."""

    __tablename__ = "hardship_student"
    # (school, term, ID) serves a school's library; (ID, term) the same student at other schools; (source,
    # term) the few students added by hand, whose 学籍重复 is looked up in other schools' snapshots. No index
    # on term alone: every row of a term shares it, and a planner that picked it would scan the term.
    __table_args__ = (UniqueConstraint("school_id", "term", "id_hash"),
                      Index("ix_hardship_student_hash_term", "id_hash", "term"),
                      Index("ix_hardship_student_source_term", "source", "term"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    term: Mapped[str] = mapped_column(String(16))
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(16))
    id_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_masked: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    region_prefix: Mapped[str] = mapped_column(String(6))
    hukou_code: Mapped[str | None] = mapped_column(String(6))  # 户籍地 as the school's file or the library gave it
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

    @classmethod
    def counted(cls) -> ColumnElement[bool]:
        """The students a school's library counts: active, and found by matching or added by hand and approved
        (a pending addition is not yet in the library). Funding, reasons and progress all count these."""
        return and_(cls.active.is_(True), or_(cls.source == HardshipSource.MATCHED.value,
                                              cls.review_status == ReviewStatus.APPROVED.value))

    @classmethod
    def lacks_hardship_level(cls) -> ColumnElement[bool]:
        """003's 困难等级认定结果录入不全: a counted student still in school (or not yet checked) with no level.
        The progress figure and the library's 未认定困难等级 filter both use this, so the count opens its list."""
        return and_(cls.counted(), cls.hardship_level.is_(None), or_(cls.in_school.is_(None), cls.in_school.is_(True)))

    @classmethod
    def registered_poor(cls) -> ColumnElement[bool]:
        """建档立卡 students, by the categories the library stores for them (a 外省下发 student whose hardship
        types include 建档立卡 carries that category too): the one test wherever they are treated apart."""
        return ("," + cls.categories + ",").contains(f",{Category.POVERTY.value},")

    @property
    def category_labels(self) -> str:
        return category_labels(self.categories)

    @property
    def hardship_level_label(self) -> str:
        return HardshipLevel.label_of(self.hardship_level)

    @property
    def review_label(self) -> str:
        return ReviewStatus.label_of(self.review_status)

    @property
    def is_manual(self) -> bool:
        return self.source == HardshipSource.MANUAL.value

    @property
    def flags(self) -> list[LibraryFlag]:
        return flags_of(self)


def category_labels(categories: str) -> str:
    """'poverty,disabled' → '建档立卡、残疾'."""
    return "、".join(Category.label_of(code) for code in categories.split(",") if code)


def flags_of(student) -> list[LibraryFlag]:
    """The marks of a library student: a HardshipStudent, or a plain row with its columns (the export reads those)."""
    marks = [(student.out_of_province, LibraryFlag.OUT_OF_PROVINCE), (student.duplicate, LibraryFlag.DUPLICATE),
             (student.source == HardshipSource.MANUAL.value, LibraryFlag.MANUAL),
             (student.name_mismatch, LibraryFlag.NAME_MISMATCH),
             (student.review_status == ReviewStatus.PENDING.value, LibraryFlag.PENDING),
             (student.review_status == ReviewStatus.REJECTED.value, LibraryFlag.REJECTED)]
    return [flag for present, flag in marks if present]


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

    @property
    def label(self) -> str:
        return Category.label_of(self.category)

    @property
    def detail_text(self) -> str:
        """脱贫状态, 低保类型, 残疾类别与等级 as the base library gave them (or the school entered them)."""
        return detail_text(self)


def detail_text(detail) -> str:
    """A HardshipCategory's details in words; also of a plain row with its columns (the export reads those)."""
    parts = [PovertyStatus.label_of(detail.poverty_status), DibaoType.label_of(detail.dibao_type),
             DisabilityType.label_of(detail.disability_type), DisabilityGrade.label_of(detail.disability_grade)]
    return " ".join(part for part in parts if part)


class MatchingStatus:
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class MatchingRun(db.Model):
    """One matching of a term's enrolment against the base library: after a school's upload (school_id set)
    or for the whole province (school_id None). Keeps what changed, so a re-match can report it."""

    __tablename__ = "matching_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(16), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    whole_province: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=MatchingStatus.RUNNING)
    started_by_name: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    students: Mapped[int] = mapped_column(Integer, default=0)  # hardship students found, after the run
    new: Mapped[int] = mapped_column(Integer, default=0)
    gone: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)  # categories changed
    error: Mapped[str | None] = mapped_column(Text)


class MatchingHit(db.Model):
    """Scratch rows of one run: each (enrolled student, library record) pair the join found. The join runs
    once into here; the statements that write the library read this small table, then it is emptied."""

    __tablename__ = "matching_hit"
    __table_args__ = (Index("ix_matching_hit_run_student", "run_id", "school_id", "id_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(16))
    enrolment_student_id: Mapped[int] = mapped_column(Integer)
    library_record_id: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(24))
    library_name: Mapped[str | None] = mapped_column(String(64))  # only when it differs from the file's name
    hukou_code: Mapped[str | None] = mapped_column(String(6))
    poverty_status: Mapped[str | None] = mapped_column(String(16))
    dibao_type: Mapped[str | None] = mapped_column(String(16))
    disability_type: Mapped[str | None] = mapped_column(String(16))
    disability_grade: Mapped[str | None] = mapped_column(String(4))


class MatchingStudent(db.Model):
    """Scratch rows of one run: the hits folded into one row per student (categories joined)."""

    __tablename__ = "matching_student"
    __table_args__ = (UniqueConstraint("run_id", "school_id", "id_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(16))
    enrolment_student_id: Mapped[int] = mapped_column(Integer)
    categories: Mapped[str] = mapped_column(String(128))
    library_name: Mapped[str | None] = mapped_column(String(64))
    hukou_code: Mapped[str | None] = mapped_column(String(6))
