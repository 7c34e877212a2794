"""Each tier's home says what to do this term: counts of schools to chase, each opening the list of those schools
in one click; cities and the province see the same per region below them, read from progress rows."""
import re

from factories import page_text
from oversight_helpers import progress_row, todo_counts
from portal.extensions import db


def given_figures(world):
    progress_row(world.xuanwu_school, status="returned", unfunded_without_reason=3, manual_pending=1)
    progress_row(world.xuanwu_school_2, uploaded=False, status="approved", duplicates=2)
    progress_row(world.qinhuai_school, status="submitted")
    progress_row(world.xishan_school, uploaded=False, unfunded_without_reason=1)
    db.session.commit()


def test_a_county_home_counts_its_schools_to_chase_and_each_count_opens_them(client, login_as, world):
    given_figures(world)
    login_as("county")
    home = client.get("/")
    counts = todo_counts(home)
    assert {label: count for label, (count, _) in counts.items()} == {
        "未上传学籍": "1", "未资助情况未提交": "1", "被退回待重报": "1", "逾期未提交": "0", "有应助未助学生": "1",
        "新增学生待审核": "1", "有学籍重复学生": "1"}
    assert "下级区划待办" not in page_text(home)
    listed = page_text(client.get(counts["未上传学籍"][1]))
    assert "玄武区第二小学" in listed and "玄武区第一小学" not in listed
    listed = page_text(client.get(counts["有应助未助学生"][1]))
    assert "玄武区第一小学" in listed and "玄武区第二小学" not in listed


def test_a_city_home_shows_its_totals_and_each_county(client, login_as, world):
    given_figures(world)
    login_as("city")
    home = client.get("/")
    counts = todo_counts(home)
    assert counts["未资助情况未提交"][0] == "2"  # 玄武区一小 (returned) and the city's own school (nothing yet)
    text = page_text(home)
    assert "下级区划待办" in text and "锡山" not in text
    qinhuai = re.search(r"秦淮区</a></th>(.*?)</tr>", home.text, re.S).group(1)
    assert re.sub(r"\s+|<[^>]+>", " ", qinhuai).split() == ["1", "0", "0", "0", "0", "0", "0", "0"]
    direct = re.search(r"直属学校</th>(.*?)</tr>", home.text, re.S).group(1)
    link = re.search(r'href="([^"]+)">1</a>', direct).group(1).replace("&amp;", "&")
    assert "direct=1" in link and "flag=not_uploaded" in link  # the city runs it itself: no row, nothing uploaded
    assert "南京市职业教育中心" in page_text(client.get(link))


def test_the_province_home_covers_every_city(client, login_as, world):
    given_figures(world)
    login_as("province")
    home = client.get("/")
    assert todo_counts(home)["未上传学籍"][0] == "4"  # two without a row, two not uploaded
    wuxi = re.search(r"无锡市</a></th>(.*?)</tr>", home.text, re.S).group(1)
    assert 'flag=unaided' in wuxi and "region=320200" in wuxi


def test_the_home_counts_every_active_school_below_the_user(client, login_as, world):
    world.xuanwu_school_2.active = False  # a 空壳 school: said apart, counted nowhere
    db.session.commit()
    login_as("city")
    home = client.get("/")
    text = page_text(home)
    assert "辖区内 3 所学校（另有 1 所无效学校，不计入进度）" in text
    assert [re.sub(r"\s+|<[^>]+>", " ", cells).split()[0] for cells in
            re.findall(r"(?:玄武区</a>|秦淮区</a>|直属学校)</th>(.*?)</tr>", home.text, re.S)] == ["1", "1", "1"]
    assert "无锡市" not in text and "江苏第一大学" not in text
    login_as("province")
    province = client.get("/")
    assert re.sub(r"\s+|<[^>]+>", " ", re.search(r"南京市</a></th>(.*?)</tr>", province.text, re.S).group(1)).split()[0] == "3"
    assert "直属学校" in page_text(province)  # 江苏第一大学 hangs on the province itself


def test_school_and_department_homes_are_their_own(client, login_as, world):
    login_as("school")
    assert "玄武区第一小学" in page_text(client.get("/"))
    login_as("department")
    assert "导入基础信息" in page_text(client.get("/"))
