"""Matching a 外省下发 person: a 外省户籍特殊困难学生 of the types the push-down names (002) is a student of those
categories too, beside 外省下发, so a 外省 建档立卡 student is 建档立卡 wherever categories count."""
from sqlalchemy import select

from enrolment_helpers import student_row, xlsx_file
from factories import make_id_number, make_library_person, page_text
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.terms import current_term
from portal.vocab import Category


def test_an_out_of_province_poverty_student_is_a_poverty_student_for_the_school(client, login_as, world):
    """Matching gives the student the types beside 外省下发: the counts, the category filter and the student page."""
    anhui = make_id_number("340104", "20150901", 1)
    make_library_person(anhui, "外省生", Category.OUT_OF_PROVINCE, source_province="安徽省",
                        hardship_types="poverty,dibao")
    make_library_person(make_id_number(serial=2), "本省生", Category.DIBAO)
    db.session.commit()
    upload.import_file(Actor.command_line(), xlsx_file([student_row(1, "外省生", id_number=anhui),
                                                                  student_row(2, "本省生")]),
                                 "学籍.xlsx", current_term(), world.xuanwu_school)
    db.session.commit()
    student = db.session.scalar(select(HardshipStudent).where(HardshipStudent.name == "外省生"))
    assert student.categories == "poverty,dibao,out_of_province"
    assert {detail.category for detail in student.details} == {"poverty", "dibao", "out_of_province"}

    login_as("school")
    home = page_text(client.get("/enrolment/"))
    assert "2 特殊困难学生" in home and "1 建档立卡" in home and "2 低保" in home and "1 外省下发" in home
    library = f"/enrolment/schools/{world.xuanwu_school.id}/library"
    poverty = page_text(client.get(f"{library}?category=poverty"))
    assert "外省生" in poverty and "本省生" not in poverty
    assert "建档立卡" in page_text(client.get(f"/enrolment/students/{student.id}"))


def test_a_student_in_both_the_provinces_and_the_push_downs_poverty_lists_holds_it_once(world):
    number = make_id_number("340104", "20150901", 1)
    make_library_person(number, "外省生", Category.POVERTY, poverty_status="lifted")
    make_library_person(number, "外省生", Category.OUT_OF_PROVINCE, hardship_types="poverty")
    db.session.commit()
    upload.import_file(Actor.command_line(), xlsx_file([student_row(1, "外省生", id_number=number)]),
                                 "学籍.xlsx", current_term(), world.xuanwu_school)
    db.session.commit()
    student = db.session.scalar(select(HardshipStudent))
    assert student.categories == "poverty,out_of_province"
    assert sorted((detail.category, detail.poverty_status) for detail in student.details) == [
        ("out_of_province", None), ("poverty", "lifted")]
