"""Large exports: above exports.IN_REQUEST_ROWS lines the export is written by the worker, not in the request; its
job page offers the file, kept sealed on disk, to the user who asked alone, and every download is audited."""
import os
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from calamine_helpers import read_xlsx
from factories import make_enrolled_student, make_id_number, make_user, page_text, sign_in
from portal import exports
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.jobs import JobRefused
from portal.jobs.models import Job
from portal.jobs.queue import JobQueue
from portal.jobs.services import execute
from portal.terms import current_term
from portal.vocab import Role

TERM = current_term()


def _job_of(response) -> Job:
    assert response.status_code == 303 and "/jobs/" in response.headers["Location"]
    return db.session.get(Job, int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1]))


def test_a_large_audit_export_is_a_job_whose_page_offers_the_file(client, login_as, world, app):
    """5,001 entries: one more than a request writes."""
    start = datetime(2026, 3, 1, 8, 0)
    db.session.execute(insert(AuditEntry), [
        {"at": start + timedelta(seconds=serial), "actor_name": f"学校{serial}", "action": "upload_enrolment",
         "target_type": "school", "target_label": f"学校{serial}", "detail": f"第 {serial} 次", "ip": "10.0.0.1"}
        for serial in range(exports.IN_REQUEST_ROWS + 1)])
    db.session.commit()
    login_as("province")
    job = _job_of(client.get("/audit/export.xlsx?action=upload_enrolment"))
    page = client.get(f"/jobs/{job.id}")
    text = page_text(page)
    assert "导出审计日志" in text and "完成" in text and "已导出 5,001 条审计记录" in text
    assert "下载 审计日志.xlsx" in text and "5,001 / 5,001 条（100%）" in text
    with open(os.path.join(app.instance_path, "jobs", job.result_file), "rb") as handle:
        assert not handle.read().startswith(b"PK")  # sealed on disk, not a readable xlsx
    download = client.get(f"/jobs/{job.id}/file")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    rows = read_xlsx(download.data)
    assert rows[0] == ["时间", "操作人", "操作", "对象", "详情", "来源地址"]
    assert len(rows) == 1 + 5_001
    assert rows[1][:2] == ["2026-03-01 09:23:20", "学校5000"] and rows[-1][1] == "学校0"  # newest first
    details = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "export")
                                 .order_by(AuditEntry.id)).all()
    assert details[0].startswith("action=upload_enrolment（文件 5001 行，SHA-256 ")  # written by the job
    assert details[1].startswith(f"下载后台任务 {job.id} 的文件：审计日志.xlsx（文件 SHA-256 ")  # the download


def test_a_small_export_is_answered_in_the_request(client, login_as, world):
    login_as("province")
    response = client.get("/audit/export.xlsx")
    assert response.status_code == 200 and read_xlsx(response.data)[0][0] == "时间"
    assert db.session.scalar(select(Job.id)) is None


def test_a_large_people_list_goes_to_a_job_and_only_its_asker_downloads_it(client, login_as, world, app,
                                                                          monkeypatch):
    monkeypatch.setattr(exports, "IN_REQUEST_ROWS", 2)
    for serial in range(1, 4):
        student = make_enrolled_student(world.xuanwu_school, make_id_number("320102", "20150601", serial),
                                        f"重复{serial}", term=TERM.code)
        student.duplicate = True
    make_enrolled_student(world.qinhuai_school, make_id_number("320104", "20150601", 9), "秦淮重复",
                          term=TERM.code).duplicate = True
    db.session.commit()
    login_as("county")
    job = _job_of(client.get(f"/oversight/lists/export.xlsx?list=duplicate&term={TERM.code}"))
    assert "已导出 3 人" in page_text(client.get(f"/jobs/{job.id}"))
    rows = read_xlsx(client.get(f"/jobs/{job.id}/file").data)
    assert [row[0] for row in rows[1:]] == ["重复1", "重复2", "重复3"]
    assert rows[1][1].startswith("320102") and rows[1][1].endswith("********") and rows[1][6] == "玄武区第一小学"
    assert make_id_number("320102", "20150601", 1) not in str(rows)
    for role, region in ((Role.COUNTY, world.qinhuai), (Role.PROVINCE, world.province)):
        other = make_user(role, username=f"other_{role.value}", region=region)
        db.session.commit()
        with app.test_client() as second:
            sign_in(second, other)
            assert second.get(f"/jobs/{job.id}/file").status_code == 404
            assert second.get(f"/jobs/{job.id}").status_code == 404
    refused = db.session.scalars(select(AuditEntry.target_id).where(AuditEntry.action == "scope_refused")).all()
    assert refused == [str(job.id)] * 4  # each attempt recorded


def test_a_large_school_list_goes_to_a_job(client, login_as, world, monkeypatch):
    monkeypatch.setattr(exports, "IN_REQUEST_ROWS", 1)
    login_as("city")
    job = _job_of(client.get("/oversight/schools/export.xlsx"))
    assert "已导出 4 所学校" in page_text(client.get(f"/jobs/{job.id}"))
    rows = read_xlsx(client.get(f"/jobs/{job.id}/file").data)
    assert sorted(row[0] for row in rows[1:]) == sorted(["玄武区第一小学", "玄武区第二小学", "秦淮区第一小学",
                                                         "南京市职业教育中心"])


def test_an_export_whose_region_left_the_scope_fails_in_chinese(client, login_as, world, app, monkeypatch, tmp_path):
    """The job runs with the asker's scope as it is then: a county user moved to another county before the worker
    took the job gets a refusal in Chinese, and no file."""
    monkeypatch.setattr(exports, "IN_REQUEST_ROWS", 0)
    make_enrolled_student(world.xuanwu_school, make_id_number("320102", "20150601", 1), "重复",
                          term=TERM.code).duplicate = True
    db.session.commit()
    immediate = app.extensions["portal_jobs"]
    app.extensions["portal_jobs"] = JobQueue(app, f"sqlite:///{tmp_path}/queue.db")  # queued, no worker yet
    try:
        user = login_as("county")
        job = _job_of(client.get("/oversight/lists/export.xlsx?list=duplicate"))
    finally:
        app.extensions["portal_jobs"] = immediate
    assert "排队中" in page_text(client.get(f"/jobs/{job.id}"))
    user.region_code = world.qinhuai.code
    db.session.commit()
    execute(job.id)  # what the worker does with the queued job
    db.session.expire_all()
    text = page_text(client.get(f"/jobs/{job.id}"))
    assert "失败" in text and "所选区划或学校不在您的管辖范围内，未导出任何数据。" in text and "下载" not in text
    assert client.get(f"/jobs/{job.id}/file").status_code == 404


def test_a_job_whose_term_cannot_be_read_is_refused_in_chinese(app):
    """exports.term_of: the term an export job kept, or a refusal the job page shows (never a traceback)."""
    with app.app_context():
        assert exports.term_of({"term": current_term().code}) == current_term()
        for params in ({"term": "2026年第三学期"}, {}):
            with pytest.raises(JobRefused, match="^学期无效，未导出任何数据。$"):
                exports.term_of(params)
