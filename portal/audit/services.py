"""record(): the one way anything is written to the audit log; and the scoped read of it."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select

from portal.audit.models import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.org.models import Region, School
from portal.vocab import AuditAction, RegionLevel


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where. Views build it from the request; the CLI builds it by hand."""

    user: object | None  # portal.accounts.models.User, or None for the command line
    ip: str | None = None

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.username
        return "命令行" if self.ip == "cli" else "未登录访客"  # a web request before sign-in: a login attempt

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    @classmethod
    def command_line(cls) -> "Actor":
        return cls(user=None, ip="cli")


@dataclass(frozen=True)
class Target:
    """What an entry is about, and where in the province it lives (for scoped reading)."""

    type: str
    id: str | None = None
    label: str | None = None
    city_code: str | None = None
    county_code: str | None = None
    school_id: int | None = None

    @classmethod
    def of_school(cls, school: School) -> "Target":
        return cls("school", school.code, school.name, school.city_code, school.county_code, school.id)

    @classmethod
    def of_region(cls, region: Region) -> "Target":
        city, county = region_scope_codes(region)
        return cls("region", region.code, region.name, city, county)

    @classmethod
    def of_user(cls, user) -> "Target":
        if user.school is not None:
            base = cls.of_school(user.school)
        elif user.region is not None:
            base = cls.of_region(user.region)
        else:
            base = cls("user")
        return cls("user", str(user.id), user.username, base.city_code, base.county_code, base.school_id)


def region_scope_codes(region: Region) -> tuple[str | None, str | None]:
    """(city_code, county_code) of a region, for the scope columns of school and audit rows."""
    if region.level == RegionLevel.COUNTY.value:
        return region.parent_code, region.code
    if region.level == RegionLevel.CITY.value:
        return region.code, None
    return None, None


def record(actor: Actor, action: AuditAction, target: Target, detail: str | None = None) -> None:
    """Add an entry to the current transaction: it commits, or rolls back, with the work it records.
    An export's entry also says how many rows the file holds and its SHA-256 (see sheet_writer.note_export)."""
    if action is AuditAction.EXPORT:
        detail = _with_file_facts(detail)
    db.session.add(
        AuditEntry(
            at=datetime.now(),
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=action.value,
            target_type=target.type,
            target_id=target.id,
            target_label=target.label,
            detail=detail,
            ip=actor.ip,
            city_code=target.city_code,
            county_code=target.county_code,
            school_id=target.school_id,
        )
    )


def _with_file_facts(detail: str | None) -> str | None:
    from flask import g, has_app_context

    facts = g.pop("portal_export", None) if has_app_context() else None
    if facts is None:
        return detail
    rows, sha256 = facts
    counted = f"{rows} 行，" if rows is not None else ""
    return f"{detail or ''}（文件 {counted}SHA-256 {sha256}）"


class RevealRefused(DomainError, ValueError):
    """A reveal asked for without its reason."""


REASON_MAX = 200


def reveal_reason(text: str | None) -> str:
    """The reason typed for a reveal, required: 'why' is what the audit log keeps beside 'who' and 'what'."""
    reason = " ".join((text or "").split())
    if len(reason) < 2:
        raise RevealRefused("请填写查看完整证件号的原因（如：核对资助发放信息）")
    return reason[:REASON_MAX]


def reveal(actor: Actor, cipher: bytes, target: Target, detail: str | None = None, *, reason: str | None) -> str:
    """A full ID number decrypted on an explicit request with its reason: the reveal (and the reason) goes to
    the audit log, which the caller commits before the number is shown. RevealRefused without a reason."""
    from portal.protect import protector

    reason = reveal_reason(reason)
    number = protector().decrypt(cipher)
    record(actor, AuditAction.REVEAL_ID, target, f"{detail}；原因：{reason}" if detail else f"原因：{reason}")
    return number


@dataclass
class AuditFilter:
    action: str | None = None
    actor: str | None = None
    target: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def audit_entries(scope, filters: AuditFilter) -> Select:
    """The entries this scope may read, newest first, narrowed by the page's filters."""
    query = select(AuditEntry).where(scope.audit_condition(AuditEntry))
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.actor:
        query = query.where(AuditEntry.actor_name.contains(filters.actor, autoescape=True))
    if filters.target:
        query = query.where(AuditEntry.target_label.contains(filters.target, autoescape=True))
    if filters.date_from:
        query = query.where(AuditEntry.at >= datetime.combine(filters.date_from, datetime.min.time()))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time())
        query = query.where(AuditEntry.at < end)
    return query.order_by(AuditEntry.id.desc())
