"""The drill-down's charts in a real browser, under a strict Content-Security-Policy (no 'unsafe-inline' for
scripts or styles): ECharts draws an SVG from the page's JSON, again after an htmx swap, with nothing refused."""
import os
import threading

import pytest
from werkzeug.serving import make_server

from factories import make_unfunded_student, make_user
from portal.extensions import db
from portal.vocab import Role
from test_browser import CHROMIUM, DRIVER, browser, mark_page, sign_in, still_same_page  # noqa: F401

pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)),
                                reason="浏览器测试需要 Debian 的 chromium 和 chromium-driver")

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

STRICT = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'"


@pytest.fixture
def strict_url(app):
    """The app served with the strict policy the portal is moving to, whatever its own header says today."""
    def strict(environ, start_response):
        def start(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != "content-security-policy"]
            return start_response(status, headers + [("Content-Security-Policy", STRICT)], exc_info)
        return app(environ, start)

    server = make_server("127.0.0.1", 0, strict, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def svg_charts(browser) -> list[str]:
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('[data-chart]'))"
        ".filter(e => e.querySelector('svg')).map(e => e.dataset.chart)")


def test_the_charts_render_as_svg_under_a_strict_policy(browser, strict_url, world):
    for name in ("张三", "李四", "王五"):
        make_unfunded_student(world.xuanwu_school, name)
    make_unfunded_student(world.xishan_school, "赵六", categories="orphan")
    user = make_user(Role.PROVINCE, region=world.province)
    db.session.commit()
    browser.set_window_size(1366, 900)
    sign_in(browser, strict_url, user)
    browser.get(strict_url + "/oversight/")
    WebDriverWait(browser, 10).until(lambda b: set(svg_charts(b)) >= {"categories", "regions", "history"})
    bars = browser.find_elements(By.CSS_SELECTOR, "[data-chart=categories] svg path, [data-chart=categories] svg rect")
    assert bars  # something drawn, not an empty canvas
    mark_page(browser)
    browser.find_element(By.CSS_SELECTOR, "#drill tbody").find_element(By.LINK_TEXT, "南京市").click()
    swapped = WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,))
    swapped.until(lambda b: "南京市" in b.find_element(By.CSS_SELECTOR, "#drill h1").text)
    swapped.until(lambda b: set(svg_charts(b)) >= {"categories", "regions"})
    assert still_same_page(browser)  # swapped in place, charts drawn again
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    # htmx's own indicator <style> is the CSP change's to switch off (htmx.config.includeIndicatorStyles), not ours
    assert [problem for problem in problems if "htmx-2.0.11.min.js" not in problem] == []
    requested = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(url.startswith(strict_url) for url in requested), requested
