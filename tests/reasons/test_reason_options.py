"""The province maintains the standard list of reasons; schools choose from the active ones."""
from datetime import date

from sqlalchemy import func, select

from factories import make_unfunded_student, page_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.reasons.models import ReasonOption

HX = {"HX-Request": "true"}


def option(code):
    db.session.expire_all()
    return db.session.scalar(select(ReasonOption).where(ReasonOption.code == code))


def test_province_adds_a_reason_and_it_is_audited(client, login_as, deadline_calendar):
    login_as("province")
    response = client.post("/reasons/options", data={"code": "military", "label": "应征入伍（保留学籍）",
                                                     "position": "65"})
    assert response.status_code == 303
    assert option("military").label == "应征入伍（保留学籍）" and not option("military").needs_note
    assert "新增：应征入伍（保留学籍）" in db.session.scalar(
        select(AuditEntry.detail).where(AuditEntry.action == "edit_reason_list").order_by(AuditEntry.id.desc()))


def test_a_duplicate_or_blank_reason_is_refused(client, login_as, deadline_calendar):
    login_as("province")
    before = db.session.scalar(select(func.count()).select_from(ReasonOption))
    assert client.post("/reasons/options", data={"code": "other", "label": "重复"}).status_code == 422
    assert client.post("/reasons/options", data={"code": "blank", "label": " "}).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ReasonOption)) == before


def test_a_retired_reason_is_no_longer_offered_nor_accepted(client, login_as, world, deadline_calendar, today_is):
    today_is(date(2026, 11, 22))
    login_as("province")
    declined = option("declined")
    client.post(f"/reasons/options/{declined.id}", data={"label": declined.label, "position": "40"},
                follow_redirects=True)  # "active" unticked
    assert option("declined").active is False
    client.post("/logout")
    student = make_unfunded_student(world.xuanwu_school, "张三")
    db.session.commit()
    login_as("school")
    assert "学生或家长自愿放弃" not in page_text(client.get("/reasons/"))
    response = client.post(f"/reasons/2026-autumn/students/{student.id}", data={"reason": "declined", "version": 0},
                           headers=HX)
    assert "请从列表中选择未资助原因" in page_text(response)


def test_lower_tiers_read_the_list_but_cannot_change_it(client, login_as, deadline_calendar):
    login_as("county")
    assert "其他（须填写说明）" in page_text(client.get("/reasons/options"))
    other = option("other")
    assert client.post(f"/reasons/options/{other.id}", data={"label": "改", "position": "1"}).status_code == 404
    assert client.post("/reasons/options", data={"code": "x", "label": "y"}).status_code == 404
    assert option("other").label == "其他（须填写说明）"


def test_filters_and_summary_answer_with_fragments(client, login_as, world, deadline_calendar, today_is):
    today_is(date(2026, 11, 22))
    done = make_unfunded_student(world.xuanwu_school, "张三")
    make_unfunded_student(world.xuanwu_school, "李四")
    db.session.commit()
    login_as("school")
    client.post(f"/reasons/2026-autumn/students/{done.id}", data={"reason": "improved", "version": 0}, headers=HX)
    table = client.get("/reasons/?period=2026-autumn&show=missing", headers=HX)
    assert table.text.lstrip().startswith('<div id="reason-table">')
    assert "李四" in page_text(table) and "张三" not in page_text(table)
    summary = client.get("/reasons/2026-autumn/summary", headers=HX)
    assert 'id="reason-summary"' in summary.text and "<html" not in summary.text
    assert "还有 1 名未资助学生没有填写原因" in page_text(summary)
    assert "checked" in client.get("/reasons/?period=2026-autumn&select=all").text
