"""The deadline calendar: seeded from 003's annex tables, read per stage and period, edited by the province."""
from datetime import date

import pytest
from sqlalchemy import event, func, select

from factories import page_text
from portal.audit.models import AuditEntry
from portal.deadlines import services
from portal.deadlines.cli import seed_deadlines_command
from portal.deadlines.models import Deadline
from portal.extensions import db
from portal.reasons.models import ReasonOption
from portal.terms import TermError, parse_period
from portal.vocab import DeadlineTask


def rule(stage, task, cycle):
    return db.session.scalar(select(Deadline).where(Deadline.stage == stage, Deadline.task == task.value,
                                                    Deadline.cycle == cycle))


def test_seed_command_fills_an_empty_install_once(app, world):
    runner = app.test_cli_runner()
    first = runner.invoke(seed_deadlines_command)
    assert first.exit_code == 0, first.output
    rows = db.session.scalar(select(func.count()).select_from(Deadline))
    assert rows > 50 and db.session.scalar(select(func.count()).select_from(ReasonOption)) == 7
    second = runner.invoke(seed_deadlines_command)
    assert "新增 0 条" in second.output
    assert db.session.scalar(select(func.count()).select_from(Deadline)) == rows


def test_seeding_keeps_the_provinces_edits(app, deadline_calendar):
    row = rule("primary", DeadlineTask.UNFUNDED_REPORT, "autumn")
    row.day = 20
    db.session.commit()
    app.test_cli_runner().invoke(seed_deadlines_command)
    db.session.expire_all()
    assert rule("primary", DeadlineTask.UNFUNDED_REPORT, "autumn").day == 20


@pytest.mark.parametrize("stages, task, period, due", [
    (["primary"], DeadlineTask.UNFUNDED_REPORT, "2026秋", date(2027, 1, 15)),
    (["graduate"], DeadlineTask.UNFUNDED_REPORT, "2027春", date(2027, 7, 15)),
    (["preschool"], DeadlineTask.UNFUNDED_REPORT, "2026秋", date(2027, 1, 15)),
    (["vocational"], DeadlineTask.UNFUNDED_REPORT, "2026-10", date(2026, 10, 15)),
    (["undergraduate"], DeadlineTask.IDENTIFY, "2026秋", date(2026, 11, 20)),
    (["undergraduate"], DeadlineTask.IDENTIFY, "2027春", date(2027, 5, 20)),
    (["senior"], DeadlineTask.IDENTIFY, "2026秋", date(2026, 10, 31)),
    (["junior"], DeadlineTask.IDENTIFY, "2027春", date(2027, 4, 30)),
    (["vocational"], DeadlineTask.IDENTIFY, "2027-03", date(2027, 3, 15)),
    (["junior"], DeadlineTask.FUNDING_ENTRY, "2026秋", date(2026, 12, 20)),
    (["junior"], DeadlineTask.FUNDING_SCHOOL_REVIEW, "2026秋", date(2026, 12, 31)),
    (["junior"], DeadlineTask.FUNDING_AUTHORITY_REVIEW, "2026秋", date(2027, 1, 31)),
    (["undergraduate"], DeadlineTask.FUNDING_SCHOOL_REVIEW, "2027春", date(2027, 7, 10)),
    (["vocational"], DeadlineTask.FUNDING_AUTHORITY_REVIEW, "2026-12", date(2026, 12, 25)),
    (["primary", "junior"], DeadlineTask.IDENTIFY, "2026秋", date(2026, 10, 31)),
    (["vocational"], DeadlineTask.UNFUNDED_REPORT, "2026秋", None),  # 中职 reports per month, not per term
])
def test_due_dates_follow_003s_tables(app, deadline_calendar, stages, task, period, due):
    assert services.due_date(stages, task, parse_period(period)) == due


def test_vocational_schools_report_monthly_except_february_and_august(app, world):
    periods = services.school_periods(world.nanjing_city_school, parse_period("2027春").term)
    assert [p.code for p in periods] == ["2027-03", "2027-04", "2027-05", "2027-06", "2027-07"]
    assert [p.code for p in services.school_periods(world.xuanwu_school, parse_period("2027春").term)] == ["2027-spring"]
    with pytest.raises(TermError):
        parse_period("2026-08")


