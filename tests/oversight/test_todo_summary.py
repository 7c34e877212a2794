"""A tier's home reads its to-do counts from summary rows (TodoSummary) kept by the commit hooks, not from every
school: after each kind of write the summed figures equal those read school by school (the drill-down's way),
at every level, whatever today's date; and a term no write has reached yet is read school by school."""
from datetime import date, datetime

from sqlalchemy import func, select, update

from factories import make_enrolled_student, make_id_number, make_school, make_unfunded_student, make_user
from oversight_helpers import progress_row, submission
from portal.deadlines.models import Deadline
from portal.deadlines.periods import reporting_month
from portal.extensions import db
from portal.org.services import place_school
from portal.oversight import services
from portal.oversight.figures import TermReading
from portal.progress.models import TodoSummary
from portal.reasons.models import UnfundedReason
from portal.review.models import PeriodSubmission
from portal.scope import Scope
from portal.terms import current_term
from portal.vocab import Role


def homes(world, today: date | None = None) -> list[tuple[dict, dict]]:
    """(summed, school by school) for the province's, Nanjing's and 玄武区's homes: each row's figures by name."""
    found = []
    for role, region in ((Role.PROVINCE, world.province), (Role.CITY, world.nanjing), (Role.COUNTY, world.xuanwu)):
        reading = TermReading(Scope(make_user(role, region=region)), current_term(), today)
        assert reading.todo_rollup(region) is not None
        todo = services.todo(reading, region)
        table = services.level(reading, region, reading.todo_columns())
        direct = services.direct_schools(table, region)
        by_school = {row.name: row.figures for row in (table.total, *table.regions, *([direct] if direct else []))}
        found.append(({row.name: row.figures for row in (todo.total, *todo.rows)}, by_school))
    return found


def assert_same(world, today: date | None = None) -> None:
    for summed, by_school in homes(world, today):
        assert summed == by_school


def given_figures(world):
    progress_row(world.xuanwu_school, status="returned", unfunded_without_reason=3, manual_pending=1)
    progress_row(world.xuanwu_school_2, uploaded=False, status="approved", duplicates=2)
    progress_row(world.qinhuai_school, status="submitted")
    progress_row(world.xishan_school, uploaded=False, unfunded_without_reason=1)
    progress_row(world.nanjing_city_school, status="in_progress", unfunded_without_reason=4)
    shell = make_school(world.xuanwu, "玄武区空壳学校", active=False)
    progress_row(shell, uploaded=False, unfunded_without_reason=9)
    db.session.commit()


def test_the_summary_sums_what_the_schools_rows_say(world):
    given_figures(world)
    assert_same(world)
    province, city, county = homes(world)
    assert province[0]["江苏省合计"]["schools_unaided"] == 3 and province[0]["江苏省合计"]["unfunded_without_reason"] == 8
    assert city[0]["直属学校"]["schools_unaided"] == 1  # the 中职 school, in the month it reports
    assert county[0]["玄武区合计"]["schools"] == 2  # the 空壳 school counted apart
    reading = TermReading(Scope(make_user(Role.CITY, region=world.nanjing)), current_term())
    assert services.todo(reading, world.nanjing).invalid == 1


def test_overdue_follows_today_and_the_calendar_as_they_are_when_read(world, deadline_calendar, today_is):
    progress_row(world.xuanwu_school, status="not_started")
    progress_row(world.qinhuai_school, status="submitted")
    progress_row(world.nanjing_city_school, status="in_progress", period="2026-11")
    for month in ("2026-09", "2026-10"):
        submission(world.nanjing_city_school, month, "approved")
    db.session.commit()
    for day, overdue in ((date(2026, 12, 10), 0), (date(2026, 12, 16), 1), (date(2027, 1, 16), 5)):
        today_is(day)
        assert_same(world)
        assert homes(world)[0][0]["江苏省合计"]["schools_overdue"] == overdue
    primary = db.session.scalar(select(Deadline).where(Deadline.stage == "primary", Deadline.task == "unfunded_report",
                                                       Deadline.cycle == "autumn"))
    primary.month, primary.day = 1, 20  # no progress row changes: the summary need not either
    db.session.commit()
    assert_same(world)
    assert homes(world)[0][0]["江苏省合计"]["schools_overdue"] == 2


def test_a_school_moved_added_or_marked_empty_is_counted_where_it_now_is(world):
    given_figures(world)
    place_school(world.xuanwu_school, world.xishan)  # to another city, with its returned report and 应助未助
    db.session.commit()
    assert_same(world)
    assert homes(world)[0][0]["无锡市"]["schools_returned"] == 1
    make_school(world.qinhuai, "秦淮区第二小学")
    db.session.commit()
    assert_same(world)
    assert homes(world)[1][0]["秦淮区"]["schools"] == 2
    world.qinhuai_school.active = False
    db.session.commit()
    assert_same(world)
    assert homes(world)[1][0]["秦淮区"]["schools"] == 1


def test_the_apps_own_writes_keep_the_summary(world):
    given_figures(world)
    student = make_enrolled_student(world.xishan_school, make_id_number(serial=1), "学生1")
    student.duplicate = True
    db.session.commit()  # the school's progress row is refreshed, then the summary from it
    assert_same(world)
    assert homes(world)[0][0]["无锡市"]["schools_duplicates"] == 1
    db.session.execute(update(PeriodSubmission).where(PeriodSubmission.school_id == world.xishan_school.id)
                       .values(status="submitted"))
    db.session.commit()  # a status change alone, as review writes it
    assert_same(world)
    assert homes(world)[0][0]["无锡市"]["schools_not_submitted"] == 0


def test_a_reason_rebuilds_the_rows_of_the_periods_its_school_reports_in(world):
    """A reason refreshes its school's reasons rows alone, and the summary rows of the periods that school reports
    in (the term for a primary school, the months for a 中职 one), not the others': every home still sums right."""
    given_figures(world)
    term = current_term()
    primary = make_unfunded_student(world.xuanwu_school_2, "赵一", term=term.code)
    vocational = make_unfunded_student(world.nanjing_city_school, "钱二", term=term.code)
    db.session.commit()
    assert_same(world)
    before = homes(world)[0][0]["江苏省合计"]["unfunded_without_reason"]
    for student, period in ((primary, term.code), (vocational, reporting_month(term).code)):
        db.session.add(UnfundedReason(school_id=student.school_id, period=period, student_id=student.id,
                                      reason_code="other_aid", updated_at=datetime.now(), updated_by_name="测试"))
        db.session.commit()
        assert_same(world)
    assert homes(world)[0][0]["江苏省合计"]["unfunded_without_reason"] == before - 2


def test_a_term_nothing_was_written_for_is_read_school_by_school(world, client, login_as):
    assert db.session.scalar(select(func.count(TodoSummary.id))) == 0
    reading = TermReading(Scope(make_user(Role.PROVINCE, region=world.province)), current_term())
    assert reading.todo_rollup(world.province) is None
    assert services.todo(reading, world.province).total["schools_not_uploaded"] == 6
    login_as("province")
    assert "辖区内 6 所学校" in client.get("/").get_data(as_text=True)
