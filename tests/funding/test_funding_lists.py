"""A school's funded lists go by project level (国家 / 地方政府 / 学校和社会), each closing on its own dates from
the calendar (issue 12 point 8); 中职 keeps its national lists by month, its 地方/学校/社会 lists by term, also in
a school teaching 中职 beside another stage (point 9)."""
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from factories import make_enrolled_student, make_funding_project, make_id_number, make_school, page_text
from funding_files import card_number, xlsx
from portal.deadlines import periods
from portal.extensions import db
from portal.funding.models import FundingRecord
from portal.review.models import PeriodSubmission
from portal.terms import parse_period
from portal.vocab import DeadlineParty, SubmissionKind as K

HX = {"HX-Request": "true"}
BORN_2005 = "20050901"


def typed(client, school, period: str, project, serial: int, born: str = BORN_2005, **overrides):
    form = {"id_number": make_id_number(born=born, serial=serial), "name": f"学生{serial}", "project_id": project.id,
            "standard": str(overrides.pop("standard", "")), "amount": "300", "paid_on": overrides.pop("paid_on", ""),
            "card": card_number(serial)}
    form.update(overrides)
    return client.post(f"/funding/schools/{school.id}/records/new?period={period}", data=form)


@pytest.mark.parametrize("stages, kind, period, party, due", [
    # 本专科: 地方 and 学校/社会 lists close before the national grant's (6-30 against 7-10)
    ("undergraduate", K.FUNDING, "2027春", DeadlineParty.SCHOOL, date(2027, 7, 10)),
    ("undergraduate", K.FUNDING_LOCAL, "2027春", DeadlineParty.SCHOOL, date(2027, 6, 30)),
    ("undergraduate", K.FUNDING_SCHOOL, "2027春", DeadlineParty.SCHOOL, date(2027, 6, 30)),
    ("undergraduate", K.FUNDING, "2026秋", DeadlineParty.AUTHORITY, date(2027, 1, 31)),
    ("undergraduate", K.FUNDING_LOCAL, "2026秋", DeadlineParty.AUTHORITY, date(2027, 1, 31)),
    ("undergraduate", K.FUNDING_SCHOOL, "2026秋", DeadlineParty.AUTHORITY, None),  # "——": no authority review
    ("primary", K.FUNDING, "2026秋", DeadlineParty.SCHOOL, date(2026, 12, 31)),
    ("preschool", K.FUNDING, "2026秋", DeadlineParty.SCHOOL, None),  # 学前 has no national module
    ("preschool", K.FUNDING_LOCAL, "2026秋", DeadlineParty.SCHOOL, date(2026, 12, 31)),
    # 中职: national lists by month (录入及审核 the 20th, the authority the 25th), the others by term
    ("vocational", K.FUNDING, "2026-10", DeadlineParty.SCHOOL, date(2026, 10, 20)),
    ("vocational", K.FUNDING, "2026-10", DeadlineParty.AUTHORITY, date(2026, 10, 25)),
    ("vocational", K.FUNDING_LOCAL, "2026秋", DeadlineParty.SCHOOL, date(2026, 12, 31)),
    ("senior,vocational", K.FUNDING, "2026秋", DeadlineParty.SCHOOL, date(2026, 12, 31)),  # the 高中's
    ("senior,vocational", K.REASONS, "2026秋", DeadlineParty.SCHOOL, date(2027, 1, 15)),
    ("senior,vocational", K.REASONS, "2026-10", DeadlineParty.SCHOOL, date(2026, 11, 15)),
])
def test_each_list_has_its_own_dates(app, deadline_calendar, stages, kind, period, party, due):
    assert periods.due_for(stages, kind, parse_period(period), party) == due


@pytest.fixture
def university(world, deadline_calendar, monkeypatch):
    """江苏第一大学 (本专科, reviewed by the province) on 5 July 2027: its 地方 and 学校 lists closed on 30 June,
    its national grant list closes on 10 July."""
    monkeypatch.setattr("portal.deadlines.services.today", lambda: date(2027, 7, 5))
    school = world.province_school
    grant = make_funding_project("国家助学金", "undergraduate", owner_region=world.province, standards="4700,3700,2700")
    local = make_funding_project("江苏省高校困难学生补助", "undergraduate", level="local", owner_region=world.province)
    for serial in (1, 2):
        make_enrolled_student(school, make_id_number(born=BORN_2005, serial=serial), f"学生{serial}",
                              term="2027-spring")
    db.session.commit()
    return school, grant, local