def test_every_tier_reads_the_calendar(client, login_as, deadline_calendar):
    login_as("school")
    text = page_text(client.get("/deadlines/?stage=vocational"))
    assert "未资助情况上报" in text and "每月15日" in text
    assert "保存" not in text


def test_province_edits_a_date_in_place_and_it_is_audited(client, login_as, deadline_calendar):
    login_as("province")
    row = rule("primary", DeadlineTask.UNFUNDED_REPORT, "autumn")
    response = client.post(f"/deadlines/{row.id}", data={"month": "1", "day": "10", "note": "本省提前"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text and "已保存" in response.text
    db.session.expire_all()
    assert (row.month, row.day, row.note) == (1, 10, "本省提前")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "edit_deadline"))
    assert "1月15日 → 1月10日" in entry.detail


def test_an_impossible_date_is_refused_and_nothing_changes(client, login_as, deadline_calendar):
    login_as("province")
    row = rule("primary", DeadlineTask.UNFUNDED_REPORT, "autumn")
    response = client.post(f"/deadlines/{row.id}", data={"month": "2", "day": "30"})
    assert response.status_code == 422 and "日期应在 1 到 29 之间" in page_text(response)
    db.session.expire_all()
    assert (row.month, row.day) == (1, 15)
    assert not db.session.scalar(select(func.count()).where(AuditEntry.action == "edit_deadline"))


def test_only_the_province_edits_the_calendar(client, login_as, deadline_calendar):
    login_as("city")
    row = rule("primary", DeadlineTask.UNFUNDED_REPORT, "autumn")
    assert client.post(f"/deadlines/{row.id}", data={"month": "1", "day": "3"}).status_code == 404
    db.session.expire_all()
    assert row.day == 15


def test_school_home_shows_what_is_due_next_with_days_left(client, login_as, deadline_calendar, today_is):
    today_is(date(2026, 12, 10))
    login_as("school")
    text = page_text(client.get("/"))
    assert "近期截止事项" in text
    assert "资助名单录入 2026秋 2026年12月20日 还剩 10 天" in text
    assert "未资助情况上报 2026秋 2027年01月15日 还剩 36 天" in text


def test_a_vocational_school_sees_its_monthly_dates_read_in_one_query(app, world, deadline_calendar):
    school = world.nanjing_city_school  # 中职: every month of the term is a period of its own
    assert services.reports_monthly(school)  # (loads the school before statements are counted)
    statements = []

    def count(_connection, _cursor, statement, *_):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        items = services.next_due(school, date(2026, 10, 3))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    expected = sorted(
        ((due, services.SCHOOL_TASKS.index(task), task, period.code)
         for period in services.school_periods(school, parse_period("2026-autumn").term)
         for task in services.SCHOOL_TASKS
         if (due := services.school_due_date(school, task, period)) and due >= date(2026, 10, 3)))[:4]
    assert [(item.due, item.task, item.period.code) for item in items] == [(due, task, code)
                                                                          for due, _, task, code in expected]
    assert all(item.period.is_month for item in items)
    assert len(statements) == 1


def test_school_home_says_what_still_blocks_submission(client, login_as, world, deadline_calendar, today_is):
    from factories import make_unfunded_student

    today_is(date(2026, 12, 10))
    login_as("school")
    assert "本学期尚未上传学籍，就学信息库为空" in page_text(client.get("/"))
    pupils = [make_unfunded_student(world.xuanwu_school, name) for name in ("张三", "李四")]
    db.session.commit()
    text = page_text(client.get("/"))
    assert "2026秋 未资助原因：未填报" in text and "还有 2 名未资助学生没有填写原因 ，填写完毕才能提交" in text
    for pupil in pupils:
        client.post(f"/reasons/2026-autumn/students/{pupil.id}", data={"reason": "declined", "version": "0"})
    text = page_text(client.get("/"))
    assert "未资助原因：填报中" in text and "未资助学生 2 名，均已填写原因，可以提交审核" in text
    assert "没有填写原因" not in text
