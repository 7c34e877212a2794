"""A refusal is shown where the user acted: every file import page, given a bad file in a real browser, swaps in
the Chinese message without reloading the page (htmx 2 drops non-2xx answers unless the layout's htmx-config
says otherwise), and so do forms with an error and a page out of scope. The answer keeps its real status.

Skipped without Debian's chromium and chromium-driver, like test_browser.py, whose fixtures these use."""
from datetime import date

from factories import make_funding_project, make_user
from portal.extensions import db
from portal.vocab import Department, Role
# first: it skips this module as well when selenium or the browser is missing
from test_browser import browser, mark_page, portal_url, pytestmark, sign_in, still_same_page  # noqa: F401

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

NOT_A_SPREADSHEET = b"%PDF-1.4 a scan, renamed"


def shown(browser, message: str) -> str:
    """Wait until the page's main area reads the message; its text then."""
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda b: message in b.find_element(By.TAG_NAME, "main").text)
    return browser.find_element(By.TAG_NAME, "main").text


def assert_refused_in_place(browser, portal_url, page_url: str, status: int = 422) -> None:
    """Swapped by htmx (same page, same address), and nothing in the console but the refusal's own status."""
    assert still_same_page(browser)
    assert browser.current_url == page_url
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")
                and f"the server responded with a status of {status}" not in entry["message"]]
    assert problems == []
    requested = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(url.startswith(portal_url) for url in requested), requested


def upload_refused(browser, portal_url, path: str, file, message: str, button: str = "上传并预览") -> str:
    page_url = portal_url + path
    browser.get(page_url)
    mark_page(browser)
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(file))
    browser.find_element(By.XPATH, f"//button[text()='{button}']").click()
    text = shown(browser, message)
    assert_refused_in_place(browser, portal_url, page_url)
    return text


def test_a_department_sees_why_its_library_file_is_refused(browser, portal_url, world, tmp_path):
    user = make_user(Role.DEPARTMENT, department=Department.POVERTY)
    db.session.commit()
    no_status = tmp_path / "建档立卡.csv"
    no_status.write_text("姓名,身份证件号\n张三,320102201509010011\n", encoding="utf-8")
    bad_rows = tmp_path / "建档立卡名单.csv"
    bad_rows.write_text("姓名,身份证件号,户籍地区划代码,脱贫状态\n张三,32010220150901001X,320102,已脱贫\n", encoding="utf-8")

    sign_in(browser, portal_url, user)
    # the file is read by a background job (at once, in tests): its page says why, in red, and leads back
    for file, message in ((no_status, "缺少必需的列：脱贫状态"), (bad_rows, "文件中有 1 行有错误")):
        browser.get(portal_url + "/library/import/poverty")
        browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(file))
        browser.find_element(By.XPATH, "//button[text()='上传并预览']").click()
        shown(browser, message)
        assert "失败" in browser.find_element(By.CSS_SELECTOR, ".job-progress").text
        assert message in browser.find_element(By.CSS_SELECTOR, ".job-progress p.error").text
    browser.find_element(By.LINK_TEXT, "查看错误行").click()
    text = shown(browser, "整个文件不会导入")
    assert "2 身份证件号 校验码不正确" in text and "确认导入" not in text
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")
                and "the server responded with a status of 422" not in entry["message"]]
    assert problems == []


def test_a_school_sees_why_its_funding_list_is_refused(browser, portal_url, world, tmp_path, today_is):
    today_is(date(2026, 11, 22))
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()
    fake = tmp_path / "资助名单.xlsx"
    fake.write_bytes(NOT_A_SPREADSHEET)

    sign_in(browser, portal_url, user)
    path = f"/funding/schools/{world.xuanwu_school.id}/import"
    browser.get(portal_url + path)
    browser.find_element(By.CSS_SELECTOR, "input[name=mode][value=replace]").click()
    mark_page(browser)
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(fake))
    browser.find_element(By.XPATH, "//button[text()='上传并预览']").click()
    shown(browser, "不是有效的 Excel 文件")
    assert_refused_in_place(browser, portal_url, portal_url + path)


