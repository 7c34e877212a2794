"""Each library student's status in a period is computed from the funded list: the school's pages, a
record typed in or deleted, incomplete records, export, submission for review, and a student's history."""
from datetime import date

import pytest
from sqlalchemy import func, select

from calamine_helpers import read_xlsx
from factories import make_funding_project, make_id_number, page_text
from funding_files import card_number, library, subsidy
from portal import exports
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.funding.models import FundingRecord
from portal.progress.models import SchoolProgress
from portal.review.models import PeriodSubmission


def typed(client, school, serial: int, **overrides):
    form = {"id_number": make_id_number(serial=serial), "name": f"学生{serial}", "project_id": str(overrides.pop(
        "project_id")), "standard": "500", "amount": "250", "paid_on": "2026-10-15", "card": card_number(serial)}
    form.update(overrides)
    return client.post(f"/funding/schools/{school.id}/records/new?period=2026-autumn", data=form)


@pytest.fixture
def setup(world):
    project = subsidy(world.province)
    students = library(world.xuanwu_school, 3)
    db.session.commit()
    return world.xuanwu_school, project, students


def test_students_are_unfunded_until_a_record_names_them(client, login_as, setup):
    school, project, students = setup
    login_as("school")
    assert typed(client, school, 1, project_id=project.id).status_code == 303
    text = page_text(client.get(f"/funding/schools/{school.id}/students"))
    assert text.count("已受助") >= 1 and text.count("未受助") >= 2 and "250.00" in text
    fragment = client.get(f"/funding/schools/{school.id}/students?status=unfunded", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section id="funding-students">')
    assert "学生2" in page_text(fragment) and "学生3" in page_text(fragment) and "学生1" not in page_text(fragment)
    overview = page_text(client.get(f"/funding/schools/{school.id}"))
    assert "3 就学信息库学生" in overview and "1 本期已受助" in overview and "2 本期未受助" in overview
    progress = db.session.scalar(select(SchoolProgress).where(SchoolProgress.school_id == school.id))
    assert (progress.funded, progress.unfunded, progress.funded_amount) == (1, 2, 250)


def test_a_typed_record_is_checked_like_a_file_row(client, login_as, setup):
    school, project, _ = setup
    login_as("school")
    refused = typed(client, school, 1, project_id=project.id, card=card_number(1)[:-1] + "0"
                    if card_number(1)[-1] != "0" else card_number(1)[:-1] + "1")
    assert refused.status_code == 422 and "银行卡号：银行卡号未通过校验" in page_text(refused)
    refused = typed(client, school, 1, project_id=project.id, paid_on="2026-08-31")
    assert refused.status_code == 422 and "不在2026秋" in page_text(refused)
    refused = typed(client, school, 9, project_id=project.id, id_number=make_id_number(born="20100101", serial=9))
    assert "不在本校2026秋学期的学籍名单中" in page_text(refused)
    assert db.session.scalar(select(func.count()).select_from(FundingRecord)) == 0
    assert typed(client, school, 1, project_id=project.id).status_code == 303
    twice = typed(client, school, 1, project_id=project.id)
    assert twice.status_code == 422 and "本期已有该生该项目的记录" in page_text(twice)


def test_incomplete_records_are_flagged_counted_and_block_submission(client, login_as, setup):
    school, project, _ = setup
    login_as("school")
    typed(client, school, 1, project_id=project.id)
    typed(client, school, 2, project_id=project.id, card="", standard="")
    overview = page_text(client.get(f"/funding/schools/{school.id}"))
    assert "1 信息不完整记录" in overview and "缺银行卡号 1 条，缺资助标准 1 条" in overview
    assert "有 1 条资助记录信息不完整" in overview
    listing = page_text(client.get(f"/funding/schools/{school.id}/records?incomplete=1"))
    assert "缺银行卡号、资助标准" in listing and "学生1" not in listing
    refused = client.post(f"/funding/schools/{school.id}/submit?period=2026-autumn", follow_redirects=True)
    assert "还不能提交" in page_text(refused)
    assert db.session.scalar(select(PeriodSubmission.status)) == "in_progress"


def test_school_submits_and_the_list_locks(client, login_as, setup):
    school, project, _ = setup
    login_as("school")
    typed(client, school, 1, project_id=project.id)
    done = client.post(f"/funding/schools/{school.id}/submit?period=2026-autumn")
    assert done.status_code == 303
    sub = db.session.scalar(select(PeriodSubmission))
    assert (sub.kind, sub.period, sub.status) == ("funding", "2026-autumn", "submitted")
    locked = typed(client, school, 2, project_id=project.id)
    assert locked.status_code == 422 and "已提交" in page_text(locked)
    record_id = db.session.scalar(select(FundingRecord.id))
    client.post(f"/funding/records/{record_id}/delete")
    assert db.session.scalar(select(func.count()).select_from(FundingRecord)) == 1


def test_county_approves_the_funded_list_on_the_shared_review_page(client, login_as, setup, world):
    school, project, _ = setup
    login_as("school")
    typed(client, school, 1, project_id=project.id)
    client.post(f"/funding/schools/{school.id}/submit?period=2026-autumn")
    client.post("/logout")
    login_as("county")
    page = page_text(client.get(f"/funding/schools/{school.id}"))
    assert "国家资助名单 已提交" in page and "查看审核页面" in page and "确认无误后提交" not in page
    sub = db.session.scalar(select(PeriodSubmission))
    done = client.post(f"/review/{school.id}/funding/2026-autumn/approve", data={"version": sub.version})
    assert done.status_code in (200, 303)
    db.session.expire_all()
    assert db.session.scalar(select(PeriodSubmission.status)) == "approved"


def test_deleting_a_record_makes_the_student_unfunded_again(client, login_as, setup):
    school, project, _ = setup
    login_as("school")
    typed(client, school, 1, project_id=project.id)
    record_id = db.session.scalar(select(FundingRecord.id))
    assert client.post(f"/funding/records/{record_id}/delete").status_code == 303
    progress = db.session.scalar(select(SchoolProgress).where(SchoolProgress.school_id == school.id))
    assert (progress.funded, progress.unfunded, progress.funded_records) == (0, 3, 0)
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "delete_funding_record"


def test_student_history_across_periods(client, login_as, setup, world):
    school, project, students = setup
    db.session.add(FundingRecord(school_id=school.id, period="2026-spring", term="2026-spring", project_id=project.id,
                                 id_hash=students[0].id_hash, id_cipher=b"-", id_masked=students[0].id_masked,
                                 name="学生1", amount=500))
    db.session.commit()
    login_as("school")
    typed(client, school, 1, project_id=project.id, amount="300")
    text = page_text(client.get(f"/funding/students/{students[0].id}"))
    assert text.index("2026秋") < text.index("2026春") and "300.00" in text and "500.00" in text
    assert "各期均未受助" in page_text(client.get(f"/funding/students/{students[1].id}"))


def test_export_masks_numbers_and_is_audited(client, login_as, setup):
    school, project, _ = setup
    login_as("school")
    typed(client, school, 1, project_id=project.id, name="=HYPERLINK(\"x\")")
    rows = read_xlsx(client.get(f"/funding/schools/{school.id}/records.xlsx").data)
    assert rows[0][:3] == ["身份证件号", "姓名", "资助项目"]
    assert rows[1][0] == make_id_number(serial=1)[:6] + "*" * 12
    assert rows[1][1] == "=HYPERLINK(\"x\")" and rows[1][7].startswith("6222 ****")
    exported = db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "export"))
    assert exported.startswith("2026秋资助名单（文件 ") and "SHA-256" in exported  # with its rows and digest


