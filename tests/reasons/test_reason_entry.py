"""A school gives each unfunded library student a reason, inline (one student) or for many at once."""
from datetime import date

import pytest
from sqlalchemy import func, select

from factories import make_funding_record, make_unfunded_student, page_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.oversight.figures import figures_of
from portal.terms import current_term
from portal.progress.models import ReasonsProgress
from portal.reasons.models import UnfundedReason
from portal.review.models import PeriodSubmission

HX = {"HX-Request": "true"}
PERIOD = "2026-autumn"


@pytest.fixture
def students(world, deadline_calendar, today_is):
    today_is(date(2026, 11, 22))
    made = {
        "zhang": make_unfunded_student(world.xuanwu_school, "张三", class_name="一年级1班"),
        "li": make_unfunded_student(world.xuanwu_school, "李四", class_name="一年级2班"),
        "wang": make_unfunded_student(world.xuanwu_school, "王五"),
        "left": make_unfunded_student(world.xuanwu_school, "赵离校", in_school=False),
        "other": make_unfunded_student(world.xuanwu_school_2, "钱他校"),
    }
    make_funding_record(made["wang"], PERIOD)
    db.session.commit()
    return made


def reasons():
    return db.session.scalars(select(UnfundedReason).order_by(UnfundedReason.id)).all()


def save(client, student, code, note="", version=0, headers=HX, button=False):
    """The row's form as htmx sends it on a change, or with button=True as its 保存 button (or Enter) sends it."""
    data = {"reason": code, "note": note, "version": str(version), **({"save": "1"} if button else {})}
    return client.post(f"/reasons/{PERIOD}/students/{student.id}", data=data, headers=headers)


def test_page_lists_the_unfunded_students_and_what_is_missing(client, login_as, students):
    login_as("school")
    text = page_text(client.get("/reasons/"))
    assert "张三" in text and "李四" in text
    assert "王五" not in text.split("未资助学生")[-1]  # funded this period
    assert "赵离校" not in text and "钱他校" not in text
    assert "还有 2 名未资助学生没有填写原因" in text
    assert "其他（须填写说明）" in text


def test_one_click_saves_a_reason_and_answers_with_the_row(client, login_as, students):
    login_as("school")
    response = save(client, students["zhang"], "other_aid")
    assert response.status_code == 200 and "<html" not in response.text
    assert f'id="reason-row-{students["zhang"].id}"' in response.text and "已保存" in response.text
    assert response.headers["HX-Trigger"] == "reasons-changed"
    [row] = reasons()
    assert (row.reason_code, row.version) == ("other_aid", 1)
    assert db.session.scalar(select(PeriodSubmission.status)) == "in_progress"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "set_unfunded_reason"))
    assert "已享受其他同类资助" in entry.detail and entry.school_id == students["zhang"].school_id
    figures = figures_of(students["zhang"].school, current_term())
    assert (figures["unfunded_with_reason"], figures["unfunded_without_reason"], figures["status_in_progress"]) == (1, 1, 1)


def test_a_reason_can_be_changed_with_the_version_seen(client, login_as, students):
    login_as("school")
    save(client, students["zhang"], "other_aid")
    response = save(client, students["zhang"], "other", note="已转入外省就读", version=1)
    assert "已保存" in response.text
    [row] = reasons()
    assert (row.reason_code, row.note, row.version) == ("other", "已转入外省就读", 2)


def test_second_of_two_simultaneous_edits_is_told_and_sees_the_first(client, login_as, students):
    first = login_as("school")
    save(client, students["zhang"], "declined")  # the first colleague saved from a page showing no reason
    response = save(client, students["zhang"], "improved", version=0)  # the second, from the same stale page
    text = page_text(response)
    assert f"该学生的原因已被 {first.display_name} 于" in text
    assert "修改为“学生或家长自愿放弃（已签字确认）”，请确认后再保存" in text
    assert 'value="declined" selected' in response.text  # the row shows the first's value
    [row] = reasons()
    assert (row.reason_code, row.version) == ("declined", 1)


