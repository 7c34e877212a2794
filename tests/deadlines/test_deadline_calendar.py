"""The deadline calendar: 003's annex tables whole (every stage, module, task, cycle, school and authority),
seeded without touching the province's edits, read per stage and period, shown and edited on one page."""
from datetime import date

import pytest
from sqlalchemy import delete, event, func, select

from factories import page_text
from portal.audit.models import AuditEntry
from portal.deadlines import services
from portal.deadlines.cli import seed_deadlines_command
from portal.deadlines.models import Deadline
from portal.extensions import db
from portal.reasons.models import ReasonOption
from portal.terms import TermError, parse_period
from portal.vocab import DeadlineModule as M, DeadlineParty as P, DeadlineTask as T

SCHOOL, AUTHORITY = P.SCHOOL, P.AUTHORITY


def rule(stage, module, task, cycle, party=SCHOOL):
    return db.session.scalar(select(Deadline).where(
        Deadline.stage == stage, Deadline.module == module.value, Deadline.task == task.value,
        Deadline.cycle == cycle, Deadline.party == party.value))


def label(stage, module, task, cycle, party=SCHOOL) -> str | None:
    found = rule(stage, module, task, cycle, party)
    return found.day_label if found else None


def test_seed_command_fills_an_empty_install_once(app, world):
    runner = app.test_cli_runner()
    first = runner.invoke(seed_deadlines_command)
    assert first.exit_code == 0, first.output
    rows = db.session.scalar(select(func.count()).select_from(Deadline))
    assert rows == 294 and db.session.scalar(select(func.count()).select_from(ReasonOption)) == 7
    second = runner.invoke(seed_deadlines_command)
    assert "新增 0 条" in second.output
    assert db.session.scalar(select(func.count()).select_from(Deadline)) == rows


@pytest.mark.parametrize("stage, module, task, cycle, party, shown", [
    # 学年 tasks of 研究生 and 本专科 (annexes 1, 2)
    ("graduate", M.STUDENT_INFO, T.ENROLMENT_INFO, "year", SCHOOL, "11月10日"),
    ("undergraduate", M.STUDENT_INFO, T.GRADUATE_INFO, "year", SCHOOL, "8月10日"),
    ("undergraduate", M.SCHOLARSHIP, T.FUNDING_ENTRY, "year", SCHOOL, "12月25日"),
    ("graduate", M.SCHOLARSHIP, T.FUNDING_REVIEW, "year", SCHOOL, "12月31日"),
    ("graduate", M.SCHOLARSHIP, T.FUNDING_REVIEW, "year", AUTHORITY, "1月31日"),
    ("undergraduate", M.MILITARY, T.FUNDING_REVIEW, "year", AUTHORITY, "11月30日"),
    ("graduate", M.GRASSROOTS_SECOND, T.FUNDING_REVIEW, "year", AUTHORITY, "3月31日"),
    ("undergraduate", M.GRASSROOTS_EMPLOYMENT, T.EMPLOYMENT_ENTRY, "year", SCHOOL, "6月30日"),
    ("undergraduate", M.GRASSROOTS_FIRST, T.PAYMENT_REVIEW, "year", SCHOOL, "9月15日"),
    # 资助业务设置: school and authority for 地方政府资助, the school alone for 学校/社会
    ("junior", M.LOCAL, T.PROJECT_SETUP, "autumn", AUTHORITY, "9月30日"),
    ("preschool", M.SCHOOL_SOCIAL, T.PROJECT_SETUP, "spring", SCHOOL, "3月31日"),
    ("preschool", M.SCHOOL_SOCIAL, T.PROJECT_SETUP, "spring", AUTHORITY, None),
    # 资助分档设置: the authority's; for 中职 province, city and county apart
    ("senior", M.NATIONAL_GRANT, T.TIER_SETUP, "spring", AUTHORITY, "3月31日"),
    ("primary", M.LIVING_ALLOWANCE, T.TIER_SETUP, "autumn", AUTHORITY, "9月30日"),
    ("vocational", M.NATIONAL_GRANT, T.TIER_SETUP, "year", P.PROVINCE, "9月5日"),
    ("vocational", M.NATIONAL_GRANT, T.TIER_SETUP, "year", P.CITY, "9月10日"),
    ("vocational", M.NATIONAL_GRANT, T.TIER_SETUP, "year", P.COUNTY, "9月15日"),
    # 学生银行卡号管理
    ("vocational", M.STUDENT_INFO, T.BANK_CARDS, "monthly", SCHOOL, "每月20日"),
    ("senior", M.STUDENT_INFO, T.BANK_CARDS, "autumn", SCHOOL, "11月30日"),
    # the 中职 monthly lines
    ("vocational", M.NATIONAL_GRANT, T.PUBLICITY, "monthly", AUTHORITY, "每月25日"),
    ("vocational", M.TUITION_WAIVER, T.PUBLICITY, "monthly", AUTHORITY, "每月25日"),
    ("vocational", M.NATIONAL_GRANT, T.PAYMENT, "monthly", SCHOOL, "每月最后一天"),
    ("vocational", M.TUITION_WAIVER, T.FUNDING_ENTRY_REVIEW, "monthly", AUTHORITY, "每月25日"),
    ("vocational", M.TUITION_WAIVER, T.MAJOR_STANDARDS, "spring", SCHOOL, "3月15日"),
    ("vocational", M.TUITION_WAIVER, T.MAJOR_STANDARDS, "autumn", AUTHORITY, "9月15日"),
    # 财政资金 per level: higher education has 中央 and 省 only
    ("junior", M.FISCAL, T.FISCAL_CENTRAL, "spring", AUTHORITY, "4月30日"),
    ("vocational", M.FISCAL, T.FISCAL_PROVINCE, "autumn", AUTHORITY, "11月15日"),
    ("preschool", M.FISCAL, T.FISCAL_CITY, "spring", AUTHORITY, "5月31日"),
    ("senior", M.FISCAL, T.FISCAL_COUNTY, "autumn", AUTHORITY, "12月15日"),
    ("undergraduate", M.FISCAL, T.FISCAL_PROVINCE, "spring", AUTHORITY, "5月15日"),
    ("graduate", M.FISCAL, T.FISCAL_COUNTY, "autumn", AUTHORITY, None),
    # 学校/社会 lists: no authority review; 地方政府资助 is reviewed
    ("primary", M.SCHOOL_SOCIAL, T.FUNDING_REVIEW, "autumn", AUTHORITY, None),
    ("primary", M.LOCAL, T.FUNDING_REVIEW, "autumn", AUTHORITY, "1月31日"),
])
def test_the_calendar_holds_every_line_of_the_annexes(app, deadline_calendar, stage, module, task, cycle, party,
                                                      shown):
    assert label(stage, module, task, cycle, party) == shown


