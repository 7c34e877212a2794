"""In a real browser at 1366 px: a list too long for a request is exported by a job whose page offers the file (and,
once the file is swept, says so), and the province's bulk enrolment import with errors ends on a failed job whose next
step lists the refused rows."""
from datetime import datetime, timedelta

from sqlalchemy import update

from factories import make_enrolled_student, make_id_number, make_user
from portal import exports
from portal.extensions import db
from portal.jobs.models import Job
from portal.jobs.services import sweep_files
from portal.terms import current_term
from portal.vocab import Role
# First: test_browser skips the module when selenium or chromium is missing (its fixtures and skip mark come along).
from test_browser import assert_clean, browser, pytestmark, portal_url, sign_in  # noqa: F401

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def test_a_long_list_is_exported_by_a_job_whose_page_offers_the_file(browser, portal_url, world, monkeypatch,
                                                                      tmp_path):
    monkeypatch.setattr(exports, "IN_REQUEST_ROWS", 2)  # three lines stand for a province's 50,000
    for serial in range(1, 4):
        make_enrolled_student(world.xuanwu_school, make_id_number("320102", "20150601", serial), f"重复{serial}",
                              term=current_term().code).duplicate = True
    user = make_user(Role.COUNTY, region=world.xuanwu)
    db.session.commit()
    browser.set_window_size(1366, 900)
    sign_in(browser, portal_url, user)
    browser.get(f"{portal_url}/oversight/lists?list=duplicate")
    browser.find_element(By.LINK_TEXT, "导出 xlsx").click()
    WebDriverWait(browser, 10).until(lambda b: "/jobs/" in b.current_url and "已导出 3 人" in b.page_source)
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "下载 玄武区")
    assert link.get_attribute("href").endswith("/file") and link.text.endswith("学籍重复名单.xlsx")
    assert browser.find_element(By.CSS_SELECTOR, "progress.job-bar").get_attribute("value") == "3"
    browser.save_screenshot(str(tmp_path / "export-job-done.png"))
    assert_clean(browser, portal_url)


def test_a_bulk_import_with_errors_fails_and_lists_the_rows(browser, portal_url, world, tmp_path):
    user = make_user(Role.PROVINCE, region=world.province)
    db.session.commit()
    upload = tmp_path / "全省学籍.csv"
    upload.write_text("学籍号,姓名,性别,身份证件号,学段,年级,班级,入学年月,学校标识码\n"
                      f",学生1,,{make_id_number(serial=1)},小学,三年级,三年级（1）班,2024-09,{world.xuanwu_school.code}\n"
                      f",学生2,,{make_id_number(serial=2)},小学,三年级,三年级（1）班,2024-09,3199999999\n",
                      encoding="utf-8")
    browser.set_window_size(1366, 900)
    sign_in(browser, portal_url, user)
    browser.get(f"{portal_url}/enrolment/bulk")
    browser.save_screenshot(str(tmp_path / "bulk-import-page.png"))
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(upload))
    browser.find_element(By.CSS_SELECTOR, "form button.primary").click()
    WebDriverWait(browser, 10).until(lambda b: "/jobs/" in b.current_url and "整个文件未导入" in b.page_source)
    assert "失败" in browser.find_element(By.CSS_SELECTOR, ".job-progress").text
    browser.save_screenshot(str(tmp_path / "bulk-import-failed.png"))
    browser.find_element(By.LINK_TEXT, "查看错误行").click()
    WebDriverWait(browser, 10).until(lambda b: "学校标识码 3199999999 不存在" in b.page_source)
    browser.save_screenshot(str(tmp_path / "bulk-import-refused-rows.png"))
    assert_clean(browser, portal_url)


def test_a_job_whose_file_was_swept_says_so(browser, portal_url, world, monkeypatch, tmp_path):
    """Past PORTAL_JOB_FILE_DAYS the file is gone: the page says so in Chinese, with no download link left."""
    monkeypatch.setattr(exports, "IN_REQUEST_ROWS", 0)
    user = make_user(Role.PROVINCE, region=world.province)
    db.session.commit()
    browser.set_window_size(1366, 900)
    sign_in(browser, portal_url, user)
    browser.get(f"{portal_url}/audit/export.xlsx")
    WebDriverWait(browser, 10).until(lambda b: "/jobs/" in b.current_url and "下载 审计日志.xlsx" in b.page_source)
    job_id = int(browser.current_url.rstrip("/").rsplit("/", 1)[1])
    then = datetime.now() - timedelta(days=8)
    db.session.execute(update(Job).where(Job.id == job_id).values(created_at=then, started_at=then, finished_at=then))
    db.session.commit()
    assert sweep_files() == 1
    browser.refresh()
    text = browser.find_element(By.CSS_SELECTOR, ".job-progress").text
    assert "已超过 7 天的保留期限，已被清理" in text and "重新导出" in text
    assert not browser.find_elements(By.PARTIAL_LINK_TEXT, "下载")
    browser.save_screenshot(str(tmp_path / "export-job-file-swept.png"))
    assert_clean(browser, portal_url)
