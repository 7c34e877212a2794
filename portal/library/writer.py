"""Bulk writing of base-library records: the hot path of a million-row import.

Rows arrive column by column (a list per column, in the order of `columns`), with values already as the
database stores them (bytes, str, int, None), except one: the checked 18-digit `id_number`. It is never
stored; the writer stores what it gives instead (FROM_ID_NUMBER: the masked number, gender, birth date as
"YYYY-MM-DD" text, the first-issue region). On SQLite the INSERT derives them, so the importing thread does
not; for COPY (PostgreSQL) write() makes them with from_id_numbers(), on the caller's thread, because there the
writer's thread is the busier one (it hands COPY every row in Python).

The writer has a connection of its own and commits every `commit_every` rows, so that on SQLite other
users' writes (a login records an audit entry) get the lock between chunks instead of waiting for the whole
file. The rows belong to a pending batch, which nothing reads, so partial commits are invisible; a refused
file's rows are deleted with its batch.

With a connection of its own the writer works on a thread of its own: SQLite and psycopg let go of the
GIL while they insert, so the database stores one batch while the importer reads and checks the next."""
import queue
import sqlite3
import threading
from collections.abc import Sequence
from operator import itemgetter

from portal.extensions import db

TABLE = "library_record"
ID_NUMBER = "id_number"
FROM_ID_NUMBER = ("id_masked", "gender", "birth_date", "region_prefix")
_GENDER_OF_DIGIT = {str(digit): "M" if digit % 2 else "F" for digit in range(10)}  # 17th digit odd: male
# The same four as SQLite expressions of the number ({0}); a test checks that both forms agree.
_FROM_ID_NUMBER_SQL = (
    "substr({0}, 1, 4) || '**********' || substr({0}, 15)",
    "CASE WHEN substr({0}, 17, 1) IN ('1', '3', '5', '7', '9') THEN 'M' ELSE 'F' END",  # 17th digit odd: male
    "substr({0}, 7, 4) || '-' || substr({0}, 11, 2) || '-' || substr({0}, 13, 2)",
    "substr({0}, 1, 6)",
)
# A larger page cache keeps the hot part of the id_hash index in memory while it grows (batches arrive in
# digest order, so 64 MB does as well as 256 MB did and keeps a million-row import's peak well under 1 GB).
# It is per connection and changes nothing on disk; the pooled connection gets its old size back afterwards.
_IMPORT_CACHE_KIB = 64 * 1024
_ROWS_PER_STATEMENT = 2_000


def from_id_numbers(numbers: list[str]) -> list[list[str]]:
    """The FROM_ID_NUMBER columns of a batch of checked 18-digit ID numbers."""
    return [[number[:4] + "**********" + number[14:] for number in numbers],
            list(map(_GENDER_OF_DIGIT.__getitem__, map(itemgetter(16), numbers))),
            [f"{number[6:10]}-{number[10:12]}-{number[12:14]}" for number in numbers],
            list(map(itemgetter(slice(0, 6)), numbers))]


def stored_columns(columns: Sequence[str]) -> list[str]:
    """The table's columns a writer of `columns` fills (the ID number's place taken by what it gives)."""
    at = columns.index(ID_NUMBER)
    return [*columns[:at], *FROM_ID_NUMBER, *columns[at + 1:]]


