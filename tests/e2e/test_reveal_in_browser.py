"""A reveal of a full ID number asks for a reason, in a real browser (issue 14.8): the form opens in place, a blank
reason is refused in Chinese where the user typed it (htmx swaps the 422), a reason shows the number in place,
and the audit entry keeps the reason. Skipped without Debian's chromium, like test_browser.py."""
import os

from sqlalchemy import select

from factories import make_id_number, make_library_person, make_user
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.terms import current_term
from portal.vocab import Category, Role
# first: it skips this module as well when selenium or the browser is missing
from test_browser import (assert_clean, browser, enrolment_csv, mark_page, portal_url, pytestmark,  # noqa: F401
                          sign_in, still_same_page)

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def test_a_reveal_asks_for_the_reason_and_shows_the_number_in_place(browser, portal_url, world):
    make_library_person(make_id_number(serial=1), "学生甲", Category.POVERTY)
    db.session.commit()
    upload.import_file(Actor.command_line(), enrolment_csv("学生甲"), "学籍.csv", current_term(), world.xuanwu_school)
    db.session.commit()
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()
    student = db.session.scalar(select(HardshipStudent).where(HardshipStudent.name == "学生甲"))
    number = make_id_number(serial=1)

    sign_in(browser, portal_url, user)
    browser.set_window_size(1366, 900)
    browser.get(f"{portal_url}/enrolment/students/{student.id}")
    mark_page(browser)
    cell = browser.find_element(By.ID, f"id-number-{student.id}")
    assert number not in cell.text and "显示完整证件号" in cell.text
    cell.find_element(By.TAG_NAME, "summary").click()
    reason = browser.find_element(By.NAME, "reason")
    assert reason.is_displayed() and reason.get_attribute("required") is not None

    reason.send_keys("   ")  # passes the browser's checks, not the server's
    browser.find_element(By.CSS_SELECTOR, ".reveal-form button").click()
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: "请填写查看完整证件号的原因" in b.find_element(By.ID, f"id-number-{student.id}").text)
    assert still_same_page(browser) and number not in browser.find_element(By.TAG_NAME, "main").text
    os.makedirs("/tmp/portal-screens", exist_ok=True)
    browser.save_screenshot("/tmp/portal-screens/reveal-refused.png")
    browser.get_log("browser")  # the 422 itself is logged by the browser; nothing else may be

    reason = browser.find_element(By.NAME, "reason")
    reason.clear()
    reason.send_keys("核对资助发放信息")
    browser.find_element(By.CSS_SELECTOR, ".reveal-form button").click()
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: number in b.find_element(By.ID, f"id-number-{student.id}").text)
    assert still_same_page(browser) and "已记入审计日志" in browser.find_element(By.TAG_NAME, "main").text
    browser.save_screenshot("/tmp/portal-screens/reveal-shown.png")
    assert_clean(browser, portal_url)
    db.session.expire_all()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reveal_id"))
    assert entry.detail == "原因：核对资助发放信息" and entry.actor_name == user.username
