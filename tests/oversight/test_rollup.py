"""The drill-down's roll-up: SchoolProgress rows summed per child region in SQL, schools hanging on a region as
rows of their own, 空壳 schools left out, and 逾期 worked out from the calendar as the rows are read."""
from datetime import date

from sqlalchemy import select

from factories import make_enrolled_student, make_id_number, make_region, make_school, make_user
from oversight_helpers import progress_row, submission
from portal.deadlines.models import Deadline
from portal.extensions import db
from portal.oversight import services
from portal.oversight.figures import TermReading
from portal.progress.services import progress_of
from portal.scope import Scope
from portal.terms import current_term
from portal.vocab import Role


def province_scope(world) -> Scope:
    return Scope(make_user(Role.PROVINCE, region=world.province))


def given_figures(world):
    """Six schools, one without a progress row, one 空壳; the sums below are worked out by hand from these."""
    progress_row(world.xuanwu_school, status="submitted", students=100, hardship=10, poverty=6, dibao=4, verified=5,
                 graded=3, funded=7, unfunded_with_reason=2, unfunded_without_reason=1, manual_pending=2)
    # world.xuanwu_school_2 has no row: expected, nothing uploaded, not started
    progress_row(world.qinhuai_school, status="returned", students=50, hardship=5, poverty=5, verified=5, graded=5,
                 funded=5, duplicates=1)
    progress_row(world.xishan_school, status="approved", students=40, hardship=4, orphan=4, funded=2,
                 unfunded_without_reason=2)
    progress_row(world.nanjing_city_school, uploaded=False, status="in_progress", hardship=2, tekun=2)
    progress_row(world.province_school, students=300, hardship=8, disabled=8, funded=8)
    shell = make_school(world.xuanwu, "玄武区空壳学校", active=False)
    progress_row(shell, students=999, hardship=99, unfunded_without_reason=99)
    db.session.commit()


def test_province_level_sums_each_city_and_lists_its_own_schools(world):
    given_figures(world)
    reading = TermReading(province_scope(world), current_term())
    table = services.level(reading, world.province)

    nanjing, wuxi = table.regions
    assert (nanjing.name, wuxi.name) == ("南京市", "无锡市")
    # 南京市: 玄武区一小、二小 (no row), 秦淮区一小 and the city's own 职业教育中心; the 空壳 school is left out
    assert {key: nanjing[key] for key in ("schools", "uploaded", "students", "hardship", "poverty", "dibao", "tekun",
                                          "verified", "graded", "funded", "unfunded_with_reason",
                                          "unfunded_without_reason")} == {
        "schools": 4, "uploaded": 2, "students": 150, "hardship": 17, "poverty": 11, "dibao": 4, "tekun": 2,
        "verified": 10, "graded": 8, "funded": 12, "unfunded_with_reason": 2, "unfunded_without_reason": 1}
    assert nanjing["upload_rate"] == 0.5 and nanjing["funded_rate"] == 12 / 17
    assert [nanjing[f"status_{status}"] for status in ("not_started", "in_progress", "submitted", "returned", "approved")] \
        == [1, 1, 1, 1, 0]
    assert (nanjing["schools_not_uploaded"], nanjing["schools_not_submitted"], nanjing["schools_returned"],
            nanjing["schools_unaided"], nanjing["schools_manual_pending"], nanjing["schools_duplicates"]) == (2, 3, 1, 1, 1, 1)
    assert (wuxi["schools"], wuxi["hardship"], wuxi["status_approved"], wuxi["schools_unaided"]) == (1, 4, 1, 1)
    assert [(row.name, row["hardship"]) for row in table.schools] == [("江苏第一大学", 8)]
    assert (table.total["schools"], table.total["uploaded"], table.total["hardship"], table.total["students"]) \
        == (6, 4, 29, 490)


def test_city_level_has_its_counties_and_the_school_it_runs(world):
    given_figures(world)
    table = services.level(TermReading(province_scope(world), current_term()), world.nanjing)
    assert [(row.name, row["schools"], row["uploaded"], row["hardship"]) for row in table.regions] == [
        ("玄武区", 2, 1, 10), ("秦淮区", 1, 1, 5)]
    assert [(row.name, row["hardship"], row["status_in_progress"]) for row in table.schools] == [("南京市职业教育中心", 2, 1)]
    assert table.total["hardship"] == 17


