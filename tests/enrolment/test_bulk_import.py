"""The province's bulk enrolment import: one file for many schools (a 学校标识码 column), read, checked, made
each school's snapshot and matched by a background job; a file with any error imports nothing and its page lists
the refused rows with the file's row numbers."""
import io

from sqlalchemy import func, select

from calamine_helpers import read_xlsx
from enrolment_helpers import HEADER, student_row, xlsx_file
from factories import make_library_person, page_text
from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, UploadStatus
from portal.extensions import db
from portal.jobs.models import Job
from portal.progress.models import SchoolProgress
from portal.terms import current_term

BULK_HEADER = [*HEADER, "学校标识码"]


def _post(client, content: bytes, name: str = "全省学籍.xlsx"):
    return client.post("/enrolment/bulk", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_the_province_imports_many_schools_in_a_job_and_their_progress_follows(client, login_as, world):
    matched = student_row(1)
    make_library_person(matched[3], "学生1")
    rows = [[*matched, world.xuanwu_school.code], [*student_row(2), world.xuanwu_school.code],
            [*student_row(3, region="320104"), world.qinhuai_school.code]]
    login_as("province")
    assert "上传多校学籍文件" in page_text(client.get("/enrolment/bulk"))
    response = _post(client, xlsx_file(rows, BULK_HEADER))
    assert response.status_code == 303 and "/jobs/" in response.headers["Location"]
    text = page_text(client.get(response.headers["Location"]))
    assert "学籍批量导入（多校）" in text and "完成" in text and "已导入 2 所学校的 3 名学生" in text
    assert "3 / 3 行（100%）" in text
    term = current_term().code
    progress = dict(db.session.execute(select(SchoolProgress.school_id, SchoolProgress.students)
                                       .where(SchoolProgress.term == term)).all())
    assert progress[world.xuanwu_school.id] == 2 and progress[world.qinhuai_school.id] == 1
    assert db.session.scalar(select(func.count()).select_from(EnrolmentUpload)
                             .where(EnrolmentUpload.status == UploadStatus.CURRENT)) == 2


def test_a_file_with_errors_imports_nothing_and_its_rows_are_listed(client, login_as, world):
    rows = [[*student_row(1), world.xuanwu_school.code],
            [*student_row(2), "3199999999"],  # file row 3: no such school
            [*student_row(3)[:3], "320102201509010", *student_row(3)[4:], world.qinhuai_school.code]]  # row 4
    login_as("province")
    job_page = client.get(_post(client, xlsx_file(rows, BULK_HEADER)).headers["Location"])
    text = page_text(job_page)
    assert "失败" in text and "整个文件未导入，各校原有学籍保持不变" in text
    assert db.session.scalar(select(func.count()).select_from(EnrolmentStudent)) == 0
    assert db.session.scalar(select(func.count()).select_from(EnrolmentUpload)) == 0
    job = db.session.scalar(select(Job))
    refused = client.get(f"/enrolment/bulk?job={job.id}")
    assert refused.status_code == 200
    listed = page_text(refused)
    assert "有错误的行 2 行" in listed and "学校标识码 3199999999 不存在或学校已无效" in listed
    assert "3 学校标识码" in listed and "4 身份证件号" in listed
    token = refused.text.split('name="token" value="')[1].split('"')[0]
    sheet = read_xlsx(client.post("/enrolment/bulk/refused", data={"token": token}).data)
    assert [line[1] for line in sheet[1:]] == ["学生2", "学生3"]


def test_only_the_province_imports_for_every_school(client, login_as, world):
    login_as("city")
    assert client.get("/enrolment/bulk").status_code == 404
