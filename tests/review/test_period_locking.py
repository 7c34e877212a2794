"""After the deadline a school can no longer edit the period; its county may reopen it for some days
(recorded); upper tiers see it as overdue."""
from datetime import date

import pytest
from sqlalchemy import select

from factories import make_unfunded_student, page_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.reasons.models import UnfundedReason
from portal.review.models import PeriodSubmission

HX = {"HX-Request": "true"}
PERIOD = "2026-autumn"  # 小学: due 2027-01-15


@pytest.fixture
def pupil(world, deadline_calendar):
    student = make_unfunded_student(world.xuanwu_school, "张三")
    db.session.commit()
    return student


def give_reason(client, student, period=PERIOD, code="declined", version=0):
    return client.post(f"/reasons/{period}/students/{student.id}", data={"reason": code, "version": version},
                       headers=HX)


def test_after_the_deadline_the_school_cannot_edit(client, login_as, pupil, today_is):
    today_is(date(2027, 1, 16))
    login_as("school")
    text = page_text(client.get(f"/reasons/?period={PERIOD}"))
    assert "已过截止日期（2027年01月15日），本期已锁定" in text and "已逾期 1 天" in text
    response = give_reason(client, pupil)
    assert "本期已锁定" in page_text(response)
    assert client.post(f"/reasons/{PERIOD}/submit").status_code == 422
    assert db.session.scalars(select(UnfundedReason)).all() == []
    assert db.session.scalars(select(PeriodSubmission)).all() == []


def test_no_edit_reaches_a_locked_period(client, login_as, world, pupil, today_is):
    other = make_unfunded_student(world.xuanwu_school, "李四")
    db.session.commit()
    today_is(date(2027, 1, 10))
    login_as("school")
    assert "已保存" in give_reason(client, pupil).text
    db.session.expire_all()
    before = (db.session.execute(select(UnfundedReason.student_id, UnfundedReason.reason_code,
                                        UnfundedReason.version)).all(),
              db.session.execute(select(PeriodSubmission.status, PeriodSubmission.version)).all(),
              db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all())
    today_is(date(2027, 1, 16))
    attempts = [
        give_reason(client, pupil, code="improved", version=1),  # change
        give_reason(client, pupil, code="", version=1),  # clear
        give_reason(client, other),  # a first reason
        client.post(f"/reasons/{PERIOD}/bulk", data={"student": [f"{pupil.id}:1", f"{other.id}:0"],
                                                     "reason": "id_error"}, headers=HX),
        client.post(f"/reasons/{PERIOD}/bulk", data={"student": [f"{other.id}:0"], "reason": "id_error"}),
    ]
    for response in attempts:
        assert "已过截止日期（2027年01月15日），本期已锁定" in page_text(response)
    assert attempts[-1].status_code == 422
    db.session.expire_all()
    after = (db.session.execute(select(UnfundedReason.student_id, UnfundedReason.reason_code,
                                       UnfundedReason.version)).all(),
             db.session.execute(select(PeriodSubmission.status, PeriodSubmission.version)).all(),
             db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all())
    assert after == before


def test_on_the_deadline_day_the_school_still_edits(client, login_as, pupil, today_is):
    today_is(date(2027, 1, 15))
    login_as("school")
    assert "已保存" in give_reason(client, pupil).text


def test_upper_tiers_see_a_late_school_as_overdue(client, login_as, world, pupil, today_is):
    today_is(date(2027, 1, 20))
    login_as("city")
    response = client.get("/review/?term=2026秋&status=overdue")
    assert response.status_code == 200
    text = page_text(response)
    assert "玄武区第一小学" in text and "逾期" in text
    today_is(date(2027, 1, 10))
    assert "玄武区第一小学" not in page_text(client.get("/review/?term=2026秋&status=overdue"))


def test_county_reopens_a_late_period_for_some_days(client, login_as, world, pupil, today_is):
    today_is(date(2027, 1, 20))
    county = login_as("county")
    url = f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}"
    assert "重新开放" in page_text(client.get(url))
    response = client.post(f"{url}/reopen", data={"days": "3"}, headers=HX)
    assert "已重新开放" in page_text(response) and "2027年01月23日" in page_text(response)
    sub = db.session.scalar(select(PeriodSubmission))
    assert sub.reopened_until.date() == date(2027, 1, 23) and sub.reopened_by_id == county.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "submission_reopen"))
    assert entry.detail == "重新开放 3 天，至 2027-01-23"
    client.post("/logout")
    login_as("school")
    assert "主管部门已重新开放至 2027年01月23日" in page_text(client.get("/reasons/?period=2026-autumn"))
    assert "已保存" in give_reason(client, pupil).text
    today_is(date(2027, 1, 24))
    assert "本期已锁定" in page_text(give_reason(client, pupil, code="improved", version=1))


def test_reopening_before_the_deadline_is_refused(client, login_as, world, pupil, today_is):
    today_is(date(2027, 1, 10))
    login_as("county")
    response = client.post(f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}/reopen", data={"days": "3"})
    assert response.status_code == 422 and "尚未过截止日期" in page_text(response)
    assert db.session.scalar(select(PeriodSubmission.reopened_until)) is None