def test_the_province_sees_why_a_registry_file_is_refused(browser, portal_url, world, tmp_path):
    user = make_user(Role.PROVINCE, region=world.province)
    db.session.commit()
    fake = tmp_path / "学校.xlsx"
    fake.write_bytes(NOT_A_SPREADSHEET)

    sign_in(browser, portal_url, user)
    for kind in ("regions", "schools"):
        upload_refused(browser, portal_url, f"/org/import/{kind}", fake, "不是有效的 Excel 文件")


def test_a_school_sees_why_its_enrolment_file_is_refused(browser, portal_url, world, tmp_path):
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()
    fake = tmp_path / "学籍.xlsx"
    fake.write_bytes(NOT_A_SPREADSHEET)

    sign_in(browser, portal_url, user)
    upload_refused(browser, portal_url, "/enrolment/upload", fake, "不是有效的 Excel 文件")


def test_a_city_sees_why_its_budget_document_is_refused(browser, portal_url, world, tmp_path, today_is):
    today_is(date(2026, 11, 22))
    project = make_funding_project("国家助学金", "senior", owner_region=world.province, standards="2800,2300,1800")
    user = make_user(Role.CITY, region=world.nanjing)
    db.session.commit()
    fake = tmp_path / "预算.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")

    sign_in(browser, portal_url, user)
    page_url = portal_url + "/funding/fiscal"
    browser.get(page_url)
    mark_page(browser)
    Select(browser.find_element(By.NAME, "project_id")).select_by_value(str(project.id))
    browser.find_element(By.NAME, "amount").send_keys("1200000")
    browser.find_element(By.NAME, "document_no").send_keys("宁财教〔2026〕12号")
    browser.execute_script("document.querySelector('input[name=allocated_on]').value = '2026-11-10'")
    browser.find_element(By.NAME, "document").send_keys(str(fake))
    browser.find_element(By.XPATH, "//button[text()='录入']").click()
    shown(browser, "应为 PDF、PNG 或 JPG")
    assert_refused_in_place(browser, portal_url, page_url)
    assert browser.find_element(By.NAME, "document_no").get_attribute("value") == "宁财教〔2026〕12号"  # kept


def test_a_form_with_an_error_shows_it_under_boost(browser, portal_url, world):
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()

    sign_in(browser, portal_url, user)
    page_url = portal_url + "/enrolment/add"
    browser.get(page_url)
    mark_page(browser)
    browser.find_element(By.NAME, "id_number").send_keys("320102201509010012")  # wrong check digit
    browser.find_element(By.NAME, "name").send_keys("张三")
    browser.find_element(By.CSS_SELECTOR, "input[name=categories]").click()
    browser.find_element(By.NAME, "note").send_keys("民政部门出具的低保证明")
    browser.find_element(By.XPATH, "//button[text()='提交审核']").click()
    shown(browser, "校验")
    assert_refused_in_place(browser, portal_url, page_url)
    assert browser.find_element(By.NAME, "name").get_attribute("value") == "张三"  # what was typed stays


def test_a_page_out_of_scope_says_so_under_boost(browser, portal_url, world):
    user = make_user(Role.COUNTY, region=world.xuanwu)
    db.session.commit()

    sign_in(browser, portal_url, user)
    browser.get(portal_url + "/")
    mark_page(browser)
    # a boosted link to another county's school, as a stale bookmark or an edited address would be
    browser.execute_script("""
        var link = document.createElement('a');
        link.id = 'elsewhere'; link.href = arguments[0]; link.textContent = '别处的学校';
        document.querySelector('main').appendChild(link);
        htmx.process(link);""", f"/org/schools/{world.qinhuai_school.id}")
    browser.find_element(By.ID, "elsewhere").click()
    shown(browser, "不在您的管辖范围内")
    assert still_same_page(browser)
