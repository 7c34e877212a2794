"""Password guessing: five failures lock a name for 15 minutes, an address is held back after many failures,
counted in the database (every worker sees them), and every failed attempt is in the audit log."""
import re
from datetime import timedelta

from sqlalchemy import select

from factories import PASSWORD, make_user, page_text
from portal import create_app
from portal.accounts.models import LoginAttempt
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.vocab import Role


def attempt(client, username, password, address="10.1.1.1"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def refusal_text(response) -> str:
    return re.search(r'class="error-box"[^>]*>([^<]*)<', response.get_data(as_text=True)).group(1)


def test_twelve_wrong_passwords_then_the_right_one_is_refused(client, world):
    make_user(Role.SCHOOL, username="teacher", school=world.xuanwu_school)
    db.session.commit()
    for _ in range(12):
        assert attempt(client, "teacher", "Wrong-guess-1").status_code == 401
    response = attempt(client, "teacher", PASSWORD)
    assert response.status_code == 401 and "暂时锁定" in page_text(response)
    assert client.get("/").status_code == 302  # not signed in


def test_the_lock_lifts_after_15_minutes(client, world):
    make_user(Role.SCHOOL, username="teacher", school=world.xuanwu_school)
    db.session.commit()
    for _ in range(5):
        attempt(client, "teacher", "Wrong-guess-1")
    assert attempt(client, "teacher", PASSWORD).status_code == 401
    for row in db.session.scalars(select(LoginAttempt)):  # 16 minutes pass
        row.at -= timedelta(minutes=16)
    db.session.commit()
    assert attempt(client, "teacher", PASSWORD).status_code == 303


def test_four_failures_then_success_start_the_count_afresh(client, world):
    make_user(Role.SCHOOL, username="teacher", school=world.xuanwu_school)
    db.session.commit()
    for _ in range(4):
        attempt(client, "teacher", "Wrong-guess-1")
    assert attempt(client, "teacher", PASSWORD).status_code == 303
    client.post("/logout")
    for _ in range(4):
        attempt(client, "teacher", "Wrong-guess-1")
    assert attempt(client, "teacher", PASSWORD).status_code == 303


def test_wrong_unknown_and_locked_read_the_same(client, world):
    make_user(Role.SCHOOL, username="teacher", school=world.xuanwu_school)
    make_user(Role.SCHOOL, username="locked", school=world.xuanwu_school)
    db.session.commit()
    for _ in range(5):
        attempt(client, "locked", "Wrong-guess-1")
    wrong = attempt(client, "teacher", "Wrong-guess-1")
    unknown = attempt(client, "nobody", PASSWORD)
    locked_out = attempt(client, "locked", PASSWORD)
    assert wrong.status_code == unknown.status_code == locked_out.status_code == 401
    assert refusal_text(wrong) == refusal_text(unknown) == refusal_text(locked_out)
    assert "用户名或密码错误" in refusal_text(wrong)


def test_one_address_failing_many_names_is_held_back(client, world):
    make_user(Role.SCHOOL, username="teacher", school=world.xuanwu_school)
    db.session.commit()
    for n in range(30):
        attempt(client, f"guess{n}", "Wrong-guess-1", address="10.6.6.6")
    assert attempt(client, "teacher", PASSWORD, address="10.6.6.6").status_code == 401
    assert attempt(client, "teacher", PASSWORD, address="10.7.7.7").status_code == 303
    throttled = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "login_throttled"))
    assert throttled.ip == "10.6.6.6"


def test_another_worker_process_sees_the_lock(backend_app, client, world):
    """A second app on the same database stands for another gunicorn worker: no counts live in a process."""
    make_user(Role.SCHOOL, username="teacher", school=world.xuanwu_school)
    db.session.commit()
    for _ in range(5):
        attempt(client, "teacher", "Wrong-guess-1")
    other_worker = create_app(dict(backend_app.config), instance_path=backend_app.instance_path)
    with other_worker.app_context():
        response = attempt(other_worker.test_client(), "teacher", PASSWORD)
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 401


def test_failed_logins_are_recorded_with_the_name_tried_and_the_address(client, world):
    user = make_user(Role.SCHOOL, username="teacher", school=world.xuanwu_school)
    db.session.commit()
    attempt(client, "nobody", "Wrong-guess-1", address="10.2.3.4")
    for _ in range(5):
        attempt(client, "teacher", "Wrong-guess-1", address="10.2.3.4")
    attempt(client, "teacher", PASSWORD, address="10.2.3.4")
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    unknown = entries[0]
    assert (unknown.action, unknown.actor_name, unknown.ip) == ("login_failed", "未登录访客", "10.2.3.4")
    assert "nobody" in unknown.detail and "10.2.3.4" in unknown.detail and "用户名不存在" in unknown.detail
    assert [e.action for e in entries[1:]] == ["login_failed"] * 5 + ["login_locked", "login_failed"]
    assert all(e.target_id == str(user.id) and e.county_code == world.xuanwu.code for e in entries[1:])
    assert "锁定中" in entries[-1].detail  # the right password while locked: refused unchecked, still recorded


def test_the_province_reads_failed_logins_in_the_audit_log(client, login_as, world):
    attempt(client, "nobody", "Wrong-guess-1", address="10.2.3.4")
    login_as("province")
    text = page_text(client.get("/audit/", query_string={"action": "login_failed"}))
    assert "未登录访客" in text and "nobody" in text and "10.2.3.4" in text