@pytest.mark.parametrize("stages, module, task, period, due", [
    (["primary"], M.POVERTY, T.UNFUNDED_REPORT, "2026秋", date(2027, 1, 15)),
    (["graduate"], M.POVERTY, T.UNFUNDED_REPORT, "2027春", date(2027, 7, 15)),
    # a 中职 month is reported in the next month, after its funded list is final
    (["vocational"], M.POVERTY, T.UNFUNDED_REPORT, "2026-10", date(2026, 11, 15)),
    (["vocational"], M.POVERTY, T.UNFUNDED_REPORT, "2026-12", date(2027, 1, 15)),
    (["vocational"], M.POVERTY, T.UNFUNDED_REPORT, "2026秋", None),  # 中职 reports per month, not per term
    (["undergraduate"], M.STUDENT_INFO, T.IDENTIFY, "2026秋", date(2026, 11, 20)),
    (["vocational"], M.STUDENT_INFO, T.IDENTIFY, "2027-03", date(2027, 3, 15)),
    (["junior"], M.LIVING_ALLOWANCE, T.FUNDING_REVIEW, "2026秋", date(2026, 12, 31)),
    (["undergraduate"], M.NATIONAL_GRANT, T.FUNDING_REVIEW, "2027春", date(2027, 7, 10)),
    (["undergraduate"], M.LOCAL, T.FUNDING_REVIEW, "2027春", date(2027, 6, 30)),
    (["vocational"], M.NATIONAL_GRANT, T.PAYMENT, "2027-04", date(2027, 4, 30)),
    (["vocational"], M.LOCAL, T.FUNDING_ENTRY, "2026秋", date(2026, 12, 25)),
    (["primary", "junior"], M.STUDENT_INFO, T.IDENTIFY, "2026秋", date(2026, 10, 31)),
])
def test_due_dates_follow_003s_tables(app, deadline_calendar, stages, module, task, period, due):
    assert services.due_date(stages, (module,), (task,), parse_period(period)) == due


def test_authority_dates_are_read_apart_from_the_schools(app, deadline_calendar):
    period = parse_period("2026-10")
    assert services.due_date(["vocational"], (M.NATIONAL_GRANT,), (T.FUNDING_ENTRY_REVIEW,),
                             period) == date(2026, 10, 20)
    assert services.due_date(["vocational"], (M.NATIONAL_GRANT,), (T.FUNDING_ENTRY_REVIEW,), period,
                             AUTHORITY) == date(2026, 10, 25)


