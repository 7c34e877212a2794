"""flask import-regions / import-schools: load the registry from a spreadsheet, all or nothing."""
import click
from flask.cli import with_appcontext

from portal.audit.services import Actor
from portal.errors import saving
from portal.org import registry


def _import(kind: str, path: str) -> None:
    with saving() as saved:
        found = registry.preview(kind, path, path)
        if found.errors:
            for error in found.errors[:50]:
                click.echo(f"第 {error.row} 行 [{error.column}] {error.reason}", err=True)
            if len(found.errors) > 50:
                click.echo(f"……共 {len(found.errors)} 处错误", err=True)
            raise click.ClickException(f"文件中有 {len(found.errors)} 处错误，未导入任何数据")
        done = registry.apply(Actor.command_line(), kind, path, path)
    if saved.refusal:
        raise click.ClickException(saved.message)
    click.echo(f"读取 {done.rows_read} 行，导入 {len(done.rows)} 行：新增 {done.new}，更新 {done.changed}")


@click.command("import-regions")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_regions_command(path):
    """导入行政区划（列：区划代码、名称、上级区划代码）。"""
    _import("regions", path)


@click.command("import-schools")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_schools_command(path):
    """导入学校（列：学校标识码、学校名称、所在区划代码、学段、办学性质）。"""
    _import("schools", path)
