"""名单查询: the lists of people an upper tier looks through, for a region in its scope: base-library people by
户籍地 (疑似失学辍学, 本地户籍外地就读) and library students of the region's schools (外省户籍, 学籍重复, 应助未助,
困难等级未认定, 姓名不一致); filtered, a page at a time, as an audited xlsx, ID numbers showing region and birth year."""
import re
from datetime import datetime

from sqlalchemy import select

from calamine_helpers import read_xlsx
from factories import (make_enrolled_student, make_funding_record, make_id_number, make_library_person, page_text)
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.oversight import people
from portal.reasons.models import UnfundedReason
from portal.terms import Term, current_term
from portal.vocab import Category

TERM = current_term()
YEAR = TERM.year if TERM.season == "autumn" else TERM.year - 1  # the school year's 1 September


def born(age: int) -> str:
    """A birth date (mid-year) of someone turning `age` during the school year's first calendar year."""
    return f"{YEAR - age}0601"


def enrol(school, id_number: str, name: str, **flags):
    student = make_enrolled_student(school, id_number, name, term=TERM.code)
    for key, value in flags.items():
        setattr(student, key, value)
    db.session.flush()
    return student


def test_a_county_sees_its_compulsory_age_people_found_in_no_enrolment(client, login_as, world):
    missing = make_id_number("320102", born(10), 1)
    make_library_person(missing, "失学甲", Category.POVERTY)
    make_library_person(missing, "失学甲", Category.DIBAO)  # two categories, one person
    make_library_person(make_id_number("320999", born(7), 2), "户籍玄武", Category.ORPHAN, hukou_code="320102")
    enrolled = make_id_number("320102", born(9), 3)
    make_library_person(enrolled, "在读乙")
    enrol(world.xishan_school, enrolled, "在读乙")  # at a school of another city: still in the province
    make_library_person(make_id_number("320102", born(17), 4), "超龄丙")
    make_library_person(make_id_number("320102", born(4), 5), "学龄前丁")
    make_library_person(make_id_number("320104", born(10), 6), "秦淮戊")
    make_library_person(make_id_number("320102", born(10), 7), "外迁己", hukou_code="320104")
    db.session.commit()
    login_as("county")
    response = client.get("/oversight/lists?list=dropout")
    text = page_text(response)
    assert "玄武区 · 疑似失学辍学：2 人" in text
    assert "失学甲" in text and "户籍玄武" in text
    for name in ("在读乙", "超龄丙", "学龄前丁", "秦淮戊", "外迁己"):
        assert name not in text
    assert "建档立卡、低保" in text  # both categories on the one line
    assert f"320102{YEAR - 10}********" in text and missing not in response.text and missing[-4:] not in text


def test_compulsory_age_goes_by_birth_year(world):
    """2026秋 (and 2027春, the same school year): born 2011 to 2020, who turn 6 to 15 during 2026."""
    for serial, day in enumerate(("20101231", "20110101", "20201231", "20210101"), start=1):
        make_library_person(make_id_number("320102", day, serial), f"生于{day}")
    db.session.commit()
    for term in (Term(2026, "autumn"), Term(2027, "spring")):
        filters = people.PeopleFilter(people.PersonList.DROPOUT, world.xuanwu)
        listed = db.session.execute(people.library_people(term, filters)).all()
        assert sorted(row.name for row in listed) == ["生于20110101", "生于20201231"]


def test_local_people_studying_in_another_county(client, login_as, world):
    local = make_id_number("320102", born(12), 1)
    enrol(world.qinhuai_school, local, "跨区就读")  # ID from 玄武区, no 户籍地 given: 玄武区
    enrol(world.qinhuai_school, make_id_number("320104", born(12), 2), "秦淮本地")
    enrol(world.xuanwu_school, make_id_number("320102", born(12), 3), "玄武本地")
    enrol(world.xishan_school, make_id_number("320104", born(12), 4), "跨市就读")  # 秦淮 people in 无锡
    enrol(world.province_school, make_id_number("320102", born(19), 5), "省属高校")  # a school on the province
    db.session.commit()
    login_as("county")
    text = page_text(client.get("/oversight/lists?list=local_elsewhere"))
    assert "跨区就读" in text and "秦淮区第一小学" in text and "省属高校" in text
    assert "秦淮本地" not in text and "玄武本地" not in text and "跨市就读" not in text
    login_as("city")
    text = page_text(client.get("/oversight/lists?list=local_elsewhere"))
    assert "跨市就读" in text and "锡山区第一小学" in text and "省属高校" in text and "跨区就读" not in text


