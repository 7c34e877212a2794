"""`flask backup DEST` and `flask restore SRC`: a consistent copy of the database taken while the portal keeps
writing (SQLite's online backup API; pg_dump's snapshot on PostgreSQL), and putting one back.

A backup never contains the data key (it lives in the environment or in PORTAL_DATA_KEY_FILE, outside the data
folder): keep the two apart, so that a stolen backup alone reveals no ID or bank-card number."""
import os
import shutil
import sqlite3
import subprocess

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.engine import URL

from portal.extensions import db


class BackupError(RuntimeError):
    """A Chinese message for the operator."""


def _libpq(url: URL) -> tuple[str, dict]:
    """A libpq connection URL for pg_dump/pg_restore, and the environment carrying the password (never argv)."""
    environ = dict(os.environ)
    if url.password:
        environ["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), environ


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}：请安装与数据库服务器同版本的 PostgreSQL 客户端工具")
    return found


def _private_file(path: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(descriptor)
    os.chmod(path, 0o600)


def backup_to(destination: str) -> str:
    """Copy the database to `destination` (a new file, readable by its owner only). Returns the method used."""
    destination = os.path.abspath(destination)
    if os.path.exists(destination):
        raise BackupError(f"{destination} 已存在：备份不会覆盖已有文件")
    os.makedirs(os.path.dirname(destination), exist_ok=True)
    url = db.engine.url
    partial = destination + ".partial"
    _private_file(partial)
    try:
        if url.get_backend_name() == "sqlite":
            # One step of the backup API reads one snapshot of the database; in WAL mode writers go on meanwhile.
            source = db.engine.raw_connection()
            try:
                target = sqlite3.connect(partial)
                try:
                    source.driver_connection.backup(target)
                finally:
                    target.close()
            finally:
                source.close()
            method = "SQLite 在线备份"
        elif url.get_backend_name() == "postgresql":
            conninfo, environ = _libpq(url)
            # pg_dump reads one repeatable-read snapshot: a consistent copy while users keep writing.
            finished = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", partial, conninfo],
                                      env=environ, capture_output=True, text=True)
            if finished.returncode != 0:
                raise BackupError(f"pg_dump 失败：{finished.stderr.strip()}")
            method = "pg_dump"
        else:
            raise BackupError(f"不支持备份 {url.get_backend_name()} 数据库")
        os.replace(partial, destination)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return method


def restore_from(source: str) -> str:
    """Replace the database's contents with a backup made by backup_to()."""
    source = os.path.abspath(source)
    if not os.path.isfile(source):
        raise BackupError(f"找不到备份文件 {source}")
    url = db.engine.url
    db.session.remove()
    if url.get_backend_name() == "sqlite":
        try:
            backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            backup.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            raise BackupError(f"{source} 不是本系统的 SQLite 备份文件") from None
        live = db.engine.raw_connection()
        try:
            backup.backup(live.driver_connection)  # page by page into the live file, under its write lock
        finally:
            live.close()
            backup.close()
        db.engine.dispose()
        return "SQLite 在线恢复"
    if url.get_backend_name() == "postgresql":
        conninfo, environ = _libpq(url)
        db.engine.dispose()  # no idle connection of ours holds a lock on a table pg_restore replaces
        finished = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                                   "--dbname", conninfo, source], env=environ, capture_output=True, text=True)
        if finished.returncode != 0:
            raise BackupError(f"pg_restore 失败（数据库未改变）：{finished.stderr.strip()[-2000:]}")
        return "pg_restore"
    raise BackupError(f"不支持恢复 {url.get_backend_name()} 数据库")


def readable_with_current_key() -> bool | None:
    """Whether a stored encrypted value decrypts under this installation's key (None: nothing encrypted yet)."""
    from portal.models import ENCRYPTED_COLUMNS
    from portal.protect import ProtectedDataError, protector

    for column in ENCRYPTED_COLUMNS:
        blob = db.session.scalar(select(column).where(column.is_not(None)).limit(1))
        if blob is not None and blob != b"-":
            try:
                protector().decrypt(blob)
                return True
            except ProtectedDataError:
                return False
    return None


def _audit(action, detail: str) -> None:
    from portal.audit.services import Actor, Target, record
    from portal.errors import saving

    with saving():
        record(Actor.command_line(), action, Target("database", None, "数据库"), detail)


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(destination: str) -> None:
    """Take a consistent copy of the database while the portal keeps running."""
    from portal.vocab import AuditAction

    try:
        method = backup_to(destination)
    except BackupError as problem:
        raise click.ClickException(str(problem)) from None
    _audit(AuditAction.BACKUP, f"{method} → {os.path.basename(destination)}")
    click.echo(f"已备份到 {destination}（{method}，文件仅所有者可读）。")
    click.echo("备份中不含数据密钥：请把密钥与备份分开保管（见 README 的 Security 一节）。")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="不再询问，直接恢复")
@with_appcontext
def restore_command(source: str, yes: bool) -> None:
    """Put a backup back: the database's current contents are replaced."""
    from portal.vocab import AuditAction

    if not yes:
        click.confirm(f"将用备份 {source} 替换当前数据库的全部内容，备份之后的修改都会丢失。确定恢复吗？", abort=True)
    try:
        method = restore_from(source)
    except BackupError as problem:
        raise click.ClickException(str(problem)) from None
    _audit(AuditAction.RESTORE, f"{method} ← {os.path.basename(source)}")
    click.echo(f"已从 {source} 恢复（{method}）。如备份来自旧版本，请再运行 flask --app wsgi db upgrade。")
    if readable_with_current_key() is False:
        click.echo("警告：备份中的加密数据不能用当前数据密钥解密，请配置备份时使用的密钥。", err=True)


