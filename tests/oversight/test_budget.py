"""Next year's budget estimate as users see it: this term's hardship students per stage (from the progress rows)
× the yearly standards of the catalogue's projects the user ticks × a coverage, per region, the assumptions in
words, an audited xlsx; a bad assumption is a Chinese message, a region outside the scope a 404."""
import re

from sqlalchemy import select

from calamine_helpers import read_xlsx
from factories import make_funding_project, make_school, make_user, page_text, sign_in
from oversight_helpers import progress_row, row_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.oversight.budget import split
from portal.vocab import Role, Stage


def given_students_and_catalogue(world):
    nine_year = make_school(world.xuanwu, "玄武区实验学校", stages="primary,junior")
    db.session.commit()  # a school added in the same transaction as its hand-written row would be refreshed to 0
    progress_row(world.xuanwu_school, hardship=10)
    progress_row(nine_year, hardship=5)  # 3 primary, 2 junior
    progress_row(world.qinhuai_school, hardship=5)
    progress_row(world.xishan_school, hardship=4)
    progress_row(world.nanjing_city_school, hardship=2)  # 中职: no project ticked, no money
    progress_row(world.province_school, hardship=8)
    projects = {
        "primary": make_funding_project("困难生生活补助", "primary", standards="1000,500", owner_region=world.province),
        "junior": make_funding_project("困难生生活补助", "junior", standards="1250,625", owner_region=world.province),
        "undergraduate": make_funding_project("国家助学金", "undergraduate", standards="4700,3700,2700",
                                              owner_region=world.province),
        "award": make_funding_project("国家奖学金", "undergraduate", period_type="year", standards="10000",
                                      owner_region=world.province),
        "waiver": make_funding_project("国家免学费", "vocational", standards="", owner_region=world.province),
        "nanjing": make_funding_project("南京市助学金", "primary", level="local", standards="200", standard_per="term",
                                        owner_region=world.nanjing),
        "wuxi": make_funding_project("无锡市助学金", "primary", level="local", standards="300", owner_region=world.wuxi),
    }
    db.session.commit()
    return projects


def test_a_school_of_several_stages_shares_its_students_out_evenly():
    assert split("primary,junior", 5) == {Stage.PRIMARY: 3, Stage.JUNIOR: 2}
    assert split("junior,primary", 4) == {Stage.PRIMARY: 2, Stage.JUNIOR: 2}
    assert split("senior", 7) == {Stage.SENIOR: 7}


def test_province_estimates_each_city_at_the_highest_tier_of_need_based_projects(client, login_as, world):
    given_students_and_catalogue(world)
    login_as("province")
    response = client.get("/oversight/budget")
    assert response.status_code == 200
    text = page_text(response)
    # columns: 小学 (1,000/yr), 初中 (1,250), 中职 (students, no standard), 本专科 (4,700); 奖学金 and city projects out
    assert "每生每年 1,000 元" in text and "每生每年 1,250 元" in text and "每生每年 4,700 元" in text
    assert row_text(response, "南京市") == "南京市 18 18,000 2 2,500 2 0 0 0 22 20,500"
    assert row_text(response, "无锡市") == "无锡市 4 4,000 0 0 0 0 0 0 4 4,000"
    assert row_text(response, "江苏第一大学") == "江苏第一大学 0 0 0 0 0 0 8 37,600 8 37,600"
    assert row_text(response, "江苏省合计").endswith("34 62,100")
    assert "南京市助学金" not in text and "无锡市助学金" not in text  # a city's project pays only its own students
    assert "测算口径" in text and "按特殊困难学生的 100% 获得资助测算" in text and "最高档" in text
    assert "跨学段学校（如九年一贯制）的学生平均分摊到其各学段" in text
    assert re.search(r'name="project" value="\d+" checked', response.text)
    assert "国家奖学金" in text  # listed, unticked


def test_assumptions_change_the_estimate_and_follow_into_the_level_below(client, login_as, world):
    projects = given_students_and_catalogue(world)
    login_as("province")
    query = f"?chosen=1&project={projects['primary'].id}&tier=lowest&coverage=50"
    response = client.get("/oversight/budget" + query)
    assert row_text(response, "南京市") == "南京市 18 4,500 2 0 2 0 0 0 22 4,500"  # 18 × 500 × 50%
    assert "按特殊困难学生的 50% 获得资助测算" in page_text(response) and "最低档" in page_text(response)
    link = re.search(r'href="(/oversight/budget/regions/320100\?[^"]*)"', response.text).group(1).replace("&amp;", "&")
    county_level = client.get(link)
    assert row_text(county_level, "玄武区") == "玄武区 13 3,250 2 0 0 0 15 3,250"


def test_a_city_counts_its_own_local_projects(client, login_as, world):
    given_students_and_catalogue(world)
    login_as("city")
    response = client.get("/oversight/budget")
    text = page_text(response)
    assert "南京市助学金" in text and "无锡市助学金" not in text
    assert "每生每年 1,400 元" in text  # 1,000 national + 200 a term × 2 terms
    assert row_text(response, "玄武区").startswith("玄武区 13 18,200 2 2,500")
    assert client.get("/oversight/budget/regions/320200").status_code == 404


def test_a_bad_coverage_or_tier_is_a_chinese_message(client, login_as, world):
    given_students_and_catalogue(world)
    login_as("province")
    for query, message in (("?coverage=abc", "资助覆盖比例“abc”无效"), ("?coverage=150", "资助覆盖比例“150”无效"),
                           ("?tier=top", "标准档次无法识别")):
        response = client.get("/oversight/budget" + query)
        assert response.status_code == 422 and message in page_text(response)
        assert "江苏省合计" not in page_text(response)
        assert re.search(r'name="project" value="\d+" checked', response.text)  # the form keeps what was ticked
    fragment = client.get("/oversight/budget?coverage=0", headers={"HX-Request": "true"})
    assert fragment.status_code == 422 and fragment.text.lstrip().startswith('<section id="budget">')


def test_the_estimate_exports_with_its_assumptions_and_is_audited(client, login_as, world):
    given_students_and_catalogue(world)
    login_as("province")
    response = client.get("/oversight/budget/regions/320000/export.xlsx")
    assert response.status_code == 200
    rows = read_xlsx(response.data)
    assert rows[0][:4] == ["名称", "代码", "小学特殊困难学生（人）", "小学测算经费（元）"]
    assert next(row for row in rows if row[0] == "江苏省合计")[-2:] == [34, 62100]
    assert any(row[0] == "测算口径" and "困难生生活补助" in row[1] for row in rows)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert "学生资助经费测算" in entry.detail and "江苏省" in entry.detail


def test_a_county_estimates_its_own_schools(client, world):
    given_students_and_catalogue(world)
    county = make_user(Role.COUNTY, region=world.xuanwu)
    db.session.commit()
    sign_in(client, county)
    response = client.get("/oversight/budget")
    assert row_text(response, "玄武区实验学校") == "玄武区实验学校 3 4,200 2 2,500 5 6,700"  # with 南京's 400
    assert client.get("/oversight/budget/regions/320104").status_code == 404
