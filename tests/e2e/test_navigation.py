"""The menu fits every tier: at 1366 and 1280 px the header is one line high and no menu label wraps, for each
tier's home; the grouped menus open from the keyboard and hold real links. Each home is saved as a screenshot
(under $PORTAL_ARTEFACTS/navigation, or pytest's temporary folder; the folder is printed at the end)."""
import os
from pathlib import Path

import pytest

from factories import make_school, make_user
from portal.extensions import db
from portal.vocab import Department, Role
from test_browser import CHROMIUM, DRIVER, assert_clean, browser, portal_url, sign_in  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)),
                                reason="浏览器测试需要 Debian 的 chromium 和 chromium-driver")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

TIERS = ("province", "city", "county", "school", "department")
# How many lines an element's text takes up: the distinct tops of the boxes its text is laid out in.
LINES = """
  const walker = document.createTreeWalker(arguments[0], NodeFilter.SHOW_TEXT), tops = new Set();
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (!text.textContent.trim()) continue;
    const range = document.createRange(); range.selectNodeContents(text);
    for (const box of range.getClientRects()) if (box.width > 0) tops.add(Math.round(box.top));
  }
  return tops.size;"""
HEADER = """
  const header = document.querySelector('header.site-header'), style = getComputedStyle(header);
  const parts = Array.from(header.children).map(part => part.getBoundingClientRect());
  return {height: header.getBoundingClientRect().height,
          padding: parseFloat(style.paddingTop) + parseFloat(style.paddingBottom),
          line: Math.max(...Array.from(header.children).map(part => parseFloat(getComputedStyle(part).lineHeight))),
          centres: parts.map(box => box.top + box.height / 2),
          overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth};"""


@pytest.fixture(scope="module")
def screenshots(request, tmp_path_factory) -> Path:
    folder = (Path(os.environ["PORTAL_ARTEFACTS"]) / "navigation" if os.environ.get("PORTAL_ARTEFACTS")
              else tmp_path_factory.mktemp("navigation"))
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():  # shown even though pytest captures output
        print(f"\n导航截图（各层级首页，1366 与 1280 像素）：{folder}")


def tier_user(world, tier: str):
    """A user of the tier, with names as long as real ones (the header must still fit)."""
    if tier == "school":
        school = make_school(world.xuanwu, "南京市玄武区北京东路小学红山分校")
        user = make_user(Role.SCHOOL, school=school)
    elif tier == "department":
        user = make_user(Role.DEPARTMENT, department=Department.CIVIL)
    else:
        region = {"province": world.province, "city": world.nanjing, "county": world.xuanwu}[tier]
        user = make_user(Role(tier), region=region)
    user.display_name = "学生资助管理中心业务专干"
    db.session.commit()
    return user


@pytest.mark.parametrize("width", (1366, 1280))
@pytest.mark.parametrize("tier", TIERS)
def test_the_header_is_one_line_and_no_menu_label_wraps(browser, portal_url, world, screenshots, tier, width):
    browser.set_window_size(width, 900)
    sign_in(browser, portal_url, tier_user(world, tier))
    browser.get(portal_url + "/")
    browser.save_screenshot(str(screenshots / f"{tier}-{width}.png"))

    header = browser.execute_script(HEADER)
    assert header["height"] < header["padding"] + 1.5 * header["line"], header  # two lines would need 2 × line
    assert max(header["centres"]) - min(header["centres"]) < 3, header  # brand, menu and user side by side
    assert header["overflow"] <= 0, header  # and nothing pushed past the window's edge
    labels = browser.find_elements(By.CSS_SELECTOR, "nav.main-nav > a, nav.main-nav summary, header .user-menu > *")
    assert labels
    for label in labels:
        assert browser.execute_script(LINES, label) == 1, label.text
    for group in browser.find_elements(By.CSS_SELECTOR, "nav.main-nav details"):
        group.find_element(By.TAG_NAME, "summary").click()
        entries = group.find_elements(By.CSS_SELECTOR, ".menu a")
        assert entries and all(entry.is_displayed() and entry.get_attribute("href") for entry in entries)
        for entry in entries:
            assert browser.execute_script(LINES, entry) == 1, entry.text
            assert entry.rect["x"] + entry.rect["width"] <= width, entry.text
        group.find_element(By.TAG_NAME, "summary").click()
    assert_clean(browser, portal_url)


def test_the_menus_work_from_the_keyboard_and_one_opens_at_a_time(browser, portal_url, world):
    browser.set_window_size(1366, 900)
    sign_in(browser, portal_url, tier_user(world, "province"))
    browser.get(portal_url + "/")
    first, second = browser.find_elements(By.CSS_SELECTOR, "nav.main-nav details")[:2]
    summary = first.find_element(By.TAG_NAME, "summary")
    browser.execute_script("arguments[0].focus()", summary)
    summary.send_keys(Keys.ENTER)
    assert first.get_attribute("open") is not None
    browser.switch_to.active_element.send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.tag_name == "a" and focused in first.find_elements(By.CSS_SELECTOR, ".menu a")
    second.find_element(By.TAG_NAME, "summary").click()
    assert second.get_attribute("open") is not None and first.get_attribute("open") is None
    focused = second.find_element(By.CSS_SELECTOR, ".menu a")
    target = focused.get_attribute("href")
    focused.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda b: b.current_url == target)  # a boosted link: htmx swaps the page
