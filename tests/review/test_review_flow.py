"""Submit → review: the school submits once every unfunded student has a reason; its county approves or
returns it with a comment; upper tiers see the same statuses, read-only."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from factories import make_unfunded_student, page_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.oversight.figures import figures_of
from portal.reasons.models import UnfundedReason
from portal.review.models import PeriodSubmission
from portal.terms import parse_term

HX = {"HX-Request": "true"}
PERIOD = "2026-autumn"


@pytest.fixture
def pupils(world, deadline_calendar, today_is):
    today_is(date(2026, 11, 22))
    made = [make_unfunded_student(world.xuanwu_school, name) for name in ("张三", "李四")]
    db.session.commit()
    return made


def give_reason(client, student, code="declined", version=0):
    return client.post(f"/reasons/{PERIOD}/students/{student.id}", data={"reason": code, "version": version},
                       headers=HX)


def submission():
    db.session.expire_all()
    return db.session.scalar(select(PeriodSubmission))


def audit_actions():
    return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("submission_%"))
                                   .order_by(AuditEntry.id)))


def list_action(client, school) -> str:
    """The link of the school's row in the review list: 审核 for its reviewer, 查看 for everyone else."""
    rows = client.get("/review/").get_data(as_text=True).split("<tr>")
    row = next(row for row in rows if school.code in row)
    return re.search(r'hx-swap="outerHTML">([^<]+)</a>', row).group(1)


def submitted(client, login_as, world, pupils):
    login_as("school")
    for pupil in pupils:
        give_reason(client, pupil)
    assert client.post(f"/reasons/{PERIOD}/submit").status_code == 303
    client.post("/logout")


def test_submit_is_refused_while_students_lack_a_reason_and_names_them(client, login_as, pupils):
    login_as("school")
    give_reason(client, pupils[0])
    response = client.post(f"/reasons/{PERIOD}/submit")
    text = page_text(response)
    assert response.status_code == 422
    assert "还不能提交：还有 1 名未资助学生没有填写原因" in text and "李四（" in text
    assert submission().status == "in_progress"


def test_school_submits_and_can_no_longer_edit(client, login_as, world, pupils):
    submitted(client, login_as, world, pupils)
    assert submission().status == "submitted" and audit_actions() == ["submission_start", "submission_submit"]
    login_as("school")
    assert "已提交，等待主管部门审核" in page_text(client.get("/reasons/"))
    response = give_reason(client, pupils[0], "improved", version=1)
    assert "本期已提交，等待主管部门审核，不能修改" in page_text(response)
    assert db.session.scalar(select(UnfundedReason.reason_code).where(UnfundedReason.student_id == pupils[0].id)) == "declined"


def period_state() -> tuple:
    """The period as stored: reasons with versions, the submission's status and version, audit entries."""
    db.session.expire_all()
    saved = db.session.execute(select(UnfundedReason.student_id, UnfundedReason.reason_code, UnfundedReason.note,
                                      UnfundedReason.version).order_by(UnfundedReason.student_id)).all()
    sub = db.session.execute(select(PeriodSubmission.status, PeriodSubmission.version)).all()
    audited = db.session.scalar(select(func.count()).select_from(AuditEntry)  # a refusal's own entry changes nothing
                                .where(AuditEntry.action.not_in(("login", "scope_refused"))))
    return saved, sub, audited


@pytest.mark.parametrize("approved", [False, True], ids=["submitted", "approved"])
def test_no_edit_reaches_a_submitted_or_approved_period(client, login_as, world, pupils, approved):
    submitted(client, login_as, world, pupils)
    message = "本期已提交，等待主管部门审核，不能修改"
    if approved:
        login_as("county")
        client.post(f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}/approve", data={"version": submission().version})
        client.post("/logout")
        message = "本期已审核通过，不能修改"
    before = period_state()
    assert before[1][0].status == ("approved" if approved else "submitted")
    login_as("school")
    attempts = [
        give_reason(client, pupils[0], "improved", version=1),  # change
        give_reason(client, pupils[0], "", version=1),  # clear
        client.post(f"/reasons/{PERIOD}/students/{pupils[1].id}", data={"reason": "improved", "version": 1}),
        client.post(f"/reasons/{PERIOD}/bulk", data={"student": [f"{pupil.id}:1" for pupil in pupils],
                                                     "reason": "id_error"}, headers=HX),
    ]
    for response in attempts:
        assert message in page_text(response)
    assert attempts[2].status_code == 422
    again = client.post(f"/reasons/{PERIOD}/submit")
    assert again.status_code == 422
    assert period_state() == before