def test_vocational_school_works_by_month(client, login_as, world):
    grant = make_funding_project("国家助学金", "vocational", owner_region=world.province, standards="2800,2300,1800",
                                 period_type="month")
    library(world.nanjing_city_school, 2, born="20090301")
    db.session.commit()
    login_as("school", school=world.nanjing_city_school)
    page = client.get(f"/funding/schools/{world.nanjing_city_school.id}")
    assert "2026年11月" in page_text(page)
    term = page_text(client.get(f"/funding/schools/{world.nanjing_city_school.id}?period=2026-autumn"))
    assert "地方政府资助名单" in term and "学校和社会资助名单" in term and "国家资助名单" not in term
    form = {"id_number": make_id_number(born="20090301", serial=1), "name": "学生1", "standard": "2300",
            "amount": "230", "paid_on": "2026-10-20", "card": card_number(1), "project_id": grant.id}
    done = client.post(f"/funding/schools/{world.nanjing_city_school.id}/records/new?period=2026-10", data=form)
    assert done.status_code == 303, page_text(done)
    month = page_text(client.get(f"/funding/schools/{world.nanjing_city_school.id}/students?period=2026-10"))
    november = page_text(client.get(f"/funding/schools/{world.nanjing_city_school.id}/students?period=2026-11"))
    assert "已受助" in month and "已受助" not in november.replace("全部学生 已受助 未受助", "")
    in_term = client.post(f"/funding/schools/{world.nanjing_city_school.id}/records/new?period=2026-autumn",
                          data={**form, "id_number": make_id_number(born="20090301", serial=2), "name": "学生2"})
    assert in_term.status_code == 422 and "中职学生的国家资助项目按月填报" in page_text(in_term)


