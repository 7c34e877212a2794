"""The second factor: bureau and department accounts (and schools the province names) pass a TOTP code before
any page answers; enrolment after the first password change; recovery codes; a reset by the tier above."""
import re

import pyotp
import pytest
from sqlalchemy import select

from factories import PASSWORD, make_user, page_text, pass_second_factor, sign_in, totp_code
from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.protect import protector
from portal.vocab import Department, Role

STEP_PAGES = ("/login/second-factor", "/login/second-factor/setup")


def password_only(client, user):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 303
    return response


def bureau_user(world, role="county", **extra):
    region = {"province": world.province, "city": world.nanjing, "county": world.xuanwu}.get(role)
    department = Department.POVERTY if role == "department" else None
    user = make_user(Role(role), region=region, department=department, **extra)
    db.session.commit()
    return user


def shown_secret(response) -> str:
    return re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', response.get_data(as_text=True)).group(1).replace(" ", "")


def shown_recovery_codes(response) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.get_data(as_text=True))


def audit_actions(user) -> list[str]:
    return db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(user.id))
                              .order_by(AuditEntry.id)).all()


def every_page(app):
    """(method, url) of every route of the portal but the sign-in's own, with placeholder arguments."""
    from werkzeug.routing import AnyConverter, IntegerConverter

    def placeholder(converter):
        if isinstance(converter, IntegerConverter):
            return 1
        return sorted(converter.items)[0] if isinstance(converter, AnyConverter) else "x"

    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "accounts.login", "accounts.logout", "accounts.verify_second_factor"):
            continue
        args = {name: placeholder(converter) for name, converter in rule._converters.items()}
        with app.test_request_context():
            from flask import url_for
            url = url_for(rule.endpoint, **args)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


@pytest.mark.parametrize("role", ["province", "city", "county", "department"])
def test_a_bureau_account_reaches_no_page_before_the_code(app, client, world, role):
    user = bureau_user(world, role)
    assert password_only(client, user).headers["Location"].endswith("/login/second-factor")
    pages = list(every_page(app))
    assert len(pages) > 80
    for method, url in pages:
        response = client.open(url, method=method, data={"active": "0"})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].endswith("/login/second-factor"), (method, url)
    fragment = client.get("/accounts", headers={"HX-Request": "true"})
    assert fragment.headers["HX-Redirect"].endswith("/login/second-factor")
    assert "主菜单" not in client.get("/login/second-factor").get_data(as_text=True)  # no menu yet
    pass_second_factor(client, user)
    assert client.get("/").status_code == 200


def test_a_wrong_code_is_refused_and_the_right_one_signs_in(client, world):
    user = bureau_user(world)
    password_only(client, user)
    wrong = client.post("/login/second-factor", data={"code": "000000"})
    assert wrong.status_code == 401 and "验证码不正确" in page_text(wrong)
    assert client.get("/").headers["Location"].endswith("/login/second-factor")
    response = client.post("/login/second-factor", data={"code": totp_code(user)})
    assert response.status_code == 303
    assert "县级测试用户" in page_text(client.get("/"))


def test_a_code_is_used_once(app, client, world):
    user = bureau_user(world)
    password_only(client, user)
    code = totp_code(user)
    assert client.post("/login/second-factor", data={"code": code}).status_code == 303
    again = app.test_client()
    password_only(again, user)
    response = again.post("/login/second-factor", data={"code": code})
    assert response.status_code == 401 and "已使用过" in page_text(response)


def test_five_wrong_codes_lock_the_account(client, world):
    user = bureau_user(world)
    password_only(client, user)
    for _ in range(4):
        assert client.post("/login/second-factor", data={"code": "123456"}).status_code == 401
    locked = client.post("/login/second-factor", data={"code": "123456"})
    assert locked.status_code == 303 and locked.headers["Location"].endswith("/login")
    assert "账号已暂时锁定" in page_text(client.get("/login"))
    refused = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert refused.status_code == 401 and "暂时锁定" in page_text(refused)
    assert audit_actions(user).count("login_locked") == 1


