"""`flask --app wsgi serve-production`: the one command that serves the portal in production. It first refuses
to start (in Chinese, non-zero exit) on a default or missing SECRET_KEY, a demo account, a data key inside the
data folder, a database not at the migrations' head, or SQLite unless allowed; then starts every process of
processes() (gunicorn with several workers, and the background-job worker) and stops them together."""
import os
import signal
import subprocess
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.engine import make_url

from portal.extensions import db

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Secrets that anyone could know: the README's and the tests' examples, and the usual placeholders.
KNOWN_SECRETS = {"dev", "development", "secret", "changeme", "change-me", "test-secret", "please-change-me",
                 "your-secret-key", "请修改"}
MIN_SECRET_LENGTH = 32
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def processes(bind: str, workers: int) -> list[tuple[str, list[str]]]:
    """THE list of production processes, (name, argv). All start together; when one ends, all are stopped.
    The background-job worker (`flask --app wsgi worker`, portal.jobs) runs once per installation."""
    return [
        ("web", [sys.executable, "-m", "gunicorn", "--chdir", PROJECT_ROOT, "--workers", str(workers),
                 "--bind", bind, "--timeout", "120", "--graceful-timeout", "30", "--access-logfile", "-",
                 "--forwarded-allow-ips", "127.0.0.1", "wsgi:app"]),
        ("worker", [*FLASK, "worker"]),
    ]


def behind_proxies(app: Flask, environ=os.environ) -> Flask:
    """Behind nginx (PORTAL_PROXIES=1, the number of proxies in front): take the client's address and scheme from
    the proxy's X-Forwarded-For / -Proto, so lockouts, throttling and the audit log see the real address."""
    count = int(environ.get("PORTAL_PROXIES", "0") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    return app


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def preflight(app: Flask, environ=os.environ, allow_sqlite: bool = False) -> list[str]:
    """What forbids serving this app in production, one Chinese sentence each (empty: it may start)."""
    from portal.protect import key_source

    problems = []
    secret = app.config.get("SECRET_KEY") or ""
    if not (environ.get("SECRET_KEY") or "").strip():  # else the app made one in its data folder
        problems.append("未设置 SECRET_KEY 环境变量：请设置至少 32 个字符的随机值"
                        "（python -c \"import secrets; print(secrets.token_hex(32))\"）。")
    elif secret.strip().lower() in KNOWN_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY 是默认值或过短：请设置至少 {MIN_SECRET_LENGTH} 个字符的随机值。")

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    data_folders = [app.instance_path]
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            data_folders.append(os.path.dirname(os.path.abspath(url.database)))
        if not (allow_sqlite or environ.get("PORTAL_ALLOW_SQLITE") == "1"):
            problems.append("生产环境应使用 PostgreSQL：请设置 DATABASE_URL（见 README 的 Production 一节，"
                            "flask --app wsgi copy-to 可迁移现有数据）；确需使用 SQLite 时加 --allow-sqlite。")
    key_file = key_source(app)
    if key_file is not None and any(_inside(key_file, folder) for folder in data_folders):
        problems.append(f"数据密钥文件 {key_file} 位于数据文件夹内，会随数据一起被复制和备份：请用环境变量 "
                        "PORTAL_DATA_KEY，或用 PORTAL_DATA_KEY_FILE 指向数据文件夹以外的文件。")

    with app.app_context():
        problems += _database_problems()
    return problems


def _database_problems() -> list[str]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from portal.accounts.models import User
    from seed.demo import demo_accounts

    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:  # noqa: BLE001  (any connection failure is reported, never a traceback)
        return [f"无法连接数据库：{error.__class__.__name__}: {str(error).splitlines()[0][:200]}"]
    migrations = current_app.extensions["migrate"].directory
    heads = set(ScriptDirectory(migrations).get_heads())
    if current != heads:
        return ["数据库结构不是最新版本：请先运行 flask --app wsgi db upgrade。"]
    demo_names = [account.username for account in demo_accounts("")]
    present = db.session.scalars(select(User.username).where(User.username.in_(demo_names))).all()
    db.session.remove()
    if present:
        return [f"数据库中有演示账号（{'、'.join(present)}），其密码和验证码是公开的：请删除演示数据，"
                "在新的空数据库上部署。"]
    return []


def run_processes(commands: list[tuple[str, list[str]]]) -> int:
    """Start every process; forward SIGTERM/SIGINT (and SIGHUP to gunicorn); when one ends, stop the rest.
    Exit code: 0 when stopped by a signal (each child may end its own way then: the worker by SIGTERM itself),
    else the code of the process that ended first."""
    children = [(name, subprocess.Popen(argv, cwd=PROJECT_ROOT)) for name, argv in commands]
    stopping = []

    def forward(signum, _frame):
        if signum != signal.SIGHUP:
            stopping.append(signum)
        for name, child in children:  # HUP: gunicorn replaces its workers gracefully; the others ignore it
            if child.poll() is None and (signum != signal.SIGHUP or name == "web"):
                child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    try:
        while True:
            for name, child in children:
                try:
                    code = child.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    continue
                if stopping:
                    return 0
                click.echo(f"进程 {name} 已退出（{code}），正在停止其余进程。", err=True)
                return code if code else 0
    finally:
        for _name, child in children:
            if child.poll() is None:
                child.terminate()
        for _name, child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()


@click.command("serve-production")
@click.option("--bind", default=lambda: os.environ.get("PORTAL_BIND", "127.0.0.1:8000"), show_default="127.0.0.1:8000",
              help="gunicorn 监听地址（放在 nginx 之后）")
@click.option("--workers", type=int, default=lambda: int(os.environ.get("PORTAL_WORKERS", "4")), show_default="4",
              help="gunicorn 工作进程数")
@click.option("--allow-sqlite", is_flag=True, help="允许使用 SQLite（单机小规模部署）")
@click.option("--check", is_flag=True, help="只做启动前检查，不启动")
@with_appcontext
def serve_production_command(bind: str, workers: int, allow_sqlite: bool, check: bool) -> None:
    """Serve the portal in production: preflight checks, then gunicorn (and the worker)."""
    problems = preflight(current_app._get_current_object(), allow_sqlite=allow_sqlite)
    if problems:
        click.echo("拒绝启动生产服务：", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(2)
    if check:
        click.echo("启动前检查通过。")
        return
    commands = processes(bind, max(1, workers))
    click.echo("启动：" + "；".join(name for name, _argv in commands) + f"，监听 {bind}")
    sys.exit(run_processes(commands))
