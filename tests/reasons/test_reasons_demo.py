"""The reasons demo: schools in every state, built on whatever library students the earlier demos made."""
from datetime import date

from sqlalchemy import func, select

from factories import make_funding_record, make_school, make_unfunded_student
from portal.extensions import db
from portal.oversight.figures import figures_of
from portal.terms import parse_term
from portal.reasons.models import UnfundedReason
from portal.review.models import PeriodSubmission
from seed.reasons_demo import previous_month, seed_reasons_demo
from portal.terms import parse_period


def test_demo_puts_schools_in_every_state_and_gives_reasons(app, world, today_is):
    today_is(date(2026, 11, 22))
    schools = [world.xuanwu_school, world.xuanwu_school_2] + [make_school(world.xuanwu) for _ in range(8)]
    funded = make_unfunded_student(world.xuanwu_school, "已受助")
    make_funding_record(funded, "2026-autumn")
    pupils = {school.id: [make_unfunded_student(school, f"学生{n}") for n in range(4)] for school in schools}
    db.session.commit()

    made = seed_reasons_demo()
    db.session.commit()

    statuses = dict(db.session.execute(select(PeriodSubmission.school_id, PeriodSubmission.status)
                                       .where(PeriodSubmission.period == "2026-autumn")).all())
    assert statuses[world.xuanwu_school.id] == "in_progress"  # the demo school account's: left for the user
    assert {"in_progress", "submitted", "returned", "approved"} <= set(statuses.values())
    assert any(school.id not in statuses for school in schools)  # some not started
    late = db.session.scalar(select(PeriodSubmission).where(PeriodSubmission.school_id == world.nanjing_city_school.id,
                                                            PeriodSubmission.period == "2026-10"))
    assert late is not None and late.status in ("in_progress", "submitted", "approved")
    complete = [school_id for school_id, status in statuses.items()
                if status in ("submitted", "returned", "approved") and school_id in pupils]
    assert complete
    for school_id in complete:
        given = db.session.scalar(select(func.count()).where(UnfundedReason.school_id == school_id,
                                                             UnfundedReason.period == "2026-autumn"))
        assert given == len(pupils[school_id])
    assert db.session.scalar(select(func.count()).where(UnfundedReason.student_id == funded.id)) == 0
    figures = figures_of(world.xuanwu_school, parse_term("2026-autumn"))
    assert figures["status_in_progress"] == 1
    assert (figures["unfunded_with_reason"], figures["unfunded_without_reason"]) == (3, 1)  # work left for the user
    assert made["submissions"] > 0

    again = seed_reasons_demo()
    assert again == {"submissions": 0, "reasons": 0}


def test_previous_month_skips_february_and_august():
    assert previous_month(parse_period("2026-09")).code == "2026-07"
    assert previous_month(parse_period("2027-03")).code == "2027-01"
    assert previous_month(parse_period("2027-01")).code == "2026-12"
