"""Storing base-library records in bulk, and the writing process that does it beside an import.

Standard library only (psycopg when the database is PostgreSQL), and nothing of the portal: the importer
starts this file as a process of its own (`python -I record_sink.py`), which then starts without loading the
application. portal.library.writer is the importer's side of it.

Rows arrive column by column (a list per column, in the order of the settings' columns), with values as the
database stores them (bytes, str, int, None): the importer's side (portal.library.writer) has already put what
portal.idcard allows in clear in place of the ID number, which never comes here.

Frames between the two processes are a length and a pickle (protocol 5 carries bytearray as it is): the
importer sends the settings, then one frame per batch of columns, then FINISH or ABORT; the process answers
once, with ["ok", rows written] as soon as they are committed (on SQLite it then checkpoints before it ends),
or ["error", the driver's exception name, its message]. A closed pipe counts as ABORT."""
import pickle
import queue
import sqlite3
import struct
import sys
import threading
from collections.abc import Callable, Sequence

TABLE = "library_record"
BLOB_COLUMNS = frozenset({"id_hash", "id_cipher", "disability_cert_cipher"})
FINISH, ABORT = "finish", "abort"
# A larger page cache keeps the hot part of the id_hash index in memory while it grows; batches arrive in
# digest order, so that part stays small and a modest cache bounds the import's memory.
IMPORT_CACHE_KIB = 64 * 1024
_ROWS_PER_STATEMENT = 2_000
_LENGTH = struct.Struct("<Q")


