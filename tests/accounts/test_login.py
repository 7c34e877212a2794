"""Signing in and out, forced password changes, refused logins."""
from factories import PASSWORD, make_user, page_text
from portal.extensions import db
from portal.vocab import Role


def test_login_page_is_in_chinese(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "登录" in page_text(response)


def test_pages_require_login(client, world):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password_is_refused_and_recorded(client, world):
    user = make_user(Role.SCHOOL, username="teacher", school=world.xuanwu_school)
    db.session.commit()
    response = client.post("/login", data={"username": "teacher", "password": "wrong"})
    assert response.status_code == 401
    assert "用户名或密码错误" in page_text(response)
    client.post("/login", data={"username": "nobody", "password": "wrong"})
    from portal.audit.models import AuditEntry
    actions = db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.actor_id.is_(None))).all()
    assert actions == ["login_failed", "login_failed"]  # the unknown name too
    assert user.last_login_at is None


def test_first_login_forces_a_new_password(client, world):
    make_user(Role.SCHOOL, username="newbie", school=world.xuanwu_school, must_change_password=True)
    db.session.commit()
    response = client.post("/login", data={"username": "newbie", "password": PASSWORD})
    assert response.status_code == 303
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password")
    response = client.post("/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert "密码至少 8 位" in page_text(response)
    response = client.post("/password", data={"current": PASSWORD, "new": "NewPass123", "confirm": "NewPass123"})
    assert response.status_code == 303
    assert client.get("/").status_code == 200


def test_disabled_account_cannot_log_in(client, world):
    make_user(Role.COUNTY, username="gone", region=world.xuanwu, active=False)
    db.session.commit()
    response = client.post("/login", data={"username": "gone", "password": PASSWORD})
    assert "账号已停用" in page_text(response)


def test_invalid_school_accounts_cannot_log_in(client, world):
    make_user(Role.SCHOOL, username="shell", school=world.xuanwu_school)
    world.xuanwu_school.active = False
    db.session.commit()
    response = client.post("/login", data={"username": "shell", "password": PASSWORD})
    assert "学校已被标记为无效" in page_text(response)


def test_session_ends_when_school_is_invalidated(client, login_as, world):
    login_as("school")
    assert client.get("/").status_code == 200
    world.xuanwu_school.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_logout(client, login_as):
    login_as("county")
    response = client.post("/logout")
    assert response.status_code == 303
    assert client.get("/").status_code == 302
