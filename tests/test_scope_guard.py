"""Every route, every role: an object outside the user's scope answers 404 and never leaks.
A new route must be listed here, or test_every_route_is_listed fails."""
import pytest

from factories import (make_allocation, make_funding_project, make_funding_record, make_unfunded_student,
                       make_user, page_text)
from portal.extensions import db
from portal.vocab import Role



def xishan_student(w) -> int:
    """A manual addition pending review in 锡山区第一小学 (outside 南京), for the enrolment object routes."""
    from portal.enrolment.models import HardshipStudent
    from portal.terms import current_term

    student = HardshipStudent(school_id=w.xishan_school.id, term=current_term().code, id_hash=b"x" * 16,
                              id_cipher=b"x", id_masked="320205************", name="锡山学生", region_prefix="320205",
                              source="manual", review_status="pending")
    db.session.add(student)
    db.session.commit()
    return student.id


def xishan_upload(w) -> int:
    from portal.enrolment.models import EnrolmentUpload
    from portal.terms import current_term

    upload = EnrolmentUpload(school_id=w.xishan_school.id, term=current_term().code, filename="锡山.xlsx",
                             uploaded_by_name="锡山")
    db.session.add(upload)
    db.session.commit()
    return upload.id


# Routes that take an object: how to point them at something in 无锡 (outside 南京 and 玄武).
OBJECT_ROUTES = {
    "org.tree_branch": ("GET", lambda w, other: f"/org/tree/{w.xishan.code}"),
    "org.region_page": ("GET", lambda w, other: f"/org/regions/{w.wuxi.code}"),
    "org.school_page": ("GET", lambda w, other: f"/org/schools/{w.xishan_school.id}"),
    "org.set_school_active": ("POST", lambda w, other: f"/org/schools/{w.xishan_school.id}/active"),
    "org.move_school": ("POST", lambda w, other: f"/org/schools/{w.xishan_school.id}/move"),
    "accounts.set_active": ("POST", lambda w, other: f"/accounts/{other.id}/active"),
    "accounts.reset_password": ("POST", lambda w, other: f"/accounts/{other.id}/reset"),
    "accounts.reset_second_factor": ("POST", lambda w, other: f"/accounts/{other.id}/second-factor/reset"),
    "accounts.relax_school_second_factor": ("POST", lambda w, other: f"/accounts/second-factor/schools/{w.xishan_school.id}/relax"),
    "enrolment.library": ("GET", lambda w, other: f"/enrolment/schools/{w.xishan_school.id}/library"),
    "enrolment.export_library": ("GET", lambda w, other: f"/enrolment/schools/{w.xishan_school.id}/library/export.xlsx"),
    "enrolment.student_page": ("GET", lambda w, other: f"/enrolment/students/{xishan_student(w)}"),
    "enrolment.reveal_id": ("POST", lambda w, other: f"/enrolment/students/{xishan_student(w)}/reveal"),
    "enrolment.verify_student": ("POST", lambda w, other: f"/enrolment/students/{xishan_student(w)}/verify"),
    "enrolment.review_student": ("POST", lambda w, other: f"/enrolment/students/{xishan_student(w)}/review"),
    "enrolment.confirm_upload": ("POST", lambda w, other: f"/enrolment/upload/{xishan_upload(w)}/confirm"),
    "enrolment.discard_upload": ("POST", lambda w, other: f"/enrolment/upload/{xishan_upload(w)}/discard"),
    "deadlines.edit": ("POST", lambda w, other: "/deadlines/999999"),
    "deadlines.edit_form": ("GET", lambda w, other: "/deadlines/999999/edit"),
    "deadlines.show": ("GET", lambda w, other: "/deadlines/999999"),
    "reasons.save_reason": ("POST", lambda w, other: "/reasons/2026-autumn/students/999999"),
    "reasons.edit_option": ("POST", lambda w, other: "/reasons/options/999999"),
    "review.submission": ("GET", lambda w, other: f"/review/{w.xishan_school.id}/reasons/2026-autumn"),
    "review.approve": ("POST", lambda w, other: f"/review/{w.xishan_school.id}/reasons/2026-autumn/approve"),
    "review.send_back": ("POST", lambda w, other: f"/review/{w.xishan_school.id}/reasons/2026-autumn/return"),
    "review.reopen": ("POST", lambda w, other: f"/review/{w.xishan_school.id}/funding/2026-autumn/reopen"),
    **{f"funding.{name}": (method, lambda w, other, path=path: f"/funding/schools/{w.xishan_school.id}{path}")
       for name, method, path in (("school_page", "GET", ""), ("record_list", "GET", "/records"),
                                  ("export_records", "GET", "/records.xlsx"), ("student_list", "GET", "/students"),
                                  ("import_list", "POST", "/import"), ("confirm_import", "POST", "/import/confirm"),
                                  ("refused_rows", "POST", "/import/refused"), ("add_record", "POST", "/records/new"),
                                  ("submit", "POST", "/submit"))},
    "funding.student_history": ("GET", lambda w, other: f"/funding/students/{_xishan_student(w).id}"),
    "funding.delete_record": ("POST", lambda w, other: f"/funding/records/{_xishan_record(w).id}/delete"),
    "funding.set_project_active": ("POST", lambda w, other: f"/funding/projects/{_wuxi_project(w).id}/active"),
    "funding.budget_document": ("GET", lambda w, other: f"/funding/fiscal/{_wuxi_allocation(w).id}/document"),
    "funding.delete_allocation": ("POST", lambda w, other: f"/funding/fiscal/{_wuxi_allocation(w).id}/delete"),
    "library.batch_page": ("GET", lambda w, other: f"/library/batches/{_disabled_batch_record().batch_id}"),
    "library.confirm_batch": ("POST", lambda w, other: f"/library/batches/{_disabled_batch_record().batch_id}/confirm"),
    "library.cancel_batch": ("POST", lambda w, other: f"/library/batches/{_disabled_batch_record().batch_id}/cancel"),
    "oversight.region_page": ("GET", lambda w, other: f"/oversight/regions/{w.wuxi.code}"),
    "oversight.export_region": ("GET", lambda w, other: f"/oversight/regions/{w.xishan.code}/export.xlsx"),
    "oversight.school_page": ("GET", lambda w, other: f"/oversight/schools/{w.xishan_school.id}"),
    "oversight.export_school": ("GET", lambda w, other: f"/oversight/schools/{w.xishan_school.id}/export.xlsx"),
    "oversight.quality_page": ("GET", lambda w, other: f"/oversight/quality/regions/{w.wuxi.code}"),
    "oversight.export_quality": ("GET", lambda w, other: f"/oversight/quality/regions/{w.xishan.code}/export.xlsx"),
    "oversight.budget_page": ("GET", lambda w, other: f"/oversight/budget/regions/{w.wuxi.code}"),
    "oversight.export_budget": ("GET", lambda w, other: f"/oversight/budget/regions/{w.xishan.code}/export.xlsx"),
    "oversight.circular_page": ("GET", lambda w, other: f"/oversight/circulars/{_wuxi_circular(w)}"),
    "oversight.export_circular": ("GET", lambda w, other: f"/oversight/circulars/{_wuxi_circular(w)}/export.xlsx"),
    "oversight.people_list": ("GET", lambda w, other: f"/oversight/lists?list=duplicate&region={w.xishan.code}"),
    "oversight.export_people_list": ("GET", lambda w, other: f"/oversight/lists/export.xlsx?region={w.wuxi.code}"),
    "library.reveal_id": ("POST", lambda w, other: f"/library/records/{_disabled_batch_record().id}/reveal"),
    "notices.print_page": ("GET", lambda w, other: f"/notices/schools/{w.xishan_school.id}/print?student={_xishan_student(w).id}"),
    "notices.notices_pdf": ("GET", lambda w, other: f"/notices/schools/{w.xishan_school.id}/notices.pdf"),
    "notices.notices_pdf_job": ("POST", lambda w, other: f"/notices/schools/{w.xishan_school.id}/notices-job"),
    "notices.record_told": ("POST", lambda w, other: f"/notices/schools/{w.xishan_school.id}/told"),
    **{f"jobs.{name}": ("GET", lambda w, other, path=path: f"/jobs/{_others_job(other)}{path}")
       for name, path in (("page", ""), ("progress", "/progress"), ("result_file", "/file"))},
}
# Routes without an object: lists and forms whose content must stay inside the scope.
LIST_ROUTES = {
    "home.index": "/",
    "org.school_list": "/org/schools",
    "accounts.account_list": "/accounts",
    "accounts.create_account": "/accounts/new",
    "audit.entry_list": "/audit/",
    "audit.export": "/audit/export.xlsx",
    "org.registry_import": "/org/import/schools",
    "org.import_template": "/org/import/schools/template.xlsx",
    "org.confirm_import": None,
    "org.refused_rows": None,
    "accounts.change_password": "/password",
    "accounts.logout": None,
    "accounts.verify_second_factor": None,  # sign-in steps: tests/accounts/test_second_factor.py
    "accounts.enrol_second_factor": None,
    "accounts.security": "/account/security",
    "accounts.renew_recovery_codes": None,
    "accounts.end_other_sessions": None,
    "accounts.school_second_factor": "/accounts/second-factor/schools",
    "accounts.require_school_second_factor": None,
    "enrolment.index": "/enrolment/",
    "enrolment.upload_page": "/enrolment/upload",
    "enrolment.template": "/enrolment/template.xlsx",
    "enrolment.upload_file": None,
    "enrolment.refused_rows": None,
    "enrolment.add_student": "/enrolment/add",
    "oversight.index": "/oversight/",
    "oversight.school_list": "/oversight/schools?flag=not_uploaded",
    "oversight.export_school_list": "/oversight/schools/export.xlsx",
    "oversight.quality_index": "/oversight/quality",
    "oversight.budget_index": "/oversight/budget",
    "oversight.circular_list": "/oversight/circulars",
    "oversight.circular_draft": "/oversight/circulars/draft",
    "oversight.issue_circular": None,
    "enrolment.review_list": "/enrolment/review?status=all",
    "enrolment.matching_page": "/enrolment/matching",
    "enrolment.bulk_import": "/enrolment/bulk",
    "enrolment.bulk_refused_rows": None,  # a staged file of the user's own: tests/enrolment/test_bulk_import.py
    "enrolment.matching_status": "/enrolment/matching/status",
    "enrolment.start_matching": None,
    "deadlines.calendar": "/deadlines/",
    "reasons.school_page": "/reasons/",
    "reasons.summary": "/reasons/2026-autumn/summary",
    "reasons.bulk": None,
    "reasons.submit": None,
    "reasons.option_list": "/reasons/options",
    "reasons.add_option": None,
    "review.review_list": "/review/?kind=all",
    "funding.index": "/funding/",
    "funding.project_list": "/funding/projects",
    "funding.create_project": "/funding/projects/new",
    "funding.import_template": "/funding/import/template.xlsx",
    "funding.fiscal_page": "/funding/fiscal",
    "funding.record_allocation": None,
    "library.overview": "/library/",
    "library.search": "/library/search",  # the search itself is a POST (no ID number in a URL)
    "library.import_start": "/library/import",
    "library.import_file": "/library/import/poverty",
    "library.import_template": "/library/import/poverty/template.xlsx",
    "library.refused_rows": None,
    "library.batch_list": "/library/batches",
    "notices.settings_page": "/notices/settings",
    "notices.template_page": "/notices/template",
}
PUBLIC = {"static", "accounts.login"}


