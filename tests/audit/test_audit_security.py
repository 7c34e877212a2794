"""Issue 14.8: what the audit log must hold (failed logins, scope refusals, exports with their row count and
SHA-256), and that nothing on the web can change it."""
import hashlib

from sqlalchemy import select

from factories import make_unfunded_student, page_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.vocab import Department


def _entries(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_a_failed_login_with_an_unknown_name_is_recorded_with_the_name_and_address(client, world):
    client.post("/login", data={"username": "no-such-user", "password": "Wrong-pass-1"},
                environ_base={"REMOTE_ADDR": "10.1.2.3"})
    entry = _entries("login_failed")[-1]
    assert "no-such-user" in f"{entry.target_label} {entry.detail}" and entry.ip == "10.1.2.3"


def test_a_request_outside_ones_scope_is_refused_and_recorded(client, login_as, world):
    school_user = login_as("school")  # 玄武区第一小学
    other = make_unfunded_student(world.xishan_school, "锡山学生")
    db.session.commit()
    response = client.get(f"/enrolment/students/{other.id}", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 404 and "不在您的管辖范围内" in page_text(response)
    entry = _entries("scope_refused")[-1]
    assert entry.actor_name == school_user.username and entry.ip == "10.9.9.9"
    assert entry.target_type == "hardship_student" and entry.target_id == str(other.id)
    assert entry.detail == f"GET /enrolment/students/{other.id}"
    assert entry.school_id == world.xuanwu_school.id  # where the user belongs: its county reads the attempt
    # a page of another tier is refused and recorded the same way; each refusal is one entry
    assert client.get("/audit/").status_code == 404
    assert [e.target_label for e in _entries("scope_refused")] == [f"就学信息库学生 {other.id}", "页面 /audit/"]
    login_as("county")
    assert "越权访问被拒绝" in page_text(client.get("/audit/?action=scope_refused"))


def test_an_export_records_its_rows_and_the_sha256_of_the_file_sent(client, login_as, world):
    login_as("province")
    response = client.get("/audit/export.xlsx")
    assert response.status_code == 200
    entry = _entries("export")[-1]
    digest = hashlib.sha256(response.data).hexdigest()
    assert f"SHA-256 {digest}" in entry.detail
    rows_in_file = int(entry.detail.split("（文件 ")[1].split(" 行")[0])
    from calamine_helpers import read_xlsx

    assert rows_in_file == len(read_xlsx(response.data)) - 1 >= 1  # the login entries, under one header


def test_no_route_can_write_or_delete_the_audit_log(app, client, login_as):
    audit_rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/audit")]
    assert audit_rules and all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in audit_rules)
    login_as("province")
    before = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/audit/").status_code == 405
    assert db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id).limit(1)) <= before


def test_another_users_job_and_another_departments_batch_are_refused_and_recorded(client, login_as, world):
    from portal.audit.services import Actor
    from portal.jobs import submit
    from portal.library.models import LibraryBatch

    province = login_as("province")
    job = submit("rematch", {"term": "2026-autumn"}, Actor(province, "127.0.0.1"))  # the tests' queue runs it at once
    batch = LibraryBatch(category="poverty", status="current", filename="名单.xlsx", uploaded_by_name="扶贫办",
                         rows_read=0, records=0, added=0, removed=0, changed=0)
    db.session.add(batch)
    db.session.commit()
    assert client.get(f"/jobs/{job.id}").status_code == 200  # its own job

    login_as("county")
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.get("/jobs/999999").status_code == 404  # no such job: nothing to record
    login_as("department", department=Department.CIVIL)  # 民政: its own categories' batches only
    assert client.get(f"/library/batches/{batch.id}").status_code == 404
    assert [e.target_label for e in _entries("scope_refused")] == [f"后台任务 {job.id}", f"基础信息库批次 {batch.id}"]


def test_another_regions_funding_project_is_refused_and_recorded(client, login_as, world):
    from factories import make_funding_project

    project = make_funding_project("无锡市助学金", "primary", level="local", standards="300", owner_region=world.wuxi)
    db.session.commit()
    login_as("city")  # 南京市
    assert client.post(f"/funding/projects/{project.id}/active").status_code == 404
    assert client.post("/funding/projects/999999/active").status_code == 404  # none such: nothing to record
    assert [e.target_label for e in _entries("scope_refused")] == [f"资助项目 {project.id}"]
    assert db.session.get(type(project), project.id).active  # nothing changed
