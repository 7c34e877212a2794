"""flask refresh-progress: work every school's progress row out again for a term.

Each write keeps the rows of the schools it touched right; what no write marks is time passing. A 中职 school
reports per month, and its reasons figures describe the month being reported at its last change (a month's
report is due in the next month): run this every day (cron, e.g. `5 0 * * *`) and the next month's figures are
there the day after a report falls due, before the school touches anything."""
import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from portal.deadlines import periods, services as deadlines
from portal.extensions import db
from portal.org.models import School
from portal.progress.services import refresh_progress
from portal.terms import TermError, current_term, parse_term


@click.command("refresh-progress")
@click.option("--term", "term_label", default=None, help="学期，如 2026秋；默认当前学期")
@click.option("--monthly-only", is_flag=True, help="只刷新按月填报的中职学校")
@with_appcontext
def refresh_progress_command(term_label: str | None, monthly_only: bool):
    """重新计算各学校的进度统计（每月初运行，使中职学校的本月数据及时更新）。"""
    try:
        term = parse_term(term_label) if term_label else current_term(deadlines.today())
    except TermError as refusal:
        raise click.BadParameter(str(refusal), param_hint="--term") from None
    schools = select(School.id)
    if monthly_only:
        schools = schools.where(School.stages == periods.VOCATIONAL)
    refresh_progress(schools, term.code)
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(schools.subquery()))
    click.echo(f"已重新计算 {term.label} {count} 所学校的进度统计。")
