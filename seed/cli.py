"""flask seed-demo: fill an empty database with the demo province and print its accounts."""
import time

import click
from flask.cli import with_appcontext

from seed import demo


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="数据库已有数据时跳过（make run 使用）")
@with_appcontext
def seed_demo_command(if_empty):
    """生成演示省数据（江苏）：区划、学校、各级演示账号。"""
    if not demo.is_empty():
        if if_empty:
            click.echo("数据库已有数据，跳过演示数据。")
            _print_accounts()
            return
        raise click.ClickException("数据库不是空的；演示数据只能写入空数据库")
    started = time.perf_counter()
    created = demo.seed_demo()
    click.echo(f"演示省已生成：{created['regions']} 个区划，{created['schools']} 所学校，"
               f"{created['accounts']} 个账号（{time.perf_counter() - started:.1f} 秒）")
    _print_accounts()


def _print_accounts():
    click.echo("演示账号（仅供演示：密码和双因素密钥都是公开的，正式使用前必须停用或删除这些账号）：")
    for account in demo.demo_accounts(""):
        click.echo(f"  {account.username:<10} {account.role.label:<4} {account.display_name}")
    click.echo(f"  密码均为 {demo.DEMO_PASSWORD}")
    click.echo(f"  省、市、县和部门演示账号已绑定双因素认证，TOTP 密钥均为 {demo.DEMO_TOTP_SECRET}：")
    click.echo("  在认证器 App 中手动添加该密钥，或运行 "
               f".venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{demo.DEMO_TOTP_SECRET}').now())\" 得到当前验证码")
