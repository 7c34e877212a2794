"""Bulk writing of base-library records: the hot path of a million-row import.

Rows arrive column by column (a list per column, in the order of `columns`), with values already as the
database stores them: bytes, str, int, None, and dates as "YYYY-MM-DD" text (SQLAlchemy's own storage
format for Date on SQLite; COPY parses it on PostgreSQL). The writer has a connection of its own and commits every
`commit_every` rows, so that on SQLite other users' writes (a login records an audit entry) get the
lock between chunks instead of waiting for the whole file. The rows belong to a pending batch, which
nothing reads, so partial commits are invisible; a refused file's rows are deleted with its batch."""
import sqlite3
from collections.abc import Sequence

from portal.extensions import db

TABLE = "library_record"
# A larger page cache keeps the id_hash index in memory while it grows at random. It is per
# connection and changes nothing on disk; the pooled connection gets its old size back afterwards.
_IMPORT_CACHE_KIB = 256 * 1024
_ROWS_PER_STATEMENT = 2_000


class _SqliteSink:
    """Multi-row INSERT statements on a raw sqlite3 connection (no per-value SQLAlchemy processing)."""

    def __init__(self, raw, owned: bool, head: str, row_sql: str):
        self._raw, self._owned = raw, owned
        self._driver = raw.driver_connection
        self._cursor = self._driver.cursor()
        if owned:
            self._saved_cache = self._cursor.execute("PRAGMA cache_size").fetchone()[0]
            self._cursor.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")
        self._head, self._row_sql = head, row_sql
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
                sql = self._statements[rows] = self._head + ", ".join([self._row_sql] * rows)
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
    transaction instead, and committing is left to its owner: the demo seed writes that way."""

    def __init__(self, columns: Sequence[str], constants: dict[str, int | str], commit_every: int = 100_000,
                 connection=None):
        self.written = 0
        self._commit_every = commit_every
        self._uncommitted = 0
        self._sqlite = db.engine.dialect.name == "sqlite"
        owned = connection is None
        raw = db.engine.raw_connection() if owned else connection.connection
        names = ", ".join([*constants, *columns])
        if self._sqlite:
            literals = ", ".join(_literal(value) for value in constants.values())
            self._sink = _SqliteSink(raw, owned, f"INSERT INTO {TABLE} ({names}) VALUES ",
                                     f"({literals}, {', '.join('?' * len(columns))})")
        else:
            self._sink = _CopySink(raw, owned, names, tuple(constants.values()))

    def blobs(self, values: list[bytes]) -> list:
        """Binary values as this database's driver takes them fastest.

        Python's sqlite3 binds a bytearray directly, but looks a bytes value up in its adapter
        registry first, which costs more than the copy (~0.5 µs per value on a million rows)."""
        return list(map(bytearray, values)) if self._sqlite else values

    def write(self, columns: list[list]) -> None:
        """Rows given column by column: one list per column of `columns`, all of the same length."""
        count = len(columns[0]) if columns else 0
        if not count:
            return
        self._sink.insert(columns)
        self.written += count
        self._uncommitted += count
        if self._uncommitted >= self._commit_every:
            self._sink.commit()
            self._uncommitted = 0

    def finish(self) -> None:
        """Commit what is left and give the connection back."""
        self._sink.close(commit=True)

    def abort(self) -> None:
        """Forget the uncommitted rows (committed ones are deleted with their pending batch)."""
        self._sink.close(commit=False)


def _literal(value: int | str) -> str:
    """Constants are the batch id and a category code: an int, or a plain lowercase word."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.replace("_", "").isalpha() and value.isascii():
        return f"'{value}'"
    raise ValueError(f"not a safe SQL literal: {value!r}")
