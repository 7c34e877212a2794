"""Bad enrolment files: every one is refused with a Chinese reason and nothing at all is written; first through
the services, then as a school meets them on the upload page, over a snapshot that must stay current."""
import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from bad_files import PDF, full_sheet_xlsx, zip_bomb
from calamine_helpers import read_xlsx
from enrolment_helpers import HEADER, csv_file, student_row, xlsx_file
from factories import make_enrolled_student, make_id_number, make_library_person, page_text
from portal import sheets
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.enrolment.common import EnrolmentError, ensure_term_open
from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, HardshipStudent, MatchingRun
from portal.extensions import db
from portal.idcard import check_digit
from portal.progress.models import SchoolProgress
from portal.terms import Term, current_term
from portal.vocab import Category


def nothing_written():
    for table in (EnrolmentUpload, EnrolmentStudent, HardshipStudent):
        assert db.session.scalar(select(func.count()).select_from(table)) == 0, table


def preview(world, content, filename="学籍.xlsx"):
    """The preview as the upload page has it: a file with refused rows comes back with them, nothing kept."""
    try:
        return upload.preview_upload(Actor.command_line(), world.xuanwu_school, current_term(), content, filename)
    except upload.RowsRefused as refused:
        db.session.rollback()
        return refused.preview
    except EnrolmentError:
        db.session.rollback()
        raise


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


def test_a_repeat_in_a_later_batch_refuses_the_rows_already_written(app, world):
    """The file is read, checked and written a batch of rows at a time: a student repeated a batch later is still
    named with the first row, and the earlier batches' rows are not kept."""
    rows = [student_row(serial, id_number=make_id_number(born=f"2015{1 + serial // 1000:02d}01", serial=serial % 1000))
            for serial in range(1, sheets.BATCH_ROWS + 11)]
    rows.append(student_row(1, name="重复", id_number=rows[0][3]))
    assert "与第 2 行重复" in refused_reasons(world, csv_file(rows), "学籍.csv")
    clean = preview(world, csv_file(rows[:-1]), "学籍.csv")
    assert clean.ok and clean.students == sheets.BATCH_ROWS + 10
    assert db.session.scalar(select(func.count()).select_from(EnrolmentStudent)) == sheets.BATCH_ROWS + 10


def test_upload_for_a_closed_term_is_refused(app, world, tmp_path):
    earlier = current_term().previous()
    make_enrolled_student(world.xuanwu_school, make_id_number(serial=9), "上学期学生", term=earlier.code)
    db.session.commit()
    kept = snapshot_state()
    with pytest.raises(EnrolmentError, match="学期已结束"):
        upload.preview_upload(Actor.command_line(), world.xuanwu_school, earlier, xlsx_file([student_row(1)]), "a.xlsx")
    with pytest.raises(EnrolmentError, match="尚未开始"):
        ensure_term_open(current_term().following())
    ensure_term_open(Term(2026, "autumn"), today=date(2026, 11, 22))
    with pytest.raises(EnrolmentError, match="2026春学期已结束"):
        ensure_term_open(Term(2026, "spring"), today=date(2026, 11, 22))
    clean = tmp_path / "学籍.xlsx"
    clean.write_bytes(xlsx_file([student_row(1), student_row(2)]))
    runner = app.test_cli_runner()
    outcome = runner.invoke(args=["import-enrolment", "--school", world.xuanwu_school.code, "--term",
                                  earlier.label, str(clean)])
    assert outcome.exit_code != 0
    assert f"{earlier.label}学期已结束，数据只能查看，不能再上传或修改" in outcome.output
    assert snapshot_state() == kept


def test_dangerous_names_are_text_escaped_and_exported_as_text(app, world, client, login_as, tmp_path):
    script, formula = "<script>alert(1)</script>", '=HYPERLINK("http://x","点我")'
    make_library_person(make_id_number(serial=1), script, Category.POVERTY)
    make_library_person(make_id_number(serial=2), formula, Category.POVERTY)
    db.session.commit()
    login_as("school")
    preview = post_file(client, xlsx_file([student_row(1, script), student_row(2, formula)]))
    assert "可导入学生 2 人" in page_text(preview) and "<script>alert" not in preview.text
    pending = db.session.scalar(select(EnrolmentUpload.id).where(EnrolmentUpload.status == "pending"))
    assert client.post(f"/enrolment/upload/{pending}/confirm").status_code == 303
    assert set(db.session.scalars(select(EnrolmentStudent.name))) == {script, formula}
    students = {student.name: student for student in db.session.scalars(select(HardshipStudent))}
    assert set(students) == {script, formula}
    html = client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    student_page = client.get(f"/enrolment/students/{students[script].id}").get_data(as_text=True)
    assert "<script>alert" not in student_page and "&lt;script&gt;alert(1)&lt;/script&gt;" in student_page
    exported = client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library/export.xlsx").data
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet
    assert formula in {row[1] for row in read_xlsx(exported)}
    out = tmp_path / "library.xlsx"
    done = app.test_cli_runner().invoke(args=["export-library", "--school", world.xuanwu_school.code, "--term",
                                              current_term().label, str(out)])
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(out) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    assert formula in {row[1] for row in read_xlsx(out.read_bytes())}


