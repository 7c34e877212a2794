"""Re-matching the whole province (after a base-library import): from the command line, or from the province's
page, where the run goes on in a background thread and the page polls its MatchingRun row until it is done."""
import logging
import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from portal.audit.services import Actor, Target, record
from portal.enrolment import matching
from portal.enrolment.common import EnrolmentError
from portal.enrolment.models import MatchingRun, MatchingStatus
from portal.extensions import db
from portal.library.services import library_changed_since
from portal.terms import Term
from portal.vocab import AuditAction

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(hours=2)  # a 'running' row older than this was cut off by a restart


def running_run() -> MatchingRun | None:
    return db.session.scalar(
        select(MatchingRun).where(MatchingRun.whole_province.is_(True), MatchingRun.status == MatchingStatus.RUNNING,
                                  MatchingRun.started_at > datetime.now() - STALE_AFTER)
        .order_by(MatchingRun.id.desc()).limit(1))


def latest_run() -> MatchingRun | None:
    return db.session.scalar(select(MatchingRun).where(MatchingRun.whole_province.is_(True))
                             .order_by(MatchingRun.id.desc()).limit(1))


def start_rematch(actor: Actor, term: Term) -> MatchingRun:
    """Record a province-wide run as started (committed, so the page can show it at once)."""
    if running_run() is not None:
        raise EnrolmentError("全省比对正在进行中，请等待完成")
    run = matching.start_run(actor.name, term.code, whole_province=True)
    record(actor, AuditAction.MATCH_ENROLMENT, Target("matching", str(run.id), f"{term.label}全省重新比对"))
    db.session.commit()
    return run


def finish_rematch(run_id: int) -> MatchingRun:
    """Match every school's current snapshot and refresh every school's figures, in one transaction."""
    run = db.session.get(MatchingRun, run_id)
    try:
        matching.match(run, None)
        db.session.commit()
    except Exception as failure:
        db.session.rollback()
        log.exception("province re-match %s failed", run_id)
        run = db.session.get(MatchingRun, run_id)
        run.status, run.finished_at = MatchingStatus.FAILED, datetime.now()
        run.error = f"{type(failure).__name__}: {failure}"[:500]
        db.session.commit()
    return run


def rematch_province(actor: Actor, term: Term) -> MatchingRun:
    return finish_rematch(start_rematch(actor, term).id)


def finish_in_background(app: Flask, run_id: int) -> None:
    """Run finish_rematch in a thread with its own app context (and so its own database session)."""

    def work():
        with app.app_context():
            finish_rematch(run_id)
            db.session.remove()

    threading.Thread(target=work, name=f"rematch-{run_id}", daemon=True).start()


def library_newer_than_matching() -> bool:
    """A base-library batch was confirmed after the last province-wide matching: time to re-match."""
    return library_changed_since(matching.last_matching_at())
