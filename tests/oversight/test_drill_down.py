"""The drill-down pages as users see them: one table per level, a row opening the level below in place (with a
real link), sorting by a query argument, a breadcrumb that stays inside the scope, an audited xlsx per table,
and 404 for any region or school outside the scope."""
import re

from sqlalchemy import select

from calamine_helpers import read_xlsx
from factories import page_text
from oversight_helpers import progress_row, row_text
from portal.audit.models import AuditEntry
from portal.extensions import db


def given_figures(world):
    progress_row(world.xuanwu_school, status="submitted", students=100, hardship=10, poverty=6, dibao=4, funded=7,
                 unfunded_with_reason=2, unfunded_without_reason=1)
    progress_row(world.qinhuai_school, status="returned", students=50, hardship=5, poverty=5, funded=5)
    progress_row(world.xishan_school, status="approved", students=40, hardship=4, orphan=4)
    progress_row(world.nanjing_city_school, uploaded=False, hardship=2, tekun=2)
    progress_row(world.province_school, students=300, hardship=8, disabled=8, funded=8)
    db.session.commit()


def test_province_sees_its_cities_and_own_schools_with_their_figures(client, login_as, world):
    given_figures(world)
    login_as("province")
    response = client.get("/oversight/")
    text = page_text(response)
    assert "进度总览 · 江苏省" in text and "直属学校" in text
    # 南京市: 4 schools, 2 uploaded, 50.0%, 150 students, 17 hardship: 建档立卡 11 低保 4 特困供养 2 …
    assert row_text(response, "南京市").startswith("南京市 4 2 50.0% 150 17 11 4 2 0 0 0")
    assert row_text(response, "江苏第一大学").startswith("江苏第一大学 1 1 100.0% 300 8 0 0 0 0 8 0")
    assert row_text(response, "江苏省合计").startswith("江苏省合计 6 4 66.7% 490 29")
    # a row is a real link that htmx follows in place
    assert re.search(r'<a href="/oversight/regions/320100\?[^"]*" hx-get="/oversight/regions/320100\?[^"]*" '
                     r'hx-target="#drill"', response.text)


def test_a_row_opens_the_next_level_in_place_with_a_breadcrumb_back(client, login_as, world):
    given_figures(world)
    login_as("province")
    fragment = client.get("/oversight/regions/320100", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="drill">') and "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    text = page_text(fragment)
    assert "江苏省 › 南京市" in text and "玄武区" in text and "南京市职业教育中心" in text
    assert 'href="/oversight/regions/320000?' in fragment.text
    county = client.get("/oversight/regions/320102")
    assert "玄武区第一小学" in page_text(county) and "玄武区第二小学" in page_text(county)
    assert "<html" in county.text  # the same URL without htmx is a whole page
    school = page_text(client.get(f"/oversight/schools/{world.xuanwu_school.id}"))
    assert "江苏省 › 南京市 › 玄武区 › 玄武区第一小学" in school and "就学信息库" in school


def test_unfunded_without_reason_is_red_and_opens_those_schools(client, login_as, world):
    given_figures(world)
    login_as("city")
    response = client.get("/oversight/")
    cell = re.search(r'<td class="bad"><a href="([^"]+)">1</a></td>', response.text)
    assert cell and "flag=unaided" in cell.group(1) and "region=320102" in cell.group(1)
    listed = page_text(client.get(cell.group(1).replace("&amp;", "&")))
    assert "玄武区第一小学" in listed and "玄武区第二小学" not in listed


def test_the_table_sorts_by_a_query_argument(client, login_as, world):
    given_figures(world)
    login_as("province")
    ascending = page_text(client.get("/oversight/regions/320100?sort=hardship&order=asc"))
    assert ascending.index("秦淮区") < ascending.index("玄武区")
    descending = client.get("/oversight/regions/320100?sort=hardship&order=desc")
    assert page_text(descending).index("玄武区") < page_text(descending).index("秦淮区")
    assert 'aria-sort="descending"' in descending.text
    assert page_text(client.get("/oversight/regions/320100?sort=nonsense")).index("玄武区") \
        < page_text(client.get("/oversight/regions/320100?sort=nonsense")).index("秦淮区")


def test_a_city_breadcrumb_never_links_above_the_city(client, login_as, world):
    login_as("city")
    response = client.get("/oversight/regions/320102")
    breadcrumb = re.search(r'<nav class="breadcrumb".*?</nav>', response.text, re.S).group(0)
    assert re.sub(r"\s+|<[^>]+>", "", breadcrumb) == "南京市›玄武区"
    assert "/oversight/regions/320000" not in response.text


def test_out_of_scope_regions_and_schools_are_404(client, login_as, world):
    login_as("county")
    for url in ("/oversight/regions/320100", "/oversight/regions/320104", "/oversight/regions/320000",
                "/oversight/regions/nonsense", f"/oversight/schools/{world.qinhuai_school.id}",
                "/oversight/regions/320104/export.xlsx", f"/oversight/schools/{world.qinhuai_school.id}/export.xlsx",
                "/oversight/schools?region=320104", "/oversight/schools/export.xlsx?region=320100",
                "/oversight/schools/999999"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "秦淮" not in page_text(response)
    assert client.get("/oversight/regions/320102").status_code == 200


def test_schools_and_departments_have_no_oversight(client, login_as, world):
    for role in ("school", "department"):
        login_as(role)
        assert client.get("/oversight/").status_code == 404
        assert client.get("/oversight/schools").status_code == 404


def test_every_table_exports_to_an_audited_xlsx(client, login_as, world):
    given_figures(world)
    login_as("city")
    response = client.get("/oversight/regions/320100/export.xlsx?sort=hardship&order=desc")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = read_xlsx(response.data)
    header = sheet[0]
    assert header[:5] == ["名称", "代码", "应上传学校（所）", "已上传学校（所）", "上传率（%）"]
    assert "应助未助（未资助且无原因）" in header and "逾期未提交（所）" in header
    hardship = header.index("特殊困难学生")
    assert [(line[0], line[hardship]) for line in sheet[1:]] == [
        ("玄武区", 10), ("秦淮区", 5), ("南京市职业教育中心", 2), ("南京市合计", 17)]
    assert sheet[1][4] == 50.0  # 玄武区: one of its two schools uploaded
    school = read_xlsx(client.get(f"/oversight/schools/{world.xuanwu_school.id}/export.xlsx").data)
    assert [line[0] for line in school[1:]] == ["玄武区第一小学"]
    details = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "export")).all()
    assert any("进度总览：南京市" in detail for detail in details)
    assert any("进度总览：玄武区第一小学" in detail for detail in details)


def test_upper_tiers_entering_the_enrolment_area_land_on_the_drill_down(client, login_as, world):
    login_as("county")
    response = client.get("/enrolment/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/oversight/")