def test_http_refusal_shows_the_reason_and_writes_nothing(client, login_as, world):
    login_as("school")
    response = client.post("/enrolment/upload", data={"file": (io.BytesIO(b"%PDF-1.4 x"), "学籍.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "不是有效的 Excel 文件" in page_text(response)
    nothing_written()


# -- through the upload page, as a school does it, over a snapshot already in place -----------------
def post_file(client, content: bytes, filename: str = "学籍.xlsx"):
    return client.post("/enrolment/upload", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def snapshot_state() -> tuple:
    """Everything an upload could write: the uploads and their statuses, students, library, matching, progress."""
    db.session.expire_all()
    uploads = db.session.execute(select(EnrolmentUpload.id, EnrolmentUpload.status).order_by(EnrolmentUpload.id)).all()
    counts = [db.session.scalar(select(func.count()).select_from(table))
              for table in (EnrolmentStudent, HardshipStudent, MatchingRun)]
    library = db.session.execute(select(HardshipStudent.id, HardshipStudent.name, HardshipStudent.categories)
                                 .order_by(HardshipStudent.id)).all()
    progress = db.session.execute(select(SchoolProgress.school_id, SchoolProgress.students, SchoolProgress.hardship,
                                         SchoolProgress.uploaded_at).order_by(SchoolProgress.school_id)).all()
    uploads_audited = db.session.scalar(select(func.count()).where(AuditEntry.action == "upload_enrolment"))
    return uploads, counts, library, progress, uploads_audited


@pytest.fixture
def snapshot_before(client, login_as, world):
    """The school signed in, with a confirmed snapshot of three students for the term (学生1 in the library)."""
    make_library_person(make_id_number(serial=1), "学生1", Category.POVERTY)
    db.session.commit()
    login_as("school")
    assert post_file(client, xlsx_file([student_row(n) for n in (1, 2, 3)])).status_code == 200
    pending = db.session.scalar(select(EnrolmentUpload.id).where(EnrolmentUpload.status == "pending"))
    assert client.post(f"/enrolment/upload/{pending}/confirm").status_code == 303
    before = snapshot_state()
    assert [status for _, status in before[0]] == ["current"] and before[1][:2] == [3, 1]
    return before


def refused_on_the_page(response) -> str:
    assert response.status_code in (200, 422), response.status_code
    text = page_text(response)
    assert "确认导入并比对" not in text
    return text


def _rounded_id_row() -> list:
    row = student_row(5)
    row[3] = 3.20102201509010e17
    return row


def _wrong_check_digit_row() -> list:
    row = student_row(5)
    row[3] = row[3][:-1] + ("1" if row[3][-1] != "1" else "2")
    return row


def _born(day: str) -> list:
    body = f"320102{day}123"
    return student_row(5, id_number=body + check_digit(body))


@pytest.mark.parametrize("make, filename, messages", [
    (lambda: xlsx_file([student_row(4), _rounded_id_row()]), "学籍.xlsx",
     ["身份证件号被 Excel 存成了数字，末几位已丢失", "设置为“文本”格式后重新导出", "错误 1 处"]),
    (lambda: xlsx_file([student_row(4), _wrong_check_digit_row()]), "学籍.xlsx", ["校验码不正确", "错误 1 处"]),
    (lambda: xlsx_file([student_row(4), _born("20150230")]), "学籍.xlsx", ["出生日期不存在"]),
    (lambda: xlsx_file([student_row(4), _born("20991231")]), "学籍.xlsx", ["出生日期晚于今天"]),
    (lambda: xlsx_file([student_row(4), student_row(5), student_row(4, name="重复")]), "学籍.xlsx",
     ["与第 2 行重复：同一学生在文件中出现两次", "错误 1 处"]),
    (lambda: xlsx_file([["学生4", "小学"]], header=["姓名", "学段"]), "学籍.xlsx", ["缺少必需的列：", "身份证件号"]),
    (lambda: b"", "学籍.xlsx", ["文件为空"]),
    (lambda: xlsx_file([]), "学籍.xlsx", ["文件为空"]),
    (lambda: PDF, "学籍.xlsx", ["不是有效的 Excel 文件"]),
    (lambda: PDF, "学籍.csv", ["不是有效的 Excel 文件"]),
    (zip_bomb, "学籍.xlsx", ["压缩炸弹"]),
], ids=["excel-rounded-id", "check-digit", "no-such-day", "born-in-future", "same-student-twice", "no-id-column",
        "zero-bytes", "header-only", "pdf-as-xlsx", "pdf-as-csv", "zip-bomb"])
def test_a_bad_file_on_the_page_keeps_the_previous_snapshot(client, snapshot_before, make, filename, messages):
    text = refused_on_the_page(post_file(client, make(), filename))
    for message in messages:
        assert message in text, text
    assert snapshot_state() == snapshot_before


def test_a_file_over_the_size_limit_on_the_page(client, app, snapshot_before, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 4096)
    content = xlsx_file([student_row(n) for n in range(4, 200)])
    assert len(content) > 4096
    assert "文件超过大小上限" in refused_on_the_page(post_file(client, content))
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)  # the web server's own limit on a request
    response = post_file(client, content)
    assert response.status_code == 413 and "上传的文件超过大小上限，请拆分后再上传" in page_text(response)
    assert snapshot_state() == snapshot_before


def test_a_sheet_of_1048576_rows_on_the_page(client, snapshot_before):
    text = refused_on_the_page(post_file(client, full_sheet_xlsx(tuple(HEADER))))
    assert "数据行数超过上限：每次最多导入 100,000 行，本文件有 1,048,575 行" in text
    assert snapshot_state() == snapshot_before


def test_a_file_of_another_school_on_the_page(client, world, snapshot_before):
    theirs = [student_row(n) + [world.xishan_school.code] for n in (4, 5)]
    text = refused_on_the_page(post_file(client, xlsx_file(theirs, header=HEADER + ["学校标识码"])))
    assert f"文件属于其他学校：学校标识码与本校（{world.xuanwu_school.code}）不符" in text
    mixed = [student_row(4) + [world.xuanwu_school.code], student_row(5) + [world.xishan_school.code]]
    text = refused_on_the_page(post_file(client, xlsx_file(mixed, header=HEADER + ["学校标识码"])))
    assert f"学校标识码 {world.xishan_school.code} 不是本校（{world.xuanwu_school.code}），文件属于其他学校" in text
    assert snapshot_state() == snapshot_before


def test_no_one_but_the_school_uploads_or_confirms_its_snapshot(client, login_as, world, snapshot_before):
    """The enrolment counterpart of a department uploading another's category: the wrong account gets 404."""
    post_file(client, xlsx_file([student_row(4)]))  # the school's own clean preview, left pending
    pending = db.session.scalar(select(EnrolmentUpload.id).where(EnrolmentUpload.status == "pending"))
    before = snapshot_state()
    login_as("school", school=world.xuanwu_school_2)
    for response in (client.post(f"/enrolment/upload/{pending}/confirm"),
                     client.post(f"/enrolment/upload/{pending}/discard")):
        assert response.status_code == 404 and "页面不存在" in page_text(response)
    for role in ("county", "department"):
        login_as(role)
        response = post_file(client, xlsx_file([student_row(4)]))
        assert response.status_code == 404 and "页面不存在" in page_text(response)
    assert snapshot_state() == before


def test_confirming_after_the_term_closed_keeps_the_previous_snapshot(client, snapshot_before, monkeypatch):
    post_file(client, xlsx_file([student_row(4)]))
    pending = db.session.scalar(select(EnrolmentUpload.id).where(EnrolmentUpload.status == "pending"))
    before = snapshot_state()
    closed, following = current_term(), current_term().following()

    class NextTerm(date):
        @classmethod
        def today(cls):
            return cls(following.starts.year, following.starts.month, 2)

    monkeypatch.setattr("portal.terms.date", NextTerm)
    response = client.post(f"/enrolment/upload/{pending}/confirm")
    assert response.status_code == 422
    assert f"{closed.label}学期已结束，数据只能查看，不能再上传或修改" in page_text(response)
    assert snapshot_state() == before
