"""家庭经济状况好转，经认定不需资助 is never a reason for a 建档立卡 student (002: 摘帽后“四不摘”; 000: 已脱贫
students keep their aid): not offered in their row, refused if posted anyway, and a bulk set over a selection
holding any of them is refused whole, naming how many."""
from datetime import date

import pytest
from sqlalchemy import func, select

from factories import make_unfunded_student, page_text
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.extensions import db
from portal.reasons import services
from portal.reasons.models import UnfundedReason
from portal.reasons.options import NOT_FOR_REGISTERED_POOR
from portal.scope import Scope
from seed.reasons_demo import seed_reasons_demo

HX = {"HX-Request": "true"}
PERIOD = "2026-autumn"
IMPROVED = "家庭经济状况好转，经认定不需资助"


@pytest.fixture
def pupils(world, deadline_calendar, today_is):
    today_is(date(2026, 11, 22))
    made = {
        "poor": make_unfunded_student(world.xuanwu_school, "建档甲", categories="poverty"),
        "poor_disabled": make_unfunded_student(world.xuanwu_school, "建档乙", categories="disabled,poverty"),
        # a 外省下发 student whose hardship types name 建档立卡 carries the category as the library stores it
        "from_afar": make_unfunded_student(world.xuanwu_school, "外省丙", categories="out_of_province,poverty"),
        "dibao": make_unfunded_student(world.xuanwu_school, "低保丁", categories="dibao"),
        "afar_dibao": make_unfunded_student(world.xuanwu_school, "外省戊", categories="out_of_province,dibao"),
    }
    db.session.commit()
    return made


def saved() -> dict[int, str]:
    db.session.expire_all()
    return {row.student_id: row.reason_code for row in db.session.scalars(select(UnfundedReason))}


def row_html(page: str, student) -> str:
    return page.split(f'id="reason-row-{student.id}"')[1].split("</tr>")[0]


def test_the_option_is_not_offered_to_registered_poor_students(client, login_as, pupils):
    login_as("school")
    page = client.get("/reasons/").text
    for key in ("poor", "poor_disabled", "from_afar"):
        assert IMPROVED not in row_html(page, pupils[key]), key
        assert "学生或家长自愿放弃（已签字确认）" in row_html(page, pupils[key])
    for key in ("dibao", "afar_dibao"):
        assert IMPROVED in row_html(page, pupils[key]), key
    assert f"{IMPROVED}（建档立卡学生除外）" in page  # the bulk list says so


def test_posting_it_for_a_registered_poor_student_is_refused(client, login_as, pupils):
    login_as("school")
    for headers, status in ((HX, 200), ({}, 422)):
        response = client.post(f"/reasons/{PERIOD}/students/{pupils['from_afar'].id}",
                               data={"reason": "improved", "version": "0", "save": "1"}, headers=headers)
        assert response.status_code == status
        assert "建档立卡学生脱贫后继续享受资助政策（摘帽后“四不摘”），不能选择“家庭经济状况好转，经认定不需资助”" in \
            page_text(response)
    assert saved() == {}
    done = client.post(f"/reasons/{PERIOD}/students/{pupils['dibao'].id}",
                       data={"reason": "improved", "version": "0"}, headers=HX)
    assert "已保存" in done.text and saved() == {pupils["dibao"].id: "improved"}


def test_a_bulk_set_over_mixed_students_is_refused_whole_with_the_count(client, login_as, pupils):
    login_as("school")
    selected = [f"{pupil.id}:0" for pupil in pupils.values()]
    response = client.post(f"/reasons/{PERIOD}/bulk", data={"student": selected, "reason": "improved"}, headers=HX)
    assert "所选学生中有 3 名建档立卡学生" in page_text(response) and "本次未作任何修改" in page_text(response)
    assert 'role="alert"' in response.text and "<header" not in response.text
    assert response.text.count('checked aria-label="选择') == 5  # the clerk's ticks stay for them to untick
    plain = client.post(f"/reasons/{PERIOD}/bulk", data={"student": selected, "reason": "improved"})
    assert plain.status_code == 422 and "所选学生中有 3 名建档立卡学生" in page_text(plain)
    assert saved() == {}
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "set_unfunded_reason")) == 0

    others = [f"{pupils[key].id}:0" for key in ("dibao", "afar_dibao")]
    done = client.post(f"/reasons/{PERIOD}/bulk", data={"student": others, "reason": "improved"}, headers=HX)
    assert "已为 2 名学生设置原因" in page_text(done)
    done = client.post(f"/reasons/{PERIOD}/bulk", data={"student": selected[:3], "reason": "next_batch"}, headers=HX)
    assert "已为 3 名学生设置原因" in page_text(done)
    assert saved() == {pupils["dibao"].id: "improved", pupils["afar_dibao"].id: "improved",
                       **{pupils[key].id: "next_batch" for key in ("poor", "poor_disabled", "from_afar")}}