def _xishan_student(w):
    return make_unfunded_student(w.xishan_school, "外区学生")


def _xishan_record(w):
    return make_funding_record(_xishan_student(w), "2026-autumn")


def _wuxi_project(w):
    return make_funding_project("无锡市助学金", owner_region=w.wuxi, level="local")


def _wuxi_allocation(w):
    return make_allocation(w.wuxi, make_funding_project("无锡测试项目", owner_region=w.province))


def _wuxi_circular(w) -> int:
    """A 通报 无锡市 issued for its counties, naming 锡山区第一小学."""
    from datetime import date, datetime

    from portal.oversight.models import Circular

    circular = Circular(region_code=w.wuxi.code, number=1, title="无锡市通报", term="2026-autumn", as_of=date(2026, 11, 1),
                        summary="锡山区第一小学逾期", figures={}, issued_by_name="无锡", issued_at=datetime(2026, 11, 1))
    db.session.add(circular)
    db.session.commit()
    return circular.id
def _others_job(other) -> int:
    """A finished job of the 锡山 school's account, with a result file: only that account may see it."""
    from portal.jobs.models import Job

    job = Job(kind="test", status="done", params="{}", user_id=other.id, actor_name=other.username,
              message="锡山的任务", result_file="0.xlsx", result_name="锡山.xlsx")
    db.session.add(job)
    db.session.commit()
    return job.id


