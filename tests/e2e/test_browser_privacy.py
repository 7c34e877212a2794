"""What the browser keeps and what the CSP lets through, in a real browser: after visiting the library and signing
out, sessionStorage holds no student's name (htmx's history cache is off); key pages of each tier load and swap
under the Content-Security-Policy without a single violation in the console."""
import os

import pytest

from factories import PASSWORD, make_id_number, make_library_person, make_user
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.terms import current_term
from portal.vocab import Category, Role
from test_browser import (CHROMIUM, DRIVER, assert_clean, browser, enrolment_csv, portal_url,  # noqa: F401
                          sign_in)

pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)),
                                reason="浏览器测试需要 Debian 的 chromium 和 chromium-driver")

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

NAMES = ("欧阳明远", "司马静怡")
STORED = "return JSON.stringify(Object.assign({}, sessionStorage)) + JSON.stringify(Object.assign({}, localStorage))"


def a_school_with_library_students(world):
    for serial, name in enumerate(NAMES, 1):
        make_library_person(make_id_number(serial=serial), name, Category.ORPHAN)
    db.session.commit()
    upload.import_file(Actor.command_line(), enrolment_csv(*NAMES), "学籍.csv", current_term(), world.xuanwu_school)
    db.session.commit()


def follow(browser, link_text: str, then_seen: str) -> None:
    """Click a boosted link and wait for the swapped page: htmx saves the page it leaves to its history cache."""
    def click(b):
        b.find_element(By.LINK_TEXT, link_text).click()  # again if htmx replaced the link meanwhile
        return True
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(click)
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: then_seen in b.find_element(By.TAG_NAME, "main").text)


def test_after_logout_the_browser_holds_no_names(browser, portal_url, world):
    a_school_with_library_students(world)
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()

    sign_in(browser, portal_url, user)
    browser.get(f"{portal_url}/enrolment/schools/{world.xuanwu_school.id}/library")
    assert NAMES[0] in browser.find_element(By.TAG_NAME, "main").text
    follow(browser, NAMES[0], "身份证件号")  # the student's page, boosted: the library page is left behind
    follow(browser, "账号安全", "双因素")  # and another page
    browser.back()  # history restore: with no cache, htmx asks the server again
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: NAMES[0] in b.find_element(By.TAG_NAME, "main").text)
    stored = browser.execute_script(STORED)
    assert not any(name in stored for name in NAMES), stored  # nothing kept while signed in
    assert "htmx-history-cache" not in stored

    browser.find_element(By.XPATH, "//button[text()='退出']").click()
    WebDriverWait(browser, 10).until(lambda b: "/login" in b.current_url)
    stored = browser.execute_script(STORED)
    assert not any(name in stored for name in NAMES) and "htmx-history-cache" not in stored, stored
    browser.back()  # the page before logout is not shown again from a cache
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return document.readyState") == "complete")
    assert not any(name in browser.find_element(By.TAG_NAME, "body").text for name in NAMES)
    assert_clean(browser, portal_url)


def visit(browser, portal_url, address: str, expect: str) -> None:
    browser.get(portal_url + address)
    WebDriverWait(browser, 10).until(lambda b: expect in b.find_element(By.TAG_NAME, "body").text)
    assert_clean(browser, portal_url)  # no CSP refusal, no script error, nothing fetched from elsewhere


def test_key_pages_raise_no_csp_violation(browser, portal_url, world, deadline_calendar):
    a_school_with_library_students(world)
    school_user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    county = make_user(Role.COUNTY, region=world.xuanwu)
    province = make_user(Role.PROVINCE, region=world.province)
    db.session.commit()
    student = db.session.query(HardshipStudent).filter_by(name=NAMES[0]).one()

    browser.delete_all_cookies()
    visit(browser, portal_url, "/login", "登录")
    sign_in(browser, portal_url, school_user)
    for address, expect in (("/", "首页"), (f"/enrolment/schools/{world.xuanwu_school.id}/library", NAMES[1]),
                            (f"/enrolment/students/{student.id}", NAMES[0]), ("/enrolment/upload", "上传"),
                            ("/reasons/", "未资助"), ("/funding/", "资助"), ("/account/security", "双因素")):
        visit(browser, portal_url, address, expect)
    # an htmx swap in place: the filter replaces the table (htmx would inject its indicator <style> here)
    browser.get(f"{portal_url}/enrolment/schools/{world.xuanwu_school.id}/library")
    Select(browser.find_element(By.NAME, "category")).select_by_visible_text("孤儿")
    WebDriverWait(browser, 10).until(lambda b: "category=" in b.current_url)
    assert_clean(browser, portal_url)

    sign_in(browser, portal_url, county)
    for address, expect in (("/oversight/", "玄武区"), ("/review/", "审核"), ("/org/schools", "玄武区第一小学"),
                            ("/accounts", "账号"), ("/audit/", "审计"), ("/deadlines/", "截止")):
        visit(browser, portal_url, address, expect)

    sign_in(browser, portal_url, province)
    for address, expect in (("/library/", "基础信息库"), ("/enrolment/matching", "比对"), ("/reasons/options", "原因")):
        visit(browser, portal_url, address, expect)


def test_the_second_factor_setup_page_draws_its_qr_code_under_the_policy(browser, portal_url, world):
    user = make_user(Role.COUNTY, region=world.xuanwu, enrolled=False)  # not bound yet: the setup page
    db.session.commit()
    browser.delete_all_cookies()
    browser.get(portal_url + "/login")
    browser.find_element(By.NAME, "username").send_keys(user.username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda b: "/login/second-factor" in b.current_url)
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "main svg"))
    assert_clean(browser, portal_url)
