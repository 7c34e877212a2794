"""The province marks schools invalid (空壳学校) and moves them between regions; a city moves them within the city."""
import re

import pytest
from sqlalchemy import select

from factories import make_user, page_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.progress.models import SchoolProgress
from portal.progress.services import refresh_progress
from portal.review.models import PeriodSubmission
from portal.terms import current_term
from portal.vocab import Role


def test_province_marks_school_invalid_and_its_accounts_stop(client, login_as, world):
    make_user(Role.SCHOOL, username="xw1", school=world.xuanwu_school)
    db.session.commit()
    login_as("province")
    response = client.post(f"/org/schools/{world.xuanwu_school.id}/active", data={"active": "0"})
    assert response.status_code == 303
    assert "标记为无效学校" in page_text(client.get(response.headers["Location"]))
    db.session.refresh(world.xuanwu_school)
    assert not world.xuanwu_school.active
    client.post("/logout")
    refused = client.post("/login", data={"username": "xw1", "password": "Passw0rd-test"})
    assert "学校已被标记为无效" in page_text(refused)
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "invalidate_school"))
    assert entry.county_code == world.xuanwu.code and entry.target_label == "玄武区第一小学"


def test_province_moves_school_to_another_county(client, login_as, world):
    login_as("province")
    response = client.post(f"/org/schools/{world.xuanwu_school.id}/move", data={"region_code": world.xishan.code})
    assert response.status_code == 303
    db.session.refresh(world.xuanwu_school)
    assert (world.xuanwu_school.city_code, world.xuanwu_school.county_code) == (world.wuxi.code, world.xishan.code)
    client.post("/logout")
    login_as("county")
    assert client.get(f"/org/schools/{world.xuanwu_school.id}").status_code == 404


def test_move_to_unknown_region_is_refused(client, login_as, world):
    login_as("province")
    response = client.post(f"/org/schools/{world.xuanwu_school.id}/move", data={"region_code": "999999"})
    assert response.status_code == 422 and "区划代码不存在" in page_text(response)


def test_county_cannot_invalidate_its_own_school(client, login_as, world):
    login_as("county")
    assert client.post(f"/org/schools/{world.xuanwu_school.id}/active", data={"active": "0"}).status_code == 404
    db.session.refresh(world.xuanwu_school)
    assert world.xuanwu_school.active


# -- a city moves schools within the city (003: 省、市两级调整学校隶属关系) ---------------------------------------
def school_state(school) -> tuple:
    """Everything a move changes: the school's codes, its progress and review rows' copies, the audit log."""
    db.session.expire_all()
    progress = db.session.execute(select(SchoolProgress.city_code, SchoolProgress.county_code)
                                  .where(SchoolProgress.school_id == school.id)).all()
    reviews = db.session.execute(select(PeriodSubmission.city_code, PeriodSubmission.county_code)
                                 .where(PeriodSubmission.school_id == school.id)).all()
    moves = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "move_school")).all()
    fresh = db.session.get(type(school), school.id)
    return (fresh.region_code, fresh.city_code, fresh.county_code), progress, reviews, moves


@pytest.fixture
def tracked_school(world):
    """玄武区第一小学 with a progress row this term and a submission row, both copying its region codes."""
    school = world.xuanwu_school
    refresh_progress([school.id], current_term().code)
    db.session.add(PeriodSubmission(school_id=school.id, kind="reasons", period=current_term().code,
                                    city_code=school.city_code, county_code=school.county_code, status="submitted"))
    db.session.commit()
    return school


def test_city_moves_a_school_between_its_counties(client, login_as, world, tracked_school):
    login_as("city")
    page = client.get(f"/org/schools/{tracked_school.id}").get_data(as_text=True)
    offered = re.findall(r'<option value="(\d{6})"', page.split('name="region_code"')[1].split("</select>")[0])
    assert offered == [world.nanjing.code, world.xuanwu.code, world.qinhuai.code]  # its own regions only
    assert "hx-confirm" in page.split("调整隶属关系")[1]  # asked before it happens

    moved = client.post(f"/org/schools/{tracked_school.id}/move", data={"region_code": world.qinhuai.code})
    assert moved.status_code == 303
    assert "玄武区第一小学 已调整到 秦淮区" in page_text(client.get(moved.headers["Location"]))
    region, progress, reviews, moves = school_state(tracked_school)
    assert region == (world.qinhuai.code, world.nanjing.code, world.qinhuai.code)
    assert progress == [(world.nanjing.code, world.qinhuai.code)]  # rollups count it under 秦淮区 now
    assert reviews == [(world.nanjing.code, world.qinhuai.code)]
    assert moves == ["玄武区 → 秦淮区"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "move_school"))
    assert entry.city_code == world.nanjing.code  # in the city's own audit log
    client.post("/logout")
    login_as("county", region=world.qinhuai)
    assert "玄武区第一小学" in page_text(client.get(f"/org/regions/{world.qinhuai.code}"))


def test_city_hangs_a_school_directly_on_itself(client, login_as, world, tracked_school):
    login_as("city")
    assert client.post(f"/org/schools/{tracked_school.id}/move", data={"region_code": world.nanjing.code}
                       ).status_code == 303
    region, progress, _, _ = school_state(tracked_school)
    assert region == (world.nanjing.code, world.nanjing.code, None) and progress == [(world.nanjing.code, None)]


def test_city_cannot_move_a_school_out_of_the_city(client, login_as, world, tracked_school):
    login_as("city")
    before = school_state(tracked_school)
    for elsewhere in (world.xishan.code, world.wuxi.code, world.province.code):
        refused = client.post(f"/org/schools/{tracked_school.id}/move", data={"region_code": elsewhere})
        assert refused.status_code == 422 and "只能在本市范围内调整" in page_text(refused)
    assert school_state(tracked_school) == before  # nothing changed, nothing recorded


def test_county_cannot_move_a_school(client, login_as, world, tracked_school):
    login_as("county")
    before = school_state(tracked_school)
    assert "调整隶属关系" not in page_text(client.get(f"/org/schools/{tracked_school.id}"))
    moved = client.post(f"/org/schools/{tracked_school.id}/move", data={"region_code": world.qinhuai.code})
    assert moved.status_code == 404
    assert school_state(tracked_school) == before


def test_province_move_carries_the_progress_rows_too(client, login_as, world, tracked_school):
    login_as("province")
    assert client.post(f"/org/schools/{tracked_school.id}/move", data={"region_code": world.xishan.code}
                       ).status_code == 303
    _, progress, reviews, moves = school_state(tracked_school)
    assert progress == reviews == [(world.wuxi.code, world.xishan.code)] and moves == ["玄武区 → 锡山区"]
