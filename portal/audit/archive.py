"""`flask archive-audit`: audit entries older than the retention period (at least 180 days) leave the database
for a signed file; `flask verify-audit-archive FILE` checks that file. Nothing on the web writes the log.

File: one JSON object per line (an entry, every column), then a trailer line with the count, the date bound and
an HMAC-SHA256 over everything before it. The HMAC key is derived from the data key's digest key (which a key
rotation keeps, so old archives stay verifiable) or is PORTAL_AUDIT_ARCHIVE_KEY (base64 of 32 bytes) if set."""
import base64
import hashlib
import hmac
import json
import os
from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, func, select

from portal.audit.models import AuditEntry
from portal.extensions import db

RETENTION_DAYS = 180  # the least the log keeps (等保三级: at least six months)
KEY_ENV_VAR = "PORTAL_AUDIT_ARCHIVE_KEY"
FORMAT = "portal-audit-archive"
BATCH = 5000
COLUMNS = [column.name for column in AuditEntry.__table__.columns]


class ArchiveError(RuntimeError):
    """A Chinese message for the operator."""


def signing_key() -> bytes:
    configured = os.environ.get(KEY_ENV_VAR) or current_app.config.get(KEY_ENV_VAR)
    if configured:
        key = base64.b64decode(configured)
        if len(key) != 32:
            raise ArchiveError(f"{KEY_ENV_VAR} 应为 32 字节的 base64 文本")
        return key
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from portal.protect import protector

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"portal-audit-archive-v1").derive(protector().digest_key)


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"key-id" + key).hexdigest()[:16]


def retention_days() -> int:
    return max(RETENTION_DAYS, int(current_app.config.get("AUDIT_RETENTION_DAYS", RETENTION_DAYS)))


def latest_allowed_cutoff(today: date | None = None) -> date:
    return (today or date.today()) - timedelta(days=retention_days())


def _line(entry: dict) -> bytes:
    values = {name: (value.isoformat() if isinstance(value, datetime) else value) for name, value in entry.items()}
    return json.dumps(values, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


def _trailer_body(trailer: dict) -> bytes:
    return json.dumps({k: v for k, v in trailer.items() if k != "hmac_sha256"}, sort_keys=True).encode("utf-8")


def archive(before: date | None = None, folder: str | None = None, today: date | None = None) -> tuple[str, int]:
    """Move entries older than `before` (at most today − retention) to a new signed file. (path, count)."""
    newest = latest_allowed_cutoff(today)
    before = before or newest
    if before > newest:
        raise ArchiveError(f"审计日志至少保留 {retention_days()} 天：只能归档 {newest.isoformat()} 之前的记录")
    bound = datetime.combine(before, datetime.min.time())
    last_id = db.session.scalar(select(func.max(AuditEntry.id)).where(AuditEntry.at < bound))
    if last_id is None:
        raise ArchiveError(f"{before.isoformat()} 之前没有需要归档的审计记录")
    folder = os.path.abspath(folder or os.path.join(current_app.instance_path, "audit-archive"))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    path = os.path.join(folder, f"audit-before-{before.isoformat()}-{datetime.now():%Y%m%d%H%M%S}.jsonl")
    key = signing_key()
    signer, count, after = hmac.new(key, digestmod="sha256"), 0, 0
    partial = path + ".partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            table = AuditEntry.__table__
            while True:
                rows = db.session.execute(
                    select(table).where(table.c.at < bound, table.c.id <= last_id, table.c.id > after)
                    .order_by(table.c.id).limit(BATCH)).mappings().all()
                if not rows:
                    break
                for row in rows:
                    line = _line(dict(row))
                    out.write(line)
                    signer.update(line)
                count, after = count + len(rows), rows[-1]["id"]
            trailer = {"format": FORMAT, "version": 1, "entries": count, "before": before.isoformat(),
                       "last_id": last_id, "archived_at": datetime.now().isoformat(timespec="seconds"),
                       "key_id": _key_id(key)}
            signer.update(_trailer_body(trailer))
            trailer["hmac_sha256"] = signer.hexdigest()
            out.write(json.dumps(trailer, sort_keys=True).encode("utf-8") + b"\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    deleted = db.session.execute(delete(AuditEntry).where(AuditEntry.at < bound, AuditEntry.id <= last_id),
                                 execution_options={"synchronize_session": False}).rowcount
    if deleted != count:
        db.session.rollback()
        os.unlink(path)
        raise ArchiveError("归档期间审计记录发生变化，已撤销，请重试")
    with open(path, "rb") as written:
        file_hash = hashlib.sha256(written.read()).hexdigest()
    from portal.audit.services import Actor, Target, record
    from portal.vocab import AuditAction

    record(Actor.command_line(), AuditAction.ARCHIVE_AUDIT, Target("audit", None, "审计日志"),
           f"{before.isoformat()} 之前的 {count} 条记录移至 {os.path.basename(path)}（SHA-256 {file_hash}）")
    db.session.commit()
    return path, count


def verify(path: str) -> dict:
    """The trailer of a valid archive; ArchiveError if a byte was changed, a line added or removed, or the file
    was signed with another key."""
    try:
        with open(path, "rb") as archive_file:
            lines = archive_file.read().splitlines(keepends=True)
    except OSError as error:
        raise ArchiveError(f"无法读取 {path}：{error}") from None
    try:
        trailer = json.loads(lines[-1])
        assert trailer["format"] == FORMAT
    except (IndexError, ValueError, KeyError, AssertionError, TypeError):
        raise ArchiveError(f"{path} 不是审计日志归档文件") from None
    key = signing_key()
    signer = hmac.new(key, digestmod="sha256")
    for line in lines[:-1]:
        signer.update(line)
    signer.update(_trailer_body(trailer))
    if not hmac.compare_digest(signer.hexdigest(), str(trailer.get("hmac_sha256", ""))):
        if trailer.get("key_id") != _key_id(key):
            raise ArchiveError("签名无效：此文件不是用本系统当前的审计归档密钥签名的")
        raise ArchiveError("签名无效：归档文件已被修改")
    if len(lines) - 1 != trailer["entries"]:
        raise ArchiveError("签名无效：记录条数与签名不符")
    return trailer


@click.command("archive-audit")
@click.option("--before", "before", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="归档此日期之前的记录（默认：180 天前；不能更晚）")
@click.option("--to", "folder", type=click.Path(file_okay=False), help="归档文件所在文件夹（默认 instance/audit-archive）")
@with_appcontext
def archive_audit_command(before, folder) -> None:
    """Move audit entries older than 180 days to a signed file."""
    try:
        path, count = archive(before.date() if before else None, folder)
    except ArchiveError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"已将 {count} 条审计记录移至 {path}（已签名；用 flask --app wsgi verify-audit-archive 检验）。")


@click.command("verify-audit-archive")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def verify_audit_archive_command(path) -> None:
    """Check an audit archive's signature."""
    try:
        trailer = verify(path)
    except ArchiveError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"签名有效：{trailer['entries']} 条记录，{trailer['before']} 之前，归档于 {trailer['archived_at']}。")
