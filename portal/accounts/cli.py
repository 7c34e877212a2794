"""flask create-user: make an account from the command line (the first province account, say);
flask reset-second-factor: when nobody above can reset it from the web."""
import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.accounts import second_factor, services
from portal.accounts.models import User
from portal.audit.services import Actor
from portal.errors import saving
from portal.extensions import db
from portal.vocab import Department, Role


@click.command("create-user")
@click.option("--username", required=True, help="用户名")
@click.option("--name", "display_name", default="", help="姓名或单位")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True, help="账号层级")
@click.option("--region", "region_code", help="市、县账号的区划代码（省级账号为省代码）")
@click.option("--school", "school_code", help="学校账号的学校标识码")
@click.option("--department", type=click.Choice([d.value for d in Department]), help="部门账号的部门")
@click.option("--password", help="初始密码（不填则随机生成）；首次登录须修改")
@with_appcontext
def create_user_command(username, display_name, role, region_code, school_code, department, password):
    """创建账号。"""
    with saving() as saved:
        user, initial = services.create_user(
            Actor.command_line(), None, username=username, display_name=display_name or username, role=role,
            region_code=region_code, school_code=school_code, department=department, password=password)
    if saved.refusal:
        raise click.ClickException(saved.message)
    click.echo(f"已创建{user.role_label}账号 {user.username}（{user.unit_name}），初始密码：{initial}（首次登录须修改）")


@click.command("reset-second-factor")
@click.argument("username")
@with_appcontext
def reset_second_factor_command(username):
    """重置账号的双因素认证（例如唯一的省级管理员丢失了手机和恢复码）；下次登录时重新绑定。"""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"账号 {username} 不存在")
    with saving():
        second_factor.reset(Actor.command_line(), user)
    click.echo(f"已重置 {username} 的双因素认证，其登录会话已全部结束；下次登录时须重新绑定认证器")
