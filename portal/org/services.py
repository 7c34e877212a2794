"""The registry's everyday work: the drill-down tree of a scope, and the changes upper tiers make to schools."""
from dataclasses import dataclass

from sqlalchemy import func, select, update

from portal.audit.services import Actor, Target, record, region_scope_codes
from portal.errors import DomainError
from portal.extensions import db
from portal.org.models import Region, School
from portal.review.models import PeriodSubmission
from portal.scope import Scope
from portal.vocab import AuditAction, RegionLevel, Role

MOVERS = (Role.PROVINCE, Role.CITY)  # 003: 省、市两级调整学校隶属关系


class RegistryError(DomainError):
    """A refusal with a Chinese message for the user."""


@dataclass(frozen=True)
class RegionNode:
    region: Region
    schools: int  # active schools anywhere below it
    invalid: int


@dataclass(frozen=True)
class Branch:
    """What opens under one region of the tree: its sub-regions, then the schools hung on it directly."""

    region: Region
    regions: list[RegionNode]
    schools: list[School]


def branch(scope: Scope, region: Region) -> Branch:
    """One level of the drill-down tree, restricted to the scope (the region itself is already in it)."""
    child_regions = db.session.scalars(
        scope.regions().where(Region.parent_code == region.code).order_by(Region.code)
    ).all()
    counts = _school_counts(scope, [child.code for child in child_regions], RegionLevel(region.level))
    nodes = [RegionNode(child, *counts.get(child.code, (0, 0))) for child in child_regions]
    schools = db.session.scalars(
        scope.schools().where(School.region_code == region.code).order_by(School.active.desc(), School.code)
    ).all()
    return Branch(region, nodes, schools)


def _school_counts(scope: Scope, codes: list[str], parent_level: RegionLevel) -> dict[str, tuple[int, int]]:
    """Active and invalid schools under each child region, in one grouped query."""
    if not codes:
        return {}
    column = School.city_code if parent_level is RegionLevel.PROVINCE else School.county_code
    rows = db.session.execute(
        select(column, School.active, func.count())
        .where(scope.school_condition(), column.in_(codes))
        .group_by(column, School.active)
    )
    counts: dict[str, list[int]] = {}
    for code, active, number in rows:
        counts.setdefault(code, [0, 0])[0 if active else 1] += number
    return {code: (active, invalid) for code, (active, invalid) in counts.items()}


@dataclass(frozen=True)
class Crumb:
    region: Region
    linked: bool  # a page the user may open: regions above the user's scope are named, not linked


def breadcrumb(scope: Scope, region: Region) -> list[Crumb]:
    """The way down from the province to a region; the region itself is where the user is, so not a link."""
    trail = [region]
    while trail[-1].parent is not None:
        trail.append(trail[-1].parent)
    above = [crumb.code for crumb in trail[1:]]
    open_to_user = set(db.session.scalars(select(Region.code).where(scope.region_condition(), Region.code.in_(above))))
    return [Crumb(step, step.code in open_to_user) for step in reversed(trail)]


def place_school(school: School, region: Region) -> None:
    """Hang a school on a region, keeping its denormalised scope codes right."""
    school.region_code = region.code
    school.region = region
    school.city_code, school.county_code = region_scope_codes(region)


def set_school_active(actor: Actor, school: School, active: bool) -> None:
    """An invalid school (空壳学校) can no longer log in and drops out of progress figures."""
    school.active = active
    record(actor, AuditAction.RESTORE_SCHOOL if active else AuditAction.INVALIDATE_SCHOOL, Target.of_school(school))


def move_targets(scope: Scope) -> list[Region]:
    """Where this user may hang a school: the province anywhere; a city on itself or one of its counties."""
    if scope.role not in MOVERS:
        return []
    return list(db.session.scalars(scope.regions().order_by(Region.code)))


def move_school(actor: Actor, scope: Scope, school: School, region_code: str) -> None:
    """Hang a school (already in the user's scope) on another region of the scope. Its progress rows and
    review rows carry the region codes rollups and review lists filter on, so they follow the school."""
    if scope.role not in MOVERS:
        raise RegistryError("只有省级和市级资助管理部门可以调整学校隶属关系")
    code = (region_code or "").strip()
    region = db.session.scalar(scope.regions().where(Region.code == code))
    if region is None:
        if scope.role is Role.CITY and db.session.get(Region, code) is not None:
            raise RegistryError("只能在本市范围内调整：请选择本市所辖区县或市直属")
        raise RegistryError("区划代码不存在")
    if region.code == school.region_code:
        raise RegistryError("学校已隶属于该区划")
    before = school.region.name
    place_school(school, region)
    db.session.flush()
    db.session.execute(update(PeriodSubmission).where(PeriodSubmission.school_id == school.id)
                       .values(city_code=school.city_code, county_code=school.county_code))
    record(actor, AuditAction.MOVE_SCHOOL, Target.of_school(school), f"{before} → {region.name}")


def school_search(scope: Scope, text: str = "", region_code: str | None = None, status: str | None = None):
    """Schools in scope matching the list page's filters, ordered for reading."""
    query = scope.schools()
    if text:
        query = query.where(School.name.contains(text, autoescape=True) | (School.code == text))
    if region_code:
        query = query.where(
            (School.region_code == region_code) | (School.city_code == region_code) | (School.county_code == region_code)
        )
    if status == "active":
        query = query.where(School.active.is_(True))
    elif status == "invalid":
        query = query.where(School.active.is_(False))
    return query.order_by(School.code)
