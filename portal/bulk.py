"""Set-based SQL shared by every import, seed and figure: counted INSERTs, ON CONFLICT inserts on either
database, plain-value bulk inserts, and the conditional count every grouped figure is made of.

Never trust CursorResult.rowcount after an INSERT: under psycopg 3 it is -1, so rows are counted through
RETURNING instead."""
from sqlalchemy import case, func
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db


def count_where(condition):
    """An aggregate: how many rows of the group meet the condition (0, never NULL, for an empty group)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def inserted(statement, column) -> int:
    """Execute an INSERT (values or from_select) and return how many rows it wrote."""
    return len(db.session.execute(statement.returning(column)).all())


def upsert_insert(table):
    """An INSERT that takes .on_conflict_do_nothing() / .on_conflict_do_update() on SQLite and PostgreSQL."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_plain(table: str, columns: list[str], rows: list[tuple], connection=None) -> None:
    """Write tuples as the driver takes them, in the session's transaction, as one executemany: SQLAlchemy's
    per-value type processing would cost more than reading the file. Callers pass values already in the
    column's stored form (on SQLite: ISO text for dates, floats for money)."""
    if not rows:
        return
    connection = connection or db.session.connection()
    from portal.progress.touched import touch_rows  # the schools these rows belong to get their figures refreshed

    touch_rows(db.session(), table, columns, rows)
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) "
                               f"VALUES ({', '.join([mark] * len(columns))})", rows)


# execution_options for an ORM UPDATE or DELETE over rows the session does not hold. Without it SQLAlchemy keeps
# the session in step by fetching back the id of every row touched (RETURNING: 50,000 after an upload).
SET_BASED = {"synchronize_session": False}
