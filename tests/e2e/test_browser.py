"""End to end in a real browser (Debian's chromium, headless): what the test client cannot see. htmx swaps
parts of pages under the portal's Content-Security-Policy, nothing on a page is blocked or fails in the
console, and no request leaves the server (the portal runs on government intranets).

Needs `apt-get install chromium chromium-driver fonts-noto-cjk`; without them these tests are skipped, never faked,
and on CI (CI set) the run fails instead (conftest.py).
Selenium is given the driver's path, so it never tries to download one."""
import os
import threading
from datetime import date

import pytest
from werkzeug.serving import make_server

from factories import (PASSWORD, make_id_number, make_library_person, make_unfunded_student, make_user,
                       totp_code)
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.extensions import db
from portal.reasons.models import UnfundedReason
from portal.terms import current_term
from portal.vocab import Category, Role
from browser_needs import CHROMIUM, DRIVER

webdriver = pytest.importorskip("selenium.webdriver")
pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)),
                                reason="浏览器测试需要 Debian 的 chromium 和 chromium-driver")

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def portal_url(app):
    """The test's app served over HTTP on a free port, for as long as the test runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def enrolment_csv(*names: str) -> bytes:
    """A school's 学籍 file whose n-th student has the ID make_id_number(serial=n)."""
    lines = ["学籍号,姓名,性别,身份证件号,学段,年级,班级,入学年月"] + [
        f",{name},,{make_id_number(serial=serial)},小学,三年级,三年级（{serial}）班,2024-09"
        for serial, name in enumerate(names, 1)]
    return "\n".join(lines).encode("utf-8")


def sign_in(browser, portal_url, user) -> None:
    browser.delete_all_cookies()
    browser.get(portal_url + "/login")
    browser.find_element(By.NAME, "username").send_keys(user.username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda b: b.current_url.rstrip("/") != portal_url + "/login")
    if browser.current_url.endswith("/login/second-factor"):  # bureau accounts: the code from the authenticator
        browser.find_element(By.NAME, "code").send_keys(totp_code(user))
        browser.find_element(By.CSS_SELECTOR, "main form button.primary").click()
    WebDriverWait(browser, 10).until(lambda b: "/login" not in b.current_url)
    browser.get_log("browser")  # start each test's console record empty


def mark_page(browser) -> None:
    """A flag that survives an htmx swap but not a full page load."""
    browser.execute_script("window.portalTestMark = 'same page';")


def still_same_page(browser) -> bool:
    return browser.execute_script("return window.portalTestMark") == "same page"


def assert_clean(browser, portal_url) -> None:
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert problems == []  # a Content-Security-Policy refusal or a script error lands here
    requested = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert requested and all(url.startswith(portal_url) for url in requested), requested


def test_the_library_table_filters_in_place(browser, portal_url, world):
    make_library_person(make_id_number(serial=1), "学生甲", Category.POVERTY)
    make_library_person(make_id_number(serial=2), "学生乙", Category.DIBAO)
    db.session.commit()
    upload.import_file(Actor.command_line(), enrolment_csv("学生甲", "学生乙", "学生丙"), "学籍.csv", current_term(),
                       world.xuanwu_school)
    db.session.commit()
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()

    sign_in(browser, portal_url, user)
    browser.get(f"{portal_url}/enrolment/schools/{world.xuanwu_school.id}/library")
    table = browser.find_element(By.ID, "library-table")
    assert "学生甲" in table.text and "学生乙" in table.text
    mark_page(browser)
    Select(browser.find_element(By.NAME, "category")).select_by_visible_text("低保")
    # the table is replaced while it is read: a reference to the old one is stale, so look again
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: "学生甲" not in b.find_element(By.ID, "library-table").text)
    assert "学生乙" in browser.find_element(By.ID, "library-table").text
    assert still_same_page(browser) and "category=dibao" in browser.current_url  # swapped, and the URL kept
    assert_clean(browser, portal_url)