def test_the_province_lists_its_school_age_people_enrolled_nowhere_in_it(client, login_as, world):
    make_library_person(make_id_number("320102", born(20), 1), "外省读大学")
    make_library_person(make_id_number("320102", born(30), 2), "年长者")
    found = make_id_number("320205", born(20), 3)
    make_library_person(found, "省内读大学")
    enrol(world.province_school, found, "省内读大学")
    make_library_person(make_id_number("110101", born(20), 4), "京籍人员")
    db.session.commit()
    login_as("province")
    text = page_text(client.get("/oversight/lists?list=local_elsewhere"))
    assert "外省读大学" in text and "年长者" not in text and "省内读大学" not in text and "京籍人员" not in text
    assert "本省任何学校" in text  # the page says what the list holds


def test_the_student_lists_of_a_regions_schools(client, login_as, world):
    enrol(world.xuanwu_school, make_id_number("110101", born(10), 1), "外省学生", out_of_province=True,
          hukou_code="110101")
    enrol(world.xuanwu_school, make_id_number("320102", born(10), 2), "重复学生", duplicate=True, hardship_level="hardship")
    enrol(world.xuanwu_school_2, make_id_number("320102", born(10), 3), "改名学生", name_mismatch=True,
          library_name="原名学生", hardship_level="hardship")
    enrol(world.qinhuai_school, make_id_number("320104", born(10), 4), "秦淮重复", duplicate=True)
    enrol(world.xuanwu_school, make_id_number("320102", born(10), 5), "已认定", hardship_level="hardship")
    enrol(world.xuanwu_school, make_id_number("320102", born(10), 6), "离校学生", in_school=False)
    db.session.commit()
    login_as("county")
    expected = {"other_province": ["外省学生"], "duplicate": ["重复学生"], "name_mismatch": ["改名学生"],
                "ungraded": ["外省学生"]}
    names = ["外省学生", "重复学生", "改名学生", "秦淮重复", "已认定", "离校学生"]
    for kind, listed in expected.items():
        text = page_text(client.get(f"/oversight/lists?list={kind}"))
        assert [name for name in names if name in text] == listed, kind
    assert "基础信息库姓名：原名学生" in page_text(client.get("/oversight/lists?list=name_mismatch"))
    assert "北京市" in page_text(client.get("/oversight/lists?list=other_province"))  # its 户籍地 named
    login_as("city")
    text = page_text(client.get("/oversight/lists?list=duplicate"))
    assert "重复学生" in text and "秦淮重复" in text
    narrowed = page_text(client.get("/oversight/lists?list=duplicate&region=320104"))
    assert "秦淮重复" in narrowed and "重复学生" not in narrowed


def test_unaided_students_are_the_unfunded_without_a_reason_the_home_counts(client, login_as, world):
    from portal.progress.services import refresh_progress

    funded = enrol(world.xuanwu_school, make_id_number("320102", born(10), 1), "已资助")
    make_funding_record(funded, TERM.code)
    reasoned = enrol(world.xuanwu_school, make_id_number("320102", born(10), 2), "有原因")
    enrol(world.xuanwu_school, make_id_number("320102", born(10), 3), "应助未助甲")
    enrol(world.xuanwu_school_2, make_id_number("320102", born(10), 4), "应助未助乙")
    db.session.add(UnfundedReason(student_id=reasoned.id, school_id=reasoned.school_id, period=TERM.code,
                                  reason_code="other", note="测试", updated_at=datetime.now(), updated_by_name="测试"))
    refresh_progress(None, TERM.code)
    db.session.commit()
    login_as("county")
    home = client.get("/")
    assert "2 人 应助未助" in page_text(home)
    text = page_text(client.get(f"/oversight/lists?list=unaided&region=320102&term={TERM.code}"))
    assert "应助未助：2 人" in text and "应助未助甲" in text and "应助未助乙" in text
    assert "已资助" not in text.replace("应助未助", "") and "有原因" not in text