def test_a_school_year_date_comes_round_every_year(app, deadline_calendar):
    enrolment = rule("undergraduate", M.STUDENT_INFO, T.ENROLMENT_INFO, "year")
    assert services.next_yearly(enrolment, date(2026, 9, 1)) == date(2026, 11, 10)
    assert services.next_yearly(enrolment, date(2026, 11, 11)) == date(2027, 11, 10)


def test_vocational_months_skip_february_and_august(app, world):
    from portal.deadlines import periods

    school = world.nanjing_city_school
    assert [p.code for p in periods.periods(school, "reasons", parse_period("2027春").term)] == [
        "2027-03", "2027-04", "2027-05", "2027-06", "2027-07"]
    assert [p.code for p in periods.periods(world.xuanwu_school, "reasons", parse_period("2027春").term)] == [
        "2027-spring"]
    with pytest.raises(TermError):
        parse_period("2026-08")


# -- seeding an install that already has a calendar ------------------------------------------------------
def test_seeding_adds_the_missing_rows_and_keeps_the_provinces_edits(app, deadline_calendar):
    """An install seeded before the calendar was whole: only the first five tasks' rows, one of them edited."""
    edited = rule("primary", M.POVERTY, T.UNFUNDED_REPORT, "autumn")
    edited.day, edited.note = 20, "本省推迟"
    db.session.execute(delete(Deadline).where(Deadline.task.not_in(
        [T.IDENTIFY.value, T.FUNDING_ENTRY.value, T.FUNDING_REVIEW.value, T.UNFUNDED_REPORT.value])))
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Deadline))
    assert label("graduate", M.STUDENT_INFO, T.ENROLMENT_INFO, "year") is None
    result = app.test_cli_runner().invoke(seed_deadlines_command)
    assert result.exit_code == 0 and f"新增 {294 - before} 条" in result.output
    db.session.expire_all()
    assert label("graduate", M.STUDENT_INFO, T.ENROLMENT_INFO, "year") == "11月10日"
    assert db.session.scalar(select(func.count()).select_from(Deadline)) == 294
    kept = rule("primary", M.POVERTY, T.UNFUNDED_REPORT, "autumn")
    assert (kept.day, kept.note) == (20, "本省推迟")
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "seed_deadlines")
                             .order_by(AuditEntry.id.desc()).limit(1)) == f"新增 {294 - before} 条"


# -- the page --------------------------------------------------------------------------------------------
def test_every_tier_reads_the_calendar_grouped_like_the_annexes(client, login_as, deadline_calendar):
    login_as("county")
    response = client.get("/deadlines/")
    text = page_text(response)
    for heading in ("研究生 （附件1）", "本专科 （附件2）", "中职 （附件3）", "普通高中 （附件4）", "小学 （附件5）",
                    "学前 （附件6）"):
        assert heading in text
    assert "学生信息 在校生信息录入 学年 11月10日 ——" in text
    assert ("国家奖学金 资助名单录入 学年 12月25日 —— 国家奖学金、学业奖学金 "
            "资助名单审核 学年 12月31日 1月31日 国家奖学金、学业奖学金") in text
    assert "资助分档设置 学年 —— 省 9月5日 市 9月10日 县 9月15日" in text
    assert "资助名单公示确认 月 —— 每月25日" in text and "资金发放管理 月 每月最后一天 ——" in text
    assert "财政资金 中央级业务操作 学期 —— 春 4月30日 秋 10月31日" in text
    assert "/edit" not in response.text and "保存" not in text  # read-only


def test_a_school_sees_its_own_stages_first_and_may_choose_others(client, login_as, deadline_calendar):
    login_as("school")  # a 小学
    text = page_text(client.get("/deadlines/"))
    assert "小学 （附件5）" in text and "研究生" not in text.split("全部学段")[1].split("业务模块")[1]
    assert ("困难生生活补助 资助分档设置 学期 —— 春 3月31日 秋 9月30日 资助名单录入 学期 春 6月20日 秋 12月20日 —— "
            "资助名单审核 学期 春 6月30日 秋 12月31日 春 7月31日 秋 1月31日") in text
    vocational = client.get("/deadlines/?stage=vocational")
    assert "建档立卡学生 未资助情况上报 月 每月15日" in page_text(vocational) and "/edit" not in vocational.text


