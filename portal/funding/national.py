"""The national funding projects of every stage (国家资助), as the province sets them up in the catalogue.
Standards are stated as the policies state them (per year unless noted); the province adjusts tiers to its
own 分档 and to later policy changes on the catalogue page."""
from sqlalchemy import insert, select

from portal.audit.services import Actor, Target, record
from portal.extensions import db
from portal.funding.models import FundingProject
from portal.vocab import AuditAction, PeriodType, ProjectLevel, Stage

YEAR, TERM, MONTH = PeriodType.YEAR.value, PeriodType.TERM.value, PeriodType.MONTH.value

# (name, stages, paid per, standards in yuan, standards stated per, who qualifies / basis)
NATIONAL_PROJECTS = (
    ("学前教育资助", (Stage.PRESCHOOL,), TERM, (1500, 1000), YEAR,
     "资助普惠性幼儿园在园家庭经济困难儿童、孤儿和残疾儿童接受学前教育，标准由省确定分档"),
    ("义务教育家庭经济困难学生生活补助", (Stage.PRIMARY,), TERM, (1000, 500), YEAR,
     "小学寄宿生每生每年1000元、非寄宿生500元（中西部地区中央与地方分担）"),
    ("义务教育家庭经济困难学生生活补助", (Stage.JUNIOR,), TERM, (1250, 625), YEAR,
     "初中寄宿生每生每年1250元、非寄宿生625元"),
    ("国家助学金", (Stage.SENIOR,), TERM, (2800, 2300, 1800), YEAR,
     "普通高中家庭经济困难学生，平均每生每年2300元，分三档；建档立卡等特殊困难学生按最高档"),
    ("免学杂费", (Stage.SENIOR,), TERM, (), YEAR,
     "普通高中建档立卡、低保、特困供养、孤儿、残疾等家庭经济困难学生免学杂费，按公办学校收费标准"),
    ("国家助学金", (Stage.VOCATIONAL,), MONTH, (2800, 2300, 1800), YEAR,
     "中职全日制一、二年级涉农专业学生和家庭经济困难学生，平均每生每年2300元，按月发放"),
    ("免学费", (Stage.VOCATIONAL,), MONTH, (), YEAR,
     "中职全日制学生（艺术类相关表演专业除外），按所在专业学费标准免除，中央财政按每生每年2000元测算"),
    ("国家奖学金", (Stage.VOCATIONAL,), YEAR, (6000,), YEAR, "中职特别优秀学生，每生每年6000元"),
    ("国家奖学金", (Stage.UNDERGRADUATE,), YEAR, (10000,), YEAR, "本专科特别优秀学生，每生每年10000元"),
    ("国家励志奖学金", (Stage.UNDERGRADUATE,), YEAR, (6000,), YEAR, "本专科品学兼优的家庭经济困难学生，每生每年6000元"),
    ("国家助学金", (Stage.UNDERGRADUATE,), TERM, (4700, 3700, 2700), YEAR,
     "本专科家庭经济困难学生，平均每生每年3700元，分三档"),
    ("服兵役高等学校学生国家教育资助", (Stage.UNDERGRADUATE,), YEAR, (20000,), YEAR,
     "学费补偿、国家助学贷款代偿及学费减免，本专科每生每年最高20000元"),
    ("国家助学贷款", (Stage.UNDERGRADUATE,), YEAR, (20000,), YEAR, "本专科每生每年不超过20000元，财政贴息"),
    ("国家奖学金", (Stage.GRADUATE,), YEAR, (30000, 20000), YEAR, "博士研究生每生每年30000元、硕士研究生20000元"),
    ("学业奖学金", (Stage.GRADUATE,), YEAR, (10000, 8000), YEAR,
     "中央高校博士研究生每生每年10000元、硕士研究生8000元（平均标准），地方高校由省确定"),
    ("国家助学金", (Stage.GRADUATE,), TERM, (15000, 6000), YEAR,
     "全日制研究生，博士研究生每生每年15000元、硕士研究生6000元"),
    ("服兵役高等学校学生国家教育资助", (Stage.GRADUATE,), YEAR, (25000,), YEAR,
     "学费补偿、国家助学贷款代偿及学费减免，研究生每生每年最高25000元"),
    ("国家助学贷款", (Stage.GRADUATE,), YEAR, (25000,), YEAR, "研究生每生每年不超过25000元，财政贴息"),
)


def seed_national_projects(actor: Actor, province_code: str) -> int:
    """Insert the national projects the catalogue lacks (same name and stages); the province's edits stay."""
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
    return len(rows)
