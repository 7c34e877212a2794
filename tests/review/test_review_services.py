"""The one submit/approve mechanism, called directly as funding and reasons call it."""
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from factories import make_user
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.extensions import db
from portal.review import services as review
from portal.review.models import PeriodSubmission
from portal.scope import Scope
from portal.vocab import Role, SubmissionKind

FUNDING = SubmissionKind.FUNDING


@pytest.fixture
def people(world, deadline_calendar):
    school_user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    county = make_user(Role.COUNTY, region=world.xuanwu)
    db.session.commit()
    return Actor(school_user, "127.0.0.1"), Actor(county, "127.0.0.1"), Scope(county)


def count_rows():
    return db.session.scalar(select(func.count()).select_from(PeriodSubmission))


def test_current_submission_is_a_fresh_unsaved_one_until_the_first_edit(people, world):
    sub = review.current_submission(world.xuanwu_school, FUNDING, "2026秋")
    assert (sub.id, sub.status, sub.status_label) == (None, "not_started", "未填报")
    assert count_rows() == 0
    school_actor, _, _ = people
    review.mark_in_progress(school_actor, world.xuanwu_school, FUNDING, "2026秋", today=date(2026, 11, 1))
    review.mark_in_progress(school_actor, world.xuanwu_school, FUNDING, "2026-autumn", today=date(2026, 11, 1))
    assert count_rows() == 1 and review.current_submission(world.xuanwu_school, FUNDING, "2026秋").status == "in_progress"
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "submission_start")) == 1


def test_the_funding_kind_locks_after_the_schools_review_deadline(people, world):
    ok, _ = review.editable(world.xuanwu_school, FUNDING, "2026秋", date(2026, 12, 31))
    locked, why = review.editable(world.xuanwu_school, FUNDING, "2026秋", date(2027, 1, 1))
    assert ok and not locked and "2026年12月31日" in why
    with pytest.raises(review.ReviewError):
        review.mark_in_progress(people[0], world.xuanwu_school, FUNDING, "2026秋", today=date(2027, 1, 1))
    assert count_rows() == 0


def test_submit_names_what_blocks_it(people, world):
    blockers = [f"第{n}条记录缺少银行卡号" for n in range(1, 13)]
    with pytest.raises(review.ReviewError) as refused:
        review.submit(people[0], world.xuanwu_school, FUNDING, "2026秋", blockers, today=date(2026, 11, 1))
    assert "第1条记录缺少银行卡号" in str(refused.value) and "等 12 项" in str(refused.value)
    assert count_rows() == 0


def test_submit_approve_and_a_second_approval_is_refused(people, world):
    school_actor, county_actor, county_scope = people
    sub = review.submit(school_actor, world.xuanwu_school, FUNDING, "2026秋", [], today=date(2026, 11, 1))
    assert sub.status == "submitted" and sub.submitted_by_id == school_actor.user_id
    review.approve(county_actor, county_scope, sub.id)
    assert sub.status == "approved" and sub.reviewed_by_id == county_actor.user_id
    with pytest.raises(review.ReviewError):
        review.approve(county_actor, county_scope, sub.id)
    ok, why = review.editable(world.xuanwu_school, FUNDING, "2026秋", date(2026, 11, 2))
    assert not ok and why == "本期已审核通过，不能修改"


def test_a_school_and_social_list_is_final_when_the_school_submits_it(people, world):
    school_actor, county_actor, county_scope = people
    sub = review.submit(school_actor, world.xuanwu_school, SubmissionKind.FUNDING_SCHOOL, "2026秋", [],
                        today=date(2026, 11, 1))
    assert (sub.status, sub.reviewed_by_id) == ("approved", school_actor.user_id)
    with pytest.raises(review.ReviewError, match="由学校审核确认，无需主管部门审核"):
        review.send_back(county_actor, county_scope, sub.id, "请修改")
    local = review.submit(school_actor, world.xuanwu_school, SubmissionKind.FUNDING_LOCAL, "2026秋", [],
                          today=date(2026, 11, 1))
    assert local.status == "submitted"  # 地方政府资助: the authority reviews


def test_each_list_locks_on_its_own_date(people, world):
    """A 本专科 school on 1 July: its 地方 and 学校 lists closed on 30 June, its national list is open till 10 July."""
    university = world.province_school
    for kind, open_now in ((FUNDING, True), (SubmissionKind.FUNDING_LOCAL, False),
                           (SubmissionKind.FUNDING_SCHOOL, False)):
        assert review.editable(university, kind, "2027春", date(2027, 7, 1))[0] is open_now
    assert review.editable(university, SubmissionKind.FUNDING_LOCAL, "2027春", date(2027, 6, 30))[0]


def test_send_back_requires_a_comment(people, world):
    school_actor, county_actor, county_scope = people
    sub = review.submit(school_actor, world.xuanwu_school, FUNDING, "2026秋", [], today=date(2026, 11, 1))
    with pytest.raises(review.ReviewError):
        review.send_back(county_actor, county_scope, sub.id, "")
    assert sub.status == "submitted"
    review.send_back(county_actor, county_scope, sub.id, "金额有误", today=date(2026, 11, 2))
    assert (sub.status, sub.review_comment) == ("returned", "金额有误")
    assert review.editable(world.xuanwu_school, FUNDING, "2026秋", date(2026, 11, 3))[0]


def test_reopen_is_for_the_reviewer_after_the_deadline_only(people, world):
    school_actor, county_actor, county_scope = people
    sub = review.ensure_submission(world.xuanwu_school, FUNDING, "2026秋")
    with pytest.raises(review.ReviewError):
        review.reopen(county_actor, county_scope, sub.id, 5, today=date(2026, 12, 1))
    review.reopen(county_actor, county_scope, sub.id, 5, today=date(2027, 1, 3))
    assert sub.reopened_until.date() == date(2027, 1, 8)
    assert review.editable(world.xuanwu_school, FUNDING, "2026秋", date(2027, 1, 8))[0]
    assert not review.editable(world.xuanwu_school, FUNDING, "2026秋", date(2027, 1, 9))[0]


def test_a_submission_outside_the_scope_is_404(people, world):
    from werkzeug.exceptions import NotFound

    school_actor, county_actor, county_scope = people
    other = review.ensure_submission(world.qinhuai_school, FUNDING, "2026秋")
    with pytest.raises(NotFound):
        review.approve(county_actor, county_scope, other.id)


def test_overdue_is_past_the_deadline_and_not_submitted_nor_reopened():
    def sub(status, reopened_until=None):
        return PeriodSubmission(status=status, reopened_until=reopened_until)

    assert review.overdue(sub("in_progress"), date(2027, 1, 15), date(2027, 1, 16))
    assert not review.overdue(sub("submitted"), date(2027, 1, 15), date(2027, 1, 16))
    assert not review.overdue(sub("not_started"), date(2027, 1, 15), date(2027, 1, 15))
    assert not review.overdue(sub("not_started"), None, date(2027, 1, 16))
    assert not review.overdue(sub("in_progress", datetime(2027, 1, 20, 23, 59, 59)), date(2027, 1, 15),
                              date(2027, 1, 20))
    assert review.overdue(sub("in_progress", datetime(2027, 1, 20, 23, 59, 59)), date(2027, 1, 15),
                          date(2027, 1, 21))