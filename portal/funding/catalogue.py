"""The funding project catalogue: who may define which projects, which projects a school may use, and the
ceiling that tells a real amount from an absurd one."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from portal.audit.services import Actor, Target, record
from portal.extensions import db
from portal.funding.errors import FundingError
from portal.funding.models import FundingProject
from portal.funding.national import name_variants
from portal.org.models import Region, School
from portal.scope import Scope, missing_or_refused
from portal.vocab import AuditAction, PeriodType, ProjectLevel, Role, Stage

# No single payment to one student reaches this: above it a typed amount is a slip (an extra zero, a
# card number in the amount column), whatever the project.
ABSURD_AMOUNT = Decimal("100000")
MAX_TIERS = 5
# A standard stated per term or month, as a yearly figure (a school year pays ten months: no Feb or Aug).
PERIODS_PER_YEAR = {PeriodType.YEAR.value: 1, PeriodType.TERM.value: 2, PeriodType.MONTH.value: 10}
LEVELS_BY_ROLE = {
    Role.PROVINCE: (ProjectLevel.NATIONAL, ProjectLevel.LOCAL),
    Role.CITY: (ProjectLevel.LOCAL,),
    Role.COUNTY: (ProjectLevel.LOCAL,),
    Role.SCHOOL: (ProjectLevel.SCHOOL, ProjectLevel.SOCIAL),
}


@dataclass
class ProjectDraft:
    """What the create form (or a seed) hands over, already split into values."""

    name: str
    level: str
    stages: list[str]
    period_type: str
    standards: list[str]
    standard_per: str
    note: str = ""


def region_chain(code: str | None) -> list[str]:
    """The region and every region above it (a school may hang from a county, a city or the province)."""
    chain = []
    while code and len(chain) < 4:
        chain.append(code)
        code = db.session.scalar(select(Region.parent_code).where(Region.code == code))
    return chain


def _owned_by_chain(chain: list[str]) -> ColumnElement[bool]:
    return FundingProject.owner_region_code.in_(chain) if chain else false()


def visible_condition(scope: Scope) -> ColumnElement[bool]:
    """Projects a user may see: those defined above or within their scope (a school's own ones included)."""
    if scope.role is Role.PROVINCE:
        return true()
    if scope.role is Role.SCHOOL:
        school = db.session.get(School, scope.school_id)
        return or_(_owned_by_chain(region_chain(school.region_code)), FundingProject.owner_school_id == school.id)
    if scope.role in (Role.CITY, Role.COUNTY):
        below = select(Region.code).where(scope.region_condition())
        return or_(_owned_by_chain(region_chain(scope.region_code)), FundingProject.owner_region_code.in_(below),
                   FundingProject.owner_school_id.in_(scope.school_ids()))
    return false()


def visible_projects(scope: Scope, level: str | None = None, stage: str | None = None) -> Select:
    query = select(FundingProject).where(visible_condition(scope))
    if level:
        query = query.where(FundingProject.level == level)
    if stage:
        query = query.where(_serves(stage))
    order = (FundingProject.active.desc(), FundingProject.level, FundingProject.name, FundingProject.id)
    return query.order_by(*order)


def _serves(stage: str) -> ColumnElement[bool]:
    # stages is a short comma list; matching ",code," inside ",list," is exact on both databases
    return ("," + FundingProject.stages + ",").contains(f",{stage},")


def projects_for_school(school: School, include_inactive: bool = False) -> list[FundingProject]:
    """Every project a school may put in its funded lists: national and local ones above it, and its own."""
    condition = or_(_owned_by_chain(region_chain(school.region_code)), FundingProject.owner_school_id == school.id)
    query = select(FundingProject).where(condition)
    if not include_inactive:
        query = query.where(FundingProject.active.is_(True))
    return list(db.session.scalars(query.order_by(FundingProject.level, FundingProject.name, FundingProject.id)))


def managed_project(scope: Scope, project_id: int) -> FundingProject:
    """A project this user defined (their region's or their school's); anything else answers 404."""
    project = db.session.scalar(select(FundingProject).where(FundingProject.id == project_id, _owner_condition(scope)))
    if project is None:
        missing_or_refused(scope.user, FundingProject, project_id, "funding_project")
    return project


def _owner_condition(scope: Scope) -> ColumnElement[bool]:
    if scope.role is Role.SCHOOL:
        return FundingProject.owner_school_id == scope.school_id
    if scope.role in (Role.PROVINCE, Role.CITY, Role.COUNTY):
        return and_(FundingProject.owner_region_code == scope.region_code, FundingProject.owner_school_id.is_(None))
    return false()


def yearly_ceiling(project: FundingProject) -> Decimal:
    """The most one student can receive from this project in a year; ABSURD_AMOUNT when it has no standards."""
    amounts = project.standard_amounts
    if not amounts:
        return ABSURD_AMOUNT
    return min(ABSURD_AMOUNT, max(amounts) * PERIODS_PER_YEAR.get(project.standard_per, 1))


def standard_choices(project: FundingProject) -> set[Decimal]:
    """Standards a funded list may state: a tier as the policy states it, or its share for one term or month."""
    found = set()
    for amount in project.standard_amounts:
        yearly = amount * PERIODS_PER_YEAR.get(project.standard_per, 1)
        found.update({amount, yearly, (yearly / 2).quantize(Decimal("0.01")), (yearly / 10).quantize(Decimal("0.01"))})
    return found


def project_target(project: FundingProject) -> Target:
    if project.owner_school is not None:
        school = project.owner_school
        return Target("funding_project", str(project.id), project.name, school.city_code, school.county_code, school.id)
    region = db.session.get(Region, project.owner_region_code) if project.owner_region_code else None
    target = Target.of_region(region) if region else Target("funding_project")
    return Target("funding_project", str(project.id), project.name, target.city_code, target.county_code)


def check_draft(scope: Scope, draft: ProjectDraft) -> dict:
    """The draft as column values, or FundingError naming the first thing wrong."""
    name = " ".join((draft.name or "").split())
    if not name or len(name) > 64:
        raise FundingError("请填写项目名称（不超过64个字）")
    allowed = LEVELS_BY_ROLE.get(scope.role, ())
    if draft.level not in [level.value for level in allowed]:
        raise FundingError(f"您可以设立的项目类别：{'、'.join(level.label for level in allowed) or '无'}")
    stages = [stage for stage in dict.fromkeys(draft.stages) if stage in Stage._value2member_map_]
    if not stages:
        raise FundingError("请至少选择一个适用学段")
    if scope.role is Role.SCHOOL:
        own = db.session.get(School, scope.school_id).stages.split(",")
        if not set(stages) <= set(own):
            raise FundingError("学校只能为本校开设的学段设立项目")
    if draft.period_type not in PeriodType._value2member_map_ or draft.standard_per not in PeriodType._value2member_map_:
        raise FundingError("请选择发放周期和标准的计算周期")
    amounts = []
    for raw in draft.standards:
        raw = (raw or "").replace(",", "").replace("，", "").strip()
        if not raw:
            continue
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise FundingError(f"资助标准“{raw}”不是金额") from None
        if not amount.is_finite() or amount <= 0 or amount > ABSURD_AMOUNT:
            raise FundingError(f"资助标准应大于0且不超过 {ABSURD_AMOUNT:,.0f} 元")
        amounts.append(amount.quantize(Decimal("0.01")))
    if len(amounts) > MAX_TIERS:
        raise FundingError(f"资助标准最多 {MAX_TIERS} 档")
    amounts = sorted(set(amounts), reverse=True)
    return {"name": name, "level": draft.level, "stages": ",".join(stages), "period_type": draft.period_type,
            "standards": ",".join(_plain(amount) for amount in amounts), "standard_per": draft.standard_per,
            "note": (draft.note or "").strip() or None}


def _plain(amount: Decimal) -> str:
    return f"{amount:f}".rstrip("0").rstrip(".") if "." in f"{amount:f}" else f"{amount:f}"


def create_project(actor: Actor, scope: Scope, draft: ProjectDraft) -> FundingProject:
    values = check_draft(scope, draft)
    owner = {"owner_school_id": scope.school_id} if scope.role is Role.SCHOOL else {"owner_region_code": scope.region_code}
    _refuse_clash(values, owner)
    project = FundingProject(**values, **owner, active=True, created_by_id=actor.user_id)
    db.session.add(project)
    db.session.flush()
    record(actor, AuditAction.CREATE_PROJECT, project_target(project),
           f"{project.level_label}｜{project.stage_labels}｜{project.period_label}｜{project.standards_text}")
    return project


def _refuse_clash(values: dict, owner: dict) -> None:
    """Two active projects a school could both use may not share a name (or synonyms of one, see
    national.name_variants) and a stage: an import could not tell them apart. Checked above the owner (what
    its schools see already) and below it."""
    if owner.get("owner_school_id"):
        school = db.session.get(School, owner["owner_school_id"])
        reach = or_(_owned_by_chain(region_chain(school.region_code)), FundingProject.owner_school_id == school.id)
    else:
        code = owner["owner_region_code"]
        below = select(Region.code).where(or_(Region.code == code, Region.parent_code == code,
                                              Region.parent_code.in_(select(Region.code).where(Region.parent_code == code))))
        schools_below = select(School.id).where(School.region_code.in_(below))
        reach = or_(_owned_by_chain(region_chain(code)), FundingProject.owner_region_code.in_(below),
                    FundingProject.owner_school_id.in_(schools_below))
    clash = db.session.scalar(
        select(FundingProject).where(reach, FundingProject.active.is_(True),
                                     FundingProject.name.in_(name_variants(values["name"]) | {values["name"]}),
                                     or_(*[_serves(stage) for stage in values["stages"].split(",")]))
    )
    if clash is not None:
        raise FundingError(f"已有同名项目“{clash.name}”（{clash.level_label}，{clash.stage_labels}）适用于相同学段，"
                           "导入资助名单时将无法区分，请换一个名称")


def set_project_active(actor: Actor, project: FundingProject, active: bool) -> None:
    """Projects are never deleted (funded records point at them); a deactivated one takes no new records."""
    if active and not project.active:
        _refuse_clash({"name": project.name, "stages": project.stages},
                      {"owner_school_id": project.owner_school_id, "owner_region_code": project.owner_region_code})
    project.active = active
    record(actor, AuditAction.ACTIVATE_PROJECT if active else AuditAction.DEACTIVATE_PROJECT, project_target(project))