def test_upper_tiers_see_their_schools_figures_from_progress(client, login_as, setup, world):
    school, project, _ = setup
    login_as("school")
    typed(client, school, 1, project_id=project.id)
    db.session.add(SchoolProgress(school_id=world.xishan_school.id, term="2026-autumn", city_code="320200",
                                  county_code="320205", unfunded=7))
    db.session.commit()
    client.post("/logout")
    login_as("county")
    response = client.get("/funding/")
    text = page_text(response)
    assert response.status_code == 200 and "各校资助情况 · 2026秋" in text
    assert "玄武区第一小学 3 1 2 1 0 250.00" in text and "锡山区第一小学" not in text


def test_the_list_locks_after_the_school_review_deadline(client, login_as, setup, monkeypatch):
    from datetime import date

    from portal.audit.services import Actor
    from portal.deadlines import services as deadlines

    school, project, _ = setup
    deadlines.seed_deadlines(Actor.command_line())
    db.session.commit()
    monkeypatch.setattr("portal.deadlines.services.today", lambda: date(2027, 1, 5))
    login_as("school")
    refused = typed(client, school, 1, project_id=project.id)
    assert refused.status_code == 422 and "已过截止日期" in page_text(refused)
    assert db.session.scalar(select(func.count()).select_from(FundingRecord)) == 0



def test_a_large_export_is_a_job_whose_file_holds_the_same_lines(client, login_as, setup, monkeypatch):
    """Up to exports.IN_REQUEST_ROWS records the file comes at once; above (a big school), the worker writes it."""
    school, project, _ = setup
    login_as("school")
    typed(client, school, 1, project_id=project.id)
    typed(client, school, 2, project_id=project.id, card="", paid_on="")
    url = f"/funding/schools/{school.id}/records.xlsx?period=2026-autumn"
    in_request = read_xlsx(client.get(url).data)
    assert in_request[1:] == [
        [make_id_number(serial=1)[:6] + "*" * 12, "学生1", project.name, "国家", 500.0, 250.0, date(2026, 10, 15),
         "6222 **** **** 0018", ""],
        [make_id_number(serial=2)[:6] + "*" * 12, "学生2", project.name, "国家", 500.0, 250.0, "", "", "银行卡号、发放时间"]]
    monkeypatch.setattr(exports, "IN_REQUEST_ROWS", 1)

    response = client.get(url)

    assert response.status_code == 303 and "/jobs/" in response.headers["Location"]
    job = response.headers["Location"]
    text = page_text(client.get(job))
    assert "导出资助名单" in text and "已导出 2 条资助记录" in text and f"下载 {school.name}2026秋资助名单.xlsx" in text
    assert read_xlsx(client.get(f"{job}/file").data) == in_request
