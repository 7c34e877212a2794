"""SQLite only: a large write's WAL checkpoint (copying the log into the database file, with an fsync) is left to
the worker (a housekeeping task of portal.jobs.queue) after the commit, instead of running inside the commit that
crossed the auto-checkpoint threshold — for a 50,000-row upload that is most of a second taken off the user's
request. No thread of the web process does it. PostgreSQL: nothing to do."""
import logging

from flask import current_app
from sqlalchemy import event

from portal.extensions import db

log = logging.getLogger(__name__)
_FLAG = "portal_deferred_checkpoint"
_AUTO_CHECKPOINT_PAGES = 1000  # SQLite's default, given back when the connection returns to the pool
_watched: set[int] = set()


def defer_checkpoint() -> None:
    """Call inside the transaction that will write a lot: its commit leaves the checkpoint to the worker."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    _watch(engine)
    connection = db.session.connection()
    connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
    # the pooled connection's record, seen again at check-in, holds the queue the checkpoint goes to
    connection.connection.info[_FLAG] = current_app.extensions["portal_jobs"]


def _watch(engine) -> None:
    if id(engine) in _watched:
        return
    _watched.add(id(engine))

    @event.listens_for(engine, "checkin")
    def restore_and_checkpoint(dbapi_connection, record):
        queue = record.info.pop(_FLAG, None)
        if queue is None:
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA wal_autocheckpoint={_AUTO_CHECKPOINT_PAGES}")
        finally:
            cursor.close()
        try:
            queue.checkpoint_later()
        except Exception:  # a checkpoint left undone is done by the next one; never worth an error
            log.warning("could not queue the WAL checkpoint", exc_info=True)


def checkpoint(engine) -> None:
    """Copy the WAL into the database file now, as far as readers allow (the worker's housekeeping task)."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    except Exception:  # a checkpoint left undone is done by the next one; never worth an error
        log.warning("WAL checkpoint failed", exc_info=True)
