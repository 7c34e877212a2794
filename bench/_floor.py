"""How long the database alone takes to write what an import wrote: the floor under the import's time.

The rows are read back from the benchmark's SQLite file, deleted and inserted again with one executemany,
inside a transaction that is rolled back, so the file is left as it was. Whatever an import does besides
(reading, checking, digests, encryption), it cannot take less than the bare read plus this: its floor.
vs_floor() is the figure the guard watches (issue 17: ≤ 2.0 for the upload and the funded list)."""
import sqlite3
import time


def rewrite_seconds(database: str, table: str, where: str, parameters: tuple = ()) -> float:
    """Seconds to insert again the rows of `table` matching `where` (their indexes kept up and their foreign keys
    checked, as on any write of the portal)."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        # as the portal's connections set them: the same rows into the same tables under the same constraints
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("BEGIN")
        columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})") if row[1] != "id"]
        rows = connection.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", parameters).fetchall()
        connection.execute(f"DELETE FROM {table} WHERE {where}", parameters)
        started = time.perf_counter()
        connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                               rows)
        seconds = time.perf_counter() - started
        connection.execute("ROLLBACK")
        return seconds
    finally:
        connection.close()


def vs_floor(import_seconds: float, bare_read_seconds: float, write_seconds: float) -> float:
    """An import's time ÷ its floor (the bare read of the same file plus the database merely writing its rows)."""
    return import_seconds / (bare_read_seconds + write_seconds)
