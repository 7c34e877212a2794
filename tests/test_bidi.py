"""Bidi control characters in names (issue 14 point 6): a right-to-left override in a name would make it display
as another name, or turn the rest of a line around. One function (portal.bidi) neutralises them on every page,
in every xlsx export, and in the text cells of every import."""
import io

import pytest
from markupsafe import Markup

from calamine_helpers import read_xlsx
from factories import make_enrolled_student, make_id_number, page_text
from portal.bidi import BIDI_CONTROLS, neutralise_bidi
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.sheet_writer import write_xlsx
from portal.terms import current_term

CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
            "\u200f", "\u061c"]
SPOOFED = "张\u202e三丰\u202c\u2067李\u2069\u200f"  # shows as a different name where the controls survive


def test_the_list_is_the_issues():
    assert sorted(BIDI_CONTROLS) == sorted(CONTROLS)


@pytest.mark.parametrize("control", CONTROLS)
def test_each_control_is_removed_and_nothing_else(control):
    assert neutralise_bidi(f"王{control}小明 abc") == "王小明 abc"


def test_markup_stays_markup_and_other_values_pass():
    cleaned = neutralise_bidi(Markup("<b>\u202e名</b>"))
    assert isinstance(cleaned, Markup) and cleaned == Markup("<b>名</b>")
    assert neutralise_bidi(None) is None and neutralise_bidi(12) == 12 and neutralise_bidi("普通") == "普通"


def a_spoofed_student(world) -> HardshipStudent:
    make_enrolled_student(world.xuanwu_school, make_id_number(serial=5), SPOOFED, term=current_term().code)
    db.session.commit()
    return db.session.query(HardshipStudent).filter_by(name=SPOOFED).one()


def test_pages_show_the_name_without_controls(client, login_as, world):
    student = a_spoofed_student(world)  # stored with them (an older import, or written by another system)
    login_as("school")
    for address in (f"/enrolment/schools/{world.xuanwu_school.id}/library", f"/enrolment/students/{student.id}"):
        body = client.get(address).get_data(as_text=True)
        assert "张三丰李" in body, address
        assert not any(control in body for control in CONTROLS), address
    fragment = client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library", headers={"HX-Request": "true"})
    assert "张三丰李" in fragment.get_data(as_text=True)


def test_exports_write_the_name_without_controls(client, login_as, world):
    a_spoofed_student(world)
    login_as("school")
    response = client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library/export.xlsx")
    cells = [str(cell) for row in read_xlsx(response.data) for cell in row]
    assert "张三丰李" in cells and not any(control in cell for cell in cells for control in CONTROLS)
    assert read_xlsx(write_xlsx(["姓名"], [[SPOOFED]])) == [["姓名"], ["张三丰李"]]


def test_an_import_stores_names_without_controls(client, login_as, world):
    login_as("school")
    content = ("学籍号,姓名,性别,身份证件号,学段,年级,班级,入学年月\n"
               f",{SPOOFED},男,{make_id_number(serial=3)},小学,三年级,三年级（1）班,2024-09\n").encode("utf-8")
    preview = client.post("/enrolment/upload", data={"file": (io.BytesIO(content), "学籍.csv")},
                          content_type="multipart/form-data")
    assert "可导入学生 1 人" in page_text(preview)
    from portal.enrolment.models import EnrolmentStudent

    assert [student.name for student in db.session.query(EnrolmentStudent)] == ["张三丰李"]
