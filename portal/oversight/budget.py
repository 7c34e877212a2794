"""Next year's budget estimate (002 §三(三): 各地要根据本年度比对的困难学生信息，足额安排下年度学生资助经费预算):
this term's special-hardship students per stage, from the SchoolProgress rows grouped by region and the schools'
stages (never students), times the yearly standards of the catalogue's projects the user ticks, times a coverage
assumption; per child region, with every assumption shown beside the figures and in the xlsx."""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from portal.audit.services import Actor, Target, record
from portal.errors import DomainError
from portal.extensions import db
from portal.funding.catalogue import PERIODS_PER_YEAR, region_chain
from portal.funding.models import FundingProject
from portal.org.models import Region, School
from portal.oversight.figures import TermReading
from portal.progress.models import SchoolProgress
from portal.sheet_writer import write_xlsx
from portal.vocab import AuditAction, PeriodType, ProjectLevel, Stage


class BudgetError(DomainError, ValueError):
    """An assumption the page cannot use, with a Chinese message."""


# Projects not counted unless ticked: merit awards, loans (repaid), and aid not conditioned on hardship.
NOT_NEED_BASED = ("奖学金", "贷款", "服兵役", "代偿")
TIERS = {"highest": "最高档", "average": "各档平均", "lowest": "最低档"}
PER_LABEL = {PeriodType.YEAR.value: "年", PeriodType.TERM.value: "学期", PeriodType.MONTH.value: "月"}


@dataclass(frozen=True)
class Assumptions:
    projects: tuple[FundingProject, ...]  # the ticked ones with standards
    tier: str = "highest"
    coverage: int = 100  # percent of the hardship students funded

    def yearly(self, project: FundingProject) -> Decimal:
        """One student's yearly amount from a project at the chosen tier (a standard per term or month scaled up)."""
        amounts = project.standard_amounts
        amount = {"highest": max(amounts), "lowest": min(amounts)}.get(self.tier) or sum(amounts) / len(amounts)
        return amount * PERIODS_PER_YEAR.get(project.standard_per, 1)

    def per_stage(self) -> dict[Stage, Decimal]:
        """The yearly amount one funded student of each stage receives from the ticked projects together."""
        standards = dict.fromkeys(Stage, Decimal(0))
        for project in self.projects:
            for stage in project.stage_list:
                standards[stage] += self.yearly(project)
        return standards


def catalogue(reading: TermReading, root: Region) -> list[FundingProject]:
    """The active national and local projects that apply to every school in the scope: set by the scope's own
    region or one above it (a city's local projects do not pay another city's students)."""
    query = (select(FundingProject)
             .where(FundingProject.active.is_(True), FundingProject.owner_school_id.is_(None),
                    FundingProject.owner_region_code.in_(region_chain(root.code)),
                    FundingProject.level.in_((ProjectLevel.NATIONAL.value, ProjectLevel.LOCAL.value)))
             .order_by(FundingProject.level, FundingProject.stages, FundingProject.name, FundingProject.id))
    return list(db.session.scalars(query))


def default_ticked(project: FundingProject) -> bool:
    return bool(project.standard_amounts) and not any(word in project.name for word in NOT_NEED_BASED)


def ticked_projects(projects: list[FundingProject], args) -> list[FundingProject]:
    """The projects ticked on the form; a first visit (no `chosen`) ticks the need-based ones with standards."""
    if args.get("chosen"):
        wanted = set(args.getlist("project"))
        return [project for project in projects if str(project.id) in wanted and project.standard_amounts]
    return [project for project in projects if default_ticked(project)]


def assumptions_from(projects: list[FundingProject], args) -> Assumptions:
    """The page's form (GET, so links and the xlsx keep it): ticked project ids, the tier, the coverage in %."""
    ticked = ticked_projects(projects, args)
    tier = args.get("tier", "highest")
    if tier not in TIERS:
        raise BudgetError("标准档次无法识别，请选择最高档、各档平均或最低档")
    text = (args.get("coverage") or "100").strip().rstrip("%％")
    if not text.isdigit() or not 0 < int(text) <= 100:
        raise BudgetError(f"资助覆盖比例“{args.get('coverage')}”无效，请填写 1 到 100 之间的整数")
    return Assumptions(tuple(ticked), tier, int(text))


@dataclass
class BudgetRow:
    name: str
    code: str
    region: Region | None = None
    school_id: int | None = None
    students: dict = field(default_factory=lambda: dict.fromkeys(Stage, 0))
    amounts: dict = field(default_factory=lambda: dict.fromkeys(Stage, Decimal(0)))

    @property
    def total_students(self) -> int:
        return sum(self.students.values())

    @property
    def total_amount(self) -> Decimal:
        return sum(self.amounts.values(), Decimal(0))


@dataclass
class Budget:
    region: Region
    term_label: str  # the term whose students are counted
    year: int  # the budget year: the one after the term's
    assumptions: Assumptions
    standards: dict  # Stage → yearly amount per funded student
    rows: list[BudgetRow]
    total: BudgetRow
    stages: list[Stage]  # the columns: stages with students