def test_a_local_list_locks_on_its_own_date_while_the_national_one_stays_open(client, login_as, university):
    school, grant, local = university
    login_as("school", school=school)
    head = page_text(client.get(f"/funding/schools/{school.id}?period=2027-spring"))
    assert "国家资助名单 未填报 2027-07-10 2027-07-31" in head
    assert "地方政府资助名单 未填报 2027-06-30 2027-07-31 已过截止日期（2027年06月30日），本期已锁定" in head
    assert "学校和社会资助名单 未填报 2027-06-30 无需主管部门审核 已过截止日期（2027年06月30日）" in head
    refused = typed(client, school, "2027-spring", local, 1)
    assert refused.status_code == 422
    assert "地方政府资助名单：已过截止日期（2027年06月30日），本期已锁定" in page_text(refused)
    done = typed(client, school, "2027-spring", grant, 2, standard=3700)
    assert done.status_code == 303, page_text(done)
    assert db.session.scalar(select(func.count()).select_from(FundingRecord)) == 1
    assert db.session.scalar(select(PeriodSubmission.kind)) == "funding"


def test_an_import_writing_to_a_locked_list_is_refused_whole(client, login_as, university):
    school, _, _ = university
    content = xlsx([[school.code, make_id_number(born=BORN_2005, serial=1), "学生1", "国家助学金", 3700, 1850,
                     "2027-03-15", card_number(1)],
                    [school.code, make_id_number(born=BORN_2005, serial=2), "学生2", "江苏省高校困难学生补助", None, 500,
                     "2027-03-15", card_number(2)]])
    login_as("school", school=school)
    preview = client.post(f"/funding/schools/{school.id}/import?period=2027-spring",
                          data={"file": (io.BytesIO(content), "名单.xlsx"), "mode": "append"},
                          content_type="multipart/form-data")
    assert "文件中有属于地方政府资助名单的记录，但地方政府资助名单不能修改" in page_text(preview)
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    refused = client.post(f"/funding/schools/{school.id}/import/confirm?period=2027-spring",
                          data={"token": token, "mode": "append"})
    assert refused.status_code == 422 and "地方政府资助名单：已过截止日期（2027年06月30日）" in page_text(refused)
    assert db.session.scalar(select(func.count()).select_from(FundingRecord)) == 0
    assert db.session.scalar(select(func.count()).select_from(PeriodSubmission)) == 0


def test_a_school_and_social_list_is_final_when_the_school_reviews_it(client, login_as, world, deadline_calendar,
                                                                     today_is):
    today_is(date(2026, 11, 22))
    school = world.xuanwu_school
    social = make_funding_project("爱心企业助学金", "primary", level="social", owner_school=school)
    make_enrolled_student(school, make_id_number(serial=1), "学生1")
    db.session.commit()
    login_as("school")
    assert typed(client, school, "2026-autumn", social, 1, born="20150901", standard=1000,
                 paid_on="2026-10-15").status_code == 303
    page = page_text(client.get(f"/funding/schools/{school.id}?period=2026-autumn"))
    assert "学校资助、社会资助名单（1 条）由学校审核，无需主管部门审核" in page and "学校审核确认" in page
    done = client.post(f"/funding/schools/{school.id}/submit?period=2026-autumn", data={"kind": "funding_school"},
                       follow_redirects=True)
    assert "2026秋学校和社会资助名单已由学校审核确认（无需主管部门审核）" in page_text(done)
    sub = db.session.scalar(select(PeriodSubmission))
    assert (sub.kind, sub.status) == ("funding_school", "approved") and sub.reviewed_at is not None
    assert "学校和社会资助名单：本期已审核通过，不能修改" in page_text(
        typed(client, school, "2026-autumn", social, 1, born="20150901", standard=1000))
    client.post("/logout")
    login_as("county")
    url = f"/review/{school.id}/funding_school/2026-autumn"
    review_page = client.get(url)
    assert "无需主管部门审核（学校审核即为最终结果）" in page_text(review_page)
    assert "审核通过" not in review_page.text.split('id="review-panel"')[1].split("<dl")[0]
    assert "approve" not in review_page.text and "return" not in review_page.text
    refused = client.post(f"{url}/approve", data={"version": sub.version})
    assert refused.status_code == 422 and "学校和社会资助名单由学校审核确认，无需主管部门审核" in page_text(refused)
    listed = page_text(client.get("/review/?kind=funding_school"))
    assert "玄武区第一小学" in listed and "学校和社会资助名单 2026秋 已审核" in listed


