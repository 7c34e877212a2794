"""The data key's life: `flask rotate-key` re-encrypts every encrypted column (portal.models.ENCRYPTED_COLUMNS)
under a new key while the portal keeps running, and `--retire-old` drops the old keys once nothing needs them."""
import os

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import and_, bindparam, select, update

from portal.errors import saving
from portal.extensions import db
from portal.protect import (KeyConfigError, ProtectedDataError, load_ring, key_source, protector, reload_protector,
                            write_ring)

BATCH = 2000


def encrypted_columns():
    from portal.models import ENCRYPTED_COLUMNS

    return ENCRYPTED_COLUMNS


def _primary_key(column):
    keys = list(column.table.primary_key.columns)
    if len(keys) != 1:
        raise RuntimeError(f"{column.table.name} needs a one-column primary key for rotate-key")
    return keys[0]


def reencrypt(batch: int = BATCH) -> dict[str, int]:
    """Every stored blob not under the ring's first key, decrypted and encrypted again under it, a batch
    of rows at a time (one SELECT, one executemany UPDATE, one transaction per batch). The UPDATE only replaces
    the blob it read: a row a user changed meanwhile keeps the user's value (written under the new key)."""
    done: dict[str, int] = {}
    for column in encrypted_columns():
        table, key = column.table, _primary_key(column)
        name = f"{table.name}.{column.name}"
        done[name], last = 0, None
        statement = (update(table).where(and_(key == bindparam("row_key"), column == bindparam("old_blob")))
                     .values({column.name: bindparam("new_blob")}))
        while True:
            keep = protector()
            query = select(key, column).where(column.is_not(None)).order_by(key).limit(batch)
            if last is not None:
                query = query.where(key > last)
            with saving():  # a transaction per batch: the running portal's writers never wait long
                rows = db.session.execute(query).all()
                if not rows:
                    break
                last = rows[-1][0]
                changes = [{"row_key": row_key, "old_blob": blob, "new_blob": keep.encrypt(keep.decrypt(blob))}
                           for row_key, blob in rows if not keep.is_current(blob)]
                if changes:
                    db.session.execute(statement, changes, execution_options={"synchronize_session": False})
                    done[name] += len(changes)
    return done


def blobs_under_old_keys() -> dict[str, int]:
    """How many stored blobs each column still holds under a key other than the ring's first."""
    keep, found = protector(), {}
    for column in encrypted_columns():
        key, count, last = _primary_key(column), 0, None
        while True:
            query = select(key, column).where(column.is_not(None)).order_by(key).limit(BATCH * 5)
            if last is not None:
                query = query.where(key > last)
            rows = db.session.execute(query).all()
            if not rows:
                break
            last = rows[-1][0]
            count += sum(1 for _row_key, blob in rows if not keep.is_current(blob))
        found[f"{column.table.name}.{column.name}"] = count
    db.session.rollback()  # a read: its transaction ends here, holding no snapshot while the command goes on
    return found


def _key_file() -> str:
    path = key_source(current_app)
    if path is None:
        raise click.ClickException("数据密钥来自环境变量 PORTAL_DATA_KEY，无法在线轮换：请改用密钥文件 "
                                   "（PORTAL_DATA_KEY_FILE），或在环境变量中把新密钥写在旧密钥前面后重启。")
    return path


def start_rotation() -> str:
    """A new key at the head of the ring; the old keys stay readable. Returns the new key's id (hex)."""
    path = _key_file()
    masters, digest_key = load_ring(current_app.instance_path, key_file=path)
    digest_key = protector().digest_key  # digests must not change: every table joins on them
    write_ring(path, [os.urandom(32), *masters], digest_key)
    return reload_protector(current_app).key_id.hex()


def retire_old_keys() -> None:
    path = _key_file()
    remaining = {name: count for name, count in blobs_under_old_keys().items() if count}
    if remaining:
        listed = "、".join(f"{name} {count} 条" for name, count in remaining.items())
        raise click.ClickException(f"仍有数据使用旧密钥加密（{listed}），请先运行 flask rotate-key --resume")
    masters, _digest = load_ring(current_app.instance_path, key_file=path)
    write_ring(path, masters[:1], protector().digest_key)
    reload_protector(current_app)


@click.command("rotate-key")
@click.option("--resume", is_flag=True, help="不生成新密钥，只把仍用旧密钥加密的数据重新加密")
@click.option("--retire-old", is_flag=True, help="确认所有数据都已用新密钥加密后，从密钥环中删去旧密钥")
@with_appcontext
def rotate_key_command(resume: bool, retire_old: bool) -> None:
    """Re-encrypt every encrypted column under a new data key, without stopping the portal."""
    from portal.audit.services import Actor, Target, record
    from portal.vocab import AuditAction

    try:
        if retire_old:
            retire_old_keys()
            with saving():
                record(Actor.command_line(), AuditAction.ROTATE_KEY, Target("data_key", protector().fingerprint,
                                                                              "数据密钥"), "旧密钥已从密钥环删除")
            click.echo("旧密钥已从密钥环中删除。备份中用旧密钥加密的数据需要旧密钥才能读取：请按备份保留期限另行保管旧密钥。")
            return
        if not resume:
            key_id = start_rotation()
            click.echo(f"已生成新数据密钥（编号 {key_id}），旧密钥仍可读取。正在运行的进程将在几秒内改用新密钥。")
        counts = reencrypt()
    except (KeyConfigError, ProtectedDataError) as problem:
        raise click.ClickException(str(problem)) from None
    for name, count in counts.items():
        click.echo(f"  {name}：重新加密 {count} 条")
    with saving():
        record(Actor.command_line(), AuditAction.ROTATE_KEY, Target("data_key", protector().fingerprint, "数据密钥"),
               "重新加密 " + "，".join(f"{name} {count}" for name, count in counts.items()))
    click.echo("完成。确认所有进程已运行几分钟、没有长时间的导入后，运行 flask --app wsgi rotate-key --retire-old 删除旧密钥。")
