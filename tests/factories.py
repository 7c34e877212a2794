"""Factories that build test data in one line: make_region, make_school, make_user; and page_text()."""
import re

from portal.accounts.models import User
from portal.accounts.services import hash_password
from portal.extensions import db
from portal.org.models import Region, School
from portal.org.services import place_school
from portal.vocab import Department, RegionLevel, Role

PASSWORD = "Passw0rd-test"


def make_region(code: str, name: str, parent: Region | None = None) -> Region:
    level = RegionLevel.PROVINCE if code.endswith("0000") else RegionLevel.CITY if code.endswith("00") else RegionLevel.COUNTY
    region = Region(code=code, name=name, level=level.value, parent_code=parent.code if parent else None)
    db.session.add(region)
    db.session.flush()
    return region


_school_serial = iter(range(1, 10**6))


def make_school(region: Region, name: str | None = None, stages: str = "primary", active: bool = True,
                code: str | None = None) -> School:
    serial = next(_school_serial)
    school = School(code=code or f"3132{serial:06d}", name=name or f"测试学校{serial}", stages=stages, active=active)
    place_school(school, region)
    db.session.add(school)
    db.session.flush()
    return school


def make_user(role: Role, *, username: str | None = None, region: Region | None = None, school: School | None = None,
              department: Department | None = None, must_change_password: bool = False, active: bool = True) -> User:
    user = User(
        username=username or f"{role.value}-{next(_school_serial)}", display_name=f"{role.label}测试用户",
        password_hash=hash_password(PASSWORD), role=role.value, region_code=region.code if region else None,
        school_id=school.id if school else None, department=department.value if department else None,
        active=active, must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    return user



def page_text(response) -> str:
    """The visible text of a page, whitespace collapsed, for assertions on what a user reads."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
