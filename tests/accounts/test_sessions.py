"""Server-side sessions: logout, a password change, a disable or a reset end them at once; 30 minutes idle and
8 hours in all; a new session and CSRF token at login; a form's token expires with a clear message."""
import re
import time
from datetime import datetime, timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from factories import PASSWORD, make_user, page_text
from portal.accounts.models import UserSession
from portal.extensions import db
from portal.vocab import Role


def sign_in(client, user):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 303, page_text(response)


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def restore_cookie(client, value: str) -> None:
    client.set_cookie("session", value)


def csrf_token(response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.fixture
def teacher(world):
    user = make_user(Role.SCHOOL, username="teacher", school=world.xuanwu_school)
    db.session.commit()
    return user


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_after_logout_the_old_cookie_no_longer_works(client, teacher):
    sign_in(client, teacher)
    stolen = session_cookie(client)
    client.post("/logout")
    restore_cookie(client, stolen)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_password_change_ends_the_users_other_sessions(app, client, teacher):
    other_browser = app.test_client()
    sign_in(other_browser, teacher)
    sign_in(client, teacher)
    assert other_browser.get("/").status_code == 200
    response = client.post("/password", data={"current": PASSWORD, "new": "Lantern-9x", "confirm": "Lantern-9x"})
    assert response.status_code == 303
    assert other_browser.get("/").status_code == 302
    assert client.get("/").status_code == 200  # the browser that changed it stays signed in


@pytest.mark.parametrize("action, data", [("active", {"active": "0"}), ("reset", {})])
def test_a_disable_or_a_reset_ends_the_users_sessions_at_once(app, client, login_as, teacher, action, data):
    teachers_browser = app.test_client()
    sign_in(teachers_browser, teacher)
    login_as("county")
    assert client.post(f"/accounts/{teacher.id}/{action}", data=data).status_code in (200, 303)
    assert teachers_browser.get("/").status_code == 302


def test_a_session_idle_31_minutes_is_sent_to_login(client, teacher):
    sign_in(client, teacher)
    stored = db.session.scalar(select(UserSession).where(UserSession.user_id == teacher.id))
    stored.last_seen_at = datetime.now() - timedelta(minutes=31)
    db.session.commit()
    response = client.get("/funding/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "登录已超时，请重新登录" in page_text(client.get(response.headers["Location"]))
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == teacher.id)) is None


def test_a_session_idle_29_minutes_goes_on_and_is_touched(client, teacher):
    sign_in(client, teacher)
    stored = db.session.scalar(select(UserSession).where(UserSession.user_id == teacher.id))
    stored.last_seen_at = datetime.now() - timedelta(minutes=29)
    db.session.commit()
    assert client.get("/").status_code == 200
    db.session.refresh(stored)
    assert datetime.now() - stored.last_seen_at < timedelta(minutes=1)


def test_a_session_ends_after_8_hours_however_busy(client, teacher):
    sign_in(client, teacher)
    stored = db.session.scalar(select(UserSession).where(UserSession.user_id == teacher.id))
    stored.created_at = datetime.now() - timedelta(hours=8, minutes=1)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_the_idle_limit_is_configurable(app, client, teacher, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    sign_in(client, teacher)
    stored = db.session.scalar(select(UserSession).where(UserSession.user_id == teacher.id))
    stored.last_seen_at = datetime.now() - timedelta(minutes=6)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_an_htmx_request_after_timeout_leaves_the_page_for_login(client, teacher):
    sign_in(client, teacher)
    db.session.scalar(select(UserSession)).last_seen_at = datetime.now() - timedelta(minutes=31)
    db.session.commit()
    response = client.get("/funding/", headers={"HX-Request": "true"})
    assert "/login" in response.headers["HX-Redirect"] and response.get_data(as_text=True) == ""


def test_login_gives_a_new_session_and_csrf_token(client, teacher, csrf_on):
    login_page = client.get("/login")
    before_login = session_cookie(client)
    response = client.post("/login", data={"username": "teacher", "password": PASSWORD,
                                           "csrf_token": csrf_token(login_page)})
    assert response.status_code == 303
    # The token of the page before login is worthless now; a page after login gives one that works.
    refused = client.post("/password", data={"current": PASSWORD, "new": "Lantern-9x", "confirm": "Lantern-9x",
                                             "csrf_token": csrf_token(login_page)})
    assert refused.status_code == 400
    fresh = csrf_token(client.get("/password"))
    assert fresh != csrf_token(login_page)
    assert client.post("/password", data={"current": PASSWORD, "new": "Lantern-9x", "confirm": "Lantern-9x",
                                          "csrf_token": fresh}).status_code == 303
    restore_cookie(client, before_login)  # a cookie planted before login (session fixation) is not signed in
    assert client.get("/").status_code == 302


def minutes_later(monkeypatch, minutes: int):
    """While this is in force, signed timestamps (CSRF tokens, the session cookie) are read that many minutes
    on: a page rendered now looks that old. The sign-in session's own clock (datetime) is left alone."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + minutes * 60)


def test_a_page_left_open_past_the_token_lifetime_says_refresh(client, teacher, csrf_on, monkeypatch):
    page = client.get("/login")
    with monkeypatch.context() as clock:
        minutes_later(clock, 59)
        wrong = client.post("/login", data={"username": "teacher", "password": "Wrong-1a", "csrf_token": csrf_token(page)})
        assert wrong.status_code == 401  # the token still held: the password was checked
    with monkeypatch.context() as clock:
        minutes_later(clock, 61)
        response = client.post("/login", data={"username": "teacher", "password": PASSWORD,
                                               "csrf_token": csrf_token(page)})
        assert response.status_code == 400 and "页面已过期，请刷新页面" in page_text(response)
        assert client.get("/").status_code == 302  # and nobody was signed in


def test_an_htmx_request_with_an_expired_token_reloads_the_page_with_the_message(client, teacher, csrf_on,
                                                                                  monkeypatch):
    client.post("/login", data={"username": "teacher", "password": PASSWORD,
                                "csrf_token": csrf_token(client.get("/login"))})
    token = csrf_token(client.get("/password"))
    with monkeypatch.context() as clock:
        minutes_later(clock, 61)
        response = client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": token})
        assert response.status_code == 400 and response.headers["HX-Refresh"] == "true"
        assert "页面已过期，已为您刷新页面" in page_text(client.get("/"))  # the reloaded page
