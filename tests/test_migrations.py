"""The schema exists only through migrations: upgrading an empty database gives exactly the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def test_migrations_match_the_models(app):
    # The session fixture built this database by running every migration on an empty one.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_a_new_sqlite_database_gets_16_kb_pages_in_wal_mode(app):
    """Set on connecting, before WAL fixes the page size: bulk imports spend a sixth less time in SQLite."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    with db.engine.connect() as connection:
        settings = [connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in ("page_size", "journal_mode")]
    assert settings == [16384, "wal"]
