"""The demo province, modelled on Jiangsu: real regions, generated schools of every stage, one account
per tier and department. Deterministic: the same database every time. Written with set-based inserts."""
import csv
import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select

from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal.accounts.second_factor import REQUIRED_ROLES
from portal.audit.services import Actor, Target, record, region_scope_codes
from portal.extensions import db
from portal.org.models import Region, School
from portal.org.registry import region_level
from portal.protect import protector
from portal.vocab import AuditAction, Department, Ownership, RegionLevel, Role, Stage

DATA = os.path.join(os.path.dirname(__file__), "data")
DEMO_PASSWORD = "Demo2026"
# The demo accounts that must use the second factor come enrolled with this published secret (make run prints
# it): anyone can compute their codes, which is why demo accounts must never stay on a real installation.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPDEMOJBSWY3DPEHPK"

# Schools generated in every county: (stage, how many, name pattern). About 22 per county.
COUNTY_SCHOOLS = (
    (Stage.PRESCHOOL, 6, "{place}第{n}幼儿园"),
    (Stage.PRIMARY, 8, "{place}第{n}小学"),
    (Stage.JUNIOR, 4, "{place}第{n}初级中学"),
    (Stage.SENIOR, 2, "{place}第{n}高级中学"),
    (Stage.VOCATIONAL, 1, "{place}中等专业学校"),
)
NINE_YEAR = (Stage.PRIMARY.value + "," + Stage.JUNIOR.value, "{place}实验学校")
CITY_SCHOOLS = (
    (Stage.VOCATIONAL, 2, "{place}第{n}职业教育中心"),
    (Stage.UNDERGRADUATE, 2, "{place}第{n}职业技术学院"),
)
PROVINCE_SCHOOLS = (
    (Stage.UNDERGRADUATE, 8, "江苏第{n}大学"),
    (Stage.VOCATIONAL, 4, "江苏省第{n}中等专业学校"),
)
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    region_code: str | None = None
    school_code: str | None = None
    department: Department | None = None


def demo_accounts(county_school_code: str) -> tuple[DemoAccount, ...]:
    return (
        DemoAccount("sheng", "省资助中心管理员", Role.PROVINCE, region_code="320000"),
        DemoAccount("nanjing", "南京市资助中心", Role.CITY, region_code="320100"),
        DemoAccount("xuanwu", "玄武区资助中心", Role.COUNTY, region_code="320102"),
        DemoAccount("xuexiao", "学校资助专干", Role.SCHOOL, school_code=county_school_code),
        DemoAccount("fupin", "扶贫数据专员", Role.DEPARTMENT, department=Department.POVERTY),
        DemoAccount("minzheng", "民政数据专员", Role.DEPARTMENT, department=Department.CIVIL),
        DemoAccount("canlian", "残联数据专员", Role.DEPARTMENT, department=Department.DISABLED),
    )


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Region))


def read_regions() -> list[dict]:
    with open(os.path.join(DATA, "jiangsu_regions.csv"), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        {"code": row["区划代码"], "name": row["名称"], "parent_code": row["上级区划代码"] or None,
         "level": region_level(row["区划代码"]).value}
        for row in rows
    ]


def generate_schools(regions: list[dict]) -> list[dict]:
    by_code = {region["code"]: region for region in regions}
    schools: list[dict] = []

    def add(region: dict, stages: str, name: str) -> None:
        serial = len(schools) + 1
        prefix = "4132" if stages == Stage.UNDERGRADUATE.value else "3132"
        city, county = _scope_codes(region)
        schools.append({
            "code": f"{prefix}{serial:06d}", "name": name, "region_code": region["code"], "city_code": city,
            "county_code": county, "stages": stages, "active": True,
            "ownership": Ownership.PRIVATE.value if serial % 11 == 0 else Ownership.PUBLIC.value,
        })

    def add_set(region: dict, plan, place: str) -> None:
        for stage, count, pattern in plan:
            for n in range(1, count + 1):
                add(region, stage.value, pattern.format(place=place, n=NUMERALS[n - 1]))

    for region in regions:
        level = RegionLevel(region["level"])
        if level is RegionLevel.COUNTY:
            place = by_code[region["parent_code"]]["name"] + region["name"]
            add_set(region, COUNTY_SCHOOLS, place)
            add(region, NINE_YEAR[0], NINE_YEAR[1].format(place=place))
        elif level is RegionLevel.CITY:
            add_set(region, CITY_SCHOOLS, region["name"])
        else:
            add_set(region, PROVINCE_SCHOOLS, "")
    return schools


def _scope_codes(region: dict) -> tuple[str | None, str | None]:
    return region_scope_codes(Region(code=region["code"], level=region["level"], parent_code=region["parent_code"]))


def seed_demo() -> dict[str, int]:
    """Fill an empty database with the demo province; returns what was created."""
    regions = read_regions()
    db.session.execute(insert(Region), regions)  # parents come first in the file
    schools = generate_schools(regions)
    db.session.execute(insert(School), schools)
    first_xuanwu_school = next(s["code"] for s in schools if s["region_code"] == "320102" and "小学" in s["name"])
    accounts = demo_accounts(first_xuanwu_school)
    school_ids = dict(db.session.execute(select(School.code, School.id)).all())
    password_hash = hash_password(DEMO_PASSWORD)
    now = datetime.now()
    db.session.execute(insert(User), [
        {"username": a.username, "display_name": a.display_name, "role": a.role.value, "region_code": a.region_code,
         "school_id": school_ids.get(a.school_code), "department": a.department.value if a.department else None,
         "password_hash": password_hash, "active": True, "must_change_password": False, "password_changed_at": now,
         **({"totp_cipher": protector().encrypt(DEMO_TOTP_SECRET), "totp_enabled_at": now}
            if a.role in REQUIRED_ROLES else {})}
        for a in accounts
    ])
    record(Actor.command_line(), AuditAction.SEED_DEMO, Target("demo", None, "演示省"),
           f"{len(regions)} 个区划，{len(schools)} 所学校，{len(accounts)} 个账号")
    from seed.library_demo import seed_library  # the base library first: the demos below match against it

    seed_library()
    from seed.enrolment_demo import seed_enrolment_demo  # after the base-library demo: matches against it

    seed_enrolment_demo()
    from seed.funding_demo import seed_funding_demo  # after the enrolment demo: funds its library students

    seed_funding_demo()
    from seed.reasons_demo import seed_reasons_demo  # keep last: builds on the enrolment and funding demos

    seed_reasons_demo()
    db.session.commit()
    return {"regions": len(regions), "schools": len(schools), "accounts": len(accounts)}
