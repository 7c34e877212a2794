"""Submitting jobs, the registry of job kinds, and the runner the worker calls (see portal/jobs/__init__.py)."""
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from portal.audit.services import Actor
from portal.extensions import db
from portal.jobs.models import Job, JobStatus
from portal.protect import ProtectedDataError, protector

log = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds: progress is written at most this often (and always at the end)
INTERRUPTED = "任务因工作进程重启而中断，数据未改变。请重新发起。"
QUEUE_DOWN = "后台任务队列暂时无法连接，任务没有开始，数据未改变。请稍后重试；如仍失败，请联系管理员。"


class JobRefused(Exception):
    """Raised by a task: the job fails with this Chinese message, and what it wrote is rolled back."""

    def __init__(self, message: str, data: dict | None = None):
        super().__init__(message)
        self.data = data or {}  # kept with the failed job (e.g. the refused rows), for the kind's next_step


@dataclass
class Outcome:
    message: str = "已完成"
    data: dict = field(default_factory=dict)
    file: tuple[bytes, str] | None = None  # (content, the name it downloads as)


Progress = Callable[..., None]  # progress(done, total=None, message=None)


@dataclass
class Kind:
    name: str
    title: str
    run: Callable[[dict, Actor, Progress], Outcome | None]
    unit: str = "行"
    next_step: Callable[[Job], tuple[str, str] | None] | None = None  # (label, url) once finished
    on_interrupted: Callable[[dict, Job], None] | None = None  # undo what a cut-off run committed (e.g. in chunks)


_KINDS: dict[str, Kind] = {}  # filled at import time by @job_kind: code, never state


def job_kind(name: str, title: str, *, unit: str = "行", next_step=None, on_interrupted=None):
    """Register a task function under a kind name (the name is stored in job rows: never rename one).
    `next_step(job)` gives the (label, url) the finished job's page links on to; `on_interrupted(params, job)`
    undoes what a run cut off by a stopped worker had committed (only for tasks that commit as they go)."""

    def register(run):
        _KINDS[name] = Kind(name, title, run, unit, next_step, on_interrupted)
        return run

    return register


def kinds() -> dict[str, Kind]:
    return _KINDS


def job_data(job: Job) -> dict:
    return json.loads(job.result or "{}")


def submit(kind: str, params: dict, actor: Actor) -> Job:
    """Record a job (committed) and queue it for the worker; returns the row its page reads."""
    if kind not in _KINDS:
        raise KeyError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, status=JobStatus.QUEUED, params=json.dumps(params, ensure_ascii=False),
              user_id=actor.user_id, actor_name=actor.name, actor_ip=actor.ip, created_at=datetime.now(),
              message="等待后台处理…")
    db.session.add(job)
    db.session.commit()  # the job machinery's own commit: the worker can only run a row it can already read
    try:
        current_app.extensions["portal_jobs"].enqueue_job(job.id)
    except Exception:  # e.g. Redis unreachable: the job's page says so instead of waiting for ever
        log.exception("job %s could not be queued", job.id)
        _finish(job.id, JobStatus.FAILED, QUEUE_DOWN)
    db.session.expire(job)  # in immediate mode the job has run already, in a session of its own
    return job


# ---------------------------------------------------------------- the worker's side


def execute(job_id: int) -> None:
    """Run one job (in the worker, inside an app context of its own): status, progress, outcome."""
    job = db.session.get(Job, job_id)
    if job is None or job.status != JobStatus.QUEUED:
        return  # gone, or already run (a queue may deliver twice)
    kind = _KINDS.get(job.kind)
    job.status, job.started_at, job.message = JobStatus.RUNNING, datetime.now(), "处理中…"
    db.session.commit()
    params, actor = json.loads(job.params), _actor_of(job)
    if kind is None:
        return _finish(job_id, JobStatus.FAILED, f"未知的任务类型“{job.kind}”，数据未改变。")
    progress = _ProgressWriter(job_id)
    try:
        outcome = kind.run(params, actor, progress) or Outcome()
        db.session.commit()
    except JobRefused as refusal:
        db.session.rollback()
        return _finish(job_id, JobStatus.FAILED, str(refusal), done=progress.done, total=progress.total,
                       result=json.dumps(refusal.data, ensure_ascii=False, default=str) if refusal.data else None)
    except Exception:
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        return _finish(job_id, JobStatus.FAILED, f"任务失败（内部错误），数据未改变。请稍后重试；如仍失败，请联系管理员"
                                                 f"（任务编号 {job_id}）。", done=progress.done, total=progress.total)
    stored = _store_file(job_id, outcome.file) if outcome.file else None
    total = progress.total if progress.total is not None else progress.done
    _finish(job_id, JobStatus.DONE, outcome.message, done=max(progress.done, total or 0), total=total,
            result=json.dumps(outcome.data, ensure_ascii=False, default=str), file=stored)
    if stored:
        try:  # each new file sweeps the expired ones (a portal whose worker seldom restarts keeps no file for ever)
            sweep_files()
        except Exception:  # noqa: BLE001  (housekeeping: the job itself is done)
            log.exception("sweeping old job files failed")


