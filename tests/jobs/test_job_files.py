"""A job's file is kept JOB_FILE_DAYS days after the job finished: then it is removed (by `flask sweep-job-files`,
at worker start, or when another job writes a file) and the job's page says so in Chinese instead of offering a
download that no longer exists."""
import os
from datetime import datetime, timedelta

from sqlalchemy import update

from factories import page_text
from portal import exports
from portal.extensions import db
from portal.jobs.models import Job


def _export_job(client) -> Job:
    response = client.get("/audit/export.xlsx")
    assert response.status_code == 303
    return db.session.get(Job, int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1]))


def _age(job: Job, days: int) -> None:
    """As if the job had run `days` ago."""
    then = datetime.now() - timedelta(days=days)
    db.session.execute(update(Job).where(Job.id == job.id).values(created_at=then, started_at=then, finished_at=then))
    db.session.commit()


def test_an_old_job_file_is_swept_and_its_page_says_so_while_a_fresh_one_stays(client, login_as, app,
                                                                               monkeypatch):
    monkeypatch.setattr(exports, "IN_REQUEST_ROWS", 0)
    login_as("province")
    old, fresh = _export_job(client), _export_job(client)
    old_path = os.path.join(app.instance_path, "jobs", old.result_file)
    fresh_path = os.path.join(app.instance_path, "jobs", fresh.result_file)
    assert "下载 审计日志.xlsx （文件保留 7 天）" in page_text(client.get(f"/jobs/{old.id}"))
    _age(old, 8)
    _age(fresh, 6)

    result = app.test_cli_runner().invoke(args=["sweep-job-files"])

    assert result.exit_code == 0 and "已删除 1 个超过 7 天的任务文件" in result.output
    assert not os.path.exists(old_path) and os.path.exists(fresh_path)
    db.session.expire_all()
    page = client.get(f"/jobs/{old.id}")
    text = page_text(page)
    assert page.status_code == 200 and "完成" in text
    assert "文件已清理 文件“审计日志.xlsx”已超过 7 天的保留期限，已被清理，不能再下载。如仍需要，请回到原来的页面重新导出或生成。" \
           in text
    assert "下载 审计日志.xlsx" not in text and f"/jobs/{old.id}/file" not in page.get_data(as_text=True)
    assert client.get(f"/jobs/{old.id}/file").status_code == 404
    text = page_text(client.get(f"/jobs/{fresh.id}"))
    assert "下载 审计日志.xlsx" in text and "已被清理" not in text
    assert client.get(f"/jobs/{fresh.id}/file").status_code == 200


def test_a_new_job_file_sweeps_the_expired_ones(client, login_as, app, monkeypatch):
    """The worker sweeps whenever it writes a file: a portal whose worker never restarts keeps none for ever."""
    monkeypatch.setattr(exports, "IN_REQUEST_ROWS", 0)
    monkeypatch.setitem(app.config, "JOB_FILE_DAYS", 2)
    login_as("province")
    old = _export_job(client)
    old_path = os.path.join(app.instance_path, "jobs", old.result_file)
    _age(old, 3)

    newer = _export_job(client)

    assert not os.path.exists(old_path) and os.path.exists(os.path.join(app.instance_path, "jobs", newer.result_file))
    db.session.expire_all()
    assert "已超过 2 天的保留期限，已被清理" in page_text(client.get(f"/jobs/{old.id}"))
    assert "下载 审计日志.xlsx （文件保留 2 天）" in page_text(client.get(f"/jobs/{newer.id}"))
