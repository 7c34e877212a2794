"""A tier's home reads its to-do counts from summary rows (TodoSummary) kept by the commit hooks, never from every
school: after each kind of write the summed figures equal those counted here school by school with the drill-down's
flags (the oracle: the portal reads a home from the summary alone), at every level, whatever today's date; and a
term no write has reached yet has its summary built by its first home read."""
import threading
from datetime import date, datetime

from sqlalchemy import func, select, update

from factories import (make_enrolled_student, make_id_number, make_region, make_school, make_unfunded_student,
                       make_user, page_text, sign_in)
from oversight_helpers import progress_row, submission, todo_counts
from portal.bulk import count_where
from portal.deadlines.models import Deadline
from portal.deadlines.periods import reporting_month
from portal.extensions import db
from portal.org.models import School
from portal.org.services import place_school
from portal.oversight import services
from portal.oversight.figures import TermReading, under
from portal.oversight.options import TODO_FLAGS
from portal.progress.models import SchoolProgress, TodoSummary
from portal.progress.summary import build_summary, summarised
from portal.reasons.models import UnfundedReason
from portal.review.models import PeriodSubmission
from portal.scope import Scope
from portal.terms import current_term
from portal.vocab import Role


def school_by_school(reading: TermReading) -> list:
    """The home's to-do figures as labelled aggregates over each school's joined rows (the drill-down's flags): the
    count the summary is checked against."""
    return [func.count(School.id).label("schools"),
            *(count_where(reading.flag(flag)).label(f"schools_{flag.value}") for flag in TODO_FLAGS),
            func.coalesce(func.sum(reading.without_reason), 0).label("unfunded_without_reason"),
            func.coalesce(func.sum(SchoolProgress.duplicates), 0).label("duplicates")]


def homes(world, today: date | None = None) -> list[tuple[dict, dict]]:
    """(summed, school by school) for the province's, Nanjing's and 玄武区's homes: each row's figures by name, and
    the 空壳 schools under `invalid`."""
    assert summarised(current_term().code)  # by the writes so far: nothing here builds it
    found = []
    for role, region in ((Role.PROVINCE, world.province), (Role.CITY, world.nanjing), (Role.COUNTY, world.xuanwu)):
        reading = TermReading(Scope(make_user(role, region=region)), current_term(), today)
        todo = services.todo(reading, region)
        table = services.level(reading, region, school_by_school(reading))
        direct = services.direct_schools(table, region)
        by_school = {row.name: row.figures for row in (table.total, *table.regions, *([direct] if direct else []))}
        by_school["invalid"] = db.session.scalar(select(func.count(School.id)).where(
            reading.scope.school_condition(), under(region), School.active.is_(False)))
        found.append(({row.name: row.figures for row in (todo.total, *todo.rows)} | {"invalid": todo.invalid},
                      by_school))
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


def test_a_term_nothing_was_written_for_is_summed_by_its_first_home_read(world, client, login_as):
    make_school(world.xuanwu, "玄武区空壳学校", active=False)
    db.session.commit()
    assert db.session.scalar(select(func.count(TodoSummary.id))) == 0  # no write has reached the term
    for role, schools in (("province", 6), ("city", 4), ("county", 2)):
        login_as(role)
        home = client.get("/")
        assert f"辖区内 {schools} 所学校（另有 1 所无效学校" in page_text(home)
        counts = {label: count for label, (count, _) in todo_counts(home).items()}
        assert counts["未上传学籍"] == counts["未资助情况未提交"] == str(schools)
        assert counts["被退回待重报"] == counts["有应助未助学生"] == "0"
        assert summarised(current_term().code)
    assert db.session.scalar(select(func.count(TodoSummary.id))) > 0
    assert_same(world)


def test_two_first_reads_racing_build_the_summary_once(app, world):
    """Two home requests reading a term nothing was written in yet both set out to build its summary: the second
    waits for the first's commit (PostgreSQL's advisory lock, SQLite's one writer) and no row is counted twice."""
    term, failed = current_term(), []
    build_summary(term)  # the first request, not committed yet

    def second_request():
        with app.app_context():
            try:
                build_summary(term)
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (said by the assertion below)
                failed.append(error)

    second = threading.Thread(target=second_request)
    second.start()
    second.join(0.5)
    assert second.is_alive()  # waiting for the first
    db.session.commit()
    second.join(20)
    assert not second.is_alive() and not failed
    assert_same(world)


def test_with_no_school_at_all_a_home_has_nothing_to_build(app, client):
    province = make_region("320000", "江苏省")
    user = make_user(Role.PROVINCE, region=province)
    db.session.commit()
    sign_in(client, user)
    for _ in range(2):
        assert "辖区内 0 所学校" in page_text(client.get("/"))
    assert summarised(current_term().code)
    assert db.session.scalar(select(func.count(TodoSummary.id))) == 0
