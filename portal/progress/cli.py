"""flask refresh-progress: work every school's progress rows out again for a term, and take today's snapshot.

Nothing here is needed to keep figures right — every commit refreshes the schools it touched
(portal.progress.touched), and what depends on today's date (the 中职 month being reported, due dates,
overdue) is worked out when the rows are read. Run it daily from cron (e.g. `5 0 * * *`) so the chart of the
term's progress has a point for every day, even a day nobody wrote anything; and once after a deployment that
changes how a figure is counted."""
import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from portal.deadlines import periods, services as deadlines
from portal.errors import saving
from portal.extensions import db
from portal.org.models import School
from portal.progress.history import take_snapshot
from portal.progress.services import refresh_progress
from portal.terms import TermError, current_term, parse_term


@click.command("refresh-progress")
@click.option("--term", "term_label", default=None, help="学期，如 2026秋；默认当前学期")
@click.option("--monthly-only", is_flag=True, help="只刷新按月填报的中职学校")
@with_appcontext
def refresh_progress_command(term_label: str | None, monthly_only: bool):
    """重新计算各学校的进度统计，并记录当天的进度快照（供“学期进度”图表使用）。"""
    try:
        term = parse_term(term_label) if term_label else current_term(deadlines.today())
    except TermError as refusal:
        raise click.BadParameter(str(refusal), param_hint="--term") from None
    schools = select(School.id)
    if monthly_only:
        schools = schools.where(School.stages == periods.VOCATIONAL)
    today = deadlines.today()
    snapshot = term.code == current_term(today).code
    with saving():
        refresh_progress(schools, term.code)
        if snapshot:
            take_snapshot(term, today)
    count = db.session.scalar(select(func.count()).select_from(schools.subquery()))
    click.echo(f"已重新计算 {term.label} {count} 所学校的进度统计。" + ("已记录今日进度快照。" if snapshot else ""))
