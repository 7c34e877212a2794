"""Funding: the project catalogue, each school's funded lists per period, and the fiscal allocations of
national projects. A library student's status (funded / unfunded) is never stored: it is whether a
FundingRecord of the school and period carries the student's ID digest."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.org.models import Region, School
from portal.terms import parse_period
from portal.vocab import FundingImportMode, FundLevel, PeriodType, ProjectLevel, Stage

MONEY = Numeric(14, 2)


class FundingProject(db.Model):
    """One project of the catalogue, for the stages it serves. Projects sharing a name (国家助学金) differ
    by stage, so a funded list's 资助项目 plus the student's stage picks exactly one."""

    __tablename__ = "funding_project"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[str] = mapped_column(String(16))  # ProjectLevel
    stages: Mapped[str] = mapped_column(String(128))  # Stage codes joined by ","
    period_type: Mapped[str] = mapped_column(String(8))  # PeriodType: how often it is paid
    standards: Mapped[str] = mapped_column(String(128), default="")  # 分档 amounts in yuan, "2800,2300,1800"
    standard_per: Mapped[str] = mapped_column(String(8))  # PeriodType the standards are stated per
    note: Mapped[str | None] = mapped_column(Text)  # policy basis, who qualifies
    # who defined it: a region (national and local projects) or a school (school and social projects)
    owner_region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    owner_school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    owner_school: Mapped[School | None] = relationship()
    owner_region: Mapped[Region | None] = relationship()

    @property
    def owner_name(self) -> str:
        """设立单位 as users name it: the school, else the region (江苏省, 南京市), never a code."""
        owner = self.owner_school or self.owner_region
        return owner.name if owner else ""

    @property
    def level_label(self) -> str:
        return ProjectLevel.label_of(self.level)

    @property
    def stage_list(self) -> list[Stage]:
        return Stage.list_of(self.stages)

    @property
    def stage_labels(self) -> str:
        return Stage.labels_of(self.stages)

    @property
    def period_label(self) -> str:
        return PeriodType.label_of(self.period_type)

    @property
    def standard_amounts(self) -> list[Decimal]:
        return [Decimal(part) for part in self.standards.split(",") if part]

    @property
    def standards_text(self) -> str:
        if not self.standards:
            return "按规定标准（不分档）"
        amounts = "/".join(f"{amount:,.0f}" for amount in self.standard_amounts)
        per = {PeriodType.YEAR.value: "年", PeriodType.TERM.value: "学期", PeriodType.MONTH.value: "月"}
        return f"每生每{per.get(self.standard_per, '年')} {amounts} 元"


class FundingImport(db.Model):
    """One confirmed import of a funded list (or the batch of a demo seeding), for history and audit."""

    __tablename__ = "funding_import"
    __table_args__ = (Index("ix_funding_import_school_period", "school_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    period: Mapped[str] = mapped_column(String(16))  # Period.code
    mode: Mapped[str] = mapped_column(String(8))  # FundingImportMode
    filename: Mapped[str] = mapped_column(String(255))
    records: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(MONEY, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    @property
    def mode_label(self) -> str:
        return FundingImportMode.label_of(self.mode)


class FundingRecord(db.Model):
    """One payment of one project to one student in one period, as the funded list states it.
    ID numbers as everywhere: digest, cipher, mask; bank cards encrypted beside their masked form."""

    __tablename__ = "funding_record"
    __table_args__ = (
        # one index serves both the term's figures and a period's status (queries by period name the term too)
        Index("ix_funding_record_school_term_hash", "school_id", "term", "id_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    period: Mapped[str] = mapped_column(String(16))  # Period.code: a term, or a 中职 month
    term: Mapped[str] = mapped_column(String(16))  # Term.code the period belongs to
    project_id: Mapped[int] = mapped_column(ForeignKey("funding_project.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("funding_import.id", ondelete="SET NULL"))
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(16))
    id_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_masked: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    standard: Mapped[Decimal | None] = mapped_column(MONEY)
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    paid_on: Mapped[date | None] = mapped_column(Date)
    card_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    card_masked: Mapped[str | None] = mapped_column(String(24))
    # 003 §二(四): a record without bank card, standard, payment date or amount is incomplete
    incomplete: Mapped[bool] = mapped_column(Boolean, default=False)
    row_number: Mapped[int | None] = mapped_column(Integer)  # in the imported file; None when typed in
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    project: Mapped[FundingProject] = relationship()

    @property
    def period_label(self) -> str:
        return parse_period(self.period).label

    @property
    def missing(self) -> list[str]:
        """What makes the record incomplete, in the words of 003."""
        return missing_of(self)


def missing_of(record) -> list[str]:
    """What makes a funding record incomplete: of a FundingRecord, or a plain row with its columns (the export)."""
    found = [("银行卡号", record.card_masked), ("资助标准", record.standard), ("发放时间", record.paid_on),
             ("资助金额", record.amount)]
    return [label for label, value in found if value is None or value == ""]


class FiscalAllocation(db.Model):
    """Money a region's budget arranged for a national project in a term (003 §二(四)六), with the scanned
    budget document kept in the instance folder under a generated name."""

    __tablename__ = "fiscal_allocation"
    __table_args__ = (Index("ix_fiscal_allocation_term_region", "term", "region_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    # copied from the region so that scope is one comparison, as for schools
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    term: Mapped[str] = mapped_column(String(16))
    project_id: Mapped[int] = mapped_column(ForeignKey("funding_project.id"))
    fund_level: Mapped[str] = mapped_column(String(16))  # FundLevel
    amount: Mapped[Decimal] = mapped_column(MONEY)
    document_no: Mapped[str] = mapped_column(String(64))  # 文号
    allocated_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(255))  # as uploaded, shown only
    file_key: Mapped[str | None] = mapped_column(String(64))  # generated name under instance/budget_documents
    file_type: Mapped[str | None] = mapped_column(String(32))  # mimetype found from the content
    file_size: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    project: Mapped[FundingProject] = relationship()
    region: Mapped[Region] = relationship()

    @property
    def fund_level_label(self) -> str:
        return FundLevel.label_of(self.fund_level)