def test_an_empty_local_list_may_be_confirmed_but_a_national_one_may_not(client, login_as, world, deadline_calendar,
                                                                        today_is):
    today_is(date(2026, 11, 22))
    school = world.xuanwu_school
    login_as("school")
    page = page_text(client.get(f"/funding/schools/{school.id}?period=2026-autumn"))
    assert "本期尚未录入国家资助名单" in page and "本期地方政府资助名单没有记录，提交即确认本期无此类资助" in page
    client.post(f"/funding/schools/{school.id}/submit?period=2026-autumn", data={"kind": "funding"})
    client.post(f"/funding/schools/{school.id}/submit?period=2026-autumn", data={"kind": "funding_local"})
    assert db.session.execute(select(PeriodSubmission.kind, PeriodSubmission.status)).all() == [
        ("funding_local", "submitted")]


# -- 中职 beside another stage (point 9) ----------------------------------------------------------------------
@pytest.fixture
def combined(world, deadline_calendar, monkeypatch):
    """玄武区综合高中 teaches 普通高中 and 中职: two pupils of each, on 3 November 2026."""
    monkeypatch.setattr("portal.deadlines.services.today", lambda: date(2026, 11, 3))
    school = make_school(world.xuanwu, "玄武区综合高中", stages="senior,vocational")
    senior = make_funding_project("国家助学金", "senior", owner_region=world.province, standards="2800,2300,1800")
    vocational = make_funding_project("国家助学金", "vocational", owner_region=world.province, period_type="month",
                                      standards="2800,2300,1800")
    local = make_funding_project("南京市职校交通补助", "vocational", level="local", owner_region=world.nanjing)
    pupils = {}
    for serial, stage in ((1, "senior"), (2, "senior"), (3, "vocational"), (4, "vocational")):
        pupils[serial] = make_enrolled_student(school, make_id_number(born="20090301", serial=serial),
                                               f"学生{serial}", stage=stage)
    db.session.commit()
    return school, senior, vocational, local, pupils


def test_a_combined_school_reports_its_vocational_students_by_month(client, login_as, combined):
    school, _, _, _, _ = combined
    login_as("school", school=school)
    term = page_text(client.get("/reasons/?period=2026-autumn"))
    assert "学生1" in term and "学生2" in term and "学生3" not in term and "学生4" not in term
    assert "截止日期 2027年01月15日" in term
    october = page_text(client.get("/reasons/?period=2026-10"))
    assert "学生3" in october and "学生4" in october and "学生1" not in october
    assert "上报内容 2026年10月的未资助情况" in october and "截止日期 2026年11月15日" in october
    assert "2026秋" in october and "2026年10月" in october.split("上报期间")[1][:200]  # both kinds of period offered
    assert client.get("/reasons/?period=2026-08").status_code == 404
    client.post("/logout")
    login_as("county")
    listed = page_text(client.get("/review/?kind=reasons&month=2026-10"))
    assert listed.count("玄武区综合高中") == 2
    assert "未资助原因 2026秋 未填报" in listed and "未资助原因 2026年10月 未填报" in listed


