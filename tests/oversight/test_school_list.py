"""The school list every count opens: the active schools in scope, filtered by region, flag and name, from
their progress rows; a page at a time, as a fragment for htmx; and its audited xlsx."""
from sqlalchemy import select

from calamine_helpers import read_xlsx
from factories import make_id_number, make_school, page_text
from oversight_helpers import progress_row
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.extensions import db
from portal.terms import current_term


def test_a_county_lists_the_schools_that_have_not_uploaded(client, login_as, world):
    enrolment = "学籍号,姓名,性别,身份证件号,学段,年级,班级,入学年月\n" + "".join(
        f",学生{serial},,{make_id_number(serial=serial)},小学,三年级,三年级（1）班,2024-09\n" for serial in (1, 2))
    upload.import_file(Actor.command_line(), enrolment.encode(), "学籍.csv", current_term(),
                       world.xuanwu_school)  # a real upload: the import writes the school's progress row
    db.session.commit()
    login_as("county")
    text = page_text(client.get("/oversight/schools"))
    assert "玄武区第一小学" in text and "玄武区第二小学" in text and "秦淮区" not in text
    assert "玄武区 · 全部学校：2 所" in text
    fragment = client.get("/oversight/schools?flag=not_uploaded", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="school-list">')
    assert "玄武区第二小学" in page_text(fragment) and "玄武区第一小学" not in page_text(fragment)
    uploaded = page_text(client.get("/oversight/schools?flag=uploaded"))
    assert "玄武区第一小学" in uploaded and "玄武区第二小学" not in uploaded


def test_flags_name_the_schools_to_chase(client, login_as, world):
    progress_row(world.xuanwu_school, status="returned", unfunded_without_reason=3, manual_pending=1)
    progress_row(world.xuanwu_school_2, status="approved", duplicates=2)
    progress_row(world.qinhuai_school, status="submitted")
    db.session.commit()
    login_as("city")
    expected = {"returned": ["玄武区第一小学"], "unaided": ["玄武区第一小学"], "manual_pending": ["玄武区第一小学"],
                "duplicates": ["玄武区第二小学"],
                "not_submitted": ["玄武区第一小学", "南京市职业教育中心"]}  # returned, or no row at all
    names = ["玄武区第一小学", "玄武区第二小学", "秦淮区第一小学", "南京市职业教育中心"]
    for flag, listed in expected.items():
        text = page_text(client.get(f"/oversight/schools?flag={flag}"))
        assert [name for name in names if name in text] == listed, flag
    direct = page_text(client.get("/oversight/schools?region=320100&direct=1"))
    assert "南京市职业教育中心" in direct and "玄武区第一小学" not in direct and "南京市直属" in direct
    by_name = page_text(client.get("/oversight/schools?q=秦淮"))
    assert "秦淮区第一小学" in by_name and "玄武区第一小学" not in by_name


def test_shell_schools_are_not_listed(client, login_as, world):
    make_school(world.xuanwu, "玄武区空壳学校", active=False)
    db.session.commit()
    login_as("county")
    assert "玄武区空壳学校" not in page_text(client.get("/oversight/schools"))


def test_the_list_pages_fifty_at_a_time(client, login_as, world):
    for number in range(60):
        make_school(world.qinhuai, f"秦淮区测试学校{number:02d}")
    db.session.commit()
    login_as("province")
    first = page_text(client.get("/oversight/schools?region=320104"))
    assert "第 1 / 2 页，共 61 条" in first
    second = client.get("/oversight/schools?region=320104&page=2", headers={"HX-Request": "true"})
    assert "秦淮区测试学校59" in page_text(second) and "秦淮区测试学校00" not in page_text(second)


def test_the_list_exports_what_it_shows(client, login_as, world):
    progress_row(world.xuanwu_school, status="returned", unfunded_without_reason=3, hardship=9)
    db.session.commit()
    login_as("county")
    sheet = read_xlsx(client.get("/oversight/schools/export.xlsx?flag=unaided").data)
    assert sheet[0][:3] == ["学校", "学校标识码", "所在区划"]
    assert [(line[0], line[5], line[7], line[11]) for line in sheet[1:]] == [("玄武区第一小学", 9, 3, "已退回")]
    detail = db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "export"))
    assert "学校名单（有应助未助学生）：玄武区（文件 " in detail  # then its rows and SHA-256
