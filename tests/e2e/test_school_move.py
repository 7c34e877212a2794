"""A city moves a school between its counties in a real browser: it is asked to confirm first, and a refusal is
shown in place. Skipped without Debian's chromium and chromium-driver, like test_browser.py."""
from factories import make_user
from portal.extensions import db
from portal.org.models import School
from portal.vocab import Role
# first: it skips this module as well when selenium or the browser is missing
from test_browser import assert_clean, browser, mark_page, portal_url, pytestmark, sign_in, still_same_page  # noqa: F401

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def test_a_city_confirms_then_moves_a_school_to_another_county(browser, portal_url, world):
    user = make_user(Role.CITY, region=world.nanjing)
    db.session.commit()

    sign_in(browser, portal_url, user)
    browser.get(f"{portal_url}/org/schools/{world.xuanwu_school.id}")
    mark_page(browser)
    Select(browser.find_element(By.NAME, "region_code")).select_by_value(world.qinhuai.code)
    browser.find_element(By.XPATH, "//button[text()='调整']").click()
    alert = WebDriverWait(browser, 10).until(lambda b: b.switch_to.alert)
    assert "玄武区第一小学" in alert.text
    alert.dismiss()  # changed their mind: nothing happens
    db.session.expire_all()
    assert db.session.get(School, world.xuanwu_school.id).county_code == world.xuanwu.code

    browser.find_element(By.XPATH, "//button[text()='调整']").click()
    WebDriverWait(browser, 10).until(lambda b: b.switch_to.alert).accept()
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: "已调整到 秦淮区" in b.find_element(By.TAG_NAME, "main").text)
    assert still_same_page(browser)
    db.session.expire_all()
    assert db.session.get(School, world.xuanwu_school.id).county_code == world.qinhuai.code
    assert_clean(browser, portal_url)