def test_first_sign_in_changes_the_password_then_enrols_the_authenticator(client, world):
    user = bureau_user(world, must_change_password=True, enrolled=False)
    assert password_only(client, user).headers["Location"].endswith("/password")
    assert client.get("/login/second-factor/setup").headers["Location"].endswith("/password")  # not before
    response = client.post("/password", data={"current": PASSWORD, "new": "Harbor-2026x", "confirm": "Harbor-2026x"})
    assert response.headers["Location"].endswith("/login/second-factor/setup")
    assert client.get("/").headers["Location"].endswith("/login/second-factor/setup")
    page = client.get("/login/second-factor/setup")
    body = page.get_data(as_text=True)
    assert "<svg" in body and "<img" not in body and "<script>" not in body  # the QR code is drawn here
    secret = shown_secret(page)
    assert client.get("/login/second-factor/setup").get_data(as_text=True).count(secret[:4]) >= 1  # kept on reload
    assert shown_secret(client.get("/login/second-factor/setup")) == secret
    refused = client.post("/login/second-factor/setup", data={"code": "000000"})
    assert "验证码不正确" in page_text(refused)
    done = client.post("/login/second-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    codes = shown_recovery_codes(done)
    assert len(codes) == 10 and len(set(codes)) == 10 and "只显示这一次" in page_text(done)
    assert client.get("/").status_code == 200
    db.session.refresh(user)
    assert secret.encode() not in user.totp_cipher and protector().decrypt(user.totp_cipher) == secret
    assert "enrol_second_factor" in audit_actions(user)


def test_a_recovery_code_signs_in_once(client, world):
    user = bureau_user(world, enrolled=False)
    password_only(client, user)
    secret = shown_secret(client.get("/login/second-factor/setup"))
    codes = shown_recovery_codes(client.post("/login/second-factor/setup", data={"code": pyotp.TOTP(secret).now()}))
    client.post("/logout")
    password_only(client, user)
    response = client.post("/login/second-factor", data={"code": codes[3].upper()})
    assert response.status_code == 303
    assert "还剩 9 个" in page_text(client.get("/"))
    client.post("/logout")
    password_only(client, user)
    assert client.post("/login/second-factor", data={"code": codes[3]}).status_code == 401
    assert "use_recovery_code" in audit_actions(user)


def test_recovery_codes_are_renewed_on_the_security_page(client, world):
    user = bureau_user(world)
    sign_in(client, user)
    assert "未使用的恢复码 0 个" in page_text(client.get("/account/security"))
    refused = client.post("/account/security/recovery-codes", data={"code": "000000"}, follow_redirects=True)
    assert "验证码不正确" in page_text(refused)
    renewed = client.post("/account/security/recovery-codes", data={"code": totp_code(user)})
    assert len(shown_recovery_codes(renewed)) == 10
    assert "未使用的恢复码 10 个" in page_text(client.get("/account/security"))


def test_the_tier_above_resets_a_lost_authenticator_and_it_is_recorded(app, client, login_as, world):
    county_user = bureau_user(world)
    county_browser = app.test_client()
    sign_in(county_browser, county_user)
    login_as("city")
    listed = page_text(client.get("/accounts"))
    assert "已绑定认证器" in listed and "重置双因素" in listed
    response = client.post(f"/accounts/{county_user.id}/second-factor/reset", headers={"HX-Request": "true"})
    assert "未绑定认证器" in page_text(response) and "<html" not in response.get_data(as_text=True)
    assert county_browser.get("/").status_code == 302  # signed out at once
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reset_second_factor"))
    assert entry.target_id == str(county_user.id) and entry.actor_name != "命令行"
    assert password_only(county_browser, county_user).headers["Location"].endswith("/login/second-factor/setup")


def test_a_county_cannot_reset_a_city_account(client, login_as, world):
    city_user = bureau_user(world, "city")
    login_as("county")
    assert client.post(f"/accounts/{city_user.id}/second-factor/reset").status_code == 404
    db.session.refresh(city_user)
    assert city_user.totp_enabled_at is not None


def test_the_province_requires_it_of_a_school(app, client, login_as, world):
    teacher = make_user(Role.SCHOOL, username="teacher", school=world.xuanwu_school)
    db.session.commit()
    teachers_browser = app.test_client()
    sign_in(teachers_browser, teacher)
    assert teachers_browser.get("/").status_code == 200
    login_as("province")
    response = client.post("/accounts/second-factor/schools", data={"school_code": world.xuanwu_school.code},
                           follow_redirects=True)
    assert "玄武区第一小学" in page_text(response) and "已要求" in page_text(response)
    assert teachers_browser.get("/").headers["Location"].endswith("/login/second-factor/setup")
    other_teacher = make_user(Role.SCHOOL, school=world.xuanwu_school_2)
    db.session.commit()
    assert sign_in(app.test_client(), other_teacher).headers["Location"].endswith("/")  # another school: no code
    client.post(f"/accounts/second-factor/schools/{world.xuanwu_school.id}/relax")
    assert teachers_browser.get("/").status_code == 200
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.school_id == world.xuanwu_school.id)).all()
    assert {"require_school_second_factor", "relax_school_second_factor"} <= set(actions)


def test_an_unknown_school_code_is_refused(client, login_as, world):
    login_as("province")
    response = client.post("/accounts/second-factor/schools", data={"school_code": "9999999999"}, follow_redirects=True)
    assert "学校标识码不存在" in page_text(response)


@pytest.mark.parametrize("role", ["city", "county", "school", "department"])
def test_only_the_province_switches_schools(client, login_as, world, role):
    login_as(role)
    assert client.get("/accounts/second-factor/schools").status_code == 404
    assert client.post("/accounts/second-factor/schools", data={"school_code": world.xuanwu_school.code}).status_code == 404


def test_step_pages_need_a_password_first_and_are_left_once_done(client, login_as, world):
    for url in STEP_PAGES:
        assert "/login" in client.get(url).headers["Location"]
    login_as("county")
    for url in STEP_PAGES:
        assert client.get(url).headers["Location"].endswith("/")


def test_a_school_account_signs_in_with_the_password_alone(client, world):
    teacher = make_user(Role.SCHOOL, username="teacher", school=world.xuanwu_school)
    db.session.commit()
    assert password_only(client, teacher).headers["Location"].endswith("/")
    assert client.get("/").status_code == 200


def test_the_command_line_resets_the_last_province_account(app, world):
    user = bureau_user(world, "province")
    result = app.test_cli_runner().invoke(args=["reset-second-factor", user.username])
    assert result.exit_code == 0 and "已重置" in result.output
    db.session.refresh(user)
    assert user.totp_enabled_at is None and user.totp_cipher is None
    assert db.session.scalar(select(User.totp_cipher).where(User.id == user.id)) is None
    unknown = app.test_cli_runner().invoke(args=["reset-second-factor", "nobody"])
    assert unknown.exit_code != 0 and "不存在" in unknown.output

