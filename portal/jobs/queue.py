"""The task queue behind the jobs: huey, with its storage chosen by PORTAL_JOBS_URL (see portal/jobs/__init__.py).
There is one huey task, `portal.job`, which runs a job row by id (kinds of work are portal.jobs.services' registry),
and one housekeeping task without a job row: `portal.wal_checkpoint`."""
import os

from flask import Flask
from huey import MemoryHuey, RedisHuey, SqliteHuey


class JobQueue:
    """The app's huey instance and the one task that runs a job row."""

    def __init__(self, app: Flask, url: str | None):
        self.url = url or "sqlite:///" + os.path.join(app.instance_path, "jobs.db")
        self.huey = _huey(self.url)

        def run_job(job_id: int) -> None:
            from portal.extensions import db
            from portal.jobs.services import execute

            with app.app_context():  # a session of its own, also when run at once (immediate mode)
                try:
                    execute(job_id)
                finally:
                    db.session.remove()

        def wal_checkpoint() -> None:
            from portal.enrolment.checkpoint import checkpoint
            from portal.extensions import db

            with app.app_context():
                checkpoint(db.engine)

        self._task = self.huey.task(name="portal.job")(run_job)
        self._checkpoint = self.huey.task(name="portal.wal_checkpoint")(wal_checkpoint)  # housekeeping, no job row

    def enqueue_job(self, job_id: int) -> None:
        self._task(job_id)

    def checkpoint_later(self) -> None:
        """SQLite: copy the WAL into the database file in the worker (see portal/enrolment/checkpoint.py)."""
        self._checkpoint()

    def consumer(self, workers: int):
        # a queued job starts within a second (huey backs off to 10 s between polls of an idle queue by default)
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=False, max_delay=1.0)


def _huey(url: str):
    if url == "immediate":
        return MemoryHuey("portal", immediate=True, results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("portal", url=url, results=False)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        return SqliteHuey("portal", filename=path, results=False)
    raise ValueError(f"PORTAL_JOBS_URL: 不支持的任务队列地址 {url!r}（可用 sqlite:///路径、redis://… 或 immediate）")


def init_app(app: Flask) -> None:
    app.extensions["portal_jobs"] = JobQueue(app, app.config.get("JOBS_URL"))