def test_county_list_puts_submissions_waiting_for_review_first(client, login_as, world, pupils):
    submitted(client, login_as, world, pupils)
    login_as("county")
    text = page_text(client.get("/review/"))
    assert text.index("玄武区第一小学") < text.index("玄武区第二小学")
    assert list_action(client, world.xuanwu_school) == "审核"
    assert "已提交" in text and "秦淮区第一小学" not in text


def without_reason_cells(client, school) -> dict[str, str]:
    """Kind → the 未填原因 cell of the school's rows in the review list (both kinds shown)."""
    cells = [[re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split("</td>")]
             for row in client.get("/review/?kind=all").get_data(as_text=True).split("<tr>") if school.code in row]
    return {row[1]: row[4] for row in cells}


def test_the_list_counts_each_schools_unfunded_students_still_without_a_reason(client, login_as, world, pupils):
    login_as("school")
    give_reason(client, pupils[0])
    client.post("/logout")
    login_as("county")
    assert without_reason_cells(client, world.xuanwu_school) == {
        "未资助原因": "1", "国家资助名单": "", "地方政府资助名单": "", "学校和社会资助名单": ""}
    client.post("/logout")
    login_as("school")
    give_reason(client, pupils[1])
    client.post("/logout")
    login_as("county")
    assert without_reason_cells(client, world.xuanwu_school) == {
        "未资助原因": "0", "国家资助名单": "", "地方政府资助名单": "", "学校和社会资助名单": ""}


def test_county_approves_in_place(client, login_as, world, pupils):
    submitted(client, login_as, world, pupils)
    login_as("county")
    url = f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}"
    detail = page_text(client.get(url))
    assert "张三" in detail and "学生或家长自愿放弃（已签字确认）" in detail and "审核通过" in detail
    response = client.post(f"{url}/approve", data={"version": submission().version}, headers=HX)
    assert response.status_code == 200 and 'id="review-panel"' in response.text and "<html" not in response.text
    assert response.headers["HX-Trigger"] == "review-changed"
    assert submission().status == "approved" and audit_actions()[-1] == "submission_approve"
    figures = figures_of(world.xuanwu_school, parse_term(PERIOD))
    assert figures["status_approved"] == 1  # read from the submission itself: review refreshes nothing


def test_returning_needs_a_comment_and_reopens_for_the_school(client, login_as, world, pupils):
    submitted(client, login_as, world, pupils)
    login_as("county")
    url = f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}"
    refused = client.post(f"{url}/return", data={"comment": "  "}, headers=HX)
    assert "退回时请填写退回原因" in page_text(refused) and submission().status == "submitted"
    client.post(f"{url}/return", data={"comment": "李四已在其他学校受助，请核实"}, headers=HX)
    assert submission().status == "returned" and audit_actions()[-1] == "submission_return"
    client.post("/logout")
    login_as("school")
    assert "李四已在其他学校受助，请核实" in page_text(client.get("/reasons/"))
    assert "已保存" in give_reason(client, pupils[1], "other_aid", version=1).text
    assert client.post(f"/reasons/{PERIOD}/submit").status_code == 303
    assert submission().status == "submitted"


def test_a_stale_approval_is_refused(client, login_as, world, pupils):
    submitted(client, login_as, world, pupils)
    login_as("county")
    url = f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}"
    response = client.post(f"{url}/approve", data={"version": submission().version - 1}, headers=HX)
    assert "请刷新后再操作" in page_text(response) and submission().status == "submitted"


def test_a_county_approving_a_school_outside_its_scope_gets_404(client, login_as, world, pupils):
    submitted(client, login_as, world, pupils)
    before = period_state()
    login_as("county", region=world.qinhuai)
    url = f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}"
    version = {"version": submission().version}
    for response in (client.post(f"{url}/approve", data=version), client.post(f"{url}/approve", data=version, headers=HX),
                     client.post(f"{url}/return", data={"comment": "请核实"}, headers=HX),
                     client.post(f"{url}/reopen", data={"days": "3"}), client.get(url)):
        assert response.status_code == 404 and "页面不存在" in page_text(response)
    assert "玄武区第一小学" not in page_text(client.get("/review/"))
    assert period_state() == before
    assert submission().status == "submitted" and audit_actions()[-1] == "submission_submit"


