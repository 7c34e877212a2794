"""Password rules: three kinds of character, not the username, not a common password, not one of the last five,
and bureau and department passwords expire after 90 days."""
from datetime import datetime, timedelta

import pytest

from factories import PASSWORD, page_text
from portal.accounts.passwords import password_problem
from portal.extensions import db
from seed.demo import DEMO_PASSWORD


def change(client, current, new):
    return client.post("/password", data={"current": current, "new": new, "confirm": new})


@pytest.mark.parametrize("refused, reason", [
    ("password1", "至少三类"),
    ("abc12345", "至少三类"),
    ("Abc12345", "过于常见"),
    ("P@ssw0rd", "过于常见"),
    ("Password1!", "过于常见"),
    ("Qwerty123", "过于常见"),
    ("abcdefghij", "至少三类"),
    ("Ab1!", "至少 8 位"),
])
def test_weak_passwords_are_refused_with_the_reason(client, login_as, refused, reason):
    login_as("school")
    response = change(client, PASSWORD, refused)
    assert reason in page_text(response)


def test_a_password_may_not_contain_the_username(client, login_as):
    user = login_as("school", username="wanglaoshi")
    assert "不能包含用户名" in page_text(change(client, PASSWORD, "Wanglaoshi#2026"))
    assert password_problem("Xq7#wanglaoshi", user.username) == "密码不能包含用户名"


def test_the_demo_password_meets_the_rules():
    assert password_problem(DEMO_PASSWORD, "sheng") is None


def test_the_last_five_passwords_cannot_be_chosen_again(client, login_as):
    login_as("school")
    chosen = [f"Lantern-{n}x" for n in range(1, 7)]
    current = PASSWORD
    for password in chosen[:5]:
        assert change(client, current, password).status_code == 303
        current = password
    for old in chosen[:5]:
        assert "最近使用过的 5 个密码" in page_text(change(client, current, old)), old
    assert change(client, current, chosen[5]).status_code == 303  # a new one is fine
    assert change(client, chosen[5], chosen[0]).status_code == 303  # the first is now six passwords back


def test_a_bureau_password_older_than_90_days_must_be_changed(client, login_as):
    user = login_as("county")
    assert client.get("/").status_code == 200
    user.password_changed_at = datetime.now() - timedelta(days=91)
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password")
    assert "已使用超过 90 天" in page_text(client.get("/password"))
    assert change(client, PASSWORD, "Fresh-Harbor-26").status_code == 303
    assert client.get("/").status_code == 200


def test_a_school_password_does_not_expire(client, login_as):
    user = login_as("school")
    user.password_changed_at = datetime.now() - timedelta(days=400)
    db.session.commit()
    assert client.get("/").status_code == 200
