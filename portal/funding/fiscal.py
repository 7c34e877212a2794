"""财政资金 (003 §二(四)六): the province, cities and counties record what their budgets arranged for national
projects each term, with the scanned budget document; each region sees allocated against disbursed.

Each tier records only the money it arranges itself (the province also the central transfer it receives),
so a region's allocated total is its own records plus those of the regions below it, never counted twice.
Disbursed is read from SchoolProgress.national_amount, never from the records."""
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from portal.audit.services import Actor, Target, record, region_scope_codes
from portal.deadlines import services as calendar
from portal.errors import NotFound
from portal.extensions import db
from portal.funding.errors import FundingError
from portal.funding.models import FiscalAllocation, FundingProject
from portal.org.models import Region
from portal.progress.models import SchoolProgress
from portal.scope import Scope, missing_or_refused, refuse_and_record
from portal.terms import Term, term_period
from portal.vocab import (AuditAction, DeadlineCycle, DeadlineModule, DeadlineParty, DeadlineTask, FundLevel,
                          ProjectLevel, RegionLevel, Stage)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_AMOUNT = Decimal("100000000000")  # 千亿: above it the amount was mistyped
# What the first bytes say the file is: only these are kept, whatever the name claims.
DOCUMENT_KINDS = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
# The calendar's 财政资金 tasks (003's annex tables, as the province keeps them) per level of funds.
FISCAL_TASKS = {FundLevel.CENTRAL: DeadlineTask.FISCAL_CENTRAL, FundLevel.PROVINCE: DeadlineTask.FISCAL_PROVINCE,
                FundLevel.CITY: DeadlineTask.FISCAL_CITY, FundLevel.COUNTY: DeadlineTask.FISCAL_COUNTY}
LEVELS_OF_REGION = {
    RegionLevel.PROVINCE.value: (FundLevel.CENTRAL, FundLevel.PROVINCE),
    RegionLevel.CITY.value: (FundLevel.CITY,),
    RegionLevel.COUNTY.value: (FundLevel.COUNTY,),
}


@dataclass(frozen=True)
class Deadline:
    level: FundLevel
    due: date
    days_left: int
    stages: str = ""  # the stages this date is for, when the calendar gives the level different dates by stage

    @property
    def countdown(self) -> str:
        if self.days_left < 0:
            return f"已过 {-self.days_left} 天"
        return "今天截止" if self.days_left == 0 else f"还剩 {self.days_left} 天"


def deadlines(term: Term, today: date) -> list[Deadline]:
    """Each level's date for the term, read from the deadline calendar (one query). The annexes give every
    stage the same dates; should the province change one stage's, each date is shown with its stages."""
    levels = {task.value: level for level, task in FISCAL_TASKS.items()}
    rules = calendar.rules_for(list(Stage._value2member_map_), (DeadlineModule.FISCAL,), FISCAL_TASKS.values(),
                               DeadlineParty.AUTHORITY, DeadlineCycle(term.season))
    dates: dict[FundLevel, dict[date, list[str]]] = {}
    for rule in rules:
        dates.setdefault(levels[rule.task], {}).setdefault(calendar.rule_date(rule, term_period(term)), []).append(
            rule.stage)
    order = {stage.value: n for n, stage in enumerate(Stage)}
    found = []
    for level in FundLevel:
        by_date = dates.get(level, {})
        for due, stages in sorted(by_date.items()):
            shown = "、".join(Stage.label_of(code) for code in sorted(stages, key=order.get)) if len(by_date) > 1 else ""
            found.append(Deadline(level, due, (due - today).days, shown))
    return found


def documents_folder() -> str:
    """Outside the web root: files are only ever sent through the scoped download view."""
    folder = os.path.join(current_app.instance_path, "budget_documents")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


@dataclass
class Balance:
    region: Region
    allocated: Decimal
    disbursed: Decimal
    by_level: dict[str, Decimal]

    @property
    def rate(self) -> str:
        return f"{self.disbursed / self.allocated:.1%}" if self.allocated else "—"


def _recorded_in(region: Region):
    """Allocations recorded by this region or any region below it."""
    return region.holds(FiscalAllocation.city_code, FiscalAllocation.county_code)


def balances(scope: Scope, region: Region, term: Term) -> list[Balance]:
    """The region's allocated and disbursed totals, then the same for each region directly below it."""
    children = list(db.session.scalars(scope.regions().where(Region.parent_code == region.code).order_by(Region.code)))
    found = []
    for place in [region, *children]:
        levels = dict(db.session.execute(
            select(FiscalAllocation.fund_level, func.sum(FiscalAllocation.amount))
            .where(FiscalAllocation.term == term.code, _recorded_in(place))
            .group_by(FiscalAllocation.fund_level)).all())
        disbursed = db.session.scalar(
            select(func.coalesce(func.sum(SchoolProgress.national_amount), 0))
            .where(SchoolProgress.term == term.code, SchoolProgress.school_active.is_(True),
                   place.holds(SchoolProgress.city_code, SchoolProgress.county_code)))
        by_level = {level.label: Decimal(levels.get(level.value) or 0) for level in FundLevel}
        found.append(Balance(place, sum(by_level.values(), Decimal(0)), Decimal(disbursed or 0), by_level))
    return found


