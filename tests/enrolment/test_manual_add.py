"""新增: the school adds a student the match missed; the county approves or rejects it with a reason, in place."""
import pytest
from sqlalchemy import select

from factories import make_id_number, page_text
from portal.audit.models import AuditEntry
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.progress.services import progress_of
from portal.terms import current_term


def addition(**overrides):
    """The form as a school sends it, having confirmed that the student is not (yet) in its 学籍."""
    form = {"id_number": make_id_number(serial=40), "name": "漏比对", "student_no": "", "stage": "primary",
            "grade": "四年级", "class_name": "四年级（3）班", "categories": ["dibao", "disabled"], "dibao_type": "rural",
            "disability_type": "hearing", "disability_grade": "3", "note": "民政部门证明其为农村低保",
            "not_enrolled_confirmed": "1"}
    form.update(overrides)
    return form


def add(client, **overrides):
    return client.post("/enrolment/add", data=addition(**overrides))


def added() -> HardshipStudent:
    return db.session.scalar(select(HardshipStudent).where(HardshipStudent.name == "漏比对"))


def test_school_adds_a_student_pending_review(client, login_as, world):
    login_as("school")
    response = add(client)
    assert response.status_code == 303
    student = added()
    assert student.source == "manual" and student.review_status == "pending"
    assert student.categories == "dibao,disabled" and student.id_masked == make_id_number(serial=40)[:6] + "*" * 12
    assert {d.category: d.detail_text for d in student.details} == {"dibao": "农村", "disabled": "听力 三级"}
    text = page_text(client.get(response.headers["Location"]))
    assert "待审核" in text and "民政部门证明" in text
    progress = progress_of(world.xuanwu_school.id, current_term().code)
    assert (progress.manual_pending, progress.hardship) == (1, 0)  # counted once approved
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "add_student")) is not None


def test_the_add_form_refuses_bad_input(client, login_as, world):
    login_as("school")
    for overrides, message in [({"id_number": "32010220150901004"}, "身份证件号"), ({"name": ""}, "姓名"),
                               ({"categories": []}, "困难类别"), ({"note": ""}, "说明")]:
        response = add(client, **overrides)
        assert response.status_code == 422 and message in page_text(response), overrides
    add(client)
    again = add(client)
    assert again.status_code == 422 and "已在本校" in page_text(again)


def test_county_approves_in_place(client, login_as, world):
    login_as("school")
    add(client)
    client.post("/logout")
    login_as("county")
    listing = page_text(client.get("/enrolment/review"))
    assert "漏比对" in listing and "玄武区第一小学" in listing and "低保（农村）" in listing
    row = client.post(f"/enrolment/students/{added().id}/review", data={"decision": "approve"},
                      headers={"HX-Request": "true"})
    assert row.text.lstrip().startswith(f'<tr id="addition-{added().id}">') and "已通过" in row.text
    progress = progress_of(world.xuanwu_school.id, current_term().code)
    assert (progress.manual_pending, progress.hardship, progress.dibao) == (0, 1, 1)


