"""The drill-down's charts: the page carries their numbers as a JSON data block (never executed) equal to the
progress figures, the same numbers as tables beside them, and no inline script anywhere."""
import json
from html import unescape
import re
from datetime import date

from sqlalchemy import delete, select

from oversight_helpers import progress_row
from portal.extensions import db
from portal.progress.history import take_snapshot
from portal.progress.models import ProgressSnapshot
from portal.terms import current_term

HX = {"HX-Request": "true"}


def chart_data(html: str) -> dict:
    [block] = re.findall(r'<div id="chart-data" data-charts=\'(.*?)\' hidden>', html, re.S)
    return json.loads(unescape(block))


def given(world):
    progress_row(world.xuanwu_school, status="submitted", students=100, hardship=10, poverty=6, dibao=4, verified=5,
                 funded=7)
    progress_row(world.qinhuai_school, status="approved", students=50, hardship=5, poverty=5, verified=5, funded=5)
    progress_row(world.xishan_school, uploaded=False, status="returned", hardship=4, orphan=4, funded=2)
    progress_row(world.province_school, students=300, hardship=8, disabled=8, funded=8)
    db.session.commit()


def test_the_charts_carry_the_progress_figures(client, login_as, world):
    given(world)
    login_as("province")
    html = client.get("/oversight/regions/320000").get_data(as_text=True)
    data = chart_data(html)
    assert data["categories"]["labels"] == ["建档立卡", "低保", "特困供养", "孤儿", "残疾", "外省下发"]
    assert data["categories"]["values"] == [11, 4, 0, 4, 8, 0] and data["categories"]["hardship"] == 27
    nanjing, wuxi = data["regions"]["rows"]
    # 南京市: 玄武区一小 (submitted), 二小 (no row), 秦淮区一小 (approved), 南京市职业教育中心 (no row)
    assert nanjing == {"name": "南京市", "schools": 4, "uploaded": 2, "hardship": 15, "verified": 10, "funded": 12,
                       "submitted": 2, "upload_rate": 50.0, "verified_rate": 66.7, "funded_rate": 80.0,
                       "submitted_rate": 50.0}
    assert (wuxi["upload_rate"], wuxi["funded_rate"], wuxi["submitted_rate"]) == (0.0, 50.0, 0.0)
    # the same numbers as a table beside each chart
    table = html.split('id="numbers-regions"')[1].split("</table>")[0]
    assert re.sub(r"<[^>]+>|\s+", " ", table.split("</thead>")[0]).split()[1:] == ["覆盖与完成（%）", "区划", "学籍上传率",
                                                                               "核实率", "资助率", "上报完成率"]
    assert re.sub(r"<[^>]+>|\s+", " ", table).split("南京市")[1].split()[:4] == ["50.0", "66.7", "80.0", "50.0"]
    assert 'data-chart="categories"' in html and 'data-chart="regions"' in html
    assert "js/charts.js" in html and "vendor/echarts-6.1.0.common.min.js" in html


def test_a_county_charts_its_schools_and_the_table_swaps_with_its_charts(client, login_as, world):
    given(world)
    login_as("county")
    partial = client.get("/oversight/regions/320102", headers=HX).get_data(as_text=True)
    assert "<html" not in partial
    rows = chart_data(partial)["regions"]["rows"]
    assert [row["name"] for row in rows] == ["玄武区第一小学", "玄武区第二小学"]
    assert (rows[0]["upload_rate"], rows[0]["submitted_rate"], rows[1]["upload_rate"]) == (100.0, 100.0, 0.0)


def test_the_term_over_time_reads_the_daily_snapshots(client, login_as, world):
    given(world)
    term = current_term()
    take_snapshot(term, date(2026, 10, 1))
    db.session.commit()
    progress_row(world.xuanwu_school_2, students=20, hardship=2, poverty=2)
    db.session.commit()
    take_snapshot(term, date(2026, 10, 2))
    db.session.commit()
    login_as("city")
    history = chart_data(client.get("/oversight/regions/320100").get_data(as_text=True))["history"]["rows"]
    points = {row["day"]: row for row in history}
    assert points["2026-10-01"]["uploaded"] == 2 and points["2026-10-02"]["uploaded"] == 3
    assert points["2026-10-02"]["upload_rate"] == 75.0
    today = points[history[-1]["day"]]  # the line ends at the figures on the page
    assert history[-1]["day"] > "2026-10-02" and (today["uploaded"], today["schools"], today["hardship"]) == (3, 4, 17)
    stored = db.session.scalar(select(ProgressSnapshot).where(ProgressSnapshot.day == date(2026, 10, 2),
                                                              ProgressSnapshot.region_code == "320100"))
    assert (stored.schools, stored.uploaded, stored.hardship, stored.submitted) == (4, 3, 17, 2)


def test_a_refresh_on_a_new_day_takes_its_snapshot_and_the_command_too(app, world):
    from factories import make_unfunded_student

    db.session.execute(delete(ProgressSnapshot))  # as if the day had only begun
    db.session.commit()
    make_unfunded_student(world.xuanwu_school, "张三")
    db.session.commit()  # the first refresh of the day takes the day's snapshot
    assert db.session.scalar(select(ProgressSnapshot.hardship).where(ProgressSnapshot.region_code == "320000")) == 1
    result = app.test_cli_runner().invoke(args=["refresh-progress"])
    assert result.exit_code == 0 and "已记录今日进度快照" in result.output


def test_the_page_has_no_inline_script_that_runs(client, login_as, world):
    given(world)
    login_as("province")
    html = client.get("/oversight/regions/320000").get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"\son[a-z]+=", html) and 'style="' not in html and "<style" not in html
