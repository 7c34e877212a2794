"""`flask --app wsgi copy-to URL`: copy every table of this database (SQLite, typically) into an empty database
at URL (PostgreSQL, typically) that `flask db upgrade` has prepared. Set-based: batches of rows read in key order
and written with one multi-row INSERT each, all inside one transaction on the target (all or nothing)."""
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db

BATCH = 5000


class CopyError(RuntimeError):
    """A Chinese message for the operator."""


def _heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())


def _version(connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())


def copy_to(url: str, batch: int = BATCH, echo=lambda line: None) -> dict[str, int]:
    """Copy every table into the empty, upgraded database at `url`. Returns rows copied per table."""
    tables = db.metadata.sorted_tables  # parents before children
    target_engine = create_engine(url)
    heads = _heads()
    try:
        with db.engine.connect() as source, target_engine.begin() as target:
            if _version(source) != heads:
                raise CopyError("本数据库的结构不是最新版本：请先运行 flask --app wsgi db upgrade")
            if _version(target) != heads:
                raise CopyError("目标数据库尚未建好结构：请先对目标数据库运行 "
                                "DATABASE_URL=<目标地址> flask --app wsgi db upgrade")
            known = {table.name for table in tables} | {"alembic_version"}
            unknown = set(inspect(source).get_table_names()) - known
            if unknown:
                raise CopyError(f"本数据库中有未知的表（{'、'.join(sorted(unknown))}），未复制任何数据")
            for table in tables:
                if target.execute(select(func.count()).select_from(table)).scalar():
                    raise CopyError(f"目标数据库不是空的（{table.name} 已有数据）：请使用新建并升级好的空数据库")
            if target.dialect.name == "postgresql":
                # self-references (regions, accounts) in any order; needs a superuser, else key order suffices
                with target.begin_nested() as savepoint:
                    try:
                        target.execute(text("SET LOCAL session_replication_role = replica"))
                    except SQLAlchemyError:
                        savepoint.rollback()
            # the source's reads all run in the one transaction its first query began: a consistent snapshot
            copied = {}
            for table in tables:
                order = list(table.primary_key.columns) or list(table.columns)
                copied[table.name], last = 0, None
                while True:
                    query = select(table).order_by(*order).limit(batch)
                    if last is not None and len(order) == 1:
                        query = query.where(order[0] > last)
                    elif last is not None:
                        query = query.offset(copied[table.name])
                    rows = [dict(row) for row in source.execute(query).mappings()]
                    if not rows:
                        break
                    target.execute(insert(table), rows)
                    copied[table.name] += len(rows)
                    last = rows[-1][order[0].name]
                echo(f"  {table.name}：{copied[table.name]} 行")
            for table in tables:  # the same counts on both sides, or nothing is kept
                if target.execute(select(func.count()).select_from(table)).scalar() != copied[table.name]:
                    raise CopyError(f"{table.name} 的行数在复制后不一致，已撤销")
            if target.dialect.name == "postgresql":
                for table in tables:
                    keys = list(table.primary_key.columns)
                    if len(keys) == 1 and keys[0].type.python_type is int:
                        target.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{keys[0].name}'), "
                            f"coalesce(max({keys[0].name}), 1), max({keys[0].name}) IS NOT NULL) FROM {table.name}"))
            from portal.audit.models import AuditEntry

            target.execute(insert(AuditEntry.__table__).values(
                at=func.now(), actor_name="命令行", action="copy_database", target_type="database",
                target_label="数据库", ip="cli",
                detail=f"从 {db.engine.url.get_backend_name()} 复制 {sum(copied.values())} 行"))
            source.rollback()
    except SQLAlchemyError as error:
        raise CopyError(f"复制失败，目标数据库未改变：{str(error).splitlines()[0][:300]}") from None
    finally:
        target_engine.dispose()
    return copied


@click.command("copy-to")
@click.argument("url")
@click.option("--batch", type=int, default=BATCH, show_default=True, help="每批复制的行数")
@with_appcontext
def copy_to_command(url: str, batch: int) -> None:
    """Copy every table into an empty, upgraded database (e.g. from SQLite to PostgreSQL)."""
    try:
        target = make_url(url)
    except Exception:  # noqa: BLE001
        raise click.ClickException("数据库地址格式不正确，例如 postgresql+psycopg://用户@主机:5432/库名") from None
    click.echo(f"复制到 {target.render_as_string(hide_password=True)}：")
    try:
        copied = copy_to(url, batch, echo=click.echo)
    except CopyError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"完成：共 {sum(copied.values())} 行。把 DATABASE_URL 改为目标地址，数据密钥保持不变。")
