"""A class's notices printed to PDF by Chromium itself (the DevTools protocol's Page.printToPDF, the browser's
print): one A4 page per student, each with its own student's name and none with another's, and nothing of the
screen (menu, toolbar, buttons) on paper. Served and driven as in test_browser.py."""
import base64
from datetime import date

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from factories import make_user
from portal.extensions import db
from portal.vocab import Role
from test_browser import assert_clean, browser, portal_url, sign_in  # noqa: F401
from notice_helpers import make_class, make_primary_catalogue, pdf_pages


def test_a_class_printed_by_the_browser_gives_one_page_per_student(browser, portal_url, world, today_is):
    today_is(date(2026, 11, 22))
    make_primary_catalogue(world.province)
    students = make_class(world.xuanwu_school, "三年级2班", 12, term="2026-autumn")
    others = make_class(world.xuanwu_school, "三年级3班", 2, term="2026-autumn")
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()

    sign_in(browser, portal_url, user)
    browser.get(f"{portal_url}/enrolment/schools/{world.xuanwu_school.id}/library?term=2026-autumn")
    Select(browser.find_element(By.NAME, "class")).select_by_visible_text("三年级2班")
    # the table (and its print link) is replaced while it is read: look again until the link carries the class
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: "12 人" in b.find_element(By.ID, "print-notices").text)
    browser.get(browser.find_element(By.ID, "print-notices").get_attribute("href"))
    WebDriverWait(browser, 10).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".notice-sheet")) == 12)

    printed = browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": False})
    pages = pdf_pages(base64.b64decode(printed["data"]))

    names = sorted(student.name for student in students)
    assert len(pages) == 12
    for page, name in zip(pages, names):
        assert name in page
        assert [other for other in names + [s.name for s in others] if other != name and other in page] == []
        assert "签名" in page and "联系电话" in page  # the return slip
        assert "义务教育家庭经济困难学生生活补助" in page.replace("\n", "")
        assert "登记已告知" not in page and "下载 PDF" not in page and "资助名单" not in page and "打印" not in page
    assert_clean(browser, portal_url)


def test_a_batch_too_large_for_a_request_is_made_by_a_job_whose_page_offers_the_pdf(
        browser, portal_url, world, today_is, monkeypatch, tmp_path):
    from portal.notices import services

    today_is(date(2026, 11, 22))
    monkeypatch.setattr(services, "WEB_PDF_LIMIT", 3)  # a batch of 5 stands for a school of 3,000
    make_primary_catalogue(world.province)
    make_class(world.xuanwu_school, "三年级2班", 5, term="2026-autumn")
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()

    browser.set_window_size(1366, 900)
    sign_in(browser, portal_url, user)
    browser.get(f"{portal_url}/notices/schools/{world.xuanwu_school.id}/print?term=2026-autumn")
    button = browser.find_element(By.CSS_SELECTOR, "form.pdf-job button")
    assert button.text == "后台生成 PDF（5 份）" and not browser.find_elements(By.LINK_TEXT, "下载 PDF")
    browser.save_screenshot(str(tmp_path / "notices-big-batch.png"))
    button.click()  # the tests' queue runs the job at once; the worker does it from the queue
    WebDriverWait(browser, 10).until(lambda b: "/jobs/" in b.current_url and "已生成 5 份告知书" in b.page_source)
    assert browser.find_element(By.LINK_TEXT, "下载告知书 PDF").get_attribute("href").endswith("/file")
    browser.save_screenshot(str(tmp_path / "notices-job-done.png"))
    assert_clean(browser, portal_url)