def test_city_and_province_see_statuses_read_only(client, login_as, world, pupils):
    submitted(client, login_as, world, pupils)
    for role in ("city", "province"):
        login_as(role)
        url = f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}"
        text = page_text(client.get(url))
        assert "已提交" in text and "您只能查看" in text and "审核通过" not in text
        assert "玄武区第一小学" in page_text(client.get("/review/"))
        assert list_action(client, world.xuanwu_school) == "查看"
        response = client.post(f"{url}/approve", headers=HX)
        assert "县级资助部门审核，您只能查看" in page_text(response)
        assert submission().status == "submitted"
        client.post("/logout")


def test_the_list_shows_both_kinds(client, login_as, world, pupils):
    login_as("county")
    text = page_text(client.get("/review/?kind=all"))
    assert "资助名单" in text and "未资助原因" in text
    only_funding = page_text(client.get("/review/?kind=funding", headers=HX))
    assert "资助名单" in only_funding and only_funding.count("未资助原因") == 0


def test_a_city_reviews_its_own_direct_school(client, login_as, world, deadline_calendar, today_is):
    today_is(date(2026, 10, 5))  # September's 中职 report is due on 15 October: the list opens on September
    student = make_unfunded_student(world.nanjing_city_school, "孙六")
    db.session.commit()
    login_as("school", school=world.nanjing_city_school)
    client.post(f"/reasons/2026-09/students/{student.id}", data={"reason": "other_aid", "version": 0})
    assert client.post("/reasons/2026-09/submit").status_code == 303
    client.post("/logout")
    login_as("city")
    assert list_action(client, world.nanjing_city_school) == "审核"
    response = client.post(f"/review/{world.nanjing_city_school.id}/reasons/2026-09/approve", headers=HX)
    assert "已审核通过" in page_text(response) and submission().status == "approved"
    assert db.session.scalar(select(func.count()).select_from(PeriodSubmission)) == 1


def test_a_school_without_enrolment_cannot_submit(client, login_as, world, deadline_calendar, today_is):
    today_is(date(2026, 11, 22))
    login_as("school")
    assert "本学期尚未上传学籍" in page_text(client.get("/reasons/"))
    response = client.post(f"/reasons/{PERIOD}/submit")
    assert response.status_code == 422 and "请先上传学籍" in page_text(response)
    assert submission() is None


def test_a_funding_submission_opens_with_its_figures(client, login_as, world, pupils):
    from factories import make_funding_record

    make_funding_record(pupils[0], PERIOD)
    db.session.commit()
    login_as("county")
    text = page_text(client.get(f"/review/{world.xuanwu_school.id}/funding/{PERIOD}"))
    assert "资助名单" in text and "未填报" in text and "测试助学金" in text


def test_a_vocational_schools_new_month_is_read_without_any_refresh(app, client, login_as, world,
                                                                    deadline_calendar, today_is):
    school = world.nanjing_city_school  # 中职: reports per month
    today_is(date(2026, 10, 5))
    make_unfunded_student(school, "孙六")
    db.session.commit()  # the commit refreshes the school's figures for every month of the term
    today_is(date(2026, 11, 16))  # October's report was due yesterday: November's now, and nothing touched the school

    def cell() -> str:
        rows = client.get("/review/?kind=reasons&month=2026-11").get_data(as_text=True).split("<tr>")
        row = next(row for row in rows if school.code in row)
        return re.sub(r"<[^>]+>", "", row.split("</td>")[4]).strip()

    login_as("city")
    assert cell() == "1"  # November's own figure, with no cron run in between
    result = app.test_cli_runner().invoke(args=["refresh-progress", "--monthly-only"])
    assert result.exit_code == 0 and "已重新计算 2026秋 1 所学校的进度统计" in result.output
    assert cell() == "1"
    refused = app.test_cli_runner().invoke(args=["refresh-progress", "--term", "明年"])
    assert refused.exit_code != 0 and "无法识别的学期" in refused.output
