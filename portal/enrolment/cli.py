"""flask import-enrolment / rematch / export-library: what the province scripts around the enrolment library."""
import os
import time

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.audit.services import Actor
from portal.enrolment import library, rematch, upload
from portal.enrolment.common import EnrolmentError, term_from
from portal.errors import saving
from portal.extensions import db
from portal.org.models import School
from portal.terms import current_term


def _school(code: str) -> School:
    school = db.session.scalar(select(School).where(School.code == code.strip()))
    if school is None:
        raise click.ClickException(f"学校标识码 {code} 不存在")
    return school


@click.command("import-enrolment")
@click.option("--school", "school_code", help="学校标识码；不写时文件须有“学校标识码”列（多校批量导入）")
@click.option("--term", "term_text", required=True, help="学期，如 2026秋")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_enrolment_command(school_code, term_text, path):
    """导入学籍并立即比对：一所学校（--school），或一个含“学校标识码”列的多校文件。"""
    started = time.perf_counter()
    school = _school(school_code) if school_code else None
    with saving() as saved:
        preview, run = upload.import_file(Actor.command_line(), path, os.path.basename(path), term_from(term_text),
                                          school)
    if isinstance(saved.refusal, upload.RowsRefused):
        for error in saved.refusal.preview.errors[:50]:
            click.echo(f"第 {error.row} 行 {error.column}：{error.reason}", err=True)
    if saved.refusal:
        raise click.ClickException(saved.message)
    click.echo(f"已导入 {preview.schools} 所学校的 {preview.students} 名学生；{upload.outcome_text(run)}"
               f"（{time.perf_counter() - started:.1f} 秒）")


@click.command("rematch")
@click.option("--term", "term_text", help="学期，默认当前学期")
@with_appcontext
def rematch_command(term_text):
    """用最新的基础信息库重新比对全省各校学籍。"""
    term = term_from(term_text) if term_text else current_term()
    try:
        run = rematch.rematch_province(Actor.command_line(), term)
    except EnrolmentError as refusal:
        raise click.ClickException(str(refusal)) from None
    if run.status != "done":
        raise click.ClickException(f"比对失败：{run.error}")
    click.echo(f"{term.label}全省比对完成：{upload.outcome_text(run)}"
               f"（{(run.finished_at - run.started_at).total_seconds():.1f} 秒）")


@click.command("export-library")
@click.option("--school", "school_code", required=True, help="学校标识码")
@click.option("--term", "term_text", required=True, help="学期，如 2026秋")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_library_command(school_code, term_text, path):
    """导出一所学校的就学信息库（xlsx，证件号脱敏）。"""
    school = _school(school_code)
    with saving() as saved:
        content = library.library_xlsx(Actor.command_line(), school, term_from(term_text))
    if saved.refusal:
        raise click.ClickException(saved.message)
    with open(path, "wb") as handle:
        handle.write(content)
    click.echo(f"已导出 {school.name} 的就学信息库到 {path}")