def test_county_level_rows_are_its_schools_and_a_county_sees_only_its_own(world):
    given_figures(world)
    county = Scope(make_user(Role.COUNTY, region=world.xuanwu))
    table = services.level(TermReading(county, current_term()), world.xuanwu)
    assert table.regions == []
    assert [(row.name, row["uploaded"], row["hardship"], row["upload_rate"]) for row in table.schools] == [
        ("玄武区第一小学", 1, 10, 1.0), ("玄武区第二小学", 0, 0, 0.0)]
    city_table = services.level(TermReading(county, current_term()), world.nanjing)  # a wider region read by a county
    assert city_table.total["schools"] == 2  # still only the county's schools


def test_a_region_without_schools_gets_a_zero_row(world):
    make_region("320105", "建邺区", world.nanjing)
    db.session.commit()
    table = services.level(TermReading(province_scope(world), current_term()), world.nanjing)
    empty = next(row for row in table.regions if row.name == "建邺区")
    assert empty["schools"] == 0 and empty["upload_rate"] is None and empty["funded_rate"] is None


def test_overdue_is_read_from_the_calendar_today(world, deadline_calendar, today_is):
    """Due dates are not stored: 逾期 follows today's date and the province's calendar as they are now."""
    term = current_term()
    progress_row(world.xuanwu_school, status="not_started")
    progress_row(world.qinhuai_school, status="submitted")
    progress_row(world.xishan_school, status="returned")
    progress_row(world.nanjing_city_school, status="in_progress", period="2026-11")  # 中职: the month, reported by 12-15
    for month in ("2026-09", "2026-10"):  # its earlier months were reported in time
        submission(world.nanjing_city_school, month, "approved")
    db.session.commit()
    scope = province_scope(world)

    today_is(date(2026, 12, 10))
    assert services.level(TermReading(scope, term), world.province).total["schools_overdue"] == 0
    today_is(date(2026, 12, 16))
    table = services.level(TermReading(scope, term), world.province)
    # the 中职 school's November, though on 12-16 the month being reported is December; the others are due 2027-01-15
    assert table.total["schools_overdue"] == 1
    today_is(date(2027, 1, 16))
    table = services.level(TermReading(scope, term), world.province)
    nanjing, wuxi = table.regions
    # 南京市: 玄武区一小, 二小 (no row: nothing started) and the 中职 school; the school that submitted is not overdue
    assert (nanjing["schools_overdue"], wuxi["schools_overdue"], table.schools[0]["schools_overdue"]) == (3, 1, 1)
    primary = db.session.scalar(select(Deadline).where(Deadline.stage == "primary", Deadline.task == "unfunded_report",
                                                       Deadline.cycle == "autumn"))
    primary.month, primary.day = 1, 20  # the province moves the date: no progress row is touched
    db.session.commit()
    # left overdue: the 中职 school and the university (本专科 is due 01-15 still)
    assert services.level(TermReading(scope, term), world.province).total["schools_overdue"] == 2


def test_graded_counts_the_library_students_with_a_level(world):
    for serial, level in ((1, "special"), (2, None), (3, "general")):
        student = make_enrolled_student(world.xuanwu_school, make_id_number(serial=serial), f"学生{serial}")
        student.hardship_level = level
    db.session.commit()  # the commit refreshes the school's row: nothing here calls refresh_progress
    figures = TermReading(province_scope(world), current_term()).school_figures(world.xuanwu_school)
    assert (figures["graded"], figures["hardship"]) == (2, 3)
    assert progress_of(world.xuanwu_school.id, current_term().code).without_hardship_level == 1


def test_rows_sort_by_any_column_and_rates_without_a_base_go_last(world):
    given_figures(world)
    make_region("320105", "建邺区", world.nanjing)
    table = services.level(TermReading(province_scope(world), current_term()), world.nanjing)
    by_hardship = services.sort_rows(table.regions, "hardship", descending=True)
    assert [row.name for row in by_hardship] == ["玄武区", "秦淮区", "建邺区"]
    by_rate = services.sort_rows(table.regions, "upload_rate", descending=False)
    assert [row.name for row in by_rate] == ["玄武区", "秦淮区", "建邺区"]  # 50%, 100%, then nothing to divide
    assert [row.name for row in services.sort_rows(table.regions, "nonsense", True)] == ["玄武区", "秦淮区", "建邺区"]


def test_the_breadcrumb_starts_at_the_top_of_the_users_scope(world):
    city = Scope(make_user(Role.CITY, region=world.nanjing))
    assert [region.name for region in services.trail(city, world.xuanwu)] == ["南京市", "玄武区"]
    assert [region.name for region in services.trail(province_scope(world), world.xuanwu)] == ["江苏省", "南京市", "玄武区"]
    county = Scope(make_user(Role.COUNTY, region=world.xuanwu))
    assert [region.name for region in services.trail(county, world.xuanwu)] == ["玄武区"]
