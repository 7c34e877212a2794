"""Bad enrolment files: every one is refused with a Chinese reason, and nothing at all is written."""
import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from calamine_helpers import read_xlsx
from enrolment_helpers import HEADER, csv_file, student_row, xlsx_file
from factories import make_id_number, make_library_person, page_text
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.enrolment.common import EnrolmentError, ensure_term_open
from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, HardshipStudent
from portal.extensions import db
from portal.terms import Term, current_term
from portal.vocab import Category


def nothing_written():
    for table in (EnrolmentUpload, EnrolmentStudent, HardshipStudent):
        assert db.session.scalar(select(func.count()).select_from(table)) == 0, table


def preview(world, content, filename="学籍.xlsx"):
    return upload.preview_upload(Actor.command_line(), world.xuanwu_school, current_term(), content, filename)


def refused_reasons(world, content, filename="学籍.xlsx") -> str:
    result = preview(world, content, filename)
    assert not result.ok and result.errors
    nothing_written()
    return " ".join(f"{error.column}:{error.reason}" for error in result.errors)


def test_numeric_id_that_excel_truncated(app, world):
    row = student_row(1)
    row[3] = 3.20102201509010e17
    assert "Excel" in refused_reasons(world, xlsx_file([student_row(2), row]))


def test_wrong_check_digit_and_impossible_birth_date(app, world):
    wrong = student_row(1)
    wrong[3] = wrong[3][:-1] + ("1" if wrong[3][-1] != "1" else "2")
    impossible = student_row(2, id_number=make_id_number(born="20150230"))
    reasons = refused_reasons(world, xlsx_file([wrong, impossible, student_row(3)]))
    assert "校验码不正确" in reasons and "出生日期不存在" in reasons


@pytest.mark.parametrize("content, filename, message", [
    (xlsx_file([["张三", "小学"]], header=["姓名", "学段"]), "a.xlsx", "缺少必需的列"),
    (b"", "a.xlsx", "文件为空"),
    (xlsx_file([]), "a.xlsx", "文件为空"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "a.xlsx", "不是有效的 Excel 文件"),
    (b"%PDF-1.4\n" + bytes(range(256)), "a.csv", "不是有效的 Excel 文件"),
])
def test_whole_file_refusals(app, world, content, filename, message):
    with pytest.raises(EnrolmentError, match=message):
        preview(world, content, filename)
    nothing_written()


def test_zip_bomb(app, world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(300):
                member.write(b"\0" * (1024 * 1024))
    with pytest.raises(EnrolmentError, match="压缩炸弹"):
        preview(world, out.getvalue())
    nothing_written()


def test_size_and_row_limits(app, world):
    app.config.update(UPLOAD_MAX_BYTES=2048, ENROLMENT_MAX_ROWS=5)
    try:
        with pytest.raises(EnrolmentError, match="文件超过大小上限"):
            preview(world, xlsx_file([student_row(n) for n in range(1, 200)]))
        app.config["UPLOAD_MAX_BYTES"] = 50 * 1024 * 1024
        with pytest.raises(EnrolmentError, match="数据行数超过上限"):
            preview(world, csv_file([student_row(n) for n in range(1, 8)]), "学籍.csv")
    finally:
        app.config.update(UPLOAD_MAX_BYTES=50 * 1024 * 1024, ENROLMENT_MAX_ROWS=100_000)
    nothing_written()


def test_a_file_of_another_school(app, world):
    rows = [student_row(1) + [world.xishan_school.code], student_row(2) + [world.xishan_school.code]]
    with pytest.raises(EnrolmentError, match="文件属于其他学校"):
        preview(world, xlsx_file(rows, header=HEADER + ["学校标识码"]))
    nothing_written()
    mixed = [student_row(1) + [world.xuanwu_school.code], student_row(2) + [world.xishan_school.code]]
    assert "文件属于其他学校" in refused_reasons(world, xlsx_file(mixed, header=HEADER + ["学校标识码"]))


def test_the_same_student_twice_in_one_file(app, world):
    twice = student_row(1, name="重复")
    assert "与第 2 行重复" in refused_reasons(world, xlsx_file([student_row(1), student_row(2), twice]))


def test_upload_for_a_closed_term_is_refused(app, world):
    earlier = current_term().previous()
    with pytest.raises(EnrolmentError, match="学期已结束"):
        upload.preview_upload(Actor.command_line(), world.xuanwu_school, earlier, xlsx_file([student_row(1)]), "a.xlsx")
    with pytest.raises(EnrolmentError, match="尚未开始"):
        ensure_term_open(current_term().following())
    ensure_term_open(Term(2026, "autumn"), today=date(2026, 11, 22))
    with pytest.raises(EnrolmentError, match="2026春学期已结束"):
        ensure_term_open(Term(2026, "spring"), today=date(2026, 11, 22))
    runner = app.test_cli_runner()
    outcome = runner.invoke(args=["import-enrolment", "--school", world.xuanwu_school.code, "--term",
                                  earlier.label, __file__])
    assert outcome.exit_code != 0 and "学期已结束" in outcome.output
    nothing_written()


def test_dangerous_names_are_text_escaped_and_exported_as_text(app, world, client, login_as):
    script, formula = "<script>alert(1)</script>", '=HYPERLINK("http://x","点我")'
    make_library_person(make_id_number(serial=1), script, Category.POVERTY)
    make_library_person(make_id_number(serial=2), formula, Category.POVERTY)
    db.session.commit()
    result, run = upload.import_file(Actor.command_line(), xlsx_file([student_row(1, script), student_row(2, formula)]),
                                     "学籍.xlsx", current_term(), world.xuanwu_school)
    assert run.students == 2
    names = set(db.session.scalars(select(HardshipStudent.name)))
    assert names == {script, formula}
    login_as("school")
    html = client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    exported = client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library/export.xlsx").data
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet
    assert formula in {row[1] for row in read_xlsx(exported)}


def test_http_refusal_shows_the_reason_and_writes_nothing(client, login_as, world):
    login_as("school")
    response = client.post("/enrolment/upload", data={"file": (io.BytesIO(b"%PDF-1.4 x"), "学籍.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "不是有效的 Excel 文件" in page_text(response)
    nothing_written()
