"""One whole flow per tier, in a real browser at an office screen's width (1366 px), each step saved as a
screenshot under test-artifacts/e2e/<sqlite|postgresql>/<flow>/<NN-step>.png (PORTAL_ARTIFACTS moves
test-artifacts): a school's first term, the county's review, a department's import, the province's re-match and
通报, a class's notices.
Every step asserts what the user sees. One browser serves the whole module; files are a few rows.
Served and driven as in test_browser.py (its fixtures and helpers are reused, not copied)."""
import base64
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from factories import PASSWORD, make_id_number, make_library_person, make_unfunded_student, make_user
from notice_helpers import make_class, make_primary_catalogue, pdf_pages
from portal import terms
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.extensions import db
from portal.jobs.models import Job
from portal.jobs.queue import JobQueue
from portal.reasons import services as reasons
from portal.scope import Scope
from portal.vocab import Category, Department, Role
# First: test_browser skips the module when selenium or chromium is missing (its fixtures and skip mark come along).
from test_browser import assert_clean, browser, enrolment_csv, portal_url, pytestmark, sign_in  # noqa: F401

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

TODAY = date(2026, 11, 22)  # within 2026秋, before its deadlines
WIDTH, HEIGHT = 1366, 900
MAX_HEIGHT = 4000  # a long list is cut there: the screenshot shows the step, not every row


def artifacts_root() -> Path:
    return Path(os.environ.get("PORTAL_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts")


class Steps:
    """The screenshots of one flow, numbered in the order they are taken."""

    def __init__(self, browser, backend: str, flow: str):
        # one folder per database: `make test` runs the SQLite and PostgreSQL halves side by side
        self.browser, self.folder, self.count = browser, artifacts_root() / "e2e" / backend / flow, 0
        shutil.rmtree(self.folder, ignore_errors=True)  # a flow's folder holds its last run only
        self.folder.mkdir(parents=True)

    def shot(self, step: str) -> None:
        """The whole page as the user would scroll through it, not only the window's part."""
        self.count += 1
        size = self.browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], MAX_HEIGHT), "scale": 1}
        image = self.browser.execute_cdp_cmd("Page.captureScreenshot",
                                             {"format": "png", "captureBeyondViewport": True, "clip": clip})
        (self.folder / f"{self.count:02d}-{step}.png").write_bytes(base64.b64decode(image["data"]))


@pytest.fixture
def steps(browser, request):
    """steps("a-flow") starts a flow's screenshots; a flow that fails adds the page it failed on, as a last step."""
    browser.set_window_size(WIDTH, HEIGHT)
    started = []
    backend = "postgresql" if "postgresql" in request.node.name else "sqlite"
    yield lambda flow: started.append(Steps(browser, backend, flow)) or started[-1]
    report = getattr(request.node, "report_call", None)
    if started and report is not None and report.failed:
        started[-1].shot("failed-here")


class _Today(date):
    @classmethod
    def today(cls):
        return TODAY


@pytest.fixture
def on_a_school_day(today_is, monkeypatch):
    """The deadline calendar and the current term both read TODAY, so the flows never depend on the real date."""
    today_is(TODAY)
    monkeypatch.setattr(terms, "date", _Today)


def main_text(browser) -> str:
    return browser.find_element(By.TAG_NAME, "main").text


def wait_for(browser, condition, seconds: int = 10):
    return WebDriverWait(browser, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def wait_for_text(browser, words: str, seconds: int = 10) -> None:
    wait_for(browser, lambda b: words in main_text(b), seconds)


def import_preview(browser, link_text: str) -> str:
    """Follow the job page's link to the import's preview and read it."""
    browser.find_element(By.LINK_TEXT, link_text).click()
    wait_for(browser, lambda b: b.find_elements(By.ID, "import-preview"))
    return browser.find_element(By.ID, "import-preview").text


def download_into(browser, folder: Path) -> None:
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})