class _SqliteSink:
    """Multi-row INSERT statements on a raw sqlite3 connection (no per-value SQLAlchemy processing)."""

    def __init__(self, raw, owned: bool, head: str, row_sql: str, tail: str):
        self._raw, self._owned = raw, owned
        self._driver = raw.driver_connection
        self._cursor = self._driver.cursor()
        if owned:
            self._saved_cache = self._cursor.execute("PRAGMA cache_size").fetchone()[0]
            self._cursor.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")
        self._head, self._row_sql, self._tail = head, row_sql, tail
        self._statements: dict[int, str] = {}
        # Older SQLite builds allow only 999 parameters per statement.
        self._max_parameters = self._driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)

    def insert(self, columns: list[list]) -> None:
        width, count = len(columns), len(columns[0])
        per_statement = max(1, min(_ROWS_PER_STATEMENT, self._max_parameters // width))
        for start in range(0, count, per_statement):
            rows = min(per_statement, count - start)
            sql = self._statements.get(rows)
            if sql is None:
                sql = self._statements[rows] = self._head + ", ".join([self._row_sql] * rows) + self._tail
            # The statement's parameters row after row, laid out by slice assignment: no tuple per row.
            parameters = [None] * (rows * width)
            for position, column in enumerate(columns):
                parameters[position::width] = column[start:start + rows]
            self._cursor.execute(sql, parameters)

    def commit(self) -> None:
        if self._owned:
            self._driver.commit()

    def close(self, commit: bool) -> None:
        if not self._owned:  # the caller's transaction: it commits or rolls back
            self._cursor.close()
            return
        try:
            self._driver.commit() if commit else self._driver.rollback()
        finally:
            try:
                self._cursor.execute(f"PRAGMA cache_size = {int(self._saved_cache)}")
                self._cursor.close()
            finally:
                self._raw.close()


class _CopySink:
    """COPY … FROM STDIN on a raw psycopg connection; the server builds the indexes in its own process."""

    def __init__(self, raw, owned: bool, names: str, constants: tuple):
        self._raw, self._owned = raw, owned
        self._sql = f"COPY {TABLE} ({names}) FROM STDIN"
        self._constants = constants

    def insert(self, columns: list[list]) -> None:
        cursor = self._raw.driver_connection.cursor()
        try:
            with cursor.copy(self._sql) as copy:
                constants = self._constants
                for row in zip(*columns):
                    copy.write_row(constants + row)
        finally:
            cursor.close()

    def commit(self) -> None:
        if self._owned:
            self._raw.commit()

    def close(self, commit: bool) -> None:
        if not self._owned:
            return
        try:
            self._raw.commit() if commit else self._raw.rollback()
        finally:
            self._raw.close()


class RecordWriter:
    """write() rows, then finish() (commit) or abort(). Constants (batch_id, category) go into the SQL once.

    With `connection` (a SQLAlchemy Connection, e.g. the session's) the rows join that connection's
    transaction instead, synchronously, and committing is left to its owner: the demo seed writes that way."""

    def __init__(self, columns: Sequence[str], constants: dict[str, int | str], commit_every: int = 100_000,
                 connection=None):
        self.written = 0
        self._sqlite = db.engine.dialect.name == "sqlite"
        names = ", ".join([*constants, *stored_columns(columns)])
        self._id_at = columns.index(ID_NUMBER)
        if self._sqlite:
            statement = _sqlite_insert(columns, constants, names, self._id_at)
            make_sink = lambda raw, owned: _SqliteSink(raw, owned, *statement)  # noqa: E731
        else:
            make_sink = lambda raw, owned: _CopySink(raw, owned, names, tuple(constants.values()))  # noqa: E731
        if connection is None:
            self._worker = _Worker(db.engine, make_sink, commit_every)
        else:
            self._worker = _Inline(make_sink(connection.connection, False))

    def blobs(self, values: list[bytes]) -> list:
        """Binary values as this database's driver takes them fastest.

        Python's sqlite3 binds a bytearray directly, but looks a bytes value up in its adapter
        registry first, which costs more than the copy (~0.5 µs per value on a million rows)."""
        return list(map(bytearray, values)) if self._sqlite else values

    def write(self, columns: list[list]) -> None:
        """Rows given column by column: one list per column of `columns`, all of the same length."""
        count = len(columns[0]) if columns else 0
        if count and not self._sqlite:
            at = self._id_at
            columns = [*columns[:at], *from_id_numbers(columns[at]), *columns[at + 1:]]
        if count:
            self._worker.insert(columns)
            self.written += count

    def finish(self) -> None:
        """Commit what is left and give the connection back; raises what the database refused."""
        self._worker.close(commit=True)

    def abort(self) -> None:
        """Forget the uncommitted rows (committed ones are deleted with their pending batch)."""
        self._worker.close(commit=False)


class _Inline:
    """The caller's connection and transaction: every insert at once, in the caller's thread."""

    def __init__(self, sink):
        self._sink = sink

    def insert(self, columns: list[list]) -> None:
        self._sink.insert(columns)

    def close(self, commit: bool) -> None:
        self._sink.close(commit)


class _Worker:
    """A thread with its own connection that inserts what it is handed, committing every `commit_every` rows.

    At most two batches wait in the queue, so memory stays bounded when the database is the slower side.
    A failure on the thread is raised in the caller at its next insert() or at close()."""

    _FINISH, _ABORT = object(), object()

    def __init__(self, engine, make_sink, commit_every: int):
        self._jobs: queue.Queue = queue.Queue(maxsize=2)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(engine, make_sink, commit_every),
                                        name="library-writer", daemon=True)
        self._thread.start()

    def insert(self, columns: list[list]) -> None:
        self._raise_failure()
        self._jobs.put(columns)

    def close(self, commit: bool) -> None:
        if self._thread.is_alive():
            self._jobs.put(self._FINISH if commit else self._ABORT)
            self._thread.join()
        if commit:
            self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _run(self, engine, make_sink, commit_every: int) -> None:
        sink, uncommitted, commit = None, 0, False
        try:
            sink = make_sink(engine.raw_connection(), True)
            while (job := self._jobs.get()) is not self._FINISH and job is not self._ABORT:
                sink.insert(job)
                uncommitted += len(job[0])
                if uncommitted >= commit_every:
                    sink.commit()
                    uncommitted = 0
            commit = job is self._FINISH
        except BaseException as failure:  # handed to the caller; the queue is drained so it never blocks
            self._failure = failure
            while self._jobs.get() not in (self._FINISH, self._ABORT):
                pass
        finally:
            if sink is not None:
                try:
                    sink.close(commit=commit)
                except BaseException as failure:
                    self._failure = self._failure or failure


def _sqlite_insert(columns: Sequence[str], constants: dict, names: str, id_at: int) -> tuple[str, str, str]:
    """(statement head, one row's placeholders, statement tail): the rows go in as VALUES, and a SELECT over
    them (VALUES names its columns column1, column2 …) adds the constants and derives the ID number's columns."""
    literals = [_literal(value) for value in constants.values()]
    values = [f"column{position + 1}" for position in range(len(columns))]
    values[id_at:id_at + 1] = [expression.format(values[id_at]) for expression in _FROM_ID_NUMBER_SQL]
    return (f"INSERT INTO {TABLE} ({names}) SELECT {', '.join([*literals, *values])} FROM (VALUES ",
            f"({', '.join('?' * len(columns))})", ")")


def _literal(value: int | str) -> str:
    """Constants are the batch id and a category code: an int, or a plain lowercase word."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.replace("_", "").isalpha() and value.isascii():
        return f"'{value}'"
    raise ValueError(f"not a safe SQL literal: {value!r}")
