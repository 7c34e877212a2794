"""flask import-library: load one category's base-library file from the command line, all or nothing."""
import click
from flask.cli import with_appcontext

from portal.audit.services import Actor
from portal.errors import saving
from portal.library import importer
from portal.vocab import Category

# Administrators script big files: the web upload limit does not apply (the zip-bomb checks still do).
CLI_MAX_BYTES = 1024 * 1024 * 1024
SHOWN_ERRORS = 50


@click.command("import-library")
@click.option("--category", required=True, type=click.Choice(Category.labels()), help="类别")
@click.option("--yes", is_flag=True, help="移出超过当前人数十分之一时仍然导入")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_library_command(category, path, yes):
    """导入一个类别的基础信息库文件（有任何错误时不导入）。"""
    actor = Actor.command_line()
    with saving() as saved:  # the pending batch (its records committed by the writer as they are read)
        found = importer.preview(actor, Category.by_label()[category], path, path, max_bytes=CLI_MAX_BYTES)
    if saved.refusal:
        raise click.ClickException(saved.message)
    if not found.ok:
        for error in found.errors[:SHOWN_ERRORS]:
            click.echo(f"第 {error.row} 行 [{error.column}] {error.reason}", err=True)
        if found.errors_total > SHOWN_ERRORS:
            click.echo(f"……共 {found.errors_total} 处错误", err=True)
        raise click.ClickException(
            f"读取 {found.rows_read} 行，其中 {found.rows_refused} 行有错误（共 {found.errors_total} 处），未导入任何数据")
    pending = found.batch
    if pending.big_removal and not yes:
        with saving():
            importer.cancel(actor, pending.id)
        raise click.ClickException(
            f"{pending.category_label}：本次导入将移出 {pending.removed:,} 人，新增 {pending.added:,} 人，"
            f"当前 {pending.previous.records:,} 人 → 导入后 {pending.records:,} 人；移出超过当前人数的十分之一，"
            f"未导入任何数据。请核对文件，确认无误后加 --yes 重新运行")
    with saving() as saved:
        batch = importer.confirm(actor, pending.id, str(pending.removed))
    if saved.refusal:
        raise click.ClickException(saved.message)
    click.echo(f"{batch.category_label}：读取 {found.rows_read} 行，导入 {batch.records} 人"
               f"（新增 {batch.added}，减少 {batch.removed}，变更 {batch.changed}），批次 #{batch.id} 已替换原有数据")
