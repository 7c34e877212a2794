"""Factories that build test data in one line: make_region, make_school, make_user; and page_text()."""
import re

from datetime import datetime

import pyotp

from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal.accounts.second_factor import REQUIRED_ROLES, STEP_SECONDS
from portal.extensions import db
from portal.org.models import Region, School
from portal.org.services import place_school
from portal.vocab import Department, RegionLevel, Role

PASSWORD = "Passw0rd-test"
TOTP_SECRET = "JBSWY3DPEHPK3PXPTESTJBSWY3DPEHPK"  # the authenticator of every enrolled test user


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
              department: Department | None = None, must_change_password: bool = False, active: bool = True,
              enrolled: bool | None = None) -> User:
    """A user with PASSWORD. Users whose role must use the second factor come enrolled with TOTP_SECRET unless
    enrolled=False (then they enrol at their first sign-in); login_as passes the code like a user would."""
    from portal.protect import protector

    enrolled = role in REQUIRED_ROLES if enrolled is None else enrolled
    user = User(
        username=username or f"{role.value}-{next(_school_serial)}", display_name=f"{role.label}测试用户",
        password_hash=hash_password(PASSWORD), role=role.value, region_code=region.code if region else None,
        school_id=school.id if school else None, department=department.value if department else None,
        active=active, must_change_password=must_change_password, password_changed_at=datetime.now(),
        totp_cipher=protector().encrypt(TOTP_SECRET) if enrolled else None,
        totp_enabled_at=datetime.now() if enrolled else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def totp_code(user: User, secret: str = TOTP_SECRET) -> str:
    """The code the user's authenticator shows that the portal will still take: a step not used yet (one step
    ahead if this one was, as a phone whose clock runs a little fast would show)."""
    db.session.refresh(user)
    step = int(datetime.now().timestamp()) // STEP_SECONDS
    if user.totp_last_step is not None and user.totp_last_step >= step:
        step = user.totp_last_step + 1
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def pass_second_factor(client, user: User, secret: str = TOTP_SECRET):
    response = client.post("/login/second-factor", data={"code": totp_code(user, secret)})
    assert response.status_code == 303, page_text(response)
    return response


def sign_in(client, user: User, password: str = PASSWORD, secret: str = TOTP_SECRET):
    """The whole sign-in of an enrolled (or not required) user, through the pages."""
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 303, page_text(response)
    if response.headers["Location"].endswith("/login/second-factor"):
        response = pass_second_factor(client, user, secret)
    return response


def page_text(response) -> str:
    """The visible text of a page, whitespace collapsed, for assertions on what a user reads."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


# -- base library and enrolment (issue 4) ----------------------------------------------------------
def make_id_number(region: str = "320102", born: str = "20150901", serial: int = 1) -> str:
    """A valid 18-character ID: region + birth date + 3-digit serial + check digit."""
    from portal.idcard import check_digit

    first17 = f"{region}{born}{serial:03d}"
    return first17 + check_digit(first17)


def make_library_person(id_number: str, name: str, category=None, hukou_code: str | None = None, **details):
    """A person in the base library: a record in the category's current batch (the batch is made on first use),
    written directly, so tests do not depend on the library import."""
    from datetime import datetime

    from sqlalchemy import select

    from portal import idcard
    from portal.library.models import BatchStatus, LibraryBatch, LibraryRecord
    from portal.protect import protector
    from portal.vocab import Category, Gender

    category = category or Category.POVERTY
    batch = db.session.scalar(select(LibraryBatch).where(LibraryBatch.category == category.value,
                                                         LibraryBatch.status == BatchStatus.CURRENT))
    if batch is None:
        batch = LibraryBatch(category=category.value, status=BatchStatus.CURRENT, filename="测试.xlsx",
                             uploaded_by_name="测试", confirmed_at=datetime.now())
        db.session.add(batch)
        db.session.flush()
    record = LibraryRecord(
        batch_id=batch.id, category=category.value, id_hash=protector().digest(id_number),
        id_cipher=protector().encrypt(id_number), id_masked=idcard.mask(id_number), name=name,
        gender=Gender.by_label()[idcard.gender(id_number)].value, birth_year=idcard.birth_year(id_number),
        region_prefix=id_number[:6], hukou_code=hukou_code, row_number=1, **details,
    )
    db.session.add(record)
    db.session.flush()
    return record


# -- unfunded reasons and review (issue 6) ---------------------------------------------------------
def make_unfunded_student(school: School, name: str, term: str = "2026-autumn", class_name: str = "一年级1班",
                          in_school: bool | None = None, active: bool = True,
                          categories: str = "dibao"):
    """A library student of the school and term with no funding record (so unfunded in its periods)."""
    import hashlib

    from portal.enrolment.models import HardshipStudent

    serial = next(_school_serial)
    student = HardshipStudent(
        school_id=school.id, term=term, id_hash=hashlib.md5(f"student-{serial}".encode()).digest(),
        id_cipher=b"-", id_masked="320102************", name=name, region_prefix="320102",
        class_name=class_name, categories=categories, active=active, in_school=in_school,
    )
    db.session.add(student)
    db.session.flush()
    return student


def make_funding_record(student, period: str):
    """A funded record for the student in the period (a national project is made on first use)."""
    from sqlalchemy import select

    from portal.funding.models import FundingProject, FundingRecord
    from portal.terms import parse_period

    project = db.session.scalar(select(FundingProject).where(FundingProject.name == "测试助学金"))
    if project is None:
        project = FundingProject(name="测试助学金", level="national", stages="primary,junior,vocational",
                                 period_type="term", standard_per="term")
        db.session.add(project)
        db.session.flush()
    record = FundingRecord(school_id=student.school_id, period=period, term=parse_period(period).term.code,
                           project_id=project.id, id_hash=student.id_hash, id_cipher=b"-", id_masked=student.id_masked,
                           name=student.name, amount=500)
    db.session.add(record)
    db.session.flush()
    return record


# -- funding (issue 5) ---------------------------------------------------------------------------------
def make_funding_project(name: str, stages: str = "primary", *, level: str = "national", owner_region: Region | None = None,
                         owner_school: School | None = None, standards: str = "", period_type: str = "term",
                         standard_per: str = "year", active: bool = True):
    """A catalogue project; national and local ones belong to a region, school and social ones to a school."""
    from portal.funding.models import FundingProject

    project = FundingProject(name=name, level=level, stages=stages, period_type=period_type, standards=standards,
                             standard_per=standard_per, owner_region_code=owner_region.code if owner_region else None,
                             owner_school_id=owner_school.id if owner_school else None, active=active)
    db.session.add(project)
    db.session.flush()
    return project


def make_allocation(region: Region, project, term: str = "2026-autumn", amount: int = 100000, level: str = "city"):
    """A fiscal allocation recorded by the region (no document file)."""
    from datetime import date

    from portal.audit.services import region_scope_codes
    from portal.funding.models import FiscalAllocation

    city, county = region_scope_codes(region)
    allocation = FiscalAllocation(region_code=region.code, city_code=city, county_code=county, term=term,
                                  project_id=project.id, fund_level=level, amount=amount, document_no="测试文号",
                                  allocated_on=date(2026, 10, 20), created_by_name="测试")
    db.session.add(allocation)
    db.session.flush()
    return allocation


def make_enrolled_student(school: School, id_number: str, name: str, *, term: str = "2026-autumn",
                          stage: str | None = None, library: bool = True, categories: str = "poverty"):
    """A student in the school's current enrolment snapshot for the term (the snapshot is made on first use),
    and, with library=True, in its hardship library too: real ID digests, so funded lists can name them."""
    from datetime import datetime

    from sqlalchemy import select

    from portal import idcard
    from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, HardshipStudent, UploadStatus
    from portal.protect import protector

    upload = db.session.scalar(select(EnrolmentUpload).where(EnrolmentUpload.school_id == school.id,
                                                             EnrolmentUpload.term == term,
                                                             EnrolmentUpload.status == UploadStatus.CURRENT))
    if upload is None:
        upload = EnrolmentUpload(school_id=school.id, term=term, status=UploadStatus.CURRENT, filename="学籍.xlsx",
                                 uploaded_by_name="测试", confirmed_at=datetime.now())
        db.session.add(upload)
        db.session.flush()
    stage = stage or school.stages.split(",")[0]
    values = dict(school_id=school.id, term=term, id_hash=protector().digest(id_number),
                  id_cipher=protector().encrypt(id_number), id_masked=idcard.mask(id_number), name=name,
                  region_prefix=id_number[:6], birth_year=idcard.birth_year(id_number), stage=stage,
                  class_name="一年级1班")
    db.session.add(EnrolmentStudent(upload_id=upload.id, row_number=1, **values))
    student = None
    if library:
        values.pop("birth_year")
        student = HardshipStudent(categories=categories, active=True, **values)
        db.session.add(student)
    db.session.flush()
    return student