def test_the_filter_answers_htmx_with_the_tables_alone(client, login_as, deadline_calendar):
    login_as("province")
    response = client.get("/deadlines/?stage=&module=fiscal&party=authority&cycle=term", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="deadline-tables">')
    text = page_text(response)
    assert "县级业务操作" in text and "资助名单" not in text and text.count("附件") == 7


def test_province_edits_a_date_in_place_and_it_is_audited(client, login_as, deadline_calendar):
    login_as("province")
    row = rule("primary", M.POVERTY, T.UNFUNDED_REPORT, "autumn")
    form = client.get(f"/deadlines/{row.id}/edit", headers={"HX-Request": "true"})
    assert "<html" not in form.text and 'name="month"' in form.text and 'name="day"' in form.text
    response = client.post(f"/deadlines/{row.id}", data={"month": "1", "day": "10", "note": "本省提前"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert "秋 1月10日 已调整 已保存 修改" in page_text(response)
    db.session.expire_all()
    assert (row.month, row.day, row.note) == (1, 10, "本省提前")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "edit_deadline"))
    assert "1月15日 → 1月10日" in entry.detail and "小学·建档立卡学生·未资助情况上报" in entry.target_label
    assert "本省提前" in page_text(client.get("/deadlines/?stage=primary"))


def test_without_htmx_the_province_edits_on_a_page_of_its_own(client, login_as, deadline_calendar):
    login_as("province")
    row = rule("vocational", M.NATIONAL_GRANT, T.PAYMENT, "monthly")
    page = page_text(client.get(f"/deadlines/{row.id}/edit"))
    assert "中职·国家助学金·资金发放管理（学校，每月）" in page and "31 为每月最后一天" in page
    response = client.post(f"/deadlines/{row.id}", data={"day": "28"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#deadline-{row.id}")
    db.session.expire_all()
    assert row.day_label == "每月28日"


def test_an_impossible_date_is_refused_and_nothing_changes(client, login_as, deadline_calendar):
    login_as("province")
    row = rule("primary", M.POVERTY, T.UNFUNDED_REPORT, "autumn")
    response = client.post(f"/deadlines/{row.id}", data={"month": "2", "day": "30"})
    assert response.status_code == 422 and "日期应在 1 到 29 之间" in page_text(response)
    inline = client.post(f"/deadlines/{row.id}", data={"month": "13", "day": "1"}, headers={"HX-Request": "true"})
    assert "月份应在 1 到 12 之间" in page_text(inline) and 'name="day"' in inline.text
    db.session.expire_all()
    assert (row.month, row.day) == (1, 15)
    assert not db.session.scalar(select(func.count()).where(AuditEntry.action == "edit_deadline"))


def test_only_the_province_edits_the_calendar(client, login_as, deadline_calendar):
    login_as("city")
    row = rule("primary", M.POVERTY, T.UNFUNDED_REPORT, "autumn")
    assert client.get(f"/deadlines/{row.id}/edit").status_code == 404
    assert client.post(f"/deadlines/{row.id}", data={"month": "1", "day": "3"}).status_code == 404
    db.session.expire_all()
    assert row.day == 15


# -- what a school has due next --------------------------------------------------------------------------
def test_school_home_shows_what_is_due_next_with_days_left(client, login_as, deadline_calendar, today_is):
    today_is(date(2026, 12, 10))
    login_as("school")
    text = page_text(client.get("/"))
    assert "近期截止事项" in text
    assert "资助名单录入（困难生生活补助、地方政府资助） 2026秋 2026年12月20日 还剩 10 天" in text
    assert "资助名单录入（学校资助、社会资助） 2026秋 2026年12月25日 还剩 15 天" in text
    assert "资助名单审核（困难生生活补助、地方政府资助、学校资助、社会资助） 2026秋 2026年12月31日 还剩 21 天" in text


def test_a_university_sees_its_school_year_dates(app, world, deadline_calendar):
    items = services.next_due(world.province_school, date(2026, 11, 1))
    assert [(item.label, item.period_label, item.due) for item in items[:2]] == [
        ("在校生信息录入（学生信息）", "学年", date(2026, 11, 10)),
        ("资助名单录入（服兵役国家资助）", "学年", date(2026, 11, 15))]


def test_a_vocational_school_sees_its_monthly_dates_read_in_one_query(app, world, deadline_calendar):
    school = world.nanjing_city_school  # 中职: every month of the term is a period of its own
    assert school.stage_list  # (loads the school before statements are counted)
    statements = []

    def count(_connection, _cursor, statement, *_):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        items = services.next_due(school, date(2026, 10, 3))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert [(item.label, item.period_label, item.due) for item in items] == [
        ("家庭经济信息录入与困难学生认定管理（学生信息）", "2026年10月", date(2026, 10, 15)),
        ("未资助情况上报（建档立卡学生）", "2026年9月", date(2026, 10, 15)),
        ("学生银行卡号管理（学生信息）", "2026年10月", date(2026, 10, 20)),
        ("资助名单录入及审核（国家助学金、国家免学费）", "2026年10月", date(2026, 10, 20)),
        ("资金发放管理（国家助学金）", "2026年10月", date(2026, 10, 31))]


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
