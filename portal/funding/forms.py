"""Forms of the funding area: one funded record typed in by a school, and a region's 财政资金 allocation.
Each is checked field by field in the order declared; the page shows the first refusal."""
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from portal.extensions import db
from portal.forms import IdNumberField
from portal.funding.cells import bank_card, money, payment_date
from portal.funding.fiscal import LEVELS_OF_REGION, MAX_AMOUNT
from portal.funding.models import FundingProject
from portal.org.models import Region
from portal.paging import bounded_int
from portal.sheet_values import CellError
from portal.vocab import ProjectLevel


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _project(field) -> FundingProject | None:
    project_id = bounded_int(field.data)  # None for anything but an id the database could hold
    return db.session.get(FundingProject, project_id) if project_id is not None else None


class CellField(StringField):
    """A value read by the import's own cell parser (money, a date, a bank card), so that a typed-in record
    is read like a file's row; left empty it is None. After validation `value` holds what the parser gave."""

    value = None

    def __init__(self, label: str, parse, **kwargs):
        kwargs.setdefault("default", "")
        super().__init__(label, **kwargs)
        self.parse = parse

    def pre_validate(self, form) -> None:
        raw = (self.data or "").strip()
        try:
            self.value = self.parse(raw) if raw else None
        except CellError as refusal:
            raise ValidationError(f"{self.label.text}：{refusal}") from None


class RecordForm(FlaskForm):
    """A funded record as the school types it; shown back as typed."""

    id_number = IdNumberField()
    name = StringField("姓名", default="")
    project_id = StringField("资助项目", default="")
    standard = CellField("资助标准", money)
    amount = CellField("资助金额", money)
    paid_on = CellField("发放时间", payment_date)
    card = CellField("银行卡号", bank_card)

    def validate_name(self, field) -> None:
        if not _one_line(field.data):
            raise ValidationError("请填写姓名")

    def validate_project_id(self, field) -> None:
        self.project = _project(field)
        if self.project is None:
            raise ValidationError("请选择资助项目")

    def values(self) -> dict:
        """The keyword arguments of records.add_record()."""
        return {"number": self.id_number.number, "name": _one_line(self.name.data), "project": self.project,
                "standard": self.standard.value, "amount": self.amount.value, "paid_on": self.paid_on.value,
                "card": self.card.value}


class AllocationForm(FlaskForm):
    """One allocation of the region's own budget for a national project (the budget document is read by
    fiscal.record_allocation, after these fields)."""

    project_id = StringField("国家资助项目", default="")
    fund_level = StringField("资金级次", default="")
    amount = StringField("金额（元）", default="")
    document_no = StringField("预算文件文号", default="")
    allocated_on = StringField("下达日期", default="")
    note = StringField("备注", default="")

    def __init__(self, region: Region, **kwargs):
        super().__init__(**kwargs)
        self.region = region

    def validate_project_id(self, field) -> None:
        self.project = _project(field)
        if self.project is None or self.project.level != ProjectLevel.NATIONAL.value:
            raise ValidationError("请选择国家资助项目")

    def validate_fund_level(self, field) -> None:
        allowed = LEVELS_OF_REGION.get(self.region.level, ())
        if field.data not in [level.value for level in allowed]:
            raise ValidationError(f"{self.region.name}可录入的资金级次：{'、'.join(level.label for level in allowed)}")

    def validate_amount(self, field) -> None:
        try:
            self.amount_value = Decimal((field.data or "").replace(",", "").strip())
        except InvalidOperation:
            raise ValidationError("请填写金额（元）") from None
        if not self.amount_value.is_finite() or not 0 < self.amount_value <= MAX_AMOUNT:
            raise ValidationError("金额应大于0（单位：元），请核对")

    def validate_document_no(self, field) -> None:
        if not _one_line(field.data) or len(_one_line(field.data)) > 64:
            raise ValidationError("请填写预算文件文号（不超过64个字）")

    def validate_allocated_on(self, field) -> None:
        try:
            self.allocated_on_value = date.fromisoformat((field.data or "").strip())
        except ValueError:
            raise ValidationError("请填写下达日期（如 2026-10-20）") from None

    def values(self) -> dict:
        """The keyword arguments of fiscal.record_allocation()."""
        return {"project_id": self.project.id, "fund_level": self.fund_level.data,
                "amount": self.amount_value.quantize(Decimal("0.01")), "document_no": _one_line(self.document_no.data),
                "allocated_on": self.allocated_on_value, "note": (self.note.data or "").strip()[:500] or None}