def abandon_interrupted() -> int:
    """Jobs left 'running' by a worker that stopped (a restart, a crash) fail with INTERRUPTED; their transaction
    was never committed, and what a kind commits as it goes is undone by its on_interrupted. Called when the
    worker starts."""
    cut_off = list(db.session.scalars(select(Job).where(Job.status == JobStatus.RUNNING)))
    for job in cut_off:
        kind = _KINDS.get(job.kind)
        if kind is not None and kind.on_interrupted is not None:
            kind.on_interrupted(json.loads(job.params), job)
        job.status, job.message, job.finished_at = JobStatus.FAILED, INTERRUPTED, datetime.now()
        db.session.commit()
    return len(cut_off)


def sweep_files() -> int:
    """Remove the files of jobs finished more than JOB_FILE_DAYS ago; their rows keep the file's name but forget
    the file, so the job page says it was cleaned up and can be made again. Files no row names (left by a
    database restored from a backup) go by their age. Returns how many files went. Run at worker start, after
    every job that writes a file, and by `flask --app wsgi sweep-job-files`."""
    cutoff = datetime.now() - timedelta(days=current_app.config["JOB_FILE_DAYS"])
    expired = db.session.execute(select(Job.id, Job.result_file)
                                 .where(Job.result_file.is_not(None), Job.finished_at < cutoff)).all()
    if expired:  # the rows forget first: a page never links to a file already removed
        db.session.execute(update(Job).where(Job.id.in_([row.id for row in expired])).values(result_file=None))
        db.session.commit()
    named, oldest, removed = {row.result_file for row in expired}, cutoff.timestamp(), 0
    folder = _folder()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if name in named or os.path.getmtime(path) < oldest:
                os.remove(path)
                removed += 1
        except FileNotFoundError:  # swept by another process meanwhile
            pass
    return removed


def result_content(job: Job) -> bytes | None:
    """The job's file as the task made it (opened from its sealed copy); None when it has none, or the copy is
    gone or cannot be opened (altered, or sealed under a key no longer in the ring)."""
    if not job.result_file:
        return None
    try:
        with open(os.path.join(_folder(), job.result_file), "rb") as handle:
            return protector().open_file(handle.read())
    except (OSError, ProtectedDataError):
        log.warning("the file of job %s could not be read", job.id, exc_info=True)
        return None


def _actor_of(job: Job) -> Actor:
    from portal.accounts.models import User

    user = db.session.get(User, job.user_id) if job.user_id is not None else None
    return Actor(user, job.actor_ip)


def _finish(job_id: int, status: str, message: str, *, done: int | None = None, total: int | None = None,
            result: str | None = None, file: tuple[str, str] | None = None) -> None:
    job = db.session.get(Job, job_id)
    job.status, job.message, job.finished_at = status, message[:500], datetime.now()
    if done is not None:
        job.done = done
    if total is not None:
        job.total = total
    job.result = result
    if file:
        job.result_file, job.result_name = file
    db.session.commit()


def _folder() -> str:
    folder = os.path.join(current_app.instance_path, "jobs")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def _store_file(job_id: int, file: tuple[bytes, str]) -> tuple[str, str]:
    """Kept sealed (portal.protect, like a staged upload): exports and notices hold personal data."""
    content, name = file
    stored = f"{job_id}{os.path.splitext(name)[1]}.sealed"
    with open(os.path.join(_folder(), stored), "wb") as handle:
        handle.write(protector().seal_file(content))
    return stored, name


class _ProgressWriter:
    """progress(done, total, message): written through a connection of its own, at most every PROGRESS_EVERY
    seconds, so the page moves while the task's transaction is still open. On SQLite a write that would wait
    for the task's own write lock is skipped (the next one tries again): progress never holds the work up."""

    def __init__(self, job_id: int):
        self.job_id, self.done, self.total = job_id, 0, None
        self._written_at = 0.0

    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.done = int(done)
        if total is not None:
            self.total = int(total)
        now = time.monotonic()
        if now - self._written_at < PROGRESS_EVERY and message is None:
            return
        self._written_at = now
        values = {"done": self.done, "total": self.total}
        if message:
            values["message"] = message[:500]
        self._write(values)

    def _write(self, values: dict) -> None:
        engine = db.engine
        sqlite = engine.dialect.name == "sqlite"
        try:
            with engine.connect() as connection:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA busy_timeout=100")
                try:
                    connection.execute(update(Job).where(Job.id == self.job_id).values(**values))
                    connection.commit()
                finally:
                    if sqlite:
                        connection.exec_driver_sql("PRAGMA busy_timeout=10000")
        except Exception:  # noqa: BLE001  (a lock held by the task itself: the next call tries again)
            log.debug("progress of job %s not written this time", self.job_id, exc_info=True)
