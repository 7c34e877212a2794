"""The drill-down in a real browser: a row opens the level below in place (htmx under the CSP), the address bar
follows, the breadcrumb leads back up, and sorting swaps the table without a page load."""
import os

import pytest

from factories import make_user
from portal.extensions import db
from portal.vocab import Role
from test_browser import (CHROMIUM, DRIVER, assert_clean, browser, mark_page, portal_url, sign_in,  # noqa: F401
                          still_same_page)

pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)),
                                reason="浏览器测试需要 Debian 的 chromium 和 chromium-driver")

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def drill_heading(browser) -> str:
    return browser.find_element(By.CSS_SELECTOR, "#drill h1").text


def wait_for_heading(browser, text: str) -> None:
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: text in drill_heading(b))


def test_rows_open_the_level_below_in_place_and_the_breadcrumb_leads_back(browser, portal_url, world):
    user = make_user(Role.PROVINCE, region=world.province)
    db.session.commit()
    browser.set_window_size(1366, 900)
    sign_in(browser, portal_url, user)
    browser.get(portal_url + "/oversight/")
    mark_page(browser)
    browser.find_element(By.LINK_TEXT, "南京市").click()
    wait_for_heading(browser, "南京市")
    assert browser.current_url.startswith(portal_url + "/oversight/regions/320100")
    browser.find_element(By.LINK_TEXT, "玄武区").click()
    wait_for_heading(browser, "玄武区")
    browser.find_element(By.LINK_TEXT, "玄武区第一小学").click()
    wait_for_heading(browser, "玄武区第一小学")
    assert "江苏省 › 南京市 › 玄武区 › 玄武区第一小学" in browser.find_element(By.CSS_SELECTOR, "#drill .breadcrumb").text
    browser.find_element(By.CSS_SELECTOR, "#drill .breadcrumb").find_element(By.LINK_TEXT, "南京市").click()
    wait_for_heading(browser, "南京市")
    browser.find_element(By.CSS_SELECTOR, "#drill thead a[href*=\"sort=hardship\"]").click()
    WebDriverWait(browser, 10).until(lambda b: "sort=hardship" in b.current_url)
    assert still_same_page(browser)
    assert_clean(browser, portal_url)
