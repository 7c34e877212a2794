"""A wrong file must not wipe a school's library under a green banner: the preview warns in red when the file's
stages or grades do not fit the school, or when confirming would remove hardship students, and confirming then
needs the school's explicit acknowledgement (enforced by the server, nothing changed without it)."""
import io

from sqlalchemy import func, select

from enrolment_helpers import student_row, xlsx_file
from factories import make_id_number, make_library_person, page_text
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.enrolment.models import EnrolmentUpload, HardshipStudent
from portal.extensions import db
from portal.terms import current_term
from portal.vocab import Category

ACKNOWLEDGE = "我已核对以上提示，仍要导入"


def post_file(client, content: bytes):
    return client.post("/enrolment/upload", data={"file": (io.BytesIO(content), "学籍.xlsx")},
                       content_type="multipart/form-data")


def pending_id() -> int:
    return db.session.scalar(select(EnrolmentUpload.id).where(EnrolmentUpload.status == "pending"))


def junior_row(serial: int, stage: str = "初中") -> list:
    """A row of a 初中's file: born 2012, 七年级."""
    number = make_id_number("320102", "20120901", serial)
    return [f"G{number}", f"初中生{serial}", "", number, stage, "七年级", "七年级（1）班", "2025-09", ""]


def active_hardship() -> int:
    return db.session.scalar(select(func.count()).where(HardshipStudent.active.is_(True)))


def school_with_three_hardship_students(world):
    for serial in (1, 2, 3):
        make_library_person(make_id_number(serial=serial), f"学生{serial}", Category.POVERTY)
    db.session.commit()
    upload.import_file(Actor.command_line(), xlsx_file([student_row(n) for n in range(1, 6)]), "学籍.xlsx",
                       current_term(), world.xuanwu_school)
    db.session.commit()
    assert active_hardship() == 3


def test_a_junior_school_file_in_a_primary_school_is_warned_in_red_and_needs_the_tick(client, login_as, world):
    school_with_three_hardship_students(world)
    login_as("school")
    preview = post_file(client, xlsx_file([junior_row(n) for n in range(1, 21)]))
    html, text = preview.get_data(as_text=True), page_text(preview)
    assert "可导入学生 20 人" in text
    assert "该文件的学段或年级与本校登记的学段（小学）不符，可能不是本校的学籍文件：学段“初中” 20 人。" in text
    assert "确认后将移出 3 名特殊困难学生" in text and "学生1（三年级（1）班）、学生2（三年级（1）班）、学生3" in text
    assert 'class="error-box risks" role="alert"' in html
    assert 'name="acknowledged" value="1" required' in html and ACKNOWLEDGE in text

    refused = client.post(f"/enrolment/upload/{pending_id()}/confirm")
    text = page_text(refused)
    assert refused.status_code == 422 and "未导入：预览中有红色提示" in text and "勾选“我已核对以上提示" in text
    assert "将移出 3 名特殊困难学生" in text and ACKNOWLEDGE in text  # the preview again, with its box
    assert active_hardship() == 3 and db.session.scalar(
        select(EnrolmentUpload.filename).where(EnrolmentUpload.status == "current")) == "学籍.xlsx"

    confirmed = client.post(f"/enrolment/upload/{pending_id()}/confirm", data={"acknowledged": "1"})
    assert confirmed.status_code == 303 and "移出 3" in page_text(client.get(confirmed.headers["Location"]))
    assert active_hardship() == 0
    audit = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "upload_enrolment")
                           .order_by(AuditEntry.id.desc())).first()
    assert "学校已确认提示：学段或年级与本校登记的学段（小学）不符；将移出 3 名特殊困难学生" in audit


def test_an_htmx_confirmation_without_the_tick_answers_with_the_preview_fragment(client, login_as, world):
    school_with_three_hardship_students(world)
    login_as("school")
    post_file(client, xlsx_file([student_row(1), student_row(2)]))  # 学生3 would leave the library
    refused = client.post(f"/enrolment/upload/{pending_id()}/confirm", headers={"HX-Request": "true"})
    assert refused.status_code == 422 and refused.text.lstrip().startswith('<section id="upload-result">')
    text = page_text(refused)
    assert "未导入" in text and "确认后将移出 1 名特殊困难学生" in text and "学生3（三年级（1）班）" in text
    assert active_hardship() == 3


def test_grades_of_another_stage_are_warned_even_under_the_right_stage(client, login_as, world):
    login_as("school")
    text = page_text(post_file(client, xlsx_file([junior_row(1, stage="小学"), student_row(2)])))
    assert "学段或年级与本校登记的学段（小学）不符" in text and "年级“七年级” 1 人" in text
    assert "将移出" not in text and ACKNOWLEDGE in text


def test_a_fitting_file_that_removes_no_one_needs_no_tick(client, login_as, world):
    school_with_three_hardship_students(world)
    login_as("school")
    preview = post_file(client, xlsx_file([student_row(n) for n in range(1, 7)]))
    text = page_text(preview)
    assert "请先核对" not in text and ACKNOWLEDGE not in text and 'name="acknowledged"' not in preview.text
    assert client.post(f"/enrolment/upload/{pending_id()}/confirm").status_code == 303
    assert active_hardship() == 3


def test_the_removal_count_is_what_confirming_removes(app, world):
    school_with_three_hardship_students(world)
    make_library_person(make_id_number(serial=4), "学生4", Category.DIBAO)
    db.session.commit()  # 学生4 is found by the new file; 学生2 and 学生3 leave it
    preview = upload.preview_upload(Actor.command_line(), world.xuanwu_school, current_term(),
                                    xlsx_file([student_row(1), student_row(4)]), "新学籍.xlsx")
    assert (preview.risks.removed, preview.risks.misfit) == (2, False)
    run = upload.confirm_upload(Actor.command_line(), world.xuanwu_school, preview.upload_ids[0], acknowledged=True)
    assert (run.gone, run.new, run.students) == (2, 1, 2)


def test_the_confirmation_judges_the_files_stages_against_the_schools_stages_as_they_are_now(client, login_as, world):
    login_as("school")
    assert "学段“初中” 2 人" in page_text(post_file(client, xlsx_file([junior_row(1), junior_row(2)])))
    world.xuanwu_school.stages = "primary,junior"  # registered as a 九年一贯制 school meanwhile
    db.session.commit()
    confirmed = client.post(f"/enrolment/upload/{pending_id()}/confirm")
    assert confirmed.status_code == 303  # nothing left to acknowledge
    assert db.session.scalar(select(EnrolmentUpload.students).where(EnrolmentUpload.status == "current")) == 2


def test_an_upload_waiting_across_the_upgrade_keeps_its_warnings(client, login_as, world):
    """Migration 0017 counts the stages and grades of the uploads still waiting for confirmation."""
    from flask_migrate import downgrade, upgrade

    login_as("school")
    post_file(client, xlsx_file([junior_row(1), junior_row(2), student_row(3)]))
    waiting = pending_id()
    db.session.remove()
    downgrade(revision="0016_progress_trim")
    try:
        db.session.remove()
    finally:
        upgrade()
    assert sorted(db.session.get(EnrolmentUpload, waiting).stage_grades, key=str) == [
        ["junior", "七年级", 2], ["primary", "三年级", 1]]
    refused = client.post(f"/enrolment/upload/{waiting}/confirm")
    assert refused.status_code == 422 and "学段“初中” 2 人" in page_text(refused)
