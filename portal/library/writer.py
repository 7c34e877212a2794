"""Bulk writing of base-library records: the hot path of a million-row import.

The importer hands write() each checked batch column by column, with values as the database stores them, except
one: the checked 18-digit `id_number`. It is never stored, nor sent anywhere: what portal.idcard allows in clear
takes its place (FROM_ID_NUMBER: the mask, gender, birth year and first-issue region, never the full birth date).

By default the rows go to a writing process of their own (portal.library.record_sink), with its own connection,
so that the database stores one batch while the importer reads and checks the next, on the other core: a thread
would share the GIL with the importer and the two would take turns. The process commits every `commit_every`
rows, so that on SQLite other users' writes (a login records an audit entry) get the lock between chunks instead
of waiting for the whole file. The rows belong to a pending batch, which nothing reads, so partial commits are
invisible; a refused file's rows are deleted with its batch. The database's URL goes to the process through the
pipe, never on its command line (which every local user can read in /proc).

With `connection` (a SQLAlchemy Connection, e.g. the session's) the rows join that connection's transaction
instead, synchronously, and committing is left to its owner: the demo seed writes that way."""
import os
import subprocess
import sys
import threading
from collections.abc import Sequence

from portal.extensions import db
from portal.idcard import in_clear
from portal.library import record_sink
from portal.vocab import Gender

# Rows per commit. SQLite has one writer: a chunk holds the lock for well under a second on a busy machine, so the
# users saving beside a million-row import wait at most that long; PostgreSQL blocks nobody, bigger chunks are cheaper.
COMMIT_EVERY = {True: 10_000, False: 100_000}

ID_NUMBER = "id_number"
FROM_ID_NUMBER = ("id_masked", "gender", "birth_year", "region_prefix")

__all__ = ["RecordWriter", "RecordWriteError", "ID_NUMBER", "FROM_ID_NUMBER", "stored_columns"]


def stored_columns(columns: Sequence[str]) -> list[str]:
    """The table's columns a writer of `columns` fills (the ID number's place taken by what it gives)."""
    at = columns.index(ID_NUMBER)
    return [*columns[:at], *FROM_ID_NUMBER, *columns[at + 1:]]


class RecordWriteError(RuntimeError):
    """The database refused the rows (or the writing process ended): `name` is the driver's exception."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name


class RecordWriter:
    """write() rows, then finish() (commit) or abort(). Constants (batch_id, category) go into the SQL once."""

    def __init__(self, columns: Sequence[str], constants: dict[str, int | str], commit_every: int | None = None,
                 connection=None):
        self.written = 0
        self._dialect, self._id_at = db.engine.dialect.name, list(columns).index(ID_NUMBER)
        self._names = stored_columns(columns)
        commit_every = commit_every or COMMIT_EVERY[self._dialect == "sqlite"]
        if connection is None:
            self._out = _Process(self._dialect, _database(db.engine.url), self._names, constants, commit_every)
        else:
            driver = connection.connection.driver_connection
            self._out = _Inline(record_sink.sink_for(self._dialect, driver, self._names, constants))

    def write(self, columns: list[list]) -> None:
        """Rows given column by column: one list per column of `columns`, all of the same length."""
        if columns and columns[0]:
            at = self._id_at
            stored = [*columns[:at], *in_clear(columns[at], Gender.MALE.value, Gender.FEMALE.value), *columns[at + 1:]]
            self._out.insert(record_sink.bindable(self._dialect, self._names, stored))
            self.written += len(columns[0])

    def finish(self) -> None:
        """Commit what is left; raises RecordWriteError when the database refused any of it."""
        self._out.close(commit=True)

    def abort(self) -> None:
        """Forget the uncommitted rows (committed ones are deleted with their pending batch)."""
        self._out.close(commit=False)


def _database(url) -> str:
    """What the writing process connects to: the SQLite file, or a libpq URI (sent through the pipe, never
    on a command line, since it may hold a password)."""
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise RuntimeError("the library writer needs a database file, not an in-memory SQLite database")
        return os.path.abspath(url.database)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class _Inline:
    """The caller's connection and transaction: every insert at once, in the caller's thread."""

    def __init__(self, sink):
        self._sink = sink

    def insert(self, columns: list[list]) -> None:
        self._sink.insert(columns)

    def close(self, commit: bool) -> None:
        pass


class _Process:
    """The writing process (record_sink.py run on its own): batches go down its stdin, one answer comes back.

    The pipe holds little, so the importer waits when the process is the slower side: memory stays bounded.
    A failure in the process shows at the next insert() (its end of the pipe is closed) or at close()."""

    def __init__(self, dialect: str, database: str, columns: list[str], constants: dict, commit_every: int):
        # -I: no user site, no PYTHON* variables, and the script's folder (portal/library) not on sys.path.
        self._process = subprocess.Popen([sys.executable, "-I", record_sink.__file__],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._answer = None  # the process's one answer, once it has given it
        self._send({"dialect": dialect, "database": database, "columns": columns, "constants": constants,
                    "commit_every": commit_every})

    def insert(self, columns: list[list]) -> None:
        self._send(columns)

    def close(self, commit: bool) -> None:
        if self._answer is None:
            try:
                self._send(record_sink.FINISH if commit else record_sink.ABORT)
            except RecordWriteError:
                if commit:
                    raise
                return
            self._answer = self._collect()
        if commit:
            self._raise_unless_ok()

    def _send(self, value) -> None:
        if self._answer is not None:
            self._raise_unless_ok()
        try:
            record_sink.send(self._process.stdin, value)
        except BrokenPipeError:  # the process has ended: its answer says why
            self._answer = self._collect()
            self._raise_unless_ok()

    def _collect(self):
        try:
            self._process.stdin.close()
        except BrokenPipeError:  # what was still buffered has nobody to go to
            pass
        answer = record_sink.receive(self._process.stdout)
        self._process.stdout.close()
        if answer[:1] == ["ok"]:  # the process checkpoints SQLite after answering: a thread waits for its end
            threading.Thread(target=self._process.wait, name="library-writer-exit", daemon=True).start()
        else:
            self._process.wait()
        return answer

    def _raise_unless_ok(self) -> None:
        answer = self._answer
        if answer[:1] == ["error"]:
            raise RecordWriteError(answer[1], answer[2])
        if answer[:1] != ["ok"]:
            raise RecordWriteError("ProcessError", f"写入进程意外结束（退出码 {self._process.returncode}）")
