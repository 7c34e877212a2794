"""The school's library page: counts, the filtered and sorted table (htmx fragment), a student, reveal, export."""
import pytest
from sqlalchemy import select

from calamine_helpers import read_xlsx
from enrolment_helpers import student_row, xlsx_file
from factories import make_id_number, make_library_person, page_text
from portal import exports
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.terms import current_term
from portal.vocab import Category, DisabilityGrade, DisabilityType, HardshipLevel


@pytest.fixture
def school_library(world):
    """玄武区第一小学: 学生1 建档立卡 + 残疾 (二级肢体), 学生2 低保 in 二班, 学生3 not in the library."""
    make_library_person(make_id_number(serial=1), "学生1", Category.POVERTY)
    make_library_person(make_id_number(serial=1), "学生1", Category.DISABLED,
                        disability_type=DisabilityType.PHYSICAL.value, disability_grade=DisabilityGrade.SECOND.value)
    make_library_person(make_id_number(serial=2), "学生2", Category.DIBAO)
    db.session.commit()
    rows = [student_row(1), student_row(2, class_name="三年级（2）班"), student_row(3)]
    upload.import_file(Actor.command_line(), xlsx_file(rows), "学籍.xlsx", current_term(), world.xuanwu_school)
    db.session.commit()
    return {s.name: s for s in db.session.scalars(select(HardshipStudent))}


def library_url(world, **args):
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/enrolment/schools/{world.xuanwu_school.id}/library" + (f"?{query}" if query else "")


def test_counts_per_category_count_a_student_once_in_the_total(client, login_as, world, school_library):
    login_as("school")
    text = page_text(client.get("/enrolment/"))
    assert "2 特殊困难学生" in text and "1 建档立卡" in text and "1 残疾" in text and "1 低保" in text
    assert "比对确认的学生无需再提供证明材料" in text


