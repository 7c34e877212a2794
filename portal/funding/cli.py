"""flask import-funding: a school's funded list for one period from the command line, all or nothing;
flask seed-national-projects: the national projects of every stage in the catalogue, and former names put right."""
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.audit.services import Actor
from portal.errors import saving
from portal.extensions import db
from portal.funding import records
from portal.funding.errors import FundingError
from portal.funding.national import seed_national_projects
from portal.org.models import Region, School
from portal.vocab import FundingImportMode, RegionLevel


@click.command("import-funding")
@click.option("--school", "school_code", required=True, help="学校标识码")
@click.option("--period", "period_text", required=True, help="学期（如 2026秋）或中职月份（如 2026-10）")
@click.option("--append", is_flag=True, help="追加到本期名单（不加此项则替换本期名单）")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_funding_command(school_code, period_text, append, path):
    """导入一所学校一个时段的资助名单（全国学生资助管理信息系统导出的文件）。"""
    school = db.session.scalar(select(School).where(School.code == school_code.strip()))
    if school is None:
        raise click.ClickException(f"学校标识码 {school_code} 不存在")
    mode = FundingImportMode.APPEND if append else FundingImportMode.REPLACE
    with saving() as saved:
        period = records.period_for(school, period_text)
        done = records.import_list(Actor.command_line(), school, period, mode.value, path, path)
    if saved.refusal:
        _echo_errors(school, period_text, mode.value, path)
        raise click.ClickException(saved.message)
    click.echo(f"{school.name} {period.label}（{mode.label}）：读取 {done.rows_read} 行，导入 {done.records} 条，"
               f"金额 {done.amount:,.2f} 元，信息不完整 {done.incomplete} 条")


def _echo_errors(school: School, period_text: str, mode: str, path: str) -> None:
    """The row errors, as the web preview lists them (the import stops at the first batch with errors)."""
    from portal.funding import importer

    try:
        found = importer.preview(school, records.period_for(school, period_text), mode, path, path)
    except FundingError:
        return
    for error in found.errors[:50]:
        click.echo(f"第 {error.row} 行 [{error.column}] {error.reason}", err=True)
    if found.errors_total > 50:
        click.echo(f"……共 {found.errors_total} 处错误", err=True)


@click.command("seed-national-projects")
@with_appcontext
def seed_national_projects_command():
    """在资助项目目录中补齐各学段的国家资助项目（已有的不变）。"""
    province = db.session.scalar(select(Region.code).where(Region.level == RegionLevel.PROVINCE.value)
                                 .order_by(Region.code)) or current_app.config["PROVINCE_CODE"] + "0000"
    with saving():
        done = seed_national_projects(Actor.command_line(), province)
    click.echo(f"新增国家资助项目 {done.added} 个；按003附件更名 {done.renamed} 个；学前教育资助改为地方政府资助 {done.localised} 个")
