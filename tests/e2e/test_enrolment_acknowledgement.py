"""In a real browser: a 学籍 file that would take hardship students out of the library is shown with its red
warning, and the confirmation does not go until the school ticks the acknowledgement."""
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from factories import make_id_number, make_library_person, make_user
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.extensions import db
from portal.terms import current_term
from portal.vocab import Category, Role
from test_browser import assert_clean, browser, enrolment_csv, portal_url, sign_in  # noqa: F401  (fixtures)


def test_confirming_a_file_that_removes_hardship_students_needs_the_tick(browser, portal_url, world, tmp_path):
    for serial, name in ((1, "学生甲"), (2, "学生乙")):
        make_library_person(make_id_number(serial=serial), name, Category.POVERTY)
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()
    upload.import_file(Actor.command_line(), enrolment_csv("学生甲", "学生乙"), "学籍.csv", current_term(),
                       world.xuanwu_school)
    db.session.commit()
    smaller = tmp_path / "新学籍.csv"
    smaller.write_bytes(enrolment_csv("学生甲"))  # 学生乙 would leave the library

    sign_in(browser, portal_url, user)
    browser.get(portal_url + "/enrolment/upload")
    browser.find_element(By.CSS_SELECTOR, "input[type=file][name=file]").send_keys(str(smaller))
    browser.find_element(By.XPATH, "//button[text()='上传并预览']").click()
    confirm = WebDriverWait(browser, 10).until(
        lambda b: b.find_elements(By.XPATH, "//button[text()='确认导入并比对']"))[0]
    warning = browser.find_element(By.CSS_SELECTOR, "#upload-result .risks").text
    assert "确认后将移出 1 名特殊困难学生" in warning and "学生乙" in warning
    confirm.click()  # not ticked: the browser holds the form back and says why, no question asked
    box = browser.find_element(By.NAME, "acknowledged")
    assert browser.execute_script("return arguments[0].validationMessage", box)
    assert "/enrolment/upload" in browser.current_url and not browser.find_elements(By.CSS_SELECTOR, ".flash")

    box.click()
    confirm.click()
    WebDriverWait(browser, 10).until(lambda b: b.switch_to.alert).accept()  # hx-confirm asks first
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(  # the result, not the
        lambda b: any("移出 1" in flash.text for flash in b.find_elements(By.CSS_SELECTOR, ".flash")))  # warning
    assert_clean(browser, portal_url)
