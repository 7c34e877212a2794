"""Migration 0010_id_privacy on a database that holds people in the old shape (full birth date in clear, masks
showing the last four): afterwards no table keeps a birth date, every mask shows the region prefix alone, and
the ID numbers can no longer be rebuilt from the clear columns. Run on a database of its own (a fresh SQLite
file; on PostgreSQL a schema of its own), not the suite's."""
import base64
import os
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from factories import make_id_number
from portal import create_app
from portal.extensions import db
from portal.protect import protector
from test_id_privacy import MINIMUM, candidates, known_positions

KEY = base64.b64encode(b"m" * 32).decode()
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
SCHEMA = "migration_id_privacy"
ZHANG = make_id_number("320102", "20150312", 11)  # in every table
LI = make_id_number("320104", "20140705", 22)     # a library student whose birth date was never filled
WANG = make_id_number("320205", "20161128", 33)   # funded, in no library


def old_mask(number: str) -> str:
    return number[:4] + "*" * 10 + number[-4:]


@pytest.fixture(params=BACKENDS)
def old_database(request, tmp_path):
    """An app on an empty database migrated to 0009, the revision before this one."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/old.db"
    else:
        base = os.environ["TEST_DATABASE_URL"]
        with sa.create_engine(base).begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{SCHEMA}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret",
                      "PORTAL_DATA_KEY": KEY}, instance_path=str(tmp_path))
    with app.app_context():
        upgrade(revision="0009_login_security")
        yield app
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        with sa.create_engine(os.environ["TEST_DATABASE_URL"]).begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))


def _dummy(column: sa.Column):
    kind = column.type.python_type
    return {int: 0, str: "x", bool: False, bytes: b"x", datetime: datetime(2026, 1, 1), date: date(2026, 1, 1),
            Decimal: Decimal(0)}[kind]


def insert(connection, table_name: str, /, **values) -> int:
    """One row as the old schema takes it: what is given, and something for every other required column."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=connection)
    row = dict(values)
    for column in table.columns:
        if column.name not in row and not column.nullable and column.server_default is None and not column.primary_key:
            row[column.name] = _dummy(column)
    return connection.execute(table.insert().values(row)).inserted_primary_key[0]


def person(number: str, name: str, born: date | None) -> dict:
    keep = protector()
    return {"id_hash": keep.digest(number), "id_cipher": keep.encrypt(number), "id_masked": old_mask(number),
            "name": name, "region_prefix": number[:6], "birth_date": born}


def test_the_migration_keeps_only_what_the_rule_allows_in_clear(old_database):
    with db.engine.begin() as connection:
        insert(connection, "region", code="320000", name="江苏省", level="province")
        insert(connection, "region", code="320102", name="玄武区", level="county", parent_code="320000")
        school = insert(connection, "school", code="3132000001", name="玄武区第一小学", region_code="320102",
                        stages="primary", ownership="public", active=True)
        batch = insert(connection, "library_batch", category="poverty", status="current", filename="名单.xlsx")
        insert(connection, "library_record", batch_id=batch, category="poverty", gender="M", row_number=2,
               **person(ZHANG, "张小明", date(2015, 3, 12)))
        upload = insert(connection, "enrolment_upload", school_id=school, term="2026-autumn", status="current",
                        filename="学籍.xlsx")
        insert(connection, "enrolment_student", upload_id=upload, school_id=school, term="2026-autumn", row_number=2,
               student_no="G" + old_mask(ZHANG), **person(ZHANG, "张小明", date(2015, 3, 12)))
        insert(connection, "hardship_student", school_id=school, term="2026-autumn", source="matched",
               student_no="G" + old_mask(ZHANG), **person(ZHANG, "张小明", date(2015, 3, 12)))
        insert(connection, "hardship_student", school_id=school, term="2026-autumn", source="manual",
               **person(LI, "李小红", None))
        project = insert(connection, "funding_project", name="生活补助", level="national", stages="primary")
        for number, name in ((ZHANG, "张小明"), (WANG, "王小刚")):
            funded = person(number, name, None)
            del funded["region_prefix"], funded["birth_date"]
            insert(connection, "funding_record", school_id=school, period="2026-autumn", term="2026-autumn",
                   project_id=project, **funded)
        insert(connection, "audit_entry", at=datetime(2026, 11, 1), actor_name="学校", action="reveal_id",
               target_type="hardship_student", target_label=f"玄武区第一小学 张小明（{old_mask(ZHANG)}）",
               detail=f"2026秋 {old_mask(ZHANG)} 张小明 生活补助 250")

    upgrade()

    inspector = sa.inspect(db.engine)
    for table in ("library_record", "enrolment_student", "hardship_student"):
        columns = {column["name"] for column in inspector.get_columns(table)}
        assert "birth_date" not in columns and "birth_year" in columns, table
    with db.engine.connect() as connection:
        rows = {table: [dict(row._mapping) for row in connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))]
                for table in ("library_record", "enrolment_student", "hardship_student", "funding_record",
                              "audit_entry")}
    for table in ("library_record", "enrolment_student", "hardship_student"):
        assert rows[table][0]["birth_year"] == 2015 and rows[table][0]["id_masked"] == "320102" + "*" * 12, table
    assert [row["student_no"] for row in rows["hardship_student"]] == ["G320102" + "*" * 12, None]
    assert rows["enrolment_student"][0]["student_no"] == "G320102" + "*" * 12
    assert rows["hardship_student"][1]["birth_year"] == 2014  # from its number, under the key
    # a funding record takes its student's region prefix; one in no library keeps the four digits it showed
    assert [row["id_masked"] for row in rows["funding_record"]] == ["320102" + "*" * 12, "3202" + "*" * 14]
    audit = rows["audit_entry"][0]
    assert audit["target_label"] == "玄武区第一小学 张小明（3201" + "*" * 14 + "）"
    assert audit["detail"] == "2026秋 3201" + "*" * 14 + " 张小明 生活补助 250"
    for number, name in ((ZHANG, "张小明"), (LI, "李小红"), (WANG, "王小刚")):
        texts = [" ".join(str(value) for value in row.values() if not isinstance(value, (bytes, memoryview)))
                 for table_rows in rows.values() for row in table_rows]
        known = set().union(*(known_positions(number, text) for text in texts if name in text))
        assert candidates(number, known) >= MINIMUM, name


def test_the_migration_goes_back_with_the_dates_the_key_gives(old_database):
    upgrade()
    with db.engine.begin() as connection:
        batch = insert(connection, "library_batch", category="poverty", status="current", filename="名单.xlsx")
        born = person(ZHANG, "张小明", None)
        del born["birth_date"]
        insert(connection, "library_record", batch_id=batch, category="poverty", gender="M", row_number=2,
               birth_year=2015, **born)
    downgrade(revision="0009_login_security")
    with db.engine.connect() as connection:
        assert str(connection.execute(sa.text("SELECT birth_date FROM library_record")).scalar()) == "2015-03-12"
    upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT birth_year, id_masked FROM library_record")).one() == (
            2015, "320102" + "*" * 12)