def allocations(scope: Scope, region: Region, term: Term) -> list[FiscalAllocation]:
    return list(db.session.scalars(
        select(FiscalAllocation)
        .where(FiscalAllocation.term == term.code, _recorded_in(region),
               FiscalAllocation.region_code.in_(select(Region.code).where(scope.region_condition())))
        .order_by(FiscalAllocation.allocated_on.desc(), FiscalAllocation.id.desc())))


def allocation_in_scope(scope: Scope, allocation_id: int) -> FiscalAllocation:
    found = db.session.scalar(select(FiscalAllocation).where(
        FiscalAllocation.id == allocation_id,
        FiscalAllocation.region_code.in_(select(Region.code).where(scope.region_condition()))))
    if found is None:
        missing_or_refused(scope.user, FiscalAllocation, allocation_id, "fiscal_allocation")
    return found


def national_projects() -> list[FundingProject]:
    return list(db.session.scalars(select(FundingProject).where(
        FundingProject.level == ProjectLevel.NATIONAL.value, FundingProject.active.is_(True))
        .order_by(FundingProject.name, FundingProject.id)))


def _read_document(file_storage) -> tuple[bytes, str, str, str]:
    """(content, original name, mimetype, extension) of an uploaded scan, checked by size and first bytes."""
    name = os.path.basename((getattr(file_storage, "filename", "") or "").replace("\\", "/"))
    if not name:
        raise FundingError("请上传预算文件扫描件（PDF 或图片）")
    content = file_storage.stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise FundingError(f"预算文件不能超过 {MAX_DOCUMENT_BYTES // 2**20} MB")
    for magic, mimetype, extension in DOCUMENT_KINDS:
        if content.startswith(magic):
            return content, name[:255], mimetype, extension
    raise FundingError("预算文件应为 PDF、PNG 或 JPG 格式的扫描件")


def record_allocation(actor: Actor, scope: Scope, term: Term, file_storage, *, project_id: int, fund_level: str,
                      amount: Decimal, document_no: str, allocated_on: date, note: str | None) -> FiscalAllocation:
    """Record one allocation of the user's own region (as forms.AllocationForm checked it), with its budget
    document (the caller commits)."""
    region = scope.region(scope.region_code)
    content, name, mimetype, extension = _read_document(file_storage)
    key = secrets.token_hex(16) + extension
    path = os.path.join(documents_folder(), key)
    with open(path, "xb") as handle:
        handle.write(content)
    try:
        city, county = region_scope_codes(region)
        allocation = FiscalAllocation(region_code=region.code, city_code=city, county_code=county, term=term.code,
                                      file_name=name, file_key=key, file_type=mimetype, file_size=len(content),
                                      created_by_id=actor.user_id, created_by_name=actor.name, project_id=project_id,
                                      fund_level=fund_level, amount=amount, document_no=document_no,
                                      allocated_on=allocated_on, note=note)
        db.session.add(allocation)
        db.session.flush()
        record(actor, AuditAction.RECORD_ALLOCATION, Target.of_region(region),
               f"{term.label} {allocation.project.name} {allocation.fund_level_label}级 {allocation.amount:,.2f} 元，"
               f"文号 {allocation.document_no}")
    except Exception:
        os.remove(path)  # no row will point at it: the caller rolls back
        raise
    return allocation


def document(actor: Actor, allocation: FiscalAllocation) -> tuple[str, str, str]:
    """(path, download name, mimetype) of the budget document; the viewing is recorded (the caller commits)."""
    if not allocation.file_key:
        raise NotFound()
    path = os.path.join(documents_folder(), os.path.basename(allocation.file_key))
    if not os.path.exists(path):
        raise NotFound()
    region = db.session.get(Region, allocation.region_code)
    with open(path, "rb") as sent:  # the file sent is named in the log by its SHA-256, like every export
        sha256 = hashlib.file_digest(sent, "sha256").hexdigest()
    record(actor, AuditAction.VIEW_BUDGET_DOCUMENT, Target.of_region(region),
           f"文号 {allocation.document_no}（文件 SHA-256 {sha256}）")
    return path, allocation.file_name or os.path.basename(path), allocation.file_type or "application/octet-stream"


def delete_allocation(actor: Actor, scope: Scope, allocation: FiscalAllocation) -> str | None:
    """Only the region that recorded it may remove it; returns its document's key, for remove_document() once the
    deletion is committed."""
    if allocation.region_code != scope.region_code:
        refuse_and_record(scope.user, "fiscal_allocation", allocation.id)
    region = db.session.get(Region, allocation.region_code)
    key = allocation.file_key
    record(actor, AuditAction.DELETE_ALLOCATION, Target.of_region(region),
           f"{allocation.project.name} {allocation.amount:,.2f} 元，文号 {allocation.document_no}")
    db.session.delete(allocation)
    return key


def remove_document(key: str | None) -> None:
    """The budget document of an allocation whose deletion is committed."""
    if key:
        path = os.path.join(documents_folder(), os.path.basename(key))
        if os.path.exists(path):
            os.remove(path)