@pytest.mark.parametrize("days", ["0", "abc", "999"])
def test_reopening_needs_a_sensible_number_of_days(client, login_as, world, pupil, today_is, days):
    today_is(date(2027, 1, 20))
    login_as("county")
    response = client.post(f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}/reopen", data={"days": days})
    assert response.status_code == 422
    assert db.session.scalar(select(PeriodSubmission.reopened_until)) is None


def test_only_the_county_reopens_its_school(client, login_as, world, pupil, today_is):
    today_is(date(2027, 1, 20))
    login_as("city")
    response = client.post(f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}/reopen", data={"days": "3"})
    assert response.status_code == 422 and "您只能查看" in page_text(response)
    assert db.session.scalar(select(PeriodSubmission.reopened_until)) is None


def test_a_period_returned_after_the_deadline_stays_open_a_week(client, login_as, world, pupil, today_is):
    today_is(date(2027, 1, 14))
    login_as("school")
    give_reason(client, pupil)
    client.post(f"/reasons/{PERIOD}/submit")
    client.post("/logout")
    today_is(date(2027, 1, 25))
    login_as("county")
    client.post(f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}/return", data={"comment": "请补充说明"})
    client.post("/logout")
    login_as("school")
    assert "已保存" in give_reason(client, pupil, code="other_aid", version=1).text
    assert db.session.scalar(select(PeriodSubmission.reopened_until)).date() == date(2027, 2, 1)


def test_a_vocational_month_is_reported_by_the_15th_of_the_next_month(client, login_as, world, deadline_calendar,
                                                                      today_is):
    """October's funded list closes on 20 October (the authority's on the 25th); its unfunded report on
    15 November, and the page says which month the report covers."""
    student = make_unfunded_student(world.nanjing_city_school, "孙六")
    db.session.commit()
    login_as("school", school=world.nanjing_city_school)
    today_is(date(2026, 10, 16))
    assert "已保存" in give_reason(client, student, period="2026-10").text
    today_is(date(2026, 11, 16))
    assert "本期已锁定" in page_text(give_reason(client, student, period="2026-10", code="improved", version=1))
    assert "已保存" in give_reason(client, student, period="2026-11").text
    assert client.get("/reasons/?period=2026-autumn").status_code == 404  # 中职 reports per month
    today_is(date(2026, 11, 3))
    text = page_text(client.get("/reasons/"))  # the month whose report is due next: October
    assert "未资助原因上报 · 2026年10月" in text
    assert "上报内容 2026年10月的未资助情况（该月资助名单审核之后上报）" in text
    assert "截止日期 2026年11月15日 （还剩 12 天）" in text
    assert "本次上报 2026年10月 的未资助情况：以 2026年10月 的国家资助名单为准（学校审核截止 10月20日， 主管部门审核截止 10月25日" in text


def test_after_a_reopen_the_period_shows_open_until_its_end_and_offers_no_second_reopen(client, login_as, world,
                                                                                       pupil, today_is):
    """Issue 12 point 15: as county then school, through the pages they use."""
    today_is(date(2027, 1, 20))
    login_as("county")
    url = f"/review/{world.xuanwu_school.id}/reasons/{PERIOD}"
    before = client.get(url)
    assert "逾期" in page_text(before) and 'name="days"' in before.text
    client.post(f"{url}/reopen", data={"days": "3"}, headers=HX)
    after = client.get(url)
    text = page_text(after)
    assert "已重新开放" in text and "本期已重新开放至 2027年01月23日，学校可以修改和提交" in text
    assert 'name="days"' not in after.text and "逾期" not in text  # no second offer, not shown as late
    page = client.get("/review/?term=2026-autumn")  # the term select sends the code; a label still reads
    assert '<option value="2026-autumn" selected>2026秋</option>' in page.text
    listed = page_text(page)
    assert listed == page_text(client.get("/review/?term=2026秋"))
    assert "已重新开放至 01-23" in listed and "逾期" not in listed.split("玄武区第一小学")[1].split("玄武区第二小学")[0]
    assert "玄武区第一小学" not in page_text(client.get("/review/?term=2026秋&status=overdue"))
    again = client.post(f"{url}/reopen", data={"days": "5"})
    assert again.status_code == 422 and "本期已重新开放至 2027年01月23日，学校可以修改，无需再次开放" in page_text(again)
    assert db.session.scalar(select(PeriodSubmission.reopened_until)).date() == date(2027, 1, 23)
    client.post("/logout")

    login_as("school")
    page = page_text(client.get(f"/reasons/?period={PERIOD}"))
    assert "主管部门已重新开放至 2027年01月23日" in page and "已逾期" not in page and "本期已锁定" not in page
    assert "已保存" in give_reason(client, pupil).text
    assert client.post(f"/reasons/{PERIOD}/submit").status_code == 303
    client.post("/logout")

    today_is(date(2027, 1, 24))  # the reopening has ended: late again, and the county may reopen once more
    login_as("county")
    sub = db.session.scalar(select(PeriodSubmission))
    client.post(f"{url}/return", data={"comment": "请补充", "version": sub.version}, headers=HX)
    text = page_text(client.get(url))
    assert "已退回" in text and "学校可以修改" in text  # a late return reopens for a week

