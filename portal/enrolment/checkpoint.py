"""SQLite only: a large write's WAL checkpoint (copying the log into the database file, with an fsync) runs in a
background thread after the commit, instead of inside the commit that crossed the auto-checkpoint threshold —
for a 50,000-row upload that is most of a second taken off the user's request. PostgreSQL: nothing to do."""
import logging
import threading

from sqlalchemy import event

from portal.extensions import db

log = logging.getLogger(__name__)
_FLAG = "portal_deferred_checkpoint"
_AUTO_CHECKPOINT_PAGES = 1000  # SQLite's default, given back when the connection returns to the pool
_watched: set[int] = set()


def defer_checkpoint() -> None:
    """Call inside the transaction that will write a lot: its commit leaves the checkpoint to a thread."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    _watch(engine)
    connection = db.session.connection()
    connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
    connection.connection.info[_FLAG] = True  # the pooled connection's record: seen again at check-in


def _watch(engine) -> None:
    if id(engine) in _watched:
        return
    _watched.add(id(engine))

    @event.listens_for(engine, "checkin")
    def restore_and_checkpoint(dbapi_connection, record):
        if not record.info.pop(_FLAG, False):
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA wal_autocheckpoint={_AUTO_CHECKPOINT_PAGES}")
        finally:
            cursor.close()
        threading.Thread(target=_checkpoint, args=(engine,), name="wal-checkpoint", daemon=True).start()


def _checkpoint(engine) -> None:
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    except Exception:  # a checkpoint left undone is done by the next one; never worth an error
        log.warning("background WAL checkpoint failed", exc_info=True)
