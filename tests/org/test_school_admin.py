"""The province marks schools invalid (空壳学校) and moves them between regions."""
from factories import make_user, page_text
from portal.audit.models import AuditEntry
from portal.extensions import db
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
