"""Issue 14.8: the audit log keeps at least 180 days; `flask archive-audit` moves older entries to a signed file
that `flask verify-audit-archive` checks, and any change to that file is detected."""
import json
import os
import stat
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from portal.audit.models import AuditEntry
from portal.extensions import db


@pytest.fixture
def aged_log(app):
    now = datetime.now()
    db.session.execute(insert(AuditEntry), [
        {"at": now - timedelta(days=days), "actor_name": f"用户{days}", "action": "export", "target_type": "school",
         "target_label": f"第{days}天", "detail": "导出 \"引号\" 与换行\n之后", "ip": "10.0.0.1"}
        for days in (400, 300, 200, 181, 179, 10)])
    db.session.commit()


def _labels() -> list[str]:
    return db.session.scalars(select(AuditEntry.target_label).where(AuditEntry.action == "export")
                              .order_by(AuditEntry.id)).all()


def test_archive_refuses_to_take_entries_younger_than_180_days(app, aged_log):
    too_recent = (date.today() - timedelta(days=179)).isoformat()
    result = app.test_cli_runner().invoke(args=["archive-audit", "--before", too_recent])
    assert result.exit_code != 0 and "至少保留 180 天" in result.output
    assert len(_labels()) == 6


def test_archive_moves_old_entries_to_a_signed_file_and_verify_detects_tampering(app, aged_log, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["archive-audit", "--to", str(tmp_path / "archive")])
    assert result.exit_code == 0, result.output
    assert "已将 4 条审计记录移至" in result.output
    assert _labels() == ["第179天", "第10天"]  # the last 180 days stay
    archived = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "archive_audit"))
    assert archived is not None and "4 条记录" in archived.detail
    [path] = list((tmp_path / "archive").iterdir())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["target_label"] for line in lines[:-1]] == ["第400天", "第300天", "第200天", "第181天"]
    assert json.loads(lines[0])["detail"] == "导出 \"引号\" 与换行\n之后"

    verified = runner.invoke(args=["verify-audit-archive", str(path)])
    assert verified.exit_code == 0 and "签名有效：4 条记录" in verified.output

    original = path.read_bytes()
    for tampered in (original.replace("用户300".encode(), "用户301".encode()),  # an entry edited
                     b"".join(original.splitlines(keepends=True)[1:]),  # an entry removed
                     original.replace(b'"entries": 4', b'"entries": 3')):  # the trailer edited
        path.write_bytes(tampered)
        refused = runner.invoke(args=["verify-audit-archive", str(path)])
        assert refused.exit_code != 0 and "签名无效" in refused.output
    path.write_bytes(original)
    assert runner.invoke(args=["verify-audit-archive", str(path)]).exit_code == 0

    nothing = runner.invoke(args=["archive-audit", "--to", str(tmp_path / "archive")])
    assert nothing.exit_code != 0 and "没有需要归档" in nothing.output


def test_an_archive_signed_with_another_key_is_refused(app, aged_log, tmp_path, monkeypatch):
    runner = app.test_cli_runner()
    runner.invoke(args=["archive-audit", "--to", str(tmp_path)])
    [path] = list(tmp_path.iterdir())
    monkeypatch.setenv("PORTAL_AUDIT_ARCHIVE_KEY", "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMTI=")
    refused = runner.invoke(args=["verify-audit-archive", str(path)])
    assert refused.exit_code != 0 and "不是用本系统当前的审计归档密钥签名的" in refused.output