def downloaded(folder: Path, name: str) -> Path:
    path = folder / name
    WebDriverWait(None, 10).until(lambda _: path.exists() and not list(folder.glob("*.crdownload")))
    return path


def stat(browser, label: str) -> str:
    """The figure of the stat card with this label."""
    card = browser.find_element(By.XPATH,
                                f"//*[contains(concat(' ', @class, ' '), ' stat ')][normalize-space(span)='{label}']")
    return card.find_element(By.TAG_NAME, "strong").text


def choose_reason(browser, name: str, reason: str) -> None:
    row = f"//tr[td[text()='{name}']]"
    Select(browser.find_element(By.XPATH, f"{row}//select[@name='reason']")).select_by_visible_text(reason)
    wait_for(browser, lambda b: "已保存" in b.find_element(By.XPATH, row).text)


def test_a_school_changes_its_password_uploads_its_enrolment_and_submits_its_reasons(
        browser, portal_url, world, deadline_calendar, on_a_school_day, steps, tmp_path):
    make_library_person(make_id_number(serial=1), "王小明", Category.POVERTY)
    make_library_person(make_id_number(serial=2), "李小红", Category.DIBAO)
    user = make_user(Role.SCHOOL, school=world.xuanwu_school, must_change_password=True)
    db.session.commit()
    flow = steps("a-school-first-term")

    sign_in(browser, portal_url, user)  # the first sign-in lands on the password page, not the portal
    assert browser.current_url.endswith("/password")
    assert "首次登录或密码被重置后，须先设置新密码才能继续使用" in main_text(browser)
    flow.shot("first-sign-in-asks-for-a-new-password")
    new_password = "Lantern-Harbor-26"
    browser.find_element(By.NAME, "current").send_keys(PASSWORD)
    browser.find_element(By.NAME, "new").send_keys(new_password)
    browser.find_element(By.NAME, "confirm").send_keys(new_password)
    browser.find_element(By.XPATH, "//button[text()='保存新密码']").click()
    wait_for(browser, lambda b: not b.current_url.endswith("/password"))
    assert "密码已修改" in main_text(browser)
    flow.shot("password-changed")

    browser.get(portal_url + "/enrolment/upload")
    assert "本学期尚未上传学籍" in main_text(browser)
    download_into(browser, tmp_path)
    browser.find_element(By.LINK_TEXT, "下载模板").click()
    template = downloaded(tmp_path, "学籍导入模板.xlsx")
    book = load_workbook(template)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["学籍号", "姓名", "性别", "身份证件号"]
    flow.shot("template-downloaded")

    values = {"姓名": None, "身份证件号": None, "年级": "三年级", "班级": "三年级（1）班"}
    for serial, name in enumerate(("王小明", "李小红", "张小华"), 1):
        row = {**values, "姓名": name, "身份证件号": make_id_number(serial=serial)}
        sheet.append([row.get(column) for column in header])
    filled = tmp_path / "本校学籍.xlsx"
    book.save(filled)
    browser.find_element(By.CSS_SELECTOR, "input[type=file][name=file]").send_keys(str(filled))
    browser.find_element(By.XPATH, "//button[text()='上传并预览']").click()
    confirm = wait_for(browser, lambda b: b.find_elements(By.XPATH, "//button[text()='确认导入并比对']"))[0]
    assert "可导入学生 3 人" in browser.find_element(By.ID, "upload-result").text
    flow.shot("preview-of-the-filled-template")
    confirm.click()
    WebDriverWait(browser, 10).until(lambda b: b.switch_to.alert).accept()  # hx-confirm asks first
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".flash"))
    flash = browser.find_element(By.CSS_SELECTOR, ".flash").text
    assert "学籍已导入，共 2 名特殊困难学生：比对出 2 人（新增 2" in flash, flash
    assert stat(browser, "建档立卡") == "1" and stat(browser, "低保") == "1"
    table = browser.find_element(By.ID, "library-table").text
    assert "王小明" in table and "李小红" in table and "张小华" not in table  # not in the base library
    flow.shot("matched-counts-and-library")

    browser.find_element(By.LINK_TEXT, "未资助原因").click()
    wait_for_text(browser, "还有 2 名未资助学生没有填写原因")
    flow.shot("reasons-to-fill")
    for name, reason in (("王小明", "已享受其他同类资助"), ("李小红", "学生或家长自愿放弃（已签字确认）")):
        choose_reason(browser, name, reason)
    wait_for(browser, lambda b: "全部未资助学生都已填写原因" in b.find_element(By.ID, "reason-summary").text)
    flow.shot("reasons-filled")
    browser.find_element(By.XPATH, "//button[text()='提交审核']").click()
    WebDriverWait(browser, 10).until(lambda b: b.switch_to.alert).accept()
    wait_for(browser, lambda b: "已提交" in b.find_element(By.ID, "reason-summary").text)
    assert "已提交，等待主管部门审核" in main_text(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "#reason-table select")  # nothing left to edit
    flow.shot("submitted")
    assert_clean(browser, portal_url)


