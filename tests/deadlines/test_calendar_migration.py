"""An install whose calendar was seeded before it was whole: revision 0005 keeps its dates (the province's
edits included) under the new key, and seed-deadlines then adds the rest. Run on a SQLite file of its own,
migrated step by step (the other tests share one database at the newest revision)."""
import base64

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db

OLD_ROWS = [  # (stage, task, cycle, month, day, edited by the province)
    ("primary", "unfunded_report", "autumn", 1, 20, True),  # 003 says 1-15; the province moved it
    ("primary", "identify", "autumn", 10, 31, False),
    ("primary", "funding_entry", "autumn", 12, 20, False),
    ("primary", "funding_school_review", "autumn", 12, 31, False),
    ("primary", "funding_authority_review", "autumn", 1, 31, False),
    ("undergraduate", "funding_school_review", "spring", 7, 8, True),  # 003 says 7-10
    ("vocational", "funding_entry", "monthly", None, 20, False),
    ("vocational", "funding_school_review", "monthly", None, 20, False),
    ("vocational", "funding_authority_review", "monthly", None, 25, False),
    ("preschool", "funding_entry", "spring", 6, 20, False),
]


@pytest.fixture
def old_install(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.db",
                      "SECRET_KEY": "test", "PORTAL_DATA_KEY": base64.b64encode(b"k" * 32).decode()},
                     instance_path=str(tmp_path))
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as connection:
            for stage, task, cycle, month, day, edited in OLD_ROWS:
                connection.execute(text(
                    "INSERT INTO deadline (stage, task, cycle, month, day, updated_by_name) "
                    "VALUES (:stage, :task, :cycle, :month, :day, :who)"),
                    {"stage": stage, "task": task, "cycle": cycle, "month": month, "day": day,
                     "who": "省级管理员" if edited else None})
        yield app
        db.session.remove()
        db.engine.dispose()


def rows():
    with db.engine.connect() as connection:
        return {tuple(row[:5]): row[5:] for row in connection.execute(text(
            "SELECT stage, module, task, cycle, party, month, day, updated_by_name FROM deadline"))}


def test_the_old_calendar_keeps_its_dates_under_the_new_key_and_is_then_completed(old_install):
    upgrade()
    found = rows()
    assert found[("primary", "poverty", "unfunded_report", "autumn", "school")] == (1, 20, "省级管理员")
    assert found[("primary", "living_allowance", "funding_review", "autumn", "school")] == (12, 31, None)
    assert found[("primary", "living_allowance", "funding_review", "autumn", "authority")] == (1, 31, None)
    assert found[("undergraduate", "national_grant", "funding_review", "spring", "school")] == (7, 8, "省级管理员")
    assert found[("vocational", "national_grant", "funding_entry_review", "monthly", "school")] == (None, 20, None)
    assert found[("vocational", "national_grant", "funding_entry_review", "monthly", "authority")] == (None, 25, None)
    assert found[("preschool", "local", "funding_entry", "spring", "school")] == (6, 20, None)
    assert len(found) == len(OLD_ROWS) - 1  # 中职's 录入 copy of its 录入及审核 row is gone
    result = old_install.test_cli_runner().invoke(args=["seed-deadlines"])
    assert result.exit_code == 0 and f"截止日期表新增 {294 - len(found)} 条" in result.output
    completed = rows()
    assert len(completed) == 294
    assert completed[("primary", "poverty", "unfunded_report", "autumn", "school")] == (1, 20, "省级管理员")
    assert completed[("undergraduate", "national_grant", "funding_review", "spring", "school")][:2] == (7, 8)
    assert completed[("graduate", "student_info", "enrolment_info", "year", "school")] == (11, 10, None)


def test_downgrading_keeps_what_the_five_old_tasks_can_say(old_install):
    upgrade()
    old_install.test_cli_runner().invoke(args=["seed-deadlines"])
    downgrade(revision="0004")
    with db.engine.connect() as connection:
        found = {tuple(row[:3]): row[3:] for row in connection.execute(text(
            "SELECT stage, task, cycle, month, day FROM deadline"))}
    assert found[("primary", "unfunded_report", "autumn")] == (1, 20)
    assert found[("undergraduate", "funding_school_review", "spring")] == (7, 8)
    assert found[("vocational", "funding_authority_review", "monthly")] == (None, 25)
    assert ("graduate", "enrolment_info", "year") not in found
