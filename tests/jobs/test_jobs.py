"""Background jobs: a job asked for by a request runs in the worker, its page shows its progress and outcome,
a failure is shown in Chinese and leaves the data as it was. Most tests run jobs at once (huey's immediate
mode, as every test does); test_a_real_worker_* starts `flask worker` as a process of its own."""
import io
import json
import os
import re
import time

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from factories import make_id_number, make_user, page_text
from portal.audit.services import Actor
from portal.extensions import db
from portal.jobs import JobRefused, Outcome, job_kind, submit
from portal.jobs.models import Job
from portal.jobs.services import INTERRUPTED, abandon_interrupted
from portal.library.models import BatchStatus, LibraryBatch, LibraryRecord
from portal.org.models import Region
from portal.vocab import Role



# Kinds of job for these tests only: one that counts and leaves a file, one that writes and then refuses.
@job_kind("test_count", "测试计数", unit="条")
def count_to(params, actor, progress):
    for done in range(0, params["to"] + 1, 10):
        progress(done, params["to"])
    return Outcome(f"已数到 {params['to']}", {"to": params["to"]}, file=(b"a,b\n1,2\n", "结果.csv"))


@job_kind("test_refuse", "测试失败")
def write_then_refuse(params, actor, progress):
    db.session.add(Region(code="329999", name="不该留下的区", level="county", parent_code="320000"))
    db.session.flush()
    if params.get("crash"):
        raise RuntimeError("something internal")
    raise JobRefused("第 3 行的数据有误，未导入任何数据。")


def test_a_job_runs_and_its_page_shows_the_bar_full_and_done(client, login_as):
    user = login_as("province")
    job = submit("test_count", {"to": 50}, Actor(user))
    page = client.get(f"/jobs/{job.id}")
    text = page_text(page)
    assert "测试计数" in text and "完成" in text and "已数到 50" in text and "50 / 50 条（100%）" in text
    assert '<progress class="job-bar" max="50" value="50">' in page.text
    assert "hx-trigger" not in page.text  # done: the fragment stops polling
    download = client.get(f"/jobs/{job.id}/file")
    assert download.status_code == 200 and download.data == b"a,b\n1,2\n"
    assert "attachment" in download.headers["Content-Disposition"]


def test_a_waiting_job_polls_every_second_and_others_cannot_see_it(client, login_as, world, app):
    user = login_as("province")
    db.session.add(Job(kind="test_count", status="running", params="{}", user_id=user.id, actor_name=user.username,
                       done=30, total=120))
    db.session.commit()
    job = db.session.scalar(select(Job))
    fragment = client.get(f"/jobs/{job.id}/progress", headers={"HX-Request": "true"})
    assert 'hx-trigger="load delay:1s"' in fragment.text and "进行中" in page_text(fragment)
    assert '<progress class="job-bar" max="120" value="30">' in fragment.text and "30 / 120 条（25%）" in page_text(fragment)
    assert "<html" not in fragment.text
    other = make_user(Role.PROVINCE, username="sheng2", region=world.province)
    db.session.commit()
    with app.test_client() as second:
        from factories import sign_in

        sign_in(second, other)
        assert second.get(f"/jobs/{job.id}").status_code == 404
        assert second.get(f"/jobs/{job.id}/file").status_code == 404


@pytest.mark.parametrize("crash, message", [(False, "第 3 行的数据有误，未导入任何数据。"),
                                            (True, "任务失败（内部错误），数据未改变")])
def test_a_failed_job_says_why_in_chinese_and_leaves_everything_as_before(client, login_as, crash, message):
    user = login_as("province")
    regions = db.session.scalar(select(func.count()).select_from(Region))
    job = submit("test_refuse", {"crash": crash}, Actor(user))
    text = page_text(client.get(f"/jobs/{job.id}"))
    assert "失败" in text and message in text and "something internal" not in text
    assert db.session.scalar(select(func.count()).select_from(Region)) == regions


def test_a_worker_started_again_fails_the_jobs_its_predecessor_left_running(app, world):
    db.session.add(Job(kind="test_count", status="running", params="{}", actor_name="命令行"))
    db.session.add(Job(kind="test_count", status="queued", params="{}", actor_name="命令行"))
    db.session.commit()
    assert abandon_interrupted() == 1
    assert [(job.status, job.message) for job in db.session.scalars(select(Job).order_by(Job.id))] == [
        ("failed", INTERRUPTED), ("queued", None)]


