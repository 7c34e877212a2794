"""通报 as users issue and read them: a draft ranking the child regions with a generated summary the issuer edits,
issuing stores a snapshot that later work does not change, the list of past ones, print and xlsx, audit; a bad
date or an empty term is a Chinese message, a county has none, another city's 通报 is a 404."""
import re
from datetime import date, timedelta

from sqlalchemy import select

from calamine_helpers import read_xlsx
from factories import page_text
from oversight_helpers import progress_row
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.oversight.models import Circular
from portal.progress.models import SchoolProgress
from portal.terms import current_term


def given_progress(world):
    progress_row(world.xuanwu_school, status="submitted", hardship=10, graded=10, funded=9, unfunded_with_reason=1)
    progress_row(world.xuanwu_school_2, status="approved", hardship=5, graded=5, funded=5)
    progress_row(world.qinhuai_school, uploaded=False)
    progress_row(world.xishan_school, status="in_progress", hardship=4, graded=1, funded=1, unfunded_without_reason=3)
    progress_row(world.province_school, status="approved", hardship=8, graded=8, funded=8)
    db.session.commit()


def ranking_row(response, name: str) -> str:
    row = re.search(r"<tr><td>\d*</td><th scope=\"row\">" + re.escape(name) + r"</th>.*?</tr>", response.text, re.S)
    assert row, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(0))).strip()


def test_province_drafts_a_ranking_of_its_cities_with_a_summary_to_edit(client, login_as, world):
    given_progress(world)
    login_as("province")
    listing = client.get("/oversight/circulars")
    assert "拟制新通报" in page_text(listing) and "还没有印发过通报" in page_text(listing)
    response = client.get(f"/oversight/circulars/draft?term={current_term().code}")
    assert response.status_code == 200
    text = page_text(response)
    assert "通报草稿 · 江苏省" in text and "各设区市" in text
    # 江苏省直属学校: all done → first; 南京市: 3 of 4 uploaded, 2 submitted; 无锡市: 应助未助 3 of 4
    assert ranking_row(response, "江苏省直属学校").startswith("1 江苏省直属学校 1 8 100.0% 1 100.0% 1 100.0% 1 100.0% 1 0.0% 1")
    assert ranking_row(response, "南京市").startswith("2 南京市 4 15 50.0% 3 50.0% 2 100.0% 1 93.3% 2 0.0% 1")
    assert ranking_row(response, "无锡市").startswith("3 无锡市 1 4 100.0% 1 0.0% 3 25.0% 3 25.0% 3 75.0% 3")
    summary = re.search(r'<textarea name="summary"[^>]*>(.*?)</textarea>', response.text, re.S).group(1)
    assert summary.startswith(f"截至{date.today().year}年") and "应上传学籍学校6所，已上传4所" in summary
    assert "应助未助人数较多的是无锡市（3人）" in summary
    assert "秦淮区第一小学" in text  # named among the schools that have not uploaded
    assert db.session.scalar(select(Circular)) is None  # a draft stores nothing


def test_issuing_stores_a_snapshot_that_later_work_does_not_change(client, login_as, world):
    given_progress(world)
    login_as("province")
    response = client.post("/oversight/circulars", data={"term": current_term().code, "as_of": "",
                                                         "summary": "各地要加快进度。（已修改）"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    text = page_text(page)
    assert f"江苏省{current_term().label}特殊困难学生资助工作进展情况通报（第1期）" in text
    assert "各地要加快进度。（已修改）" in text and "秦淮区第一小学" in text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "issue_circular"))
    assert entry is not None and "（第1期）" in entry.detail
    # the school uploads and funds its students afterwards: the issued 通报 still says what it said
    row = db.session.scalar(select(SchoolProgress).where(SchoolProgress.school_id == world.qinhuai_school.id))
    row.uploaded_at, row.hardship, row.funded = row.updated_at or date.today(), 50, 50
    db.session.commit()
    again = page_text(client.get(response.headers["Location"]))
    assert again == text
    second = client.post("/oversight/circulars", data={"term": current_term().code, "summary": ""})
    assert "（第2期）" in page_text(client.get(second.headers["Location"]))
    listing = page_text(client.get("/oversight/circulars"))
    assert "（第1期）" in listing and "（第2期）" in listing


