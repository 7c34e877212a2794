"""How pages lay out in a real browser at an office screen's width (1366 px): what the test client cannot see.

Skipped without Debian's chromium and chromium-driver, like test_browser.py, whose fixtures these use."""
from factories import make_user
from portal.extensions import db
from portal.vocab import Role
# first: it skips this module as well when selenium or the browser is missing
from test_browser import browser, portal_url, pytestmark, sign_in  # noqa: F401

from selenium.webdriver.common.by import By  # noqa: E402


def test_each_checkbox_sits_on_the_line_of_its_label(browser, portal_url, world):
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()

    sign_in(browser, portal_url, user)
    browser.set_window_size(1366, 900)
    browser.get(portal_url + "/enrolment/add")
    labels = browser.find_elements(By.XPATH, "//fieldset[legend[contains(., '困难类别')]]/label")
    assert len(labels) >= 5
    for label in labels:
        box = label.find_element(By.CSS_SELECTOR, "input[type=checkbox]")
        assert box.size["width"] < 30  # not stretched across the form, the label pushed below it
        assert label.size["height"] < 2 * 15 * 1.6  # one line: box and words side by side
        assert box.location["x"] < label.location["x"] + 5  # the box first, then its words

