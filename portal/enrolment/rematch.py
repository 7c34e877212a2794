"""Re-matching the whole province (after a base-library import): from the command line at once, or from the
province's page as a background job (kind "rematch") that the worker runs and the page follows."""
import logging
from datetime import datetime

from flask import url_for
from sqlalchemy import select, update

from portal.audit.services import Actor, Target, record
from portal.enrolment import matching
from portal.enrolment.common import EnrolmentError
from portal.enrolment.models import MatchingRun, MatchingStatus
from portal.extensions import db
from portal.jobs import JobRefused, Outcome, job_kind, submit
from portal.jobs.models import Job, JobStatus
from portal.library.services import library_changed_since
from portal.terms import Term, parse_term
from portal.vocab import AuditAction

log = logging.getLogger(__name__)
JOB_KIND = "rematch"


def active_job() -> Job | None:
    """The province's re-match waiting for or running in the worker, if any (the job row says; no guessing)."""
    return db.session.scalar(select(Job).where(Job.kind == JOB_KIND, Job.status.in_([JobStatus.QUEUED,
                                                                                      JobStatus.RUNNING]))
                             .order_by(Job.id.desc()).limit(1))


def latest_run() -> MatchingRun | None:
    return db.session.scalar(select(MatchingRun).where(MatchingRun.whole_province.is_(True))
                             .order_by(MatchingRun.id.desc()).limit(1))


def request_rematch(actor: Actor, term: Term) -> Job:
    """Queue the province's re-match for the worker; refused while one is queued or running."""
    if active_job() is not None:
        raise EnrolmentError("全省比对正在进行中，请等待完成")
    return submit(JOB_KIND, {"term": term.code}, actor)


def rematch_province(actor: Actor, term: Term, progress=None) -> MatchingRun:
    """Match every school's current snapshot and refresh every school's figures, in one transaction; the run row
    (committed first, so pages show it) ends done, or failed with nothing else changed."""
    _close_interrupted_runs()
    run = matching.start_run(actor.name, term.code, whole_province=True)
    record(actor, AuditAction.MATCH_ENROLMENT, Target("matching", str(run.id), f"{term.label}全省重新比对"))
    db.session.commit()
    return finish_rematch(run.id, progress)


def finish_rematch(run_id: int, progress=None) -> MatchingRun:
    progress = progress or (lambda *args, **kwargs: None)
    run = db.session.get(MatchingRun, run_id)
    try:
        progress(0, 2, "正在比对全省各校学籍与基础信息库…")
        matching.match(run, None)
        progress(1, 2, "正在更新各校进度…")
        db.session.commit()  # the progress hooks refresh every school the matching touched

        progress(2, 2)
    except Exception as failure:
        db.session.rollback()
        log.exception("province re-match %s failed", run_id)
        run = db.session.get(MatchingRun, run_id)
        run.status, run.finished_at = MatchingStatus.FAILED, datetime.now()
        run.error = f"{type(failure).__name__}: {failure}"[:500]
        db.session.commit()
    return run


def _close_interrupted_runs() -> None:
    """A whole-province run still 'running' when a new one starts was cut off (its worker stopped): only one
    re-match job runs at a time, so it can never finish now."""
    db.session.execute(update(MatchingRun).where(MatchingRun.whole_province.is_(True),
                                                 MatchingRun.status == MatchingStatus.RUNNING)
                       .values(status=MatchingStatus.FAILED, finished_at=datetime.now(), error="比对被中断（后台进程重启）"))


def library_newer_than_matching() -> bool:
    """A base-library batch was confirmed after the last province-wide matching: time to re-match."""
    return library_changed_since(matching.last_matching_at())


@job_kind(JOB_KIND, "全省重新比对", unit="步",
          next_step=lambda job: ("查看比对结果", url_for("enrolment.matching_page")))
def rematch_job(params: dict, actor: Actor, progress) -> Outcome:
    run = rematch_province(actor, parse_term(params["term"]), progress)
    if run.status != MatchingStatus.DONE:
        raise JobRefused("全省比对失败，各校就学信息库保持不变。请稍后重试；如仍失败，请联系管理员。")
    return Outcome(f"全省比对完成：特殊困难学生 {run.students:,} 人，新增 {run.new:,}，移出 {run.gone:,}，"
                   f"类别变化 {run.changed:,}", {"run_id": run.id})
