"""In a real browser: a department's base-library file that would remove most of its category is said in red, and the
boosted confirmation shows its refusal of a wrong number before it takes the right one (see test_browser.py)."""
from factories import make_id_number, make_library_person, make_user
from portal.extensions import db
from portal.vocab import Category, Department, Role
# First: test_browser skips the module when selenium or chromium is missing (its fixtures and skip mark come along).
from test_browser import assert_clean, browser, pytestmark, portal_url, sign_in  # noqa: F401

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _main_says(browser, words: str) -> None:
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: words in b.find_element(By.TAG_NAME, "main").text)


def test_a_department_types_the_number_removed_after_a_refusal(browser, portal_url, world, tmp_path):
    for serial in range(1, 13):
        person = make_library_person(make_id_number(serial=serial), f"学生{serial}", Category.POVERTY,
                                     poverty_status="lifted")
    person.batch.records = 12
    user = make_user(Role.DEPARTMENT, department=Department.POVERTY)
    db.session.commit()
    people = tmp_path / "建档立卡.csv"
    people.write_text("姓名,身份证件号,脱贫状态\n" + "".join(
        f"学生{serial},{make_id_number(serial=serial)},已脱贫\n" for serial in range(1, 3)), encoding="utf-8")

    sign_in(browser, portal_url, user)
    browser.get(portal_url + "/library/import/poverty")
    browser.find_element(By.CSS_SELECTOR, "input[type=file][name=file]").send_keys(str(people))
    browser.find_element(By.XPATH, "//button[text()='上传并预览']").click()
    _main_says(browser, "完成")  # the file is read by a background job (at once, in tests); its page leads on
    browser.find_element(By.LINK_TEXT, "查看预览并确认导入").click()
    _main_says(browser, "移出 10 人，新增 0 人，当前 12 人 → 导入后 2 人")
    assert browser.find_element(By.CSS_SELECTOR, ".big-removal").value_of_css_property("color") == "rgba(198, 40, 40, 1)"

    browser.find_element(By.NAME, "removed").send_keys("12")
    browser.find_element(By.XPATH, "//button[text()='确认导入']").click()
    _main_says(browser, "输入的人数“12”与本次导入将移出的人数（10 人）不符，未导入任何数据")

    browser.find_element(By.NAME, "removed").send_keys("10")
    browser.find_element(By.XPATH, "//button[text()='确认导入']").click()
    _main_says(browser, "建档立卡数据已导入：2 人（新增 0，减少 10，变更 0）")
    assert_clean(browser, portal_url)
