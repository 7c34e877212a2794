"""The national funding projects of every stage (国家资助), as the province sets them up in the catalogue, and the
other names a funded list may give them (name_variants: a synonym resolves to the catalogue's project).
Standards are stated as the policies state them (per year unless noted); the province adjusts tiers to its
own 分档 and to later policy changes on the catalogue page."""
import unicodedata
from typing import NamedTuple

from sqlalchemy import insert, select, update

from portal.audit.services import Actor, Target, record
from portal.extensions import db
from portal.funding.models import FundingProject
from portal.vocab import AuditAction, PeriodType, ProjectLevel, Stage

YEAR, TERM, MONTH = PeriodType.YEAR.value, PeriodType.TERM.value, PeriodType.MONTH.value

# (name, stages, paid per, standards in yuan, standards stated per, who qualifies / basis). Names as 003's annex
# tables (the national system's modules) name them. 学前 has no national module there (annex 6: 地方政府、学校、
# 社会资助 only), so 学前教育资助 is no national project: the province or its cities set it up as a local one.
NATIONAL_PROJECTS = (
    ("困难生生活补助", (Stage.PRIMARY,), TERM, (1000, 500), YEAR,
     "义务教育家庭经济困难学生生活补助：小学寄宿生每生每年1000元、非寄宿生500元（中西部地区中央与地方分担）"),
    ("困难生生活补助", (Stage.JUNIOR,), TERM, (1250, 625), YEAR,
     "义务教育家庭经济困难学生生活补助：初中寄宿生每生每年1250元、非寄宿生625元"),
    ("国家助学金", (Stage.SENIOR,), TERM, (2800, 2300, 1800), YEAR,
     "普通高中家庭经济困难学生，平均每生每年2300元，分三档；建档立卡等特殊困难学生按最高档"),
    ("建档立卡家庭经济困难学生免学杂费", (Stage.SENIOR,), TERM, (), YEAR,
     "普通高中建档立卡、低保、特困供养、孤儿、残疾等家庭经济困难学生免学杂费，按公办学校收费标准"),
    ("国家助学金", (Stage.VOCATIONAL,), MONTH, (2800, 2300, 1800), YEAR,
     "中职全日制一、二年级涉农专业学生和家庭经济困难学生，平均每生每年2300元，按月发放"),
    ("国家免学费", (Stage.VOCATIONAL,), MONTH, (), YEAR,
     "中职全日制学生（艺术类相关表演专业除外），按所在专业学费标准免除，中央财政按每生每年2000元测算"),
    ("国家奖学金", (Stage.VOCATIONAL,), YEAR, (6000,), YEAR, "中职特别优秀学生，每生每年6000元"),
    ("国家奖学金", (Stage.UNDERGRADUATE,), YEAR, (10000,), YEAR, "本专科特别优秀学生，每生每年10000元"),
    ("国家励志奖学金", (Stage.UNDERGRADUATE,), YEAR, (6000,), YEAR, "本专科品学兼优的家庭经济困难学生，每生每年6000元"),
    ("国家助学金", (Stage.UNDERGRADUATE,), TERM, (4700, 3700, 2700), YEAR,
     "本专科家庭经济困难学生，平均每生每年3700元，分三档"),
    ("服兵役国家资助", (Stage.UNDERGRADUATE,), YEAR, (20000,), YEAR,
     "服兵役高等学校学生国家教育资助：学费补偿、国家助学贷款代偿及学费减免，本专科每生每年最高20000元"),
    ("部属高校基层就业学费补偿贷款代偿", (Stage.UNDERGRADUATE,), YEAR, (20000,), YEAR,
     "中央部门所属高校毕业生到中西部地区和艰苦边远地区基层单位就业，学费补偿或国家助学贷款代偿，"
     "本专科每生每年最高20000元，分三年完成"),
    ("国家助学贷款", (Stage.UNDERGRADUATE,), YEAR, (20000,), YEAR, "本专科每生每年不超过20000元，财政贴息"),
    ("国家奖学金", (Stage.GRADUATE,), YEAR, (30000, 20000), YEAR, "博士研究生每生每年30000元、硕士研究生20000元"),
    ("学业奖学金", (Stage.GRADUATE,), YEAR, (10000, 8000), YEAR,
     "中央高校博士研究生每生每年10000元、硕士研究生8000元（平均标准），地方高校由省确定"),
    ("国家助学金", (Stage.GRADUATE,), TERM, (15000, 6000), YEAR,
     "全日制研究生，博士研究生每生每年15000元、硕士研究生6000元"),
    ("服兵役国家资助", (Stage.GRADUATE,), YEAR, (25000,), YEAR,
     "服兵役高等学校学生国家教育资助：学费补偿、国家助学贷款代偿及学费减免，研究生每生每年最高25000元"),
    ("部属高校基层就业学费补偿贷款代偿", (Stage.GRADUATE,), YEAR, (25000,), YEAR,
     "中央部门所属高校毕业生到中西部地区和艰苦边远地区基层单位就业，学费补偿或国家助学贷款代偿，"
     "研究生每生每年最高25000元，分三年完成"),
    ("国家助学贷款", (Stage.GRADUATE,), YEAR, (25000,), YEAR, "研究生每生每年不超过25000元，财政贴息"),
)
# The names this catalogue gave these projects before; seed_national_projects renames such rows in place (their
# funded records keep pointing at them), and a funded list may still use either name.
FORMER_NAMES = {
    "困难生生活补助": "义务教育家庭经济困难学生生活补助",
    "建档立卡家庭经济困难学生免学杂费": "免学杂费",
    "国家免学费": "免学费",
    "服兵役国家资助": "服兵役高等学校学生国家教育资助",
}
# Other names funded lists give the same projects: the policies' own titles.
POLICY_NAMES = {
    "部属高校基层就业学费补偿贷款代偿": ("基层就业学费补偿贷款代偿", "基层就业学费补偿国家助学贷款代偿",
                                       "高校毕业生基层就业学费补偿国家助学贷款代偿"),
}
NO_LONGER_NATIONAL = ("学前教育资助", Stage.PRESCHOOL.value)  # seeded as national before annex 6 was read