def open_for_review(browser, portal_url, school_name: str, link: str) -> None:
    browser.get(portal_url + "/review/")
    row = f"//div[@id='review-list']//tr[td[contains(., '{school_name}')]]"
    browser.find_element(By.XPATH, f"{row}//a[text()='{link}']").click()
    wait_for(browser, lambda b: school_name in b.find_element(By.ID, "review-panel").text)


def review_panel(browser) -> str:
    return browser.find_element(By.ID, "review-panel").text


def test_the_county_returns_a_submission_with_a_remark_and_approves_it_once_mended(
        browser, portal_url, world, deadline_calendar, on_a_school_day, steps):
    pupils = [make_unfunded_student(world.xuanwu_school, name) for name in ("张三", "李四")]
    school_user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    county_user = make_user(Role.COUNTY, region=world.xuanwu)
    db.session.commit()
    for pupil in pupils:  # given: the school has filled its reasons and submitted
        reasons.set_reason(Actor(school_user, None), Scope(school_user), "2026-autumn", pupil.id, "declined", None, 0)
    reasons.submit_period(Actor(school_user, None), world.xuanwu_school, "2026-autumn")
    db.session.commit()
    flow = steps("b-county-review")
    remark = "李四家庭情况有变化，请核实后改填原因"

    sign_in(browser, portal_url, county_user)
    browser.get(portal_url + "/review/")
    assert stat(browser, "已提交") == "1"
    flow.shot("review-list-with-one-submitted")
    open_for_review(browser, portal_url, "玄武区第一小学", "审核")
    panel = review_panel(browser)
    assert "已提交" in panel and "张三" in panel and "李四" in panel
    flow.shot("submission-opened")
    browser.find_element(By.CSS_SELECTOR, "#review-panel textarea[name=comment]").send_keys(remark)
    browser.find_element(By.XPATH, "//button[text()='退回修改']").click()
    wait_for(browser, lambda b: "已退回学校修改" in review_panel(b))
    assert remark in review_panel(browser)
    flow.shot("returned-with-a-remark")

    sign_in(browser, portal_url, school_user)
    browser.get(portal_url + "/reasons/")
    summary = browser.find_element(By.ID, "reason-summary").text
    assert "已退回" in summary and remark in summary  # the school reads why
    flow.shot("school-sees-the-remark")
    choose_reason(browser, "李四", "已享受其他同类资助")
    browser.find_element(By.XPATH, "//button[text()='提交审核']").click()
    WebDriverWait(browser, 10).until(lambda b: b.switch_to.alert).accept()
    wait_for(browser, lambda b: "已提交，等待主管部门审核" in main_text(b))
    flow.shot("school-resubmitted")

    sign_in(browser, portal_url, county_user)
    open_for_review(browser, portal_url, "玄武区第一小学", "审核")
    assert "已享受其他同类资助" in review_panel(browser)  # the mended reason
    browser.find_element(By.XPATH, "//button[text()='审核通过']").click()
    WebDriverWait(browser, 10).until(lambda b: b.switch_to.alert).accept()
    wait_for(browser, lambda b: "已审核通过" in review_panel(b))
    assert browser.find_element(By.CSS_SELECTOR, "#review-panel .tag").text == "已审核"
    wait_for(browser, lambda b: stat(b, "已审核") == "1")  # the list refreshes itself
    flow.shot("approved")
    assert_clean(browser, portal_url)


