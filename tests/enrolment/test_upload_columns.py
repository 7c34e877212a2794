"""Files as 学籍 systems export them: without 学段 or 入学年月 (the stage read from the grade within the school's
registered stages), the preview telling which column was read as which field, and the template that keeps IDs."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from calamine_helpers import read_xlsx
from enrolment_helpers import xlsx_file
from factories import make_id_number, make_school, page_text
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.enrolment.grades import StageRule
from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload
from portal.extensions import db
from portal.terms import current_term
from portal.vocab import Stage

EXPORT_HEADER = ["序号", "学生姓名", "性别", "身份证号码", "全国学籍号", "所在年级", "所在班级", "备注"]


def export_row(serial: int, grade: str, region: str = "320102") -> list:
    """A row of a 学籍 system's export: no 学段, no 入学年月, a column the portal does not read."""
    number = make_id_number(region, "20150901", serial)
    return [serial, f"学生{serial}", "男", number, f"G{number}", grade, f"{grade}（1）班", ""]


def post_file(client, content: bytes, filename: str = "学籍导出.xlsx"):
    return client.post("/enrolment/upload", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def pending_id() -> int:
    return db.session.scalar(select(EnrolmentUpload.id).where(EnrolmentUpload.status == "pending"))


def stored() -> dict[str, tuple]:
    return {name: (stage, entry) for name, stage, entry in db.session.execute(
        select(EnrolmentStudent.name, EnrolmentStudent.stage, EnrolmentStudent.entry_month))}


def test_an_export_without_stage_and_entry_month_reads_and_confirms(client, login_as, world):
    login_as("school")
    rows = [export_row(serial, grade) for serial, grade in ((1, "一年级"), (2, "三年级"), (3, "六年级"))]
    preview = post_file(client, xlsx_file(rows, EXPORT_HEADER, title="玄武区第一小学学生名册"))
    text = page_text(preview)
    assert preview.status_code == 200 and "可导入学生 3 人" in text and "缺少必需的列" not in text
    assert stored() == {"学生1": ("primary", None), "学生2": ("primary", None), "学生3": ("primary", None)}
    assert client.post(f"/enrolment/upload/{pending_id()}/confirm").status_code == 303


def test_the_preview_shows_which_column_was_read_as_which_field(client, login_as, world):
    login_as("school")
    text = page_text(post_file(client, xlsx_file([export_row(1, "三年级")], EXPORT_HEADER)))
    assert "文件中各列的识别结果" in text
    for header, field in (("学生姓名", "姓名"), ("身份证号码", "身份证件号"), ("全国学籍号", "学籍号"),
                          ("所在年级", "年级"), ("所在班级", "班级")):
        assert f"{header} {field}" in text, header
    assert "备注 未识别，不导入" in text and "序号 未识别，不导入" in text
    assert "（文件中没有） 学段：按年级判断" in text and "（文件中没有） 入学年月：留空" in text
    assert "（文件中没有） 户籍地：外省户籍按身份证件号前六位（签发地）判断" in text


def test_a_nine_year_school_reads_each_grade_into_its_stage_and_refuses_what_it_cannot_decide(client, login_as,
                                                                                              world):
    school = make_school(world.xuanwu, "玄武区九年一贯制学校", stages="primary,junior")
    db.session.commit()
    login_as("school", school=school)
    rows = [export_row(1, "三年级"), export_row(2, "七年级"), export_row(3, "初三")]
    assert "可导入学生 3 人" in page_text(post_file(client, xlsx_file(rows, EXPORT_HEADER)))
    assert {name: stage for name, (stage, _) in stored().items()} == {"学生1": "primary", "学生2": "junior",
                                                                      "学生3": "junior"}
    refused = page_text(post_file(client, xlsx_file([*rows, export_row(4, "2021级"), export_row(5, "")],
                                                    EXPORT_HEADER)))
    assert "错误 2 处" in refused and "整个文件不会导入" in refused
    assert ("5 学段 无法确定学段：年级“2021级”无法识别，本校登记的学段为小学、初中。请在文件中增加“学段”列并填写，"
            "或把年级写成“三年级”“七年级”“高一”这样的形式") in refused
    assert "6 学段 无法确定学段：年级为空" in refused


def test_a_stage_column_still_decides_and_a_blank_cell_falls_back_to_the_grade(client, login_as, world):
    school = make_school(world.xuanwu, "玄武区九年一贯制学校", stages="primary,junior")
    db.session.commit()
    login_as("school", school=school)
    header = ["姓名", "身份证件号", "学籍号", "性别", "学段", "年级", "班级"]
    rows = [["学生1", make_id_number(serial=1), "", "", "初中", "2021级", "1班"],
            ["学生2", make_id_number(serial=2), "", "", "", "八年级", "2班"]]
    assert "可导入学生 2 人" in page_text(post_file(client, xlsx_file(rows, header)))
    assert stored() == {"学生1": ("junior", None), "学生2": ("junior", None)}


@pytest.mark.parametrize("stages, grade, decided", [
    ("primary", "2021级", Stage.PRIMARY),  # the school's only stage
    ("primary", None, Stage.PRIMARY),
    ("primary", "小学三年级", Stage.PRIMARY),
    ("primary,junior", "初一", Stage.JUNIOR),
    ("primary,junior", "９年级", Stage.JUNIOR),  # full-width digits
    ("senior", "高二", Stage.SENIOR),
    ("vocational", "高二", Stage.VOCATIONAL),
    ("vocational", "一年级", Stage.VOCATIONAL),  # a 中职 school numbers its grades too
    ("vocational", "中职一年级", Stage.VOCATIONAL),
    ("preschool,primary", "中班", Stage.PRESCHOOL),
    ("preschool,primary", "一年级", Stage.PRIMARY),
    ("undergraduate,graduate", "大二", Stage.UNDERGRADUATE),
    ("undergraduate,graduate", "研一", Stage.GRADUATE),
    ("primary", "七年级", Stage.JUNIOR),  # another stage's grade keeps its stage: the preview warns
])
def test_the_stage_is_read_from_the_grade_within_the_school_stages(stages, grade, decided):
    assert StageRule(stages).stage_of(grade) == decided


@pytest.mark.parametrize("stages, grade, told", [
    ("senior,vocational", "高一", "年级“高一”在本校可能是普通高中或中职，请在文件中增加“学段”列并填写（如“普通高中”）"),
    ("primary,vocational", "二年级", "年级“二年级”在本校可能是小学或中职"),
    ("undergraduate,graduate", "一年级", "年级“一年级”在本校可能是本专科或研究生"),
    ("primary,junior", "2021级", "年级“2021级”无法识别，本校登记的学段为小学、初中"),
])
def test_a_grade_that_cannot_decide_the_stage_says_how_to_fix_it(stages, grade, told):
    reason = StageRule(stages).stage_of(grade)
    assert isinstance(reason, str) and reason.startswith("无法确定学段：") and told in reason


def test_the_province_bulk_import_reads_each_school_stage_without_a_stage_column(app, world):
    vocational = world.nanjing_city_school  # registered for 中职 only
    header = ["学校标识码", "姓名", "身份证件号", "学籍号", "性别", "年级", "班级"]
    rows = [[world.xuanwu_school.code, "小学生", make_id_number(serial=1), "", "", "一年级", "1班"],
            [vocational.code, "中职生", make_id_number(serial=2), "", "", "一年级", "1班"],
            [world.qinhuai_school.code, "无年级", make_id_number(serial=3), "", "", "", ""]]
    preview, run = upload.import_file(Actor.command_line(), xlsx_file(rows, header), "全省学籍.xlsx", current_term())
    db.session.commit()
    assert preview.ok and run is not None and preview.schools == 3
    assert {name: stage for name, (stage, _) in stored().items()} == {"小学生": "primary", "中职生": "vocational",
                                                                      "无年级": "primary"}


def test_the_template_keeps_ids_as_text_and_its_example_off_the_data_sheet(client, login_as):
    login_as("school")
    content = client.get("/enrolment/template.xlsx").data
    assert read_xlsx(content) == [[column.label for column in upload.COLUMNS]]  # the header alone
    book = load_workbook(io.BytesIO(content))
    data, guide = book.worksheets
    assert data.title == "学籍" and guide.title == "填写说明"
    assert data.column_dimensions["D"].number_format == "@"  # 身份证件号: Excel keeps all 18 digits
    guide_text = " ".join(str(cell) for row in read_xlsx(content, sheet=1) for cell in row)
    assert "本说明页不会导入" in guide_text and "3.2E+17" in guide_text and upload.TEMPLATE_EXAMPLE[3] in guide_text


def test_the_template_filled_in_uploads_as_it_is(client, login_as):
    login_as("school")
    book = load_workbook(io.BytesIO(client.get("/enrolment/template.xlsx").data))
    data = book.worksheets[0]
    for serial in (1, 2):
        number = make_id_number(serial=serial)
        data.append(["", f"学生{serial}", "", number, "", "三年级", "三年级（1）班"])
        data.cell(row=data.max_row, column=4).number_format = "@"  # as Excel stores a cell typed into the column
    filled = io.BytesIO()
    book.save(filled)
    text = page_text(post_file(client, filled.getvalue(), "学籍导入模板.xlsx"))
    assert "可导入学生 2 人" in text and "错误 0 处" in text  # the guide sheet's example is not read


@pytest.mark.parametrize("role, url, id_column", [
    ("department", "/library/import/poverty/template.xlsx", "B"),
    ("school", "/funding/import/template.xlsx", "B"),
    ("province", "/org/import/schools/template.xlsx", "A"),
])
def test_every_import_template_is_made_the_same_way(client, login_as, role, url, id_column):
    login_as(role)
    content = client.get(url).data
    assert len(read_xlsx(content)) == 1 and len(read_xlsx(content, sheet=1)) > 3  # header; the guide apart
    assert load_workbook(io.BytesIO(content)).worksheets[0].column_dimensions[id_column].number_format == "@"