def test_bulk_sets_one_reason_for_every_selected_student(client, login_as, students):
    login_as("school")
    selected = [f"{students['zhang'].id}:0", f"{students['li'].id}:0"]
    response = client.post(f"/reasons/{PERIOD}/bulk", data={"student": selected, "reason": "next_batch"}, headers=HX)
    assert response.status_code == 200 and 'id="reason-table"' in response.text
    assert "已为 2 名学生设置原因" in page_text(response)
    assert [(r.student_id, r.reason_code) for r in reasons()] == [
        (students["zhang"].id, "next_batch"), (students["li"].id, "next_batch")]
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "set_unfunded_reason")) == 1


def test_bulk_leaves_students_someone_else_changed_and_names_them(client, login_as, students):
    login_as("school")
    save(client, students["zhang"], "declined")
    selected = [f"{students['zhang'].id}:0", f"{students['li'].id}:0"]
    response = client.post(f"/reasons/{PERIOD}/bulk", data={"student": selected, "reason": "id_error"}, headers=HX)
    assert "已为 1 名学生设置原因；以下学生的原因已被他人修改，未覆盖，请确认：张三" in page_text(response)
    assert {r.student_id: r.reason_code for r in reasons()} == {
        students["zhang"].id: "declined", students["li"].id: "id_error"}


def test_select_all_then_set_answers_the_list_fragment_or_303_without_htmx(client, login_as, students):
    """全选本页 fetches the list alone with every box ticked; 设置 answers the list alone (htmx) or 303."""
    login_as("school")
    page = client.get("/reasons/")
    link = page.text.split('id="select-page"')[0].rsplit("<a ", 1)[1]
    assert 'hx-target="#reason-table"' in link and "select=all" in link
    assert page.text.index('id="select-page"') > page.text.index("</form>", page.text.index('id="bulk-form"'))
    ticked = client.get(f"/reasons/?period={PERIOD}&select=all", headers=HX)
    assert "<html" not in ticked.text and ticked.text.count('checked aria-label="选择') == 2
    assert ">取消全选</a>" in ticked.text  # the link swaps with the rows it ticked
    boxes = [f"{students['zhang'].id}:0", f"{students['li'].id}:0"]
    done = client.post(f"/reasons/{PERIOD}/bulk", data={"student": boxes, "reason": "declined"}, headers=HX)
    assert "<html" not in done.text and "<header" not in done.text and done.text.count('id="reason-table"') == 1
    assert done.headers["HX-Trigger"] == "reasons-changed"
    plain = client.post(f"/reasons/{PERIOD}/bulk", data={"student": [f"{students['zhang'].id}:1"],
                                                        "reason": "id_error", "show": "missing"})
    assert plain.status_code == 303 and "show=missing" in plain.headers["Location"]
    assert "已为 1 名学生设置原因" in page_text(client.get(plain.headers["Location"]))
    assert {r.student_id: r.reason_code for r in reasons()} == {
        students["zhang"].id: "id_error", students["li"].id: "declined"}


def test_without_htmx_a_save_answers_303(client, login_as, students):
    login_as("school")
    response = save(client, students["li"], "improved", headers={})
    assert response.status_code == 303 and f"period={PERIOD}" in response.headers["Location"]


# -- bad input: refused, nothing changed -----------------------------------------------------------
def reasons_state() -> tuple:
    """What a save could change: the reasons (with versions), the period's review row, the audit log, progress."""
    db.session.expire_all()
    saved = [(r.student_id, r.reason_code, r.note, r.version) for r in reasons()]
    submissions = db.session.execute(select(PeriodSubmission.status, PeriodSubmission.version)).all()
    audited = db.session.scalar(select(func.count()).select_from(AuditEntry)  # a refusal's own entry changes nothing
                                .where(AuditEntry.action.not_in(("login", "scope_refused"))))
    progress = db.session.execute(select(ReasonsProgress.school_id, ReasonsProgress.period,
                                         ReasonsProgress.unfunded_with_reason, ReasonsProgress.unfunded_without_reason)
                                  .order_by(ReasonsProgress.school_id, ReasonsProgress.period)).all()
    return saved, submissions, audited, progress


@pytest.fixture
def before(client, login_as, students):
    """The school signed in; 李四 already has a reason (version 1), 张三 has none."""
    login_as("school")
    assert "已保存" in save(client, students["li"], "declined").text
    state = reasons_state()
    assert state[0] == [(students["li"].id, "declined", None, 1)] and state[1][0].status == "in_progress"
    return state