def test_an_import_cut_off_by_a_stopped_worker_leaves_no_pending_batch(app, world):
    """The records an import stores in chunks before its worker stopped are removed when the worker starts again."""
    from datetime import datetime

    from factories import make_library_person
    from portal.library.models import LibraryBatch
    from portal.vocab import Category

    user = make_user(Role.PROVINCE, region=world.province)
    db.session.commit()
    kept = make_library_person(make_id_number(serial=1), "张三", Category.POVERTY)  # the current batch: stays
    job = Job(kind="library_import", status="running", params=json.dumps({"category": "poverty", "token": "x"}),
              user_id=user.id, actor_name=user.username, started_at=datetime.now())
    db.session.add(job)
    db.session.commit()
    partial = LibraryBatch(category="poverty", status=BatchStatus.PENDING, filename="大文件.csv", uploaded_by_id=user.id,
                           uploaded_by_name=user.username, created_at=datetime.now())
    db.session.add(partial)
    db.session.commit()
    db.session.add(LibraryRecord(batch_id=partial.id, category="poverty", id_hash=b"h" * 32, id_cipher=b"c",
                                 id_masked="320102************", name="李四", gender="M", birth_year=kept.birth_year,
                                 region_prefix="320102", row_number=2))
    db.session.commit()
    assert abandon_interrupted() == 1
    assert [batch.status for batch in db.session.scalars(select(LibraryBatch))] == [BatchStatus.CURRENT]
    assert db.session.scalar(select(func.count()).select_from(LibraryRecord)) == 1
    assert db.session.get(Job, job.id).message == INTERRUPTED


def test_a_job_the_queue_cannot_take_fails_at_once_with_a_reason(client, login_as, app):
    from portal.jobs.queue import JobQueue
    from portal.jobs.services import QUEUE_DOWN

    user = login_as("province")
    immediate = app.extensions["portal_jobs"]
    app.extensions["portal_jobs"] = JobQueue(app, "redis://127.0.0.1:1/0")  # nothing listens there
    try:
        job = submit("test_count", {"to": 10}, Actor(user))
    finally:
        app.extensions["portal_jobs"] = immediate
    text = page_text(client.get(f"/jobs/{job.id}"))
    assert "失败" in text and QUEUE_DOWN in text and "hx-trigger" not in text


def test_the_worker_command_refuses_immediate_mode(app):
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0 and "不需要 worker" in result.output


# ---------------------------------------------------------------- a real worker process


def poverty_xlsx(count: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["姓名", "身份证件号", "户籍地区划代码", "脱贫状态"])
    for serial in range(1, count + 1):
        sheet.append([f"学生{serial}", make_id_number(serial=serial), "320102", "已脱贫"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_real_worker_runs_an_import_asked_for_by_a_request(client, login_as, real_worker):
    login_as("province")
    sent = client.post("/library/import/poverty", data={"file": (io.BytesIO(poverty_xlsx(300)), "名单.xlsx")},
                       content_type="multipart/form-data")
    assert sent.status_code == 303
    job_url = sent.headers["Location"]
    waiting = client.get(job_url)
    assert "排队中" in page_text(waiting) and 'hx-trigger="load delay:1s"' in waiting.text  # no worker yet
    assert db.session.scalar(select(func.count()).select_from(LibraryBatch)) == 0
    real_worker()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        fragment = client.get(job_url.replace("/jobs/", "/jobs/") + "/progress", headers={"HX-Request": "true"})
        if "hx-trigger" not in fragment.text:
            break
        time.sleep(0.5)
    text = page_text(fragment)
    assert "完成" in text and "已读取并检查 300 行，全部有效：300 人" in text, text
    assert '<progress class="job-bar" max="300" value="300">' in fragment.text
    onward = re.search(r'<a class="button primary" href="([^"]+)"', fragment.text).group(1).replace("&amp;", "&")
    preview = client.get(onward)
    assert "新增 300 人" in page_text(preview)
    batch = db.session.scalar(select(LibraryBatch))
    assert batch.status == BatchStatus.PENDING and batch.records == 300
    assert client.post(f"/library/batches/{batch.id}/confirm").status_code == 303
    db.session.expire_all()
    assert db.session.get(LibraryBatch, batch.id).status == BatchStatus.CURRENT
    assert db.session.scalar(select(func.count()).select_from(LibraryRecord)) == 300


def test_a_redis_queue_carries_a_job_to_the_worker(client, login_as, app):
    """PORTAL_JOBS_URL=redis://…: the job goes through Redis (TEST_REDIS_URL, database 7 unless set) and runs when a
    worker takes it. The SQLite and PostgreSQL halves of `make test` run at once and share the queue's keys, so the
    test holds a Redis lock while the queue is its own."""
    redis = pytest.importorskip("redis")
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
    server = redis.Redis.from_url(url)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    from portal.jobs.queue import JobQueue

    user = login_as("province")
    immediate, queue = app.extensions["portal_jobs"], JobQueue(app, url)
    with server.lock("portal-tests:redis-queue", timeout=120, blocking_timeout=180):
        queue.huey.flush()
        app.extensions["portal_jobs"] = queue
        try:
            job = submit("test_count", {"to": 20}, Actor(user))
            assert "排队中" in page_text(client.get(f"/jobs/{job.id}")) and queue.huey.pending_count() == 1
            queue.huey.execute(queue.huey.dequeue())  # what a worker's thread does
        finally:
            app.extensions["portal_jobs"] = immediate
            queue.huey.flush()
    db.session.expire_all()
    assert "已数到 20" in page_text(client.get(f"/jobs/{job.id}"))