def test_an_unfunded_reason_is_saved_with_one_choice(browser, portal_url, world, deadline_calendar, today_is):
    today_is(date(2026, 11, 22))
    student = make_unfunded_student(world.xuanwu_school, "张三")
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()

    sign_in(browser, portal_url, user)
    browser.get(portal_url + "/reasons/")
    mark_page(browser)
    row = f"#reason-row-{student.id}"
    Select(browser.find_element(By.CSS_SELECTOR, f"{row} select[name=reason]")).select_by_visible_text("已享受其他同类资助")
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: "已保存" in b.find_element(By.CSS_SELECTOR, row).text)
    assert still_same_page(browser)
    db.session.expire_all()
    assert [(r.student_id, r.reason_code) for r in db.session.query(UnfundedReason)] == [(student.id, "other_aid")]
    assert_clean(browser, portal_url)


def test_a_school_uploads_its_enrolment_previews_and_confirms(browser, portal_url, world, tmp_path):
    make_library_person(make_id_number(serial=2), "学生乙", Category.ORPHAN)
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()
    enrolment = tmp_path / "学籍.csv"
    enrolment.write_bytes(enrolment_csv("学生甲", "学生乙", "学生丙"))

    sign_in(browser, portal_url, user)
    browser.get(portal_url + "/enrolment/upload")
    mark_page(browser)
    browser.find_element(By.CSS_SELECTOR, "input[type=file][name=file]").send_keys(str(enrolment))
    browser.find_element(By.XPATH, "//button[text()='上传并预览']").click()
    confirm = WebDriverWait(browser, 10).until(
        lambda b: b.find_elements(By.XPATH, "//button[text()='确认导入并比对']"))[0]
    assert still_same_page(browser) and "可导入学生 3 人" in browser.find_element(By.ID, "upload-result").text
    confirm.click()
    WebDriverWait(browser, 10).until(lambda b: b.switch_to.alert).accept()  # hx-confirm asks first
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: "学生乙" in b.find_element(By.TAG_NAME, "main").text)
    assert "孤儿" in browser.find_element(By.TAG_NAME, "main").text
    assert_clean(browser, portal_url)


def test_a_library_file_goes_up_with_its_progress_and_comes_back_as_a_preview(browser, portal_url, world, tmp_path):
    """The boosted upload form shows that the server is working and holds its button until the job's page arrives,
    which leads on to the preview."""
    user = make_user(Role.PROVINCE, region=world.province)
    db.session.commit()
    people = tmp_path / "建档立卡.csv"
    people.write_text("姓名,身份证件号,户籍地区划代码,脱贫状态\n" + "".join(
        f"学生{serial},{make_id_number(serial=serial)},320102,已脱贫\n" for serial in range(1, 4)), encoding="utf-8")

    sign_in(browser, portal_url, user)
    browser.get(portal_url + "/library/import/poverty")
    busy = browser.find_element(By.CSS_SELECTOR, "form[data-upload-progress] .busy")
    assert not busy.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "input[type=file][name=file]").send_keys(str(people))
    browser.execute_script("""
        document.addEventListener('htmx:beforeRequest', function () {
          setTimeout(function () {  // after the page's own handler has run
            var form = document.querySelector('form[data-upload-progress]');
            if (!form) return;  // a later request, from the job's page
            window.portalTestSeen = {busy: !form.querySelector('.busy').hidden,
                                     held: form.querySelector('button').disabled};
          }, 0);
        });""")
    browser.find_element(By.XPATH, "//button[text()='上传并预览']").click()
    # the file is read by a background job (at once, in tests): its page links on to the preview
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: "完成" in b.find_element(By.TAG_NAME, "main").text and "/jobs/" in b.current_url)
    assert browser.execute_script("return window.portalTestSeen") == {"busy": True, "held": True}
    browser.find_element(By.LINK_TEXT, "查看预览并确认导入").click()
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: "确认导入" in b.find_element(By.TAG_NAME, "main").text and "job=" in b.current_url)
    assert "读取数据 3 行；有效 3 行" in browser.find_element(By.ID, "import-preview").text
    assert_clean(browser, portal_url)