def test_a_reason_code_not_in_the_list_is_refused(client, students, before):
    for student, version in ((students["zhang"], 0), (students["li"], 1)):
        response = save(client, student, "because", version=version)
        assert "请从列表中选择未资助原因" in page_text(response)
    plain = save(client, students["li"], "because", version=1, headers={})
    assert plain.status_code == 422 and "请从列表中选择未资助原因" in page_text(plain)
    assert reasons_state() == before


def test_a_missing_required_note_is_refused(client, students, before):
    response = save(client, students["zhang"], "other", note="  ", button=True)
    assert "选择“其他（须填写说明）”时须填写说明" in page_text(response) and 'class="error"' in response.text
    assert 'value="other" selected' in response.text  # the user's choice is kept for them to add the note
    assert "选择“其他（须填写说明）”时须填写说明" in page_text(save(client, students["li"], "other", version=1,
                                                             button=True))
    plain = save(client, students["zhang"], "other", headers={})  # without htmx every post is a submit
    assert plain.status_code == 422 and "选择“其他（须填写说明）”时须填写说明" in page_text(plain)
    bulk = client.post(f"/reasons/{PERIOD}/bulk", data={"student": [f"{students['zhang'].id}:0"], "reason": "other"},
                       headers=HX)
    assert "选择“其他（须填写说明）”时须填写说明" in page_text(bulk)
    assert reasons_state() == before


def test_choosing_a_reason_that_needs_a_note_waits_for_it_without_an_error(client, students, before):
    """Picking 其他 saves the row on change: no note yet is no mistake yet, so the row asks for it, not in red."""
    response = save(client, students["zhang"], "other")
    assert response.status_code == 200 and "请填写说明，然后按“保存”" in page_text(response)
    assert "须填写说明" not in page_text(response).replace("其他（须填写说明）", "")
    assert 'class="error"' not in response.text and "HX-Trigger" not in response.headers
    assert 'value="other" selected' in response.text and "autofocus" in response.text
    assert reasons_state() == before


def test_a_reason_for_a_funded_student_is_refused(client, students, before):
    response = save(client, students["wang"], "declined")
    assert "该学生本期已有资助记录（或不在本期名单中），无需填写未资助原因" in page_text(response)
    assert reasons_state() == before


def test_a_bulk_selection_with_a_funded_student_is_refused_whole(client, students, before):
    selected = [f"{students['zhang'].id}:0", f"{students['wang'].id}:0"]
    response = client.post(f"/reasons/{PERIOD}/bulk", data={"student": selected, "reason": "declined"})
    assert response.status_code == 422 and "已有资助记录" in page_text(response)
    assert reasons_state() == before


def test_another_schools_student_is_404(client, students, before):
    for response in (save(client, students["other"], "declined"),
                     save(client, students["other"], "declined", headers={}),
                     client.post(f"/reasons/{PERIOD}/bulk", data={"student": [f"{students['other'].id}:0"],
                                                                  "reason": "declined"})):
        assert response.status_code == 404 and "页面不存在" in page_text(response)
    assert reasons_state() == before


def test_an_upper_tier_cannot_enter_reasons(client, login_as, students, before):
    login_as("county")
    response = save(client, students["zhang"], "declined", headers={})
    assert response.status_code == 404 and "页面不存在" in page_text(response)
    assert reasons_state() == before


def test_clearing_a_reason_needs_the_version_seen(client, login_as, students):
    login_as("school")
    save(client, students["zhang"], "declined")
    stale = save(client, students["zhang"], "", version=0)
    assert "请确认后再保存" in page_text(stale) and len(reasons()) == 1
    cleared = save(client, students["zhang"], "", version=1)
    assert "已保存" in cleared.text and reasons() == []
    assert "已保存" in save(client, students["zhang"], "", version=0).text  # clearing an empty row is harmless


def test_saving_the_same_value_twice_is_not_a_conflict(client, login_as, students):
    login_as("school")
    save(client, students["zhang"], "other", note="外省就读")
    again = save(client, students["zhang"], "other", note="外省就读", version=0)
    assert "已保存" in again.text
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "set_unfunded_reason")) == 1