def estimate(reading: TermReading, region: Region, assumptions: Assumptions) -> Budget:
    """One grouped query (hardship students by child region, direct school and stage set) and the arithmetic."""
    figures = reading.rollup(region, [func.coalesce(func.sum(SchoolProgress.hardship), 0).label("hardship")],
                             by=(School.stages,))
    standards = assumptions.per_stage()
    children = db.session.scalars(reading.scope.regions().where(Region.parent_code == region.code)
                                  .order_by(Region.code)).all()
    rows = {child.code: BudgetRow(child.name, child.code, region=child) for child in children}
    school_ids = {row["school_id"] for row in figures if row["school_id"] is not None}
    schools = db.session.scalars(select(School).where(School.id.in_(school_ids)).order_by(School.code)).all()
    rows |= {school.id: BudgetRow(school.name, school.code, school_id=school.id) for school in schools}
    total = BudgetRow(f"{region.name}合计", region.code, region=region)
    coverage = Decimal(assumptions.coverage) / 100
    for figure in figures:
        row = rows.get(figure["school_id"] if figure["school_id"] is not None else figure["region_code"])
        for stage, count in split(figure["stages"], figure["hardship"]).items():
            amount = count * coverage * standards[stage]
            for target in (row, total):
                if target is not None:
                    target.students[stage] += count
                    target.amounts[stage] += amount
    for row in [*rows.values(), total]:
        row.amounts = {stage: _yuan(amount) for stage, amount in row.amounts.items()}
    stages = [stage for stage in Stage if total.students[stage]]
    return Budget(region, reading.term.label, reading.term.year + 1, assumptions, standards, list(rows.values()), total, stages)


def split(stages: str, count: int) -> dict[Stage, int]:
    """A school's students over its stages: all to its one stage, or evenly over several (九年一贯制), the
    remainder to the earlier stages: progress rows count a school's students, not each stage's."""
    members = sorted(Stage.list_of(stages), key=list(Stage).index) or [Stage.PRIMARY]
    share, rest = divmod(count, len(members))
    return {stage: share + (1 if number < rest else 0) for number, stage in enumerate(members)}


def _yuan(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def assumption_lines(budget: Budget) -> list[str]:
    """The assumptions in words, for the page and the xlsx alike."""
    chosen = budget.assumptions
    lines = [
        f"测算年度：{budget.year}年；学生数：{budget.region.name}所辖有效学校{budget.term_label}学期比对出的特殊困难学生（含新增），"
        "按下年度人数持平测算，不考虑毕业、升学和新生变化。",
        f"资助覆盖：按特殊困难学生的 {chosen.coverage}% 获得资助测算；标准档次：{TIERS[chosen.tier]}"
        "（国家政策规定建档立卡等特殊困难学生一般按最高档资助）。",
        "跨学段学校（如九年一贯制）的学生平均分摊到其各学段。",
        "每学期、每月的标准折算为每年：一学年两个学期、十个月。",
    ]
    if chosen.projects:
        lines.append("计入的资助项目：" + "；".join(
            f"{project.name}（{project.stage_labels}，{project.standards_text}，按{_money(chosen.yearly(project))}元/生·年）"
            for project in chosen.projects))
    else:
        lines.append("未选择任何资助项目，测算金额为零。")
    lines.append("未计入：奖学金（按成绩评定）、国家助学贷款（需偿还）、服兵役资助和基层就业代偿（不以家庭困难为条件），"
                 "以及没有统一标准的免学费、免学杂费（按各校收费标准，需另行测算）；可在上方勾选。")
    return lines


def _money(amount: Decimal) -> str:
    return f"{_yuan(amount):,}"


def budget_xlsx(actor: Actor, reading: TermReading, budget: Budget) -> bytes:
    headers = ["名称", "代码"]
    for stage in budget.stages:
        headers += [f"{stage.label}特殊困难学生（人）", f"{stage.label}测算经费（元）"]
    headers += ["特殊困难学生合计（人）", "测算经费合计（元）"]
    lines = [[row.name, row.code, *_stage_cells(budget, row), row.total_students, row.total_amount]
             for row in [*budget.rows, budget.total]]
    lines.append([])
    lines.append(["每生每年标准（元）", "", *(cell for stage in budget.stages for cell in ("", budget.standards[stage]))])
    lines += [["测算口径", line] for line in assumption_lines(budget)]
    content = write_xlsx(headers, lines, sheet_title=f"{budget.year}年经费测算")
    record(actor, AuditAction.EXPORT, Target.of_region(budget.region),
           f"{budget.year}年度学生资助经费测算（{reading.term.label}学生数）：{budget.region.name}")
    return content


def _stage_cells(budget: Budget, row: BudgetRow) -> list:
    return [cell for stage in budget.stages for cell in (row.students[stage], row.amounts[stage])]