def poverty_file(folder: Path, name: str, *rows: tuple[str, str, str, str]) -> Path:
    path = folder / name
    path.write_text("姓名,身份证件号,户籍地区划代码,脱贫状态\n" + "".join(",".join(row) + "\n" for row in rows),
                    encoding="utf-8")
    return path


def upload_to_job(browser, path: Path, onward: str) -> str:
    """Upload a base-library file; a job reads it, and its page (whose text is returned) leads onward."""
    browser.find_element(By.CSS_SELECTOR, "input[type=file][name=file]").send_keys(str(path))
    browser.find_element(By.XPATH, "//button[text()='上传并预览']").click()
    wait_for(browser, lambda b: "/jobs/" in b.current_url and b.find_elements(By.LINK_TEXT, onward))
    return browser.find_element(By.CSS_SELECTOR, ".job-progress").text


def error_rows(browser) -> list[tuple[str, str, str]]:
    cells = browser.find_elements(By.CSS_SELECTOR, "#import-preview table.data tbody tr")
    return [tuple(cell.text for cell in row.find_elements(By.TAG_NAME, "td")) for row in cells]


def test_a_department_sees_its_files_errors_by_row_then_imports_a_good_one(browser, portal_url, world, steps,
                                                                          tmp_path):
    user = make_user(Role.DEPARTMENT, department=Department.POVERTY)
    db.session.commit()
    good = make_id_number(serial=1), make_id_number("320104", "20120305", 2)
    wrong_digit = good[0][:-1] + ("0" if good[0][-1] != "0" else "1")
    flow = steps("c-department-import")

    sign_in(browser, portal_url, user)
    browser.get(portal_url + "/library/import/poverty")
    assert "建档立卡" in main_text(browser)
    flow.shot("import-page")
    job = upload_to_job(browser, poverty_file(tmp_path, "有错误.csv", ("张三", good[0], "320102", "已脱贫"),
                                              ("李四", wrong_digit, "320102", "未脱贫"),
                                              ("王五", good[1], "320104", "不知道")), "查看错误行")
    assert "文件中有 2 行有错误（共 2 处），整个文件未导入，当前数据保持不变" in job
    flow.shot("job-refused-the-file")
    preview = import_preview(browser, "查看错误行")
    assert "有错误的行 2 行" in preview and "整个文件不会导入" in preview
    errors = error_rows(browser)
    assert [(row, column) for row, column, _ in errors] == [("3", "身份证件号"), ("4", "脱贫状态")], errors
    assert "校验码不正确" in errors[0][2]
    assert not browser.find_elements(By.XPATH, "//button[text()='确认导入']")  # nothing to confirm
    flow.shot("row-numbered-errors")
    logged = [entry["message"] for entry in browser.get_log("browser")]
    assert len(logged) == 1 and "status of 422" in logged[0]  # the refusal's own status, nothing else went wrong

    job = upload_to_job(browser, poverty_file(tmp_path, "改正后.csv", ("张三", good[0], "320102", "已脱贫"),
                                              ("王五", good[1], "320104", "未脱贫")), "查看预览并确认导入")
    assert "已读取并检查 2 行，全部有效" in job
    flow.shot("job-read-the-good-file")
    preview = import_preview(browser, "查看预览并确认导入")
    assert "读取数据 2 行；有效 2 行" in preview and "新增 2 人" in preview
    flow.shot("clean-preview")
    browser.find_element(By.XPATH, "//button[text()='确认导入']").click()
    WebDriverWait(browser, 10).until(lambda b: b.switch_to.alert).accept()
    wait_for(browser, lambda b: "/library/batches/" in b.current_url)
    flash = browser.find_element(By.CSS_SELECTOR, ".flash").text
    assert "建档立卡数据已导入：2 人（新增 2，减少 0，变更 0）" in flash, flash
    flow.shot("imported")
    assert_clean(browser, portal_url)


