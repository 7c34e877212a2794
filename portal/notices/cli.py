"""`flask print-notices`: a school's notices as one PDF, for an office that prints in bulk."""
import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.audit.services import Actor
from portal.enrolment.library import LibraryFilter
from portal.errors import saving
from portal.extensions import db
from portal.notices import services
from portal.notices.pdf import render_notices_pdf
from portal.org.models import School
from portal.terms import TermError, current_term, parse_term


@click.command("print-notices")
@click.option("--school", "code", required=True, help="学校标识码")
@click.option("--class", "class_name", default="", help="只打印这个班级")
@click.option("--grade", default="", help="只打印这个年级")
@click.option("--term", "term_text", default="", help="学期，如 2026秋（默认本学期）")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def print_notices_command(code: str, class_name: str, grade: str, term_text: str, out: str) -> None:
    """把一所学校的资助政策告知书（每名学生一页，含回执）生成一个 PDF 文件 OUT。"""
    school = db.session.scalar(select(School).where(School.code == code))
    if school is None:
        raise click.ClickException(f"没有学校标识码为 {code} 的学校")
    try:
        term = parse_term(term_text) if term_text else current_term()
    except TermError as refusal:
        raise click.ClickException(str(refusal)) from None
    selection = services.Selection(LibraryFilter(class_name=class_name.strip(), grade=grade.strip()))

    def progress(done: int, total: int) -> None:
        click.echo(f"已生成 {done}/{total}", err=True)

    count = render_notices_pdf(school, term, selection, out, progress)
    with saving():
        services.record_printing(Actor.command_line(), school, term, selection, count, f"命令行PDF {out}")
    if count == 0:
        raise click.ClickException(f"{school.name}{term.label}所选范围内没有学生（{out} 只有一页说明）")
    click.echo(f"{school.name}{term.label}资助政策告知书：{count} 页，已写入 {out}")