def _disabled_batch_record():
    """A pending 残疾 batch uploaded by the 残联 (not the default 扶贫 department), with one record."""
    from factories import make_id_number, make_library_person
    from portal.library.models import BatchStatus, LibraryBatch
    from portal.vocab import Category

    batch = LibraryBatch(category="disabled", department="disabled", status=BatchStatus.PENDING, filename="锡山.xlsx",
                         uploaded_by_name="残联")
    db.session.add(batch)
    db.session.flush()
    person = make_library_person(make_id_number("320205"), "锡山残疾人", Category.DISABLED)
    person.batch_id = batch.id
    db.session.commit()
    return person


SCOPED_ROLES = ["city", "county", "school", "department"]


@pytest.fixture
def other_account(world):
    user = make_user(Role.SCHOOL, username="wuxi-school", school=world.xishan_school)
    db.session.commit()
    return user


def test_every_route_is_listed(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unlisted = endpoints - set(OBJECT_ROUTES) - set(LIST_ROUTES) - PUBLIC
    assert not unlisted, f"add these routes to the scope guard test: {sorted(unlisted)}"


@pytest.mark.parametrize("endpoint", sorted(OBJECT_ROUTES))
@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_out_of_scope_object_is_404(client, login_as, world, other_account, role, endpoint):
    login_as(role)
    method, url = OBJECT_ROUTES[endpoint]
    response = client.open(url(world, other_account), method=method, data={"active": "0", "region_code": "320102"})
    assert response.status_code == 404
    text = page_text(response)
    assert "锡山" not in text and "wuxi-school" not in text
    db.session.expire_all()
    assert world.xishan_school.active and world.xishan_school.region_code == world.xishan.code
    assert other_account.active


@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_lists_never_show_out_of_scope_schools(client, login_as, world, other_account, role):
    login_as(role)
    for endpoint, url in LIST_ROUTES.items():
        if url is None or url.endswith(".xlsx"):
            continue
        response = client.get(url, follow_redirects=True)  # /enrolment/ sends upper tiers to oversight's page
        assert response.status_code in (200, 404, 422), endpoint  # 422: a draft 通报 of an empty term
        assert "锡山区第一小学" not in page_text(response), endpoint


@pytest.mark.parametrize("endpoint", sorted(set(OBJECT_ROUTES) | {e for e, u in LIST_ROUTES.items() if u}))
def test_every_route_requires_login(client, world, other_account, endpoint):
    if endpoint in OBJECT_ROUTES:
        method, url = OBJECT_ROUTES[endpoint]
        url = url(world, other_account)
    else:
        method, url = "GET", LIST_ROUTES[endpoint]
    response = client.open(url, method=method)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_county_sees_only_its_own_schools(client, login_as, world):
    login_as("county")
    text = page_text(client.get("/org/schools"))
    assert "玄武区第一小学" in text and "玄武区第二小学" in text
    assert "秦淮区第一小学" not in text and "南京市职业教育中心" not in text


def test_school_sees_only_itself(client, login_as, world):
    login_as("school")
    text = page_text(client.get("/"))
    assert "玄武区第一小学" in text
    assert "玄武区第二小学" not in text
    assert client.get(f"/org/schools/{world.xuanwu_school_2.id}").status_code == 404
