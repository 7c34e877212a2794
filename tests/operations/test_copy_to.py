"""Issue 16.2: `flask --app wsgi copy-to URL` moves every table into an empty, upgraded database: SQLite → the
PostgreSQL test database (a schema of its own) when TEST_DATABASE_URL is set, else (and from PostgreSQL) into a
new SQLite file. Row counts and a decrypted value are equal on both sides."""
import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

from factories import make_id_number, make_library_person, make_user
from portal import create_app
from portal.extensions import db
from portal.library.models import LibraryRecord
from portal.protect import protector
from portal.vocab import Role

SCHEMA = "copy_to_target"


@pytest.fixture
def target_url(app, tmp_path):
    """An empty database, upgraded by the migrations, as an operator prepares it before copy-to."""
    pg = os.environ.get("TEST_DATABASE_URL")
    if db.engine.dialect.name == "sqlite" and pg:
        admin = create_engine(pg)
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        url = pg + ("&" if "?" in pg else "?") + f"options=-csearch_path%3D{SCHEMA}"
    else:
        admin, url = None, f"sqlite:///{tmp_path}/target.db"
    target_app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40,
                             "PORTAL_DATA_KEY": app.config["PORTAL_DATA_KEY"]}, instance_path=str(tmp_path / "target"))
    with target_app.app_context():
        upgrade()
        db.engine.dispose()
    yield url
    if admin is not None:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table.name: connection.execute(select(func.count()).select_from(table)).scalar()
                for table in db.metadata.sorted_tables}


def test_copy_to_an_empty_upgraded_database(app, world, target_url):
    number = make_id_number(serial=3)
    person = make_library_person(number, "孙小美")
    make_user(Role.COUNTY, region=world.xuanwu)
    db.session.commit()
    source_counts = _counts(db.engine)

    result = app.test_cli_runner().invoke(args=["copy-to", target_url, "--batch", "2"])  # several batches per table
    assert result.exit_code == 0, result.output
    assert "完成" in result.output and "school：6 行" in result.output

    target = create_engine(target_url)
    try:
        copied = _counts(target)
        assert copied.pop("audit_entry") == source_counts.pop("audit_entry") + 1  # plus the copy's own entry
        assert copied == source_counts and copied["region"] == 6 and copied["library_record"] == 1
        with target.connect() as connection:
            blob = connection.execute(select(LibraryRecord.id_cipher).where(LibraryRecord.id == person.id)).scalar()
            assert protector().decrypt(blob) == number  # the same key reads the copy
            if connection.dialect.name == "postgresql":  # sequences continue after the copied ids
                assert connection.execute(text("SELECT current_schema()")).scalar() == SCHEMA
                assert connection.execute(text(f"SELECT count(*) FROM {SCHEMA}.region")).scalar() == 6
                next_id = connection.execute(text("SELECT nextval(pg_get_serial_sequence('school', 'id'))")).scalar()
                assert next_id > max(school.id for school in (world.xuanwu_school, world.province_school))
    finally:
        target.dispose()

    again = app.test_cli_runner().invoke(args=["copy-to", target_url])
    assert again.exit_code != 0 and "目标数据库不是空的" in again.output


def test_copy_to_a_database_without_the_schema_is_refused(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["copy-to", f"sqlite:///{tmp_path}/empty.db"])
    assert result.exit_code != 0 and "目标数据库尚未建好结构" in result.output