@pytest.fixture
def held_queue(app, tmp_path):
    """Jobs wait in a SQLite queue (as with `make run`) instead of running at once, so the page shows a queued job;
    worker_runs_the_queue then does the worker's part."""
    immediate = app.extensions["portal_jobs"]
    app.extensions["portal_jobs"] = queue = JobQueue(app, f"sqlite:///{tmp_path}/jobs.db")
    yield queue
    app.extensions["portal_jobs"] = immediate


def worker_runs_the_queue(queue: JobQueue) -> int:
    """What the worker does: take each queued task in turn and run it. Returns how many it ran."""
    ran = 0
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)
        ran += 1
    return ran


def follow_job_if_any(browser) -> None:
    """Where the page went through a job's page, follow it on to the result once the job is done."""
    if "/jobs/" in browser.current_url:
        wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".job-progress a.button.primary"))[0].click()


def test_the_province_rematches_with_a_progress_bar_and_issues_a_circular(
        browser, portal_url, world, deadline_calendar, on_a_school_day, held_queue, steps):
    make_library_person(make_id_number(serial=1), "王小明", Category.POVERTY)
    db.session.commit()
    upload.import_file(Actor.command_line(), enrolment_csv("王小明", "李小红"), "学籍.csv", terms.current_term(),
                       world.xuanwu_school)
    db.session.commit()
    make_library_person(make_id_number(serial=2), "李小红", Category.ORPHAN)  # imported after the school's match
    user = make_user(Role.PROVINCE, region=world.province)
    db.session.commit()
    flow = steps("d-province-rematch-and-circular")

    sign_in(browser, portal_url, user)
    browser.get(portal_url + "/enrolment/matching")
    assert "基础信息库在上次比对后有更新，请重新比对全省" in main_text(browser)
    flow.shot("library-changed-since-the-last-match")
    browser.find_element(By.XPATH, "//button[text()='重新比对全省']").click()
    WebDriverWait(browser, 10).until(lambda b: b.switch_to.alert).accept()
    wait_for(browser, lambda b: "排队等待中" in b.find_element(By.ID, "matching-status").text)
    bar = browser.find_element(By.CSS_SELECTOR, "#matching-status progress.job-bar")
    assert browser.execute_script("return arguments[0].position", bar) == -1  # nothing counted yet: indeterminate
    flow.shot("queued-with-its-progress-bar")

    assert worker_runs_the_queue(held_queue) >= 1
    wait_for(browser, lambda b: "已完成" in b.find_element(By.ID, "matching-status").text, 20)  # the page polls itself
    status = browser.find_element(By.ID, "matching-status").text
    assert "特殊困难学生 2 人：新增 1，移出 0，类别变化 0" in status, status
    flow.shot("rematch-done")
    job = db.session.scalar(select(Job).where(Job.kind == "rematch"))
    browser.get(f"{portal_url}/jobs/{job.id}")  # the job's own page, where its asker can come back to it
    bar = browser.find_element(By.CSS_SELECTOR, "progress.job-bar")
    assert (bar.get_attribute("value"), bar.get_attribute("max")) == ("2", "2")
    assert "2 / 2 步（100%）" in main_text(browser) and "完成" in main_text(browser)
    flow.shot("job-page-bar-full")

    browser.get(portal_url + "/oversight/circulars")
    assert "还没有印发过通报" in main_text(browser)
    browser.find_element(By.XPATH, "//button[text()='生成通报草稿']").click()
    wait_for_text(browser, "通报草稿 · 江苏省")
    summary = browser.find_element(By.NAME, "summary")
    assert "应上传学籍学校" in summary.get_attribute("value")
    assert "南京市" in main_text(browser) and "无锡市" in main_text(browser)  # the cities ranked
    flow.shot("draft-ranking")
    summary.send_keys("\n请各地对照通报加快进度。")
    browser.find_element(By.XPATH, "//button[text()='印发通报']").click()
    follow_job_if_any(browser)
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "h1.circular-title"))
    title = browser.find_element(By.CSS_SELECTOR, "h1.circular-title").text
    assert title == "江苏省2026秋特殊困难学生资助工作进展情况通报（第1期）"
    issued = browser.find_element(By.CSS_SELECTOR, ".circular-summary-text").text
    assert "特殊困难学生2人" in issued and "请各地对照通报加快进度。" in issued  # the re-match's figures, and the edit
    page_right, ranking_right = browser.execute_script(
        "const box = e => e.getBoundingClientRect().right;"
        "return [box(document.querySelector('article.circular')), box(document.querySelector('.circular-ranking'))];")
    assert ranking_right <= page_right  # the fourteen-column ranking stays on the page at 1366 px
    flow.shot("circular-issued")
    browser.find_element(By.LINK_TEXT, "← 通报列表").click()
    wait_for(browser, lambda b: b.find_elements(By.LINK_TEXT, title))
    flow.shot("circular-listed")
    assert_clean(browser, portal_url)