def test_county_rejects_with_a_reason_the_school_then_sees(client, login_as, world):
    login_as("school")
    add(client)
    client.post("/logout")
    login_as("county")
    url = f"/enrolment/students/{added().id}/review"
    without = client.post(url, data={"decision": "reject"}, headers={"HX-Request": "true"})
    assert "请填写原因" in without.text and added().review_status == "pending"
    client.post(url, data={"decision": "reject", "comment": "低保证明已过期"}, headers={"HX-Request": "true"})
    assert added().review_status == "rejected"
    client.post("/logout")
    login_as("school")
    text = page_text(client.get(f"/enrolment/students/{added().id}"))
    assert "未通过" in text and "低保证明已过期" in text
    assert "漏比对" in page_text(client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library?flag=rejected"))
    resubmitted = add(client, note="已补充新的低保证明")
    assert resubmitted.status_code == 303 and added().review_status == "pending"


def test_reviewers_are_the_school_authority_only(client, login_as, world):
    login_as("school", school=world.nanjing_city_school)
    add(client)
    client.post("/logout")
    login_as("county")
    assert "漏比对" not in page_text(client.get("/enrolment/review", headers={"HX-Request": "true"}))
    assert client.post(f"/enrolment/students/{added().id}/review", data={"decision": "approve"}).status_code == 404
    client.post("/logout")
    login_as("city")  # 南京市 reviews the schools directly under it
    assert "漏比对" in page_text(client.get("/enrolment/review"))


@pytest.mark.parametrize("school, reviewer", [("xuanwu_school", "县级"), ("nanjing_city_school", "市级")])
def test_the_school_is_told_who_reviews_its_addition(client, login_as, world, school, reviewer):
    login_as("school", school=getattr(world, school))
    response = add(client)
    assert f"已新增 漏比对，待{reviewer}资助部门审核" in page_text(client.get(response.headers["Location"]))


def test_a_student_added_by_hand_is_flagged_while_another_school_enrols_them(client, login_as, world):
    """Not in the base library, so no other school's library holds them: their snapshot does."""
    from enrolment_helpers import student_row, xlsx_file
    from portal.audit.services import Actor
    from portal.enrolment import upload

    def xishan_enrols(*serials):
        rows = [student_row(serial, f"锡山生{serial}") for serial in serials]
        preview, _ = upload.import_file(Actor.command_line(), xlsx_file(rows), "学籍.xlsx", current_term(),
                                        world.xishan_school)
        db.session.commit()
        assert preview.ok, preview.errors
        db.session.expire_all()

    xishan_enrols(40, 41)
    login_as("school")
    assert add(client).status_code == 303
    page = page_text(client.get(f"/enrolment/students/{added().id}"))
    assert added().duplicate and "学籍重复" in page and "锡山区第一小学" in page
    xishan_enrols(41)  # the student left 锡山区第一小学
    assert not added().duplicate
    xishan_enrols(40)
    assert added().duplicate


NOT_ENROLLED_BOX = "该生确在本校就读，仍要新增"


def enrol_at_xuanwu(world, *rows):
    from enrolment_helpers import student_row, xlsx_file
    from portal.audit.services import Actor
    from portal.enrolment import upload

    rows = rows or [student_row(1, "在籍生")]
    preview, _ = upload.import_file(Actor.command_line(), xlsx_file(list(rows)), "学籍.xlsx", current_term(),
                                    world.xuanwu_school)
    db.session.commit()
    assert preview.ok, preview.errors


def test_a_student_not_in_the_school_enrolment_is_warned_and_added_only_when_confirmed(client, login_as, world):
    enrol_at_xuanwu(world)
    login_as("school")
    warned = add(client, not_enrolled_confirmed="")
    text = page_text(warned)
    masked = make_id_number(serial=40)[:6] + "*" * 12
    assert warned.status_code == 422 and f"本校{current_term().label}已上传的学籍中没有身份证件号 {masked}" in text
    assert "请先核对证件号是否填错" in text and NOT_ENROLLED_BOX in text
    assert 'name="not_enrolled_confirmed" value="1" required' in warned.text and 'value="漏比对"' in warned.text
    assert added() is None
    confirmed = add(client)
    assert confirmed.status_code == 303 and added().review_status == "pending"
    page = page_text(client.get(confirmed.headers["Location"]))
    assert f"本校{current_term().label}学籍中没有该身份证件号：该生由学校新增，审核时请核实其是否在本校就读" in page
    audit = db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "add_student"))
    assert "本校学籍中无此证件号，学校确认仍新增" in audit
    client.post("/logout")
    login_as("county")  # the reviewer reads it on the student's page too
    assert "学籍中没有该身份证件号" in page_text(client.get(f"/enrolment/students/{added().id}"))


def test_without_an_uploaded_enrolment_the_school_is_told_it_cannot_be_checked(client, login_as, world):
    login_as("school")
    text = page_text(add(client, not_enrolled_confirmed=""))
    assert f"本校尚未上传{current_term().label}学籍，无法核对身份证件号" in text and NOT_ENROLLED_BOX in text
    assert added() is None


def test_a_student_of_the_school_enrolment_is_added_without_a_warning_with_its_hukou(client, login_as, world):
    from enrolment_helpers import student_row

    anhui_hukou = student_row(40, "漏比对", hukou="340104")
    enrol_at_xuanwu(world, student_row(1, "在籍生"), anhui_hukou)
    login_as("school")
    response = add(client, not_enrolled_confirmed="")
    assert response.status_code == 303
    page = page_text(client.get(response.headers["Location"]))
    assert "学籍中没有该身份证件号" not in page and "户籍地 安徽省合肥市蜀山区 外省户籍" in page
    assert added().hukou_code == "340104" and added().out_of_province