def fold(name: str) -> str:
    """A project name as compared: spaces and full-width forms do not count."""
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def _synonym_groups() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for name, former in FORMER_NAMES.items():
        groups.setdefault(name, {name}).add(former)
    for name, others in POLICY_NAMES.items():
        groups.setdefault(name, {name}).update(others)
    return {fold(member): frozenset(group) for group in groups.values() for member in group}


SYNONYMS = _synonym_groups()


def name_variants(name: str) -> frozenset[str]:
    """Every name that means the same project as `name` (itself included), as the catalogue may spell it."""
    return SYNONYMS.get(fold(name), frozenset({name}))


class SeedResult(NamedTuple):
    added: int
    renamed: int  # rows of a former name given the name of the annex tables
    localised: int  # 学前教育资助 rows made a local-government project


def seed_national_projects(actor: Actor, province_code: str) -> SeedResult:
    """Put the catalogue right and idempotent: rename rows of a former name, make a national 学前教育资助 a local
    project, then insert the national projects it lacks (same name and stages). The province's edits stay."""
    renamed, localised = _rename_former(actor), _localise_preschool(actor)
    present = {tuple(row) for row in db.session.execute(
        select(FundingProject.name, FundingProject.stages).where(FundingProject.level == ProjectLevel.NATIONAL.value))}
    rows = [
        {"name": name, "level": ProjectLevel.NATIONAL.value, "stages": ",".join(stage.value for stage in stages),
         "period_type": paid, "standards": ",".join(map(str, standards)), "standard_per": per, "note": note,
         "owner_region_code": province_code, "active": True}
        for name, stages, paid, standards, per, note in NATIONAL_PROJECTS
        if (name, ",".join(stage.value for stage in stages)) not in present
    ]
    if rows:
        db.session.execute(insert(FundingProject), rows)
        record(actor, AuditAction.CREATE_PROJECT, Target("funding_project", None, "国家资助项目"),
               f"初始化国家资助项目 {len(rows)} 个")
    return SeedResult(len(rows), renamed, localised)


def _rename_former(actor: Actor) -> int:
    """One UPDATE per former name and stage set; skipped where a row of the new name already serves it."""
    renamed, done = 0, []
    national = FundingProject.level == ProjectLevel.NATIONAL.value
    for name, stages, *_ in NATIONAL_PROJECTS:
        former, codes = FORMER_NAMES.get(name), ",".join(stage.value for stage in stages)
        if former is None:
            continue
        taken = select(FundingProject.id).where(national, FundingProject.name == name, FundingProject.stages == codes)
        count = db.session.execute(
            update(FundingProject).where(national, FundingProject.name == former, FundingProject.stages == codes,
                                         ~taken.exists()).values(name=name).execution_options(synchronize_session=False)
        ).rowcount
        if count:
            renamed += count
            done.append(f"{former}→{name}（{Stage.labels_of(codes)}）")
    if done:
        record(actor, AuditAction.EDIT_PROJECT, Target("funding_project", None, "国家资助项目"),
               f"按003附件统一国家资助项目名称：{'；'.join(done)}"[:500])
    return renamed


def _localise_preschool(actor: Actor) -> int:
    """A national 学前教育资助 becomes the province's local project, keeping its records; figures that count
    national money (SchoolProgress.national_amount) are worked out again for the terms it paid in."""
    name, stage = NO_LONGER_NATIONAL
    found = list(db.session.scalars(select(FundingProject.id).where(
        FundingProject.level == ProjectLevel.NATIONAL.value, FundingProject.name == name,
        FundingProject.stages == stage)))
    if not found:
        return 0
    db.session.execute(update(FundingProject).where(FundingProject.id.in_(found))
                       .values(level=ProjectLevel.LOCAL.value).execution_options(synchronize_session=False))
    record(actor, AuditAction.EDIT_PROJECT, Target("funding_project", None, name),
           f"{name}改为地方政府资助项目（003附件6学前资助子系统无国家资助模块）")
    return len(found)
