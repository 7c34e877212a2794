"""A school uploads its enrolment file: template, preview with errors, confirm, and the library appears at once."""
import io

from sqlalchemy import func, select

from calamine_helpers import read_xlsx
from enrolment_helpers import student_row, xlsx_file
from factories import make_id_number, make_library_person, page_text
from portal.audit.models import AuditEntry
from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, HardshipStudent
from portal.extensions import db
from portal.vocab import Category


def post_file(client, content: bytes, filename: str = "学籍.xlsx", htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post("/enrolment/upload", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data", headers=headers)


def pending_upload_id() -> int:
    return db.session.scalar(select(EnrolmentUpload.id).where(EnrolmentUpload.status == "pending"))


def test_template_download_has_the_columns(client, login_as):
    login_as("school")
    response = client.get("/enrolment/template.xlsx")
    header = read_xlsx(response.data)[0]
    assert header[:8] == ["学籍号", "姓名", "性别", "身份证件号", "学段", "年级", "班级", "入学年月"]
    assert "户籍地" in header and "学校标识码" in header


def test_upload_page_has_htmx_progress_and_working_form(client, login_as):
    login_as("school")
    html = client.get("/enrolment/upload").get_data(as_text=True)
    assert 'hx-encoding="multipart/form-data"' in html and "<progress" in html and "处理中" in html
    assert 'enctype="multipart/form-data"' in html and "js/upload-progress.js" in html
    assert "<script>" not in html.replace('<script src=', '')  # no inline scripts: the CSP is 'self'


def test_preview_then_confirm_builds_the_library(client, login_as, world):
    make_library_person(make_id_number(serial=1), "学生1", Category.DIBAO)
    db.session.commit()
    login_as("school")
    preview = post_file(client, xlsx_file([student_row(1), student_row(2), student_row(3)]), htmx=True)
    assert preview.status_code == 200 and 'id="upload-result"' in preview.text and "<html" not in preview.text
    assert "可导入学生 3 人" in page_text(preview)
    assert db.session.scalar(select(func.count()).select_from(HardshipStudent)) == 0  # nothing matched yet
    confirmed = client.post(f"/enrolment/upload/{pending_upload_id()}/confirm")
    assert confirmed.status_code == 303
    library = client.get(confirmed.headers["Location"])
    text = page_text(library)
    assert "学籍已导入" in text and "学生1" in text and "低保" in text and "学生2" not in text
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "upload_enrolment"))
    assert "学生 3 人" in audit.detail and audit.school_id == world.xuanwu_school.id


def test_reupload_replaces_the_snapshot(client, login_as, world):
    login_as("school")
    for rows in ([student_row(1), student_row(2)], [student_row(3)]):
        post_file(client, xlsx_file(rows))
        client.post(f"/enrolment/upload/{pending_upload_id()}/confirm")
    statuses = dict(db.session.execute(select(EnrolmentUpload.students, EnrolmentUpload.status)).all())
    assert statuses == {2: "superseded", 1: "current"}
    assert db.session.scalar(select(func.count()).select_from(EnrolmentStudent)) == 1


def test_errors_are_listed_and_refused_rows_downloadable(client, login_as):
    login_as("school")
    bad = student_row(2)
    bad[3] = bad[3][:-1] + ("0" if bad[3][-1] != "0" else "1")
    response = post_file(client, xlsx_file([student_row(1), bad]), htmx=True)
    text = page_text(response)
    assert "错误 1 处" in text and "校验码不正确" in text and "整个文件不会导入" in text
    assert db.session.scalar(select(func.count()).select_from(EnrolmentUpload)) == 0
    token = response.text.split('name="token" value="')[1].split('"')[0]
    rows = read_xlsx(client.post("/enrolment/upload/refused", data={"token": token}).data)
    assert rows[0][-2:] == ["行号", "错误原因"] and rows[1][-2] == 3 and "校验码" in rows[1][-1]


def test_discard_keeps_the_old_snapshot(client, login_as):
    login_as("school")
    post_file(client, xlsx_file([student_row(1)]))
    client.post(f"/enrolment/upload/{pending_upload_id()}/confirm")
    post_file(client, xlsx_file([student_row(5), student_row(6)]))
    response = client.post(f"/enrolment/upload/{pending_upload_id()}/discard")
    assert response.status_code == 303
    current = db.session.scalar(select(EnrolmentUpload).where(EnrolmentUpload.status == "current"))
    assert current.students == 1
    assert db.session.scalar(select(func.count()).select_from(EnrolmentStudent)) == 1


def test_a_confirmed_upload_cannot_be_confirmed_twice(client, login_as):
    login_as("school")
    post_file(client, xlsx_file([student_row(1)]))
    upload_id = pending_upload_id()
    client.post(f"/enrolment/upload/{upload_id}/confirm")
    again = client.post(f"/enrolment/upload/{upload_id}/confirm")
    assert again.status_code == 422 and "已确认" in page_text(again)