def test_the_service_refuses_it_whoever_calls(app, world, pupils):
    from factories import make_user
    from portal.vocab import Role

    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()
    with pytest.raises(services.ReasonError, match="不能选择"):
        services.set_reason(Actor(user, None), Scope(user), PERIOD, pupils["poor"].id, "improved", None, 0)
    with pytest.raises(services.ReasonError, match="所选学生中有 1 名建档立卡学生"):
        services.set_reasons_bulk(Actor(user, None), Scope(user), world.xuanwu_school, PERIOD,
                                  [f"{pupils['poor'].id}:0", f"{pupils['dibao'].id}:0"], "improved", None)
    db.session.rollback()
    assert saved() == {}


def test_a_reason_saved_before_the_rule_is_shown_as_unfit_and_blocks_submitting(client, login_as, pupils):
    """Installs hold such rows from before: the row says so, a filter finds them, the submission waits."""
    for pupil in pupils.values():
        db.session.add(UnfundedReason(school_id=pupil.school_id, period=PERIOD, student_id=pupil.id,
                                      reason_code="improved", version=1, updated_at=pupil.created_at or date.today(),
                                      updated_by_name="旧数据"))
    db.session.commit()
    login_as("school")
    page = client.get("/reasons/")
    assert "有 3 名建档立卡学生的原因不适用于建档立卡学生，请重新选择" in page_text(page)
    assert "提交审核" not in page_text(page).split("未资助学生")[0]
    assert "此原因不适用于建档立卡学生，请重新选择" in row_html(page.text, pupils["poor"])
    assert "此原因不适用" not in row_html(page.text, pupils["dibao"])
    listed = page_text(client.get(f"/reasons/?period={PERIOD}&show=unfit", headers=HX))
    assert "建档甲" in listed and "外省丙" in listed and "低保丁" not in listed
    refused = client.post(f"/reasons/{PERIOD}/submit")
    assert refused.status_code == 422 and "有 3 名建档立卡学生的原因不适用" in page_text(refused)
    assert "有 3 名建档立卡学生的原因不适用" in page_text(client.get("/"))  # the home page's due card too

    client.post("/logout")
    login_as("county")  # the reviewer sees them marked too
    review = client.get(f"/review/{pupils['poor'].school_id}/reasons/{PERIOD}")
    assert page_text(review).count("不适用于建档立卡学生") == 3 and "原因不适用（建档立卡）" in page_text(review)
    client.post("/logout")
    login_as("school")
    for key in ("poor", "poor_disabled", "from_afar"):
        client.post(f"/reasons/{PERIOD}/students/{pupils[key].id}",
                    data={"reason": "declined", "version": "1", "save": "1"}, headers=HX)
    assert client.post(f"/reasons/{PERIOD}/submit").status_code == 303


def test_the_demo_never_gives_a_registered_poor_student_that_reason(app, world, today_is):
    today_is(date(2026, 11, 22))
    poor = [make_unfunded_student(world.xuanwu_school_2, f"建档{n}", categories="poverty") for n in range(14)]
    others = [make_unfunded_student(world.xuanwu_school_2, f"低保{n}") for n in range(14)]
    db.session.commit()
    seed_reasons_demo()
    db.session.commit()
    given = saved()
    assert not {given.get(pupil.id) for pupil in poor} & NOT_FOR_REGISTERED_POOR
    assert {given.get(pupil.id) for pupil in others} & NOT_FOR_REGISTERED_POOR  # the others still show it


def test_the_reason_list_says_which_reason_registered_poor_students_never_get(client, login_as, pupils):
    login_as("county")
    text = page_text(client.get("/reasons/options"))
    assert text.split(IMPROVED)[1].split()[0] == "（不向建档立卡学生提供）" and text.count("不向建档立卡学生提供") == 2
