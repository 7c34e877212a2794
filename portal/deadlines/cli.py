"""flask seed-deadlines: the reference data every install needs (003's deadline calendar and the standard
unfunded reasons). Idempotent: rows already there, edited or not, are kept."""
import click
from flask.cli import with_appcontext

from portal.audit.services import Actor
from portal.deadlines.services import seed_deadlines
from portal.errors import saving
from portal.reasons.options import seed_options


def seed_reference_data(actor: Actor) -> tuple[int, int]:
    """(deadline rows added, reasons added), in the caller's transaction."""
    return seed_deadlines(actor), seed_options(actor)


@click.command("seed-deadlines")
@with_appcontext
def seed_deadlines_command():
    """初始化截止日期表（003 附件）和未资助原因列表；已有的（含省级修改过的）保留不变。"""
    with saving():
        deadlines, reasons = seed_reference_data(Actor.command_line())
    click.echo(f"截止日期表新增 {deadlines} 条，未资助原因新增 {reasons} 项（已有的保持不变）。")
