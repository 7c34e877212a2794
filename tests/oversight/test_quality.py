"""The data-quality page (003's 3个100%、3个零误差) as users see it: per region from the progress rows, drillable
in place like the progress table, each offending figure opening the list of the schools behind it, an audited
xlsx, and 404 outside the scope."""
import re

from sqlalchemy import select

from calamine_helpers import read_xlsx
from factories import make_school, make_user, page_text
from oversight_helpers import progress_row, row_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.vocab import Role


def given_quality(world):
    """南京市: 3 active schools (玄武区第一小学 with an account and all the problems, 秦淮区第一小学 not uploaded,
    the city's own school with no row), one shell school; 无锡市: one clean school."""
    make_user(Role.SCHOOL, school=world.xuanwu_school)
    make_user(Role.SCHOOL, school=world.xishan_school)
    make_user(Role.SCHOOL, school=world.qinhuai_school, active=False)  # a disabled account is no account
    world.xuanwu_school_2.active = False
    progress_row(world.xuanwu_school, hardship=10, verified=8, without_hardship_level=3, funded_records=7,
                 incomplete_records=2, unfunded_with_reason=2, unfunded_without_reason=1, duplicates=1)
    progress_row(world.qinhuai_school, uploaded=False)
    progress_row(world.xishan_school, hardship=4, verified=4, graded=4, funded_records=4, funded=4)
    db.session.commit()


def test_province_sees_each_city_against_the_3_100_and_3_zero_error_targets(client, login_as, world):
    given_quality(world)
    login_as("province")
    response = client.get("/oversight/quality")
    assert response.status_code == 200
    text = page_text(response)
    assert "数据质量 · 江苏省" in text and "学校机构纳入管理" in text and "资助信息" in text
    # schools 3, with an account 33.3%, without 2, shell 1 | uploaded 33.3%, not 2 | hardship 10, verified 80.0%,
    # unverified schools 1, graded 70.0% (10 − 3 without a level), ungraded 3 | records 7, complete 71.4%, incomplete 2, reasons 66.7%,
    # 应助未助 1, duplicates 1
    assert row_text(response, "南京市") == "南京市 3 33.3% 2 1 33.3% 2 10 80.0% 1 70.0% 3 7 71.4% 2 66.7% 1 1"
    assert row_text(response, "无锡市") == "无锡市 1 100.0% 0 0 100.0% 0 4 100.0% 0 100.0% 0 4 100.0% 0 — 0 0"
    assert row_text(response, "江苏省合计").startswith("江苏省合计 5 40.0% 3 1 40.0% 3 14 85.7%")


def test_each_offending_figure_opens_the_schools_behind_it(client, login_as, world):
    given_quality(world)
    login_as("province")
    page = client.get("/oversight/quality").text
    expected = {"no_account": {"秦淮区第一小学", "南京市职业教育中心"}, "not_uploaded": {"秦淮区第一小学", "南京市职业教育中心"},
                "ungraded": {"玄武区第一小学"}, "incomplete_records": {"玄武区第一小学"}, "unverified": {"玄武区第一小学"},
                "unaided": {"玄武区第一小学"}, "duplicates": {"玄武区第一小学"}}
    names = {"玄武区第一小学", "秦淮区第一小学", "南京市职业教育中心", "锡山区第一小学"}
    for flag, schools in expected.items():
        link = re.search(r'href="(/oversight/schools\?[^"]*region=320100[^"]*flag=' + flag + r'[^"]*)"', page)
        assert link, flag
        listed = page_text(client.get(link.group(1).replace("&amp;", "&")))
        assert {name for name in names if name in listed} == schools, flag
    shells = re.search(r'href="(/org/schools\?[^"]*region=320100[^"]*status=invalid[^"]*)"', page)
    assert shells and "玄武区第二小学" in page_text(client.get(shells.group(1).replace("&amp;", "&")))


def test_a_city_drills_to_its_counties_in_place_and_a_county_sees_its_schools(client, login_as, world):
    given_quality(world)
    login_as("city")
    fragment = client.get("/oversight/quality/regions/320102", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="quality">') and "<html" not in fragment.text
    assert "南京市 › 玄武区" in page_text(fragment)
    assert row_text(fragment, "玄武区第一小学").startswith("玄武区第一小学 1 100.0% 0 0 100.0% 0 10 80.0%")
    assert client.get("/oversight/quality/regions/320200").status_code == 404  # 无锡市
    county = make_user(Role.COUNTY, region=world.qinhuai)
    db.session.commit()
    from factories import sign_in

    client.post("/logout")
    sign_in(client, county)
    text = page_text(client.get("/oversight/quality"))
    assert "秦淮区第一小学" in text and "玄武区" not in text
    assert client.get("/oversight/quality/regions/320102").status_code == 404


def test_the_quality_table_exports_to_xlsx_and_is_audited(client, login_as, world):
    given_quality(world)
    login_as("city")
    response = client.get("/oversight/quality/regions/320100/export.xlsx")
    assert response.status_code == 200
    rows = read_xlsx(response.data)
    assert rows[0][:4] == ["名称", "代码", "有效学校（所）", "有有效账号学校占比（%）"]
    xuanwu = next(row for row in rows if row[0] == "玄武区")
    assert xuanwu[2:6] == [1, 100.0, 0, 1]  # one active school with an account, one shell
    assert rows[-1][0] == "南京市合计"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert "数据质量：南京市" in entry.detail


def test_schools_and_departments_have_no_quality_page(client, login_as, world):
    login_as("school")
    assert client.get("/oversight/quality").status_code == 404
    make_school(world.xuanwu)
    assert client.get("/oversight/quality/regions/320102/export.xlsx").status_code == 404
