"""003 asks that every library student of the five categories has a 困难等级: the school's progress row counts
those without one (kept by every write), the school sees the count as work to do on its home and library pages
and it opens exactly those students; the reasons submission and the county's review page say how many."""
from datetime import date

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from factories import make_enrolled_student, make_id_number, make_unfunded_student, page_text
from portal.extensions import db
from portal.progress.models import SchoolProgress
from portal.progress.services import refresh_progress
from portal.terms import current_term

HX = {"HX-Request": "true"}


def without_level(school, term: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(SchoolProgress.without_hardship_level).where(
        SchoolProgress.school_id == school.id, SchoolProgress.term == term))


def library_of(school, term: str) -> dict:
    """Students who count (甲, 乙 without a level), and those who do not: assessed, left school, a pending
    addition, no longer matched, another school's."""
    make_enrolled_student(school, make_id_number(serial=900), "学籍生", term=term, library=False)  # the upload
    made = {
        "甲": make_unfunded_student(school, "甲无等级", term=term),
        "乙": make_unfunded_student(school, "乙无等级", term=term, in_school=True, categories="poverty"),
        "assessed": make_unfunded_student(school, "丙已认定", term=term),
        "left": make_unfunded_student(school, "丁已离校", term=term, in_school=False),
        "pending": make_unfunded_student(school, "戊待审核", term=term),
        "gone": make_unfunded_student(school, "己已移出", term=term, active=False),
    }
    made["assessed"].hardship_level = "hardship"
    made["pending"].source, made["pending"].review_status = "manual", "pending"
    return made


@pytest.fixture
def term() -> str:
    return current_term().code


def test_the_progress_row_counts_students_without_a_level_and_each_verification_updates_it(
        client, login_as, world, term):
    students = library_of(world.xuanwu_school, term)
    make_unfunded_student(world.xuanwu_school_2, "他校无等级", term=term)
    refresh_progress([world.xuanwu_school.id, world.xuanwu_school_2.id], term)
    db.session.commit()
    assert without_level(world.xuanwu_school, term) == 2
    assert without_level(world.xuanwu_school_2, term) == 1

    login_as("school")
    client.post(f"/enrolment/students/{students['甲'].id}/verify", data={"in_school": "1", "level": "special"},
                headers=HX)
    assert without_level(world.xuanwu_school, term) == 1
    client.post(f"/enrolment/students/{students['甲'].id}/verify", data={"in_school": "1", "level": ""}, headers=HX)
    assert without_level(world.xuanwu_school, term) == 2  # cleared again: work again


def test_the_school_home_shows_the_count_and_it_opens_those_students(client, login_as, world, term):
    library_of(world.xuanwu_school, term)
    refresh_progress([world.xuanwu_school.id], term)
    db.session.commit()
    login_as("school")
    home = client.get("/")
    card = home.text.split('id="level-missing"')[1].split("</a>")[0]
    assert "未认定困难等级" in card and ">2</strong>" in card
    link = home.text.split('id="level-missing" href="')[1].split('"')[0]
    listed = client.get(link.replace("&amp;", "&"))
    table = page_text(listed).split("学籍号")[-1]
    assert "甲无等级" in table and "乙无等级" in table
    for name in ("丙已认定", "丁已离校", "戊待审核", "己已移出"):
        assert name not in table
    assert 'value="no_level" selected' in listed.text  # the filter shows what the list is
    library = client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library")
    assert ">2</strong><span>未认定困难等级" in library.text.replace("\n", "")


@pytest.fixture
def autumn(world, deadline_calendar, today_is):
    today_is(date(2026, 11, 22))
    students = library_of(world.xuanwu_school, "2026-autumn")
    refresh_progress([world.xuanwu_school.id], "2026-autumn")
    db.session.commit()
    return students


def test_the_reasons_submission_says_how_many_are_missing_without_blocking(client, login_as, world, autumn):
    login_as("school")
    for key in ("甲", "乙", "assessed", "pending"):
        if key != "pending":
            client.post(f"/reasons/2026-autumn/students/{autumn[key].id}", data={"reason": "declined", "version": "0"},
                        headers=HX)
    page = page_text(client.get("/reasons/"))
    assert "就学信息库中还有 2 名学生尚未认定困难等级" in page and "不影响提交" in page
    done = client.post("/reasons/2026-autumn/submit")
    assert done.status_code == 303
    told = page_text(client.get(done.headers["Location"]))
    assert "未资助原因已提交，等待主管部门审核；另有 2 名学生尚未认定困难等级" in told


def test_the_county_review_page_shows_the_count(client, login_as, world, autumn):
    login_as("county")
    page = client.get(f"/review/{world.xuanwu_school.id}/reasons/2026-autumn")
    stat = page.text.split('id="level-missing"')[1].split("</div>")[0]
    assert ">2</strong>" in stat and "未认定困难等级" in stat


def test_the_migration_fills_the_figure_of_rows_written_before_it(app, world):
    school_id = world.xuanwu_school.id
    library_of(world.xuanwu_school, "2026-autumn")
    refresh_progress([school_id], "2026-autumn")
    db.session.commit()
    db.session.remove()
    downgrade(revision="0004")
    try:
        columns = [row[1] if db.engine.dialect.name == "sqlite" else row[0] for row in db.session.execute(text(
            "PRAGMA table_info(school_progress)" if db.engine.dialect.name == "sqlite" else
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'school_progress'"))]
        assert "without_hardship_level" not in columns
        db.session.remove()
    finally:
        upgrade()
    assert db.session.scalar(select(SchoolProgress.without_hardship_level).where(
        SchoolProgress.school_id == school_id, SchoolProgress.term == "2026-autumn")) == 2