def test_filters_answer_htmx_with_the_table_fragment(client, login_as, world, school_library):
    login_as("school")
    response = client.get(library_url(world, category="dibao"), headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.text.lstrip().startswith('<section id="library-table">')
    assert "学生2" in page_text(response) and "学生1" not in page_text(response)
    assert "HX-Request" in response.headers["Vary"]
    by_class = page_text(client.get(library_url(world, **{"class": "三年级（1）班"})))
    assert "学生1" in by_class and "学生2" not in by_class
    page = client.get(library_url(world)).get_data(as_text=True)
    assert 'hx-get="/enrolment/schools/' in page and 'hx-push-url="true"' in page and 'id="library-table"' in page


def test_sorting_by_name_both_ways(client, login_as, world, school_library):
    login_as("school")
    ascending = page_text(client.get(library_url(world, sort="name")))
    descending = page_text(client.get(library_url(world, sort="name", order="desc")))
    assert ascending.index("学生1") < ascending.index("学生2")
    assert descending.index("学生2") < descending.index("学生1")


def test_flag_filter_and_pagination(client, login_as, world):
    for serial in range(1, 56):
        make_library_person(make_id_number(serial=serial), f"学生{serial}", Category.POVERTY)
    db.session.commit()
    upload.import_file(Actor.command_line(), xlsx_file([student_row(n) for n in range(1, 56)]), "学籍.xlsx",
                       current_term(), world.xuanwu_school)
    db.session.commit()
    login_as("school")
    first = page_text(client.get(library_url(world)))
    assert "第 1 / 2 页，共 55 条" in first
    second = client.get(library_url(world, page=2), headers={"HX-Request": "true"})
    assert "第 2 / 2 页" in page_text(second) and f"/enrolment/schools/{world.xuanwu_school.id}/library" in second.text
    assert "没有符合条件的学生" in page_text(client.get(library_url(world, flag="duplicate")))
    assert "共 55 条" in page_text(client.get(library_url(world, flag="unverified")))


def test_student_page_masks_the_id_and_reveals_it_on_request(client, login_as, world, school_library):
    student = school_library["学生1"]
    login_as("school")
    text = page_text(client.get(f"/enrolment/students/{student.id}"))
    number = make_id_number(serial=1)
    assert number not in text and student.id_masked in text
    assert f"G{student.id_masked}" in text  # a 全国学籍号 holding the ID is masked as well
    assert "残疾" in text and "肢体 二级" in text and "无需再提供" in text and "江苏省南京市玄武区" in text
    assert 'name="reason"' in client.get(f"/enrolment/students/{student.id}").text  # the reveal asks why
    refused = client.post(f"/enrolment/students/{student.id}/reveal", headers={"HX-Request": "true"})
    assert refused.status_code == 422 and number not in refused.text and "请填写查看完整证件号的原因" in refused.text
    assert "<html" not in refused.text
    page = client.post(f"/enrolment/students/{student.id}/reveal", data={"reason": ""})
    assert page.status_code == 422 and "请填写查看完整证件号的原因" in page_text(page) and number not in page.text
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reveal_id")) is None
    revealed = client.post(f"/enrolment/students/{student.id}/reveal", data={"reason": "核对学籍"},
                           headers={"HX-Request": "true"})
    assert number in revealed.text and "<html" not in revealed.text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reveal_id"))
    assert entry is not None and entry.school_id == world.xuanwu_school.id and entry.detail == "原因：核对学籍"


def test_upper_tiers_open_a_school_library_from_the_school_page(client, login_as, world, school_library):
    login_as("county")
    school_page = client.get(f"/org/schools/{world.xuanwu_school.id}").get_data(as_text=True)
    assert f"/enrolment/schools/{world.xuanwu_school.id}/library" in school_page
    assert "学生1" in page_text(client.get(library_url(world)))
    assert client.get(f"/enrolment/students/{school_library['学生1'].id}").status_code == 200
    # but the county cannot verify: that is the school's work
    assert client.post(f"/enrolment/students/{school_library['学生1'].id}/verify").status_code == 404
    assert client.get(f"/enrolment/schools/{world.qinhuai_school.id}/library").status_code == 404


def test_earlier_terms_are_readable_but_closed(client, login_as, world, school_library):
    login_as("school")
    earlier = current_term().previous()
    text = page_text(client.get(library_url(world, term=earlier.code)))
    assert f"{earlier.label}学期已结束" in text and "学生1" not in text
    assert earlier.label in page_text(client.get(library_url(world)))  # the term selector offers it


def test_export_masks_ids_and_is_audited(client, login_as, world, school_library):
    login_as("school")
    response = client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library/export.xlsx")
    rows = read_xlsx(response.data)
    assert rows[0][:3] == ["学籍号", "姓名", "身份证件号"]
    first = next(row for row in rows if row[1] == "学生1")
    assert first[2] == school_library["学生1"].id_masked and first[6] == "建档立卡、残疾" and "肢体 二级" in first[7]
    assert len(rows) == 3
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export")) is not None


def test_export_command(app, world, school_library, tmp_path):
    out = tmp_path / "库.xlsx"
    result = app.test_cli_runner().invoke(args=["export-library", "--school", world.xuanwu_school.code, "--term",
                                                current_term().label, str(out)])
    assert result.exit_code == 0, result.output
    assert {row[1] for row in read_xlsx(out.read_bytes())[1:]} == {"学生1", "学生2"}


def test_verification_is_saved_in_place_and_counted(client, login_as, world, school_library):
    student = school_library["学生2"]
    login_as("school")
    response = client.post(f"/enrolment/students/{student.id}/verify", headers={"HX-Request": "true"},
                           data={"in_school": "1", "needs_aid": "1", "level": "hardship"})
    assert response.text.lstrip().startswith('<section class="card" id="verify-form">') and "已保存" in response.text
    db.session.expire_all()
    assert (student.in_school, student.needs_aid, student.hardship_level) == (True, True, "hardship")
    home = page_text(client.get("/"))
    assert "1 待核实" in home and "2 特殊困难学生" in home
    plain = client.post(f"/enrolment/students/{student.id}/verify", data={"in_school": "0"})
    assert plain.status_code == 303



def test_a_large_export_is_a_job_whose_file_holds_the_same_lines(client, login_as, world, school_library,
                                                                monkeypatch):
    """Up to exports.IN_REQUEST_ROWS students the file comes at once; above (a big school), the worker writes it."""
    first, second = school_library["学生1"], school_library["学生2"]
    first.duplicate, first.in_school, first.hardship_level = True, True, HardshipLevel.SPECIAL.value
    db.session.commit()
    login_as("school")
    url = f"/enrolment/schools/{world.xuanwu_school.id}/library/export.xlsx"
    in_request = read_xlsx(client.get(url).data)
    assert in_request[1:] == [
        [first.student_no, "学生1", first.id_masked, "小学", "三年级", "三年级（1）班", "建档立卡、残疾", "残疾：肢体 二级",
         "学籍重复", "", "是", "未填", "特别困难", ""],
        [second.student_no, "学生2", second.id_masked, "小学", "三年级", "三年级（2）班", "低保", "", "", "", "未填",
         "未填", "", ""]]
    monkeypatch.setattr(exports, "IN_REQUEST_ROWS", 1)

    response = client.get(url)

    assert response.status_code == 303 and "/jobs/" in response.headers["Location"]
    job = response.headers["Location"]
    text = page_text(client.get(job))
    assert "导出就学信息库" in text and "已导出 2 人" in text
    assert f"下载 玄武区第一小学{current_term().label}就学信息库.xlsx" in text
    assert read_xlsx(client.get(f"{job}/file").data) == in_request
