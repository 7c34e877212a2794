"""In a real browser: a job's page moves its progress bar by itself (htmx polling under the Content-Security-Policy)
while the worker writes progress, and stops polling once the job is done (see test_browser.py)."""
from datetime import datetime

from sqlalchemy import update

from factories import make_user
from portal.extensions import db
from portal.jobs.models import Job
from portal.vocab import Role
# First: test_browser skips the module when selenium or chromium is missing (its fixtures and skip mark come along).
from test_browser import assert_clean, browser, mark_page, pytestmark, portal_url, sign_in, still_same_page  # noqa: F401

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _bar(browser) -> tuple[str | None, str | None, str]:
    bar = browser.find_element(By.CSS_SELECTOR, "progress.job-bar")
    return bar.get_attribute("value"), bar.get_attribute("max"), browser.find_element(By.CSS_SELECTOR, ".job-progress").text


def test_the_progress_bar_follows_the_worker_and_stops_when_done(browser, portal_url, world):
    user = make_user(Role.PROVINCE, region=world.province)
    db.session.commit()
    job = Job(kind="rematch", status="running", params="{}", user_id=user.id, actor_name=user.username, done=0,
              total=2, message="正在比对全省各校学籍与基础信息库…", started_at=datetime.now())
    db.session.add(job)
    db.session.commit()

    sign_in(browser, portal_url, user)
    browser.get(f"{portal_url}/jobs/{job.id}")
    mark_page(browser)
    bar = browser.find_element(By.CSS_SELECTOR, "progress.job-bar")
    assert browser.execute_script("return arguments[0].position", bar) == -1  # nothing counted yet: indeterminate
    assert "进行中" in _bar(browser)[2]
    db.session.execute(update(Job).where(Job.id == job.id).values(done=1, message="正在更新各校进度…"))
    db.session.commit()
    wait = WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda b: _bar(b)[0] == "1" and "正在更新各校进度" in _bar(b)[2])
    db.session.execute(update(Job).where(Job.id == job.id).values(done=2, status="done", message="全省比对完成",
                                                                   finished_at=datetime.now()))
    db.session.commit()
    wait.until(lambda b: "完成" in _bar(b)[2] and _bar(b)[0] == "2")
    assert browser.find_element(By.LINK_TEXT, "查看比对结果")
    assert still_same_page(browser)  # swapped in place, never reloaded
    assert browser.find_element(By.CSS_SELECTOR, ".job-progress").get_attribute("hx-trigger") is None  # polling stopped
    assert_clean(browser, portal_url)