def test_the_issued_circular_prints_and_exports(client, login_as, world):
    given_progress(world)
    login_as("province")
    location = client.post("/oversight/circulars", data={"term": current_term().code}).headers["Location"]
    page = client.get(location)
    assert 'data-print' in page.text and "js/print-button.js" in page.text
    assert "style=" not in page.text and "<style" not in page.text and "onclick" not in page.text
    assert 'class="toolbar no-print"' in page.text  # print.css hides it with the menu
    export = client.get(location + "/export.xlsx")
    assert export.status_code == 200
    rows = read_xlsx(export.data)
    assert rows[0][:3] == ["名次", "设区市", "应上传学校（所）"]
    assert rows[1][:2] == [1, "江苏省直属学校"] and rows[3][:2] == [3, "无锡市"]
    assert any(str(row[0]).startswith("未上传学籍学校（共2所") for row in rows)
    exported = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert "通报" in exported.detail


def test_a_city_ranks_its_counties_and_cannot_open_another_citys(client, login_as, world):
    given_progress(world)
    login_as("city")
    draft = client.get("/oversight/circulars/draft")
    text = page_text(draft)
    assert "通报草稿 · 南京市" in text and "各县（市、区）" in text
    assert ranking_row(draft, "玄武区") and ranking_row(draft, "秦淮区") and "无锡市" not in text
    location = client.post("/oversight/circulars", data={}).headers["Location"]
    assert "南京市" in page_text(client.get(location))
    wuxi = Circular(region_code=world.wuxi.code, number=1, title="无锡市通报", term=current_term().code,
                    as_of=date.today(), summary="", figures={}, issued_by_name="无锡", issued_at=date.today())
    db.session.add(wuxi)
    db.session.commit()
    assert client.get(f"/oversight/circulars/{wuxi.id}").status_code == 404
    assert "无锡市通报" not in page_text(client.get("/oversight/circulars"))


def test_a_malformed_or_future_date_is_a_chinese_message(client, login_as, world):
    given_progress(world)
    login_as("province")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for as_of, message in (("2026-13-45", "通报日期“2026-13-45”无法识别"), ("上周五", "无法识别，请按 2026-12-03 的格式"),
                           (tomorrow, "晚于今天"), ("2001-01-01", "早于")):
        response = client.get("/oversight/circulars/draft", query_string={"as_of": as_of})
        assert response.status_code == 422 and message in page_text(response), as_of
        issued = client.post("/oversight/circulars", data={"as_of": as_of})
        assert issued.status_code == 422 and message in page_text(issued), as_of
    assert db.session.scalar(select(Circular)) is None
    ok = client.get("/oversight/circulars/draft", query_string={"as_of": date.today().strftime("%Y年%m月%d日")})
    assert ok.status_code == 200


def test_an_empty_term_is_not_ranked(client, login_as, world):
    login_as("province")
    response = client.get("/oversight/circulars/draft")
    assert response.status_code == 422
    assert "尚无学校上传学籍，没有可通报的进展" in page_text(response) and "综合名次" not in page_text(response)
    assert client.post("/oversight/circulars", data={}).status_code == 422
    assert db.session.scalar(select(Circular)) is None


def test_counties_and_schools_issue_no_circulars(client, login_as, world):
    login_as("county")
    assert client.get("/oversight/circulars").status_code == 404
    assert client.post("/oversight/circulars", data={}).status_code == 404


def test_the_date_parser_reads_what_people_type():
    from portal.oversight.circulars import CircularError, parse_as_of
    from portal.terms import Term

    term, today = Term(2026, "autumn"), date(2026, 12, 3)
    assert parse_as_of("2026/11/5", term, today) == date(2026, 11, 5)
    assert parse_as_of(" 2026年11月5日 ", term, today) == date(2026, 11, 5)
    assert parse_as_of("", term, today) == today
    for text in ("2026-02-30", "11/5/2026", "2026-12-04", "2026-08-31"):
        try:
            parse_as_of(text, term, today)
        except CircularError:
            continue
        raise AssertionError(text)


def test_ties_share_a_rank_and_the_next_rank_skips(app, world):
    from portal.oversight.circulars import draft
    from portal.oversight.figures import TermReading
    from portal.scope import Scope
    from factories import make_user
    from portal.vocab import Role

    given_progress(world)
    reading = TermReading(Scope(make_user(Role.PROVINCE, region=world.province)), current_term())
    rows = {row["name"]: row for row in draft(reading, world.province)["rows"]}
    assert rows["无锡市"]["ranks"]["upload"] == 1 and rows["江苏省直属学校"]["ranks"]["upload"] == 1
    assert rows["南京市"]["ranks"]["upload"] == 3
