"""The schema exists only through migrations: upgrading an empty database gives exactly the models."""
import io

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from factories import make_id_number
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


def test_a_downgrade_that_copies_a_table_keeps_the_rows_that_reference_it(client, login_as, world):
    """0009's downgrade rebuilds user_account (a batch copy on SQLite); the uploads its users made must survive it,
    neither deleted with the old table nor refusing the downgrade."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import func, select

    from portal.enrolment.models import EnrolmentUpload

    number = make_id_number(serial=1)
    login_as("school")
    client.post("/enrolment/upload", data={"file": (io.BytesIO(
        f"学籍号,姓名,性别,身份证件号,学段,年级,班级\nG{number},张小明,男,{number},小学,三年级,三年级（1）班\n".encode()),
        "学籍.csv")}, content_type="multipart/form-data")
    uploads = db.session.scalar(select(func.count()).select_from(EnrolmentUpload))
    assert uploads == 1
    db.session.remove()
    try:
        downgrade(revision="0008")
        db.session.remove()
        with db.engine.connect() as connection:
            kept = connection.exec_driver_sql("SELECT count(*) FROM enrolment_upload").scalar()
            users = connection.exec_driver_sql("SELECT count(*) FROM user_account").scalar()
        assert kept == uploads and users > 0
    finally:
        upgrade()
    assert db.session.scalar(select(func.count()).select_from(EnrolmentUpload)) == uploads