def test_a_combined_school_lists_vocational_national_aid_by_month(client, login_as, combined):
    school, senior, vocational, local, pupils = combined
    login_as("school", school=school)
    in_term = typed(client, school, "2026-autumn", vocational, 3, born="20090301", standard=2300, paid_on="2026-11-02")
    assert in_term.status_code == 422 and "中职学生的国家资助项目按月填报" in page_text(in_term)
    assert typed(client, school, "2026-11", vocational, 3, born="20090301", standard=2300,
                 paid_on="2026-11-02").status_code == 303
    wrong_month = typed(client, school, "2026-11", senior, 1, born="20090301", standard=2300, paid_on="2026-11-02")
    assert wrong_month.status_code == 422 and "2026年11月的名单只收中职学生的国家资助项目" in page_text(wrong_month)
    assert typed(client, school, "2026-autumn", senior, 1, born="20090301", standard=2300,
                 paid_on="2026-10-20").status_code == 303
    # 中职's 地方 projects run per term, and a term record counts in each of its months
    assert typed(client, school, "2026-autumn", local, 4, born="20090301", paid_on="2026-10-20").status_code == 303
    november = page_text(client.get("/reasons/?period=2026-11"))
    assert "0 本期未资助学生" in november and "本期没有未资助的学生" in november
    october = page_text(client.get("/reasons/?period=2026-10")).split("未资助学生 显示")[1]
    assert "学生3" in october and "学生4" not in october  # funded in October by the term's 地方 list
    lists = page_text(client.get(f"/funding/schools/{school.id}?period=2026-11"))
    assert "国家资助名单 填报中 2026-11-20 2026-11-25" in lists and "地方政府资助名单" not in lists
    assert "2 就学信息库学生 2 本期已受助" in lists  # a month's library: the 中职 students
    term = page_text(client.get(f"/funding/schools/{school.id}?period=2026-autumn"))
    assert "国家资助名单 填报中 2026-12-31" in term and "地方政府资助名单 填报中 2026-12-31 2027-01-31" in term


def test_a_reopened_funded_list_lets_the_school_add_records_again(client, login_as, world, deadline_calendar,
                                                                 today_is):
    from funding_files import library

    project = make_funding_project("义务教育家庭经济困难学生生活补助", "primary", owner_region=world.province,
                                   standards="1000,500")
    library(world.xuanwu_school, 1)
    db.session.commit()
    today_is(date(2027, 1, 5))  # the school's review of the 2026秋 national list closed on 31 December
    school = world.xuanwu_school
    form = {"id_number": make_id_number(serial=1), "name": "学生1", "project_id": project.id, "standard": "500",
            "amount": "250", "paid_on": "2026-10-15", "card": card_number(1)}
    login_as("school")
    refused = client.post(f"/funding/schools/{school.id}/records/new?period=2026-autumn", data=form)
    assert refused.status_code == 422 and "国家资助名单：已过截止日期（2026年12月31日）" in page_text(refused)
    client.post("/logout")
    login_as("county")
    url = f"/review/{school.id}/funding/2026-autumn"
    client.post(f"{url}/reopen", data={"days": "7"})
    text = page_text(client.get(url))
    assert "本期已重新开放至 2027年01月12日" in text and 'name="days"' not in client.get(url).text
    client.post("/logout")
    login_as("school")
    assert client.post(f"/funding/schools/{school.id}/records/new?period=2026-autumn", data=form).status_code == 303
    head = page_text(client.get(f"/funding/schools/{school.id}?period=2026-autumn"))
    assert "国家资助名单 填报中 2026-12-31 2027-01-31 已过截止日期，主管部门已重新开放至 2027年01月12日" in head


def test_a_kindergarten_keeps_no_national_list_when_no_national_project_serves_it(client, login_as, world,
                                                                                  deadline_calendar, today_is):
    """Annex 6 has no national module: 学前 aid is a local government's project (issue 12 point 6)."""
    today_is(date(2026, 11, 22))
    kindergarten = make_school(world.xuanwu, "玄武区第一幼儿园", stages="preschool")
    db.session.commit()
    login_as("school", school=kindergarten)
    page = page_text(client.get(f"/funding/schools/{kindergarten.id}"))
    assert "地方政府资助名单 未填报 2026-12-31 2027-01-31" in page and "国家资助名单" not in page
    client.post("/logout")
    login_as("county")
    assert "玄武区第一幼儿园" not in page_text(client.get("/review/?kind=funding"))
    assert "玄武区第一幼儿园" in page_text(client.get("/review/?kind=funding_local"))
    make_funding_project("学前教育资助", "preschool", owner_region=world.province)  # a province that set one up
    db.session.commit()
    assert "玄武区第一幼儿园" in page_text(client.get("/review/?kind=funding"))
