"""Issue 14.9: `flask backup DEST` takes a consistent copy while writes go on; `flask restore SRC` puts it back;
the SQLite database and its folder are private to the portal's user."""
import os
import sqlite3
import stat
import threading
import time

from sqlalchemy import func, insert, select, text

from factories import make_id_number, make_library_person
from portal import create_app
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.library.models import LibraryRecord
from portal.protect import protector


def test_a_new_sqlite_database_and_its_folder_are_private(tmp_path):
    instance = tmp_path / "instance"
    app = create_app({"SECRET_KEY": "x", "PORTAL_DATA_KEY": None}, instance_path=str(instance))
    with app.app_context():
        db.session.execute(text("SELECT 1"))
    assert stat.S_IMODE(os.stat(instance).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(instance / "portal.db").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(instance / "data.key").st_mode) == 0o600


def _writer(engine, stop: threading.Event, written: list):
    """Another user of the portal: inserts audit entries, one transaction each, until told to stop."""
    while not stop.is_set():
        with engine.begin() as connection:
            connection.execute(insert(AuditEntry).values(at=func.now(), actor_name="并发写入", action="export",
                                                         target_type="test"))
        written.append(1)
        time.sleep(0.002)


def _count(app, table: str) -> int:
    with app.app_context():
        return db.session.scalar(text(f"SELECT count(*) FROM {table}"))


def test_backup_while_another_thread_writes_then_restore(app, tmp_path):
    number = make_id_number(serial=5)
    person = make_library_person(number, "赵小龙")
    db.session.commit()
    person_id = person.id
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_writer, args=(db.engine, stop, written))
    writer.start()
    try:
        while len(written) < 20:
            time.sleep(0.01)
        destination = tmp_path / "backups" / "portal.backup"
        result = app.test_cli_runner().invoke(args=["backup", str(destination)])
        assert result.exit_code == 0, result.output
        at_backup = len(written)
        while len(written) < at_backup + 20:  # the writer was never blocked for long
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join()
    assert stat.S_IMODE(os.stat(destination).st_mode) == 0o600
    assert "备份中不含数据密钥" in result.output
    if db.engine.dialect.name == "sqlite":
        copy = sqlite3.connect(destination)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT name FROM library_record").fetchall() == [("赵小龙",)]
        copy.close()
    refused = app.test_cli_runner().invoke(args=["backup", str(destination)])
    assert refused.exit_code != 0 and "已存在" in refused.output

    # after the backup: the record is removed and many entries written; restore brings the backup's state back
    db.session.execute(LibraryRecord.__table__.delete())
    db.session.commit()
    entries_now = db.session.scalar(select(func.count()).select_from(AuditEntry))
    db.session.remove()
    restored = app.test_cli_runner().invoke(args=["restore", "--yes", str(destination)])
    assert restored.exit_code == 0, restored.output
    found = db.session.get(LibraryRecord, person_id)
    assert found is not None and found.name == "赵小龙"
    assert protector().decrypt(found.id_cipher) == number
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) < entries_now
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "restore"


def test_restore_asks_first_and_refuses_a_file_that_is_no_backup(app, tmp_path):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all" * 10)
    answered_no = app.test_cli_runner().invoke(args=["restore", str(junk)], input="n\n")
    assert answered_no.exit_code != 0 and "确定恢复吗" in answered_no.output
    refused = app.test_cli_runner().invoke(args=["restore", "--yes", str(junk)])
    assert refused.exit_code != 0 and ("不是本系统" in refused.output or "pg_restore 失败" in refused.output)
    missing = app.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "none")])
    assert missing.exit_code != 0 and "找不到备份文件" in missing.output
