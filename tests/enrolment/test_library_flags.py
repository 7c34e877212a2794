"""The library's four flags as the users they are for see them: 外省户籍 (the 户籍地 named from the national code
table), 学籍重复 (both schools and both counties), 新增 (added by hand) and 姓名不一致; each with its filter."""
from sqlalchemy import select

from enrolment_helpers import student_row, xlsx_file
from factories import make_id_number, make_library_person, page_text
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.terms import current_term
from portal.vocab import Category

SHARED = make_id_number(serial=7)  # enrolled at 玄武区第一小学 and at 锡山区第一小学
ANHUI = make_id_number(region="340104", serial=8)  # an ID first issued in 合肥市蜀山区


def upload_rows(school, rows):
    preview, run = upload.import_file(Actor.command_line(), xlsx_file(rows), "学籍.xlsx", current_term(), school)
    db.session.commit()
    assert preview.ok, preview.errors


def student_named(name: str, school) -> HardshipStudent:
    return db.session.scalar(select(HardshipStudent).where(HardshipStudent.name == name,
                                                           HardshipStudent.school_id == school.id))


def library_text(client, school, **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return page_text(client.get(f"/enrolment/schools/{school.id}/library" + (f"?{query}" if query else "")))


def test_duplicate_enrolment_is_shown_to_both_schools_and_both_counties(client, login_as, world):
    make_library_person(SHARED, "两校生", Category.DIBAO)
    make_library_person(make_id_number(serial=9), "本校生", Category.POVERTY)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(7, "两校生"), student_row(9, "本校生")])
    upload_rows(world.xishan_school, [student_row(7, "两校生", id_number=SHARED)])
    for role, region, school, other in (("school", None, world.xuanwu_school, world.xishan_school),
                                        ("county", world.xuanwu, world.xuanwu_school, world.xishan_school),
                                        ("school", None, world.xishan_school, world.xuanwu_school),
                                        ("county", world.xishan, world.xishan_school, world.xuanwu_school)):
        client.post("/logout")
        login_as(role, **({"region": region} if region else {"school": school}))
        flagged = library_text(client, school, flag="duplicate")
        assert "两校生" in flagged and "学籍重复" in flagged and "本校生" not in flagged, (role, school.name)
        page = page_text(client.get(f"/enrolment/students/{student_named('两校生', school).id}"))
        assert "学籍重复" in page and f"{other.name}，{other.region.name}" in page, (role, school.name)
    # the other school's pupil stays out of reach: only its school's name is told
    assert client.get(f"/enrolment/students/{student_named('两校生', world.xuanwu_school).id}").status_code == 404


def test_name_mismatch_shows_both_spellings_and_filters(client, login_as, world):
    make_library_person(make_id_number(serial=1), "王小明", Category.POVERTY)
    make_library_person(make_id_number(serial=2), "李 华", Category.POVERTY)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(1, "王晓明"), student_row(2, "李华")])
    login_as("school")
    flagged = library_text(client, world.xuanwu_school, flag="name_mismatch")
    assert "王晓明" in flagged and "姓名不一致" in flagged and "李华" not in flagged  # spaces are forgiven
    page = page_text(client.get(f"/enrolment/students/{student_named('王晓明', world.xuanwu_school).id}"))
    assert "基础信息库中该身份证件号对应的姓名为“王小明”，学籍中为“王晓明”" in page and "请核对" in page


def test_out_of_province_names_the_hukou_place_and_filters(client, login_as, world):
    make_library_person(ANHUI, "外省生", Category.OUT_OF_PROVINCE)
    make_library_person(make_id_number(serial=2), "本省生", Category.POVERTY)
    make_library_person(make_id_number(serial=3), "有户籍地", Category.POVERTY)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(8, "外省生", id_number=ANHUI), student_row(2, "本省生"),
                                      student_row(3, "有户籍地", hukou="320205")])
    login_as("school")
    flagged = library_text(client, world.xuanwu_school, flag="out_of_province")
    assert "外省生" in flagged and "外省户籍" in flagged and "本省生" not in flagged
    page = page_text(client.get(f"/enrolment/students/{student_named('外省生', world.xuanwu_school).id}"))
    assert "户籍地 户籍地未填写，按身份证件号前六位判断： 安徽省合肥市蜀山区" in page and "外省户籍" in page
    given = page_text(client.get(f"/enrolment/students/{student_named('有户籍地', world.xuanwu_school).id}"))
    assert "户籍地 江苏省无锡市锡山区" in given and "户籍地未填写" not in given and "外省户籍" not in given


def test_the_hukou_the_file_gives_decides_out_of_province_not_the_id_prefix(client, login_as, world):
    make_library_person(ANHUI, "皖生苏籍", Category.POVERTY)  # the library knows no 户籍地 of either
    make_library_person(make_id_number(serial=2), "苏生皖籍", Category.POVERTY)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(8, "皖生苏籍", id_number=ANHUI, hukou="320102"),
                                      student_row(2, "苏生皖籍", hukou="340104")])
    login_as("school")
    flagged = library_text(client, world.xuanwu_school, flag="out_of_province")
    assert "苏生皖籍" in flagged and "皖生苏籍" not in flagged
    local = page_text(client.get(f"/enrolment/students/{student_named('皖生苏籍', world.xuanwu_school).id}"))
    assert "户籍地 江苏省南京市玄武区" in local and "外省户籍" not in local and "户籍地未填写" not in local
    outside = page_text(client.get(f"/enrolment/students/{student_named('苏生皖籍', world.xuanwu_school).id}"))
    assert "户籍地 安徽省合肥市蜀山区 外省户籍" in outside

    # the next file leaves 户籍地 out: the ID's prefix decides, and the page says so
    upload_rows(world.xuanwu_school, [student_row(8, "皖生苏籍", id_number=ANHUI), student_row(2, "苏生皖籍")])
    prefix = page_text(client.get(f"/enrolment/students/{student_named('皖生苏籍', world.xuanwu_school).id}"))
    assert "户籍地未填写，按身份证件号前六位判断： 安徽省合肥市蜀山区 外省户籍" in prefix
    flagged = library_text(client, world.xuanwu_school, flag="out_of_province")
    assert "皖生苏籍" in flagged and "苏生皖籍" not in flagged


def test_a_manual_addition_carries_the_new_flag(client, login_as, world):
    make_library_person(make_id_number(serial=1), "比对生", Category.POVERTY)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(1, "比对生"), student_row(40, "自采集生")])
    login_as("school")
    added = client.post("/enrolment/add", data={
        "id_number": make_id_number(serial=40), "name": "自采集生", "stage": "primary", "grade": "四年级",
        "class_name": "四年级（3）班", "categories": ["orphan"], "note": "民政部门证明其为孤儿"})
    assert added.status_code == 303
    flagged = library_text(client, world.xuanwu_school, flag="manual")
    assert "自采集生" in flagged and "新增" in flagged and "比对生" not in flagged
    page = page_text(client.get(added.headers["Location"]))
    assert "新增（学校自采集）" in page and "待审核" in page and "无需再提供" not in page
    matched = page_text(client.get(f"/enrolment/students/{student_named('比对生', world.xuanwu_school).id}"))
    assert "在线比对" in matched and "无需再提供对应困难类型的证明材料" in matched and "新增" not in matched.split("退出")[1]