def test_a_school_prints_a_classs_notices_as_a_pdf_and_records_that_parents_were_told(
        browser, portal_url, world, on_a_school_day, steps, tmp_path):
    make_primary_catalogue(world.province)
    students = make_class(world.xuanwu_school, "三年级2班", 3)
    make_class(world.xuanwu_school, "三年级3班", 2)
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()
    names = sorted(student.name for student in students)
    flow = steps("e-school-notices")

    sign_in(browser, portal_url, user)
    browser.get(f"{portal_url}/enrolment/schools/{world.xuanwu_school.id}/library")
    Select(browser.find_element(By.NAME, "class")).select_by_visible_text("三年级2班")
    wait_for(browser, lambda b: "3 人" in b.find_element(By.ID, "print-notices").text)  # the table swapped in place
    flow.shot("library-filtered-to-the-class")
    browser.find_element(By.ID, "print-notices").click()
    wait_for(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".notice-sheet")) == 3)
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert "资助政策告知书" in heading and "3 份" in heading
    flow.shot("notices-of-the-class")

    download_into(browser, tmp_path)
    browser.find_element(By.LINK_TEXT, "下载 PDF").click()
    pdf = wait_for(browser, lambda b: [path for path in tmp_path.glob("*.pdf")] or None)[0]
    WebDriverWait(None, 10).until(lambda _: not list(tmp_path.glob("*.crdownload")))
    pages = pdf_pages(pdf.read_bytes())
    assert len(pages) == 3
    for page, name in zip(pages, names):
        assert name in page and [other for other in names if other != name and other in page] == []
        assert "签名" in page  # the return slip
    # the sheets as they come out on paper (headless Chromium shows no PDF viewer to take a picture of)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not browser.find_element(By.CSS_SELECTOR, ".notice-toolbar").is_displayed()  # no buttons on paper
    flow.shot("pdf-downloaded-sheets-as-printed")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    went_home = browser.find_element(By.NAME, "notified_on")  # the day the sheets went home with the pupils
    browser.execute_script("arguments[0].value = arguments[1]", went_home, "2026-11-20")
    browser.find_element(By.XPATH, "//button[text()='登记']").click()
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".flash"))
    assert "已登记 3 名学生的家长已被告知" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    assert stat(browser, "已告知家长") == "3"
    flow.shot("parents-told-recorded")
