"""The school's 未资助原因 page in a real browser: one reason for a whole page of students swaps the list alone,
and choosing a reason that needs a note waits for the note instead of scolding the clerk at once.
Served and driven as in test_browser.py (its fixtures and helpers are reused, not copied)."""
from datetime import date

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from factories import make_unfunded_student, make_user
from portal.extensions import db
from portal.reasons.models import UnfundedReason
from portal.vocab import Role
from test_browser import assert_clean, browser, mark_page, portal_url, sign_in, still_same_page  # noqa: F401

WAIT_IGNORING_SWAPS = {"ignored_exceptions": (StaleElementReferenceException,)}


def saved_reasons() -> dict[int, tuple[str, str | None]]:
    db.session.expire_all()
    return {row.student_id: (row.reason_code, row.note) for row in db.session.query(UnfundedReason)}


def test_select_all_then_set_swaps_the_list_alone(browser, portal_url, world, deadline_calendar, today_is):
    today_is(date(2026, 11, 22))
    students = [make_unfunded_student(world.xuanwu_school, name) for name in ("张三", "李四", "王五")]
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()

    sign_in(browser, portal_url, user)
    browser.get(portal_url + "/reasons/")
    browser.find_element(By.LINK_TEXT, "全选本页").click()
    WebDriverWait(browser, 10, **WAIT_IGNORING_SWAPS).until(
        lambda b: all(box.is_selected() for box in b.find_elements(By.CSS_SELECTOR, "#reason-table input[name=student]")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "header")) == 1
    mark_page(browser)
    Select(browser.find_element(By.CSS_SELECTOR, "#bulk-form select[name=reason]")).select_by_visible_text(
        "学生或家长自愿放弃（已签字确认）")
    browser.find_element(By.XPATH, "//form[@id='bulk-form']//button[text()='设置']").click()
    WebDriverWait(browser, 10, **WAIT_IGNORING_SWAPS).until(
        lambda b: "已为 3 名学生设置原因" in b.find_element(By.ID, "reason-table").text)

    assert still_same_page(browser)  # the list was swapped, not the page reloaded
    assert len(browser.find_elements(By.CSS_SELECTOR, "header")) == 1
    assert len(browser.find_elements(By.ID, "reason-table")) == 1
    assert len(browser.find_elements(By.CSS_SELECTOR, "h1")) == 1
    for student in students:
        row = browser.find_element(By.ID, f"reason-row-{student.id}")
        chosen = Select(row.find_element(By.CSS_SELECTOR, "select[name=reason]")).first_selected_option
        assert chosen.text == "学生或家长自愿放弃（已签字确认）"
    WebDriverWait(browser, 10, **WAIT_IGNORING_SWAPS).until(  # the summary card refreshes itself
        lambda b: "全部未资助学生都已填写原因" in b.find_element(By.ID, "reason-summary").text)
    assert saved_reasons() == {student.id: ("declined", None) for student in students}
    assert_clean(browser, portal_url)


def test_choosing_other_waits_for_the_note_and_refuses_only_a_save_without_it(browser, portal_url, world,
                                                                              deadline_calendar, today_is):
    today_is(date(2026, 11, 22))
    student = make_unfunded_student(world.xuanwu_school, "张三")
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()
    row_id = f"reason-row-{student.id}"

    def row():
        return browser.find_element(By.ID, row_id)

    sign_in(browser, portal_url, user)
    browser.get(portal_url + "/reasons/")
    mark_page(browser)
    Select(row().find_element(By.CSS_SELECTOR, "select[name=reason]")).select_by_visible_text("其他（须填写说明）")
    WebDriverWait(browser, 10, **WAIT_IGNORING_SWAPS).until(lambda b: "请填写说明" in row().text)
    assert row().find_elements(By.CSS_SELECTOR, ".error") == []  # no red before the clerk could type
    assert Select(row().find_element(By.CSS_SELECTOR, "select[name=reason]")).first_selected_option.text == \
        "其他（须填写说明）"
    assert saved_reasons() == {}

    row().find_element(By.XPATH, ".//button[text()='保存']").click()  # saving without the note is refused
    WebDriverWait(browser, 10, **WAIT_IGNORING_SWAPS).until(lambda b: row().find_elements(By.CSS_SELECTOR, ".error"))
    assert "须填写说明" in row().find_element(By.CSS_SELECTOR, ".error").text
    assert saved_reasons() == {}

    row().find_element(By.CSS_SELECTOR, "input[name=note]").send_keys("随父母外出务工地就读", Keys.ENTER)
    WebDriverWait(browser, 10, **WAIT_IGNORING_SWAPS).until(lambda b: "已保存" in row().text)
    assert row().find_elements(By.CSS_SELECTOR, ".error") == []
    assert still_same_page(browser)
    assert saved_reasons() == {student.id: ("other", "随父母外出务工地就读")}
    assert_clean(browser, portal_url)
