"""Upper tiers create, disable and reset accounts inside their scope, and nowhere else."""
import re

from factories import make_user, page_text
from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.vocab import Role


def issued_password(response) -> str:
    return re.search(r'<code class="secret">([^<]+)</code>', response.get_data(as_text=True)).group(1)


def test_county_creates_a_school_account_that_must_change_password(client, login_as, world):
    login_as("county")
    response = client.post("/accounts/new", data={"username": "xw-school", "display_name": "王老师", "role": "school",
                                                  "school_code": world.xuanwu_school.code})
    assert response.status_code == 200 and "账号已创建" in page_text(response)
    password = issued_password(response)
    created = db.session.scalar(db.select(User).where(User.username == "xw-school"))
    assert created.school_id == world.xuanwu_school.id and created.must_change_password
    client.post("/logout")
    client.post("/login", data={"username": "xw-school", "password": password})
    assert client.get("/").headers["Location"].endswith("/password")


def test_county_cannot_create_account_for_other_county_school(client, login_as, world):
    login_as("county")
    response = client.post("/accounts/new", data={"username": "sneaky", "display_name": "x", "role": "school",
                                                  "school_code": world.qinhuai_school.code})
    assert "不在您的管辖范围内" in page_text(response)
    assert db.session.scalar(db.select(User).where(User.username == "sneaky")) is None


def test_county_cannot_create_a_county_account(client, login_as, world):
    login_as("county")
    response = client.post("/accounts/new", data={"username": "peer", "display_name": "x", "role": "county",
                                                  "region_code": world.xuanwu.code})
    assert "无权创建县级账号" in page_text(response)


def test_city_creates_county_account_in_its_city_only(client, login_as, world):
    login_as("city")
    ok = client.post("/accounts/new", data={"username": "qinhuai", "display_name": "秦淮", "role": "county",
                                            "region_code": world.qinhuai.code})
    assert "账号已创建" in page_text(ok)
    refused = client.post("/accounts/new", data={"username": "xishan", "display_name": "锡山", "role": "county",
                                                 "region_code": world.xishan.code})
    assert "管辖范围内的县级区划" in page_text(refused)


def test_account_list_shows_only_accounts_in_scope(client, login_as, world):
    make_user(Role.SCHOOL, username="mine", school=world.xuanwu_school)
    make_user(Role.SCHOOL, username="theirs", school=world.qinhuai_school)
    make_user(Role.COUNTY, username="peer-county", region=world.qinhuai)
    db.session.commit()
    login_as("county")
    text = page_text(client.get("/accounts"))
    assert "mine" in text
    assert "theirs" not in text and "peer-county" not in text


def test_disable_and_reset_in_scope_and_recorded(client, login_as, world):
    target = make_user(Role.SCHOOL, username="mine", school=world.xuanwu_school)
    db.session.commit()
    login_as("county")
    response = client.post(f"/accounts/{target.id}/active", data={"active": "0"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True) and "已停用" in page_text(response)
    response = client.post(f"/accounts/{target.id}/reset")
    assert "临时密码" in page_text(response)
    db.session.refresh(target)
    assert not target.active and target.must_change_password
    actions = db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.target_id == str(target.id))).all()
    assert set(actions) == {"disable_user", "reset_password"}


def test_county_cannot_touch_other_county_account(client, login_as, world):
    other = make_user(Role.SCHOOL, username="theirs", school=world.qinhuai_school)
    db.session.commit()
    login_as("county")
    assert client.post(f"/accounts/{other.id}/active", data={"active": "0"}).status_code == 404
    assert client.post(f"/accounts/{other.id}/reset").status_code == 404
    db.session.refresh(other)
    assert other.active


def test_school_has_no_account_management(client, login_as):
    login_as("school")
    assert client.get("/accounts").status_code == 404


def test_create_user_command(app, world):
    result = app.test_cli_runner().invoke(args=["create-user", "--username", "sheng2", "--role", "province",
                                                "--region", "320000", "--password", "Harbor-2026x"])
    assert result.exit_code == 0, result.output
    assert "已创建省级账号 sheng2" in result.output
    refused = app.test_cli_runner().invoke(args=["create-user", "--username", "sheng2", "--role", "province",
                                                 "--region", "320000"])
    assert refused.exit_code != 0 and "已存在" in refused.output