def test_filters_narrow_and_bad_values_are_ignored(client, login_as, world):
    make_library_person(make_id_number("320102", born(10), 1), "张三", Category.POVERTY)
    make_library_person(make_id_number("320102", born(11), 2), "李四", Category.ORPHAN)
    db.session.commit()
    login_as("county")
    text = page_text(client.get("/oversight/lists?list=dropout&category=orphan"))
    assert "李四" in text and "张三" not in text
    assert "张三" in page_text(client.get("/oversight/lists?list=dropout&q=张"))
    fragment = client.get("/oversight/lists?list=dropout&q=李", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="people-list">')  # the list alone, for htmx
    assert "李四" in page_text(fragment) and "张三" not in page_text(fragment)
    odd = client.get("/oversight/lists?list=nonsense&category=bogus&page=abc&term=1999")
    assert odd.status_code == 200 and "疑似失学辍学：2 人" in page_text(odd)


def test_a_region_outside_the_scope_is_not_found(client, login_as, world):
    login_as("county")
    assert client.get("/oversight/lists?region=320104").status_code == 404
    assert client.get("/oversight/lists/export.xlsx?region=320104").status_code == 404
    login_as("city")
    assert client.get("/oversight/lists?region=320205&list=duplicate").status_code == 404
    login_as("school")
    assert client.get("/oversight/lists").status_code in (403, 404)


def test_the_list_pages_fifty_at_a_time(client, login_as, world):
    for serial in range(60):
        make_library_person(make_id_number("320102", born(10), serial + 1), f"人员{serial:02d}")
    db.session.commit()
    login_as("county")
    first = page_text(client.get("/oversight/lists?list=dropout"))
    assert "第 1 / 2 页，共 60 条" in first
    second = page_text(client.get("/oversight/lists?list=dropout&page=2"))
    assert len(re.findall(r"人员\d\d", second)) == 10 and "人员59" in second


def test_the_export_is_masked_and_audited(client, login_as, world):
    number = make_id_number("320102", born(10), 1)
    make_library_person(number, "导出人员", Category.DISABLED)
    enrol(world.xuanwu_school, make_id_number("320102", born(10), 2), "重复导出", duplicate=True)
    db.session.commit()
    login_as("county")
    response = client.get(f"/oversight/lists/export.xlsx?list=dropout&term={TERM.code}")
    assert response.status_code == 200
    rows = read_xlsx(response.data)
    assert rows[0][:6] == ["姓名", "身份证件号（脱敏）", "性别", "出生年份", "户籍地", "困难类别"]
    assert rows[1][0] == "导出人员" and rows[1][1] == f"320102{YEAR - 10}********" and rows[1][5] == "残疾"
    assert number not in str(rows)
    students = read_xlsx(client.get("/oversight/lists/export.xlsx?list=duplicate").data)
    assert students[1][0] == "重复导出" and students[1][6] == "玄武区第一小学"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id)).all()
    # each entry names the list and carries the file's row count and SHA-256 (portal.audit)
    assert [entry.detail.split("（文件")[0] for entry in entries] == [f"{TERM.label}疑似失学辍学名单：玄武区，1 人",
                                                                    f"{TERM.label}学籍重复名单：玄武区，1 人"]
    assert all("1 行，SHA-256 " in entry.detail for entry in entries)


def test_the_menu_and_home_lead_to_the_lists(client, login_as, world):
    login_as("province")
    home = client.get("/").get_data(as_text=True)
    assert "/oversight/lists?list=dropout" in home.replace("&amp;", "&") or "list=dropout" in home
    assert "名单查询" in home