class SqliteSink:
    """Multi-row INSERT statements on a sqlite3 connection (no per-value SQLAlchemy processing)."""

    def __init__(self, connection: sqlite3.Connection, columns: Sequence[str], constants: dict):
        self._cursor = connection.cursor()
        self._head, self._row_sql, self._tail = _sqlite_insert(columns, constants)
        self._constants = list(constants.values())
        self._statements: dict[int, str] = {}
        # Older SQLite builds allow only 999 parameters per statement.
        self._max_parameters = connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - len(constants)

    def insert(self, columns: list[list]) -> None:
        """Columns as bindable() gives them."""
        width, count = len(columns), len(columns[0])
        per_statement = max(1, min(_ROWS_PER_STATEMENT, self._max_parameters // width))
        for start in range(0, count, per_statement):
            rows = min(per_statement, count - start)
            sql = self._statements.get(rows)
            if sql is None:
                sql = self._statements[rows] = self._head + ", ".join([self._row_sql] * rows) + self._tail
            # The constants, then the rows' parameters row after row, laid out by slice assignment: no tuple per row.
            parameters = [None] * (rows * width)
            for position, column in enumerate(columns):
                parameters[position::width] = column[start:start + rows]
            self._cursor.execute(sql, self._constants + parameters)


class CopySink:
    """COPY … FROM STDIN on a psycopg connection; the server builds the indexes in its own process."""

    def __init__(self, connection, columns: Sequence[str], constants: dict):
        self._connection = connection
        self._sql = f"COPY {TABLE} ({', '.join([*constants, *columns])}) FROM STDIN"
        self._constants = tuple(constants.values())

    def insert(self, columns: list[list]) -> None:
        with self._connection.cursor() as cursor, cursor.copy(self._sql) as copy:
            constants = self._constants
            for row in zip(*columns):
                copy.write_row(constants + row)


def bindable(dialect: str, names: Sequence[str], columns: list[list]) -> list[list]:
    """The columns as the driver binds them fastest, made by the importer (which has time to spare while the
    database works): for sqlite3 blobs as bytearray, which it binds directly, where it first looks bytes up
    among its adapters; psycopg's COPY takes bytes."""
    if dialect != "sqlite":
        return columns
    return [[value if value is None else bytearray(value) for value in column] if name in BLOB_COLUMNS else column
            for name, column in zip(names, columns)]


def sink_for(dialect: str, connection, columns: Sequence[str], constants: dict):
    """The sink for a driver connection of this dialect ("sqlite" or "postgresql")."""
    return (SqliteSink if dialect == "sqlite" else CopySink)(connection, columns, constants)


def _sqlite_insert(columns: Sequence[str], constants: dict) -> tuple[str, str, str]:
    """(statement head, one row's placeholders, statement tail): the rows go in as VALUES, and a SELECT over
    them (VALUES names its columns column1, column2 …) adds the constants, bound once per statement. Only the
    writer's own column names are written into the SQL, never a value."""
    names = ", ".join([*constants, *columns])
    values = ["?"] * len(constants) + [f"column{position + 1}" for position in range(len(columns))]
    return (f"INSERT INTO {TABLE} ({names}) SELECT {', '.join(values)} FROM (VALUES ",
            f"({', '.join('?' * len(columns))})", ")")


# ---------------------------------------------------------------- the two ends of the pipe


def send(stream, value) -> None:
    """One frame. Only ever read by the other end of this pipe, which the importer started itself."""
    frame = pickle.dumps(value, protocol=5)
    stream.write(_LENGTH.pack(len(frame)))
    stream.write(frame)
    stream.flush()


def receive(stream):
    """The next frame, or ABORT when the other side has gone (also in the middle of a frame)."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return ABORT
    size = _LENGTH.unpack(head)[0]
    frame = stream.read(size)
    return pickle.loads(frame) if len(frame) == size else ABORT


def _connect(settings: dict):
    if settings["dialect"] == "sqlite":
        connection = sqlite3.connect(settings["database"], timeout=10)
        # No automatic checkpoint: _store() checkpoints after each chunk's commit (each copies the id_hash index's
        # pages again, a cost the worker pays here rather than a user's request later), and serve() once more at
        # the end.
        for pragma in ("busy_timeout = 10000", "foreign_keys = ON", "synchronous = NORMAL",
                       f"cache_size = -{IMPORT_CACHE_KIB}", "wal_autocheckpoint = 0"):
            connection.execute(f"PRAGMA {pragma}")
        return connection
    import psycopg

    return psycopg.connect(settings["database"])


def _read_ahead(incoming, size: int = 3) -> Callable[[], object]:
    """Frames read on a thread of their own while the database stores the previous one (reading the pipe and
    inserting both let go of the GIL), so that the importer does not wait for the sink to come back for more."""
    frames: queue.Queue = queue.Queue(maxsize=size)

    def read() -> None:
        frame = ABORT
        try:
            while (frame := receive(incoming)) not in (FINISH, ABORT):
                frames.put(frame)
        finally:  # whatever ends the reading, the inserting side is told, and rolls back unless FINISH came
            frames.put(frame if frame in (FINISH, ABORT) else ABORT)

    threading.Thread(target=read, name="frames", daemon=True).start()
    return frames.get


def serve(incoming, outgoing) -> int:
    """The writing process: settings, then batches until FINISH (commit) or ABORT (roll back)."""
    connection = None
    try:
        settings = receive(incoming)
        connection = _connect(settings)
        written, finished = _store(connection, settings, _read_ahead(incoming))
    except Exception as failure:  # noqa: BLE001  (every failure goes back to the importer, which raises it)
        if connection is not None:
            connection.close()  # what was not committed is rolled back
        send(outgoing, ["error", type(failure).__name__, str(failure)])
        return 1
    send(outgoing, ["ok", written])
    outgoing.close()  # the importer goes on; what follows is housekeeping
    if finished and settings["dialect"] == "sqlite":
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # the import into the database file, once
    connection.close()
    return 0


def _store(connection, settings: dict, next_frame: Callable[[], object]) -> tuple[int, bool]:
    """Insert batches until FINISH or ABORT: (rows written, whether they were committed)."""
    sink = sink_for(settings["dialect"], connection, settings["columns"], settings["constants"])
    written = uncommitted = 0
    while (job := next_frame()) not in (FINISH, ABORT):
        sink.insert(job)
        written += len(job[0])
        uncommitted += len(job[0])
        if uncommitted >= settings["commit_every"]:  # other users' writes get SQLite's lock between chunks
            connection.commit()
            uncommitted = 0
            if settings["dialect"] == "sqlite":
                # The chunk into the database file here, in the worker: otherwise the next commit of a user's
                # request that finds the log past SQLite's auto-checkpoint size copies the import's pages itself
                # (seconds of a user's wait). PASSIVE: it waits for nobody and nobody waits for it.
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    if job == FINISH:
        connection.commit()
    else:
        connection.rollback()
    return written, job == FINISH


if __name__ == "__main__":
    import gc

    gc.disable()  # millions of short-lived values, no cycles
    sys.exit(serve(sys.stdin.buffer, sys.stdout.buffer))
