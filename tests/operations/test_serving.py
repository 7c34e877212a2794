"""Issue 16.2: `flask --app wsgi serve-production` refuses to start on each unsafe setting (in Chinese, non-zero
exit), and otherwise serves the login page through gunicorn."""
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from factories import make_user
from portal import protect
from portal.extensions import db
from portal.serving import PROJECT_ROOT, preflight, processes
from portal.vocab import Role

GOOD_SECRET = "f" * 20 + "0123456789abcdef0123"
SQLITE = {"allow_sqlite": True}


@pytest.fixture
def production_ready(app):
    """The test app with a long secret; the key is in the configuration (as from the environment)."""
    saved = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = GOOD_SECRET
    yield app
    app.config["SECRET_KEY"] = saved


def test_a_ready_app_passes(production_ready):
    assert preflight(production_ready, environ={"SECRET_KEY": GOOD_SECRET}, **SQLITE) == []


def test_missing_or_default_secret_key_is_refused(production_ready):
    app = production_ready
    app.config["SECRET_KEY"] = "test-secret"
    [problem] = preflight(app, environ={"SECRET_KEY": "test-secret"}, **SQLITE)
    assert "SECRET_KEY 是默认值或过短" in problem
    app.config["SECRET_KEY"] = "short-but-random-9f8e"
    assert "SECRET_KEY" in preflight(app, environ={"SECRET_KEY": "short-but-random-9f8e"}, **SQLITE)[0]
    # no SECRET_KEY in the environment: the app made one in its data folder, which production refuses
    app.config["SECRET_KEY"] = GOOD_SECRET
    [problem] = preflight(app, environ={}, **SQLITE)
    assert "未设置 SECRET_KEY 环境变量" in problem


def test_a_demo_account_is_refused(production_ready, world):
    make_user(Role.PROVINCE, username="sheng", region=world.province)
    db.session.commit()
    [problem] = preflight(production_ready, environ={"SECRET_KEY": GOOD_SECRET}, **SQLITE)
    assert "演示账号（sheng）" in problem


def test_a_key_inside_the_data_folder_is_refused(production_ready, tmp_path):
    app = production_ready
    inside = os.path.join(app.instance_path, "data.key")
    outside = tmp_path / "elsewhere" / "portal.key"
    outside.parent.mkdir()
    outside.write_text(protect.format_ring([os.urandom(32)], None))
    saved = dict(app.config)
    try:
        app.config.update(PORTAL_DATA_KEY=None, PORTAL_DATA_KEY_FILE=inside)
        protect.init_protector(app)
        [problem] = preflight(app, environ={"SECRET_KEY": GOOD_SECRET}, **SQLITE)
        assert "位于数据文件夹内" in problem
        app.config.update(PORTAL_DATA_KEY_FILE=str(outside))
        protect.init_protector(app)
        assert preflight(app, environ={"SECRET_KEY": GOOD_SECRET}, **SQLITE) == []
    finally:
        app.config.update(saved)
        protect.init_protector(app)
        if os.path.exists(inside) and app.config["PORTAL_DATA_KEY"]:
            os.unlink(inside)


def test_sqlite_is_refused_unless_allowed(production_ready):
    problems = preflight(production_ready, environ={"SECRET_KEY": GOOD_SECRET})
    if production_ready.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert len(problems) == 1 and "生产环境应使用 PostgreSQL" in problems[0]
        assert preflight(production_ready, environ={"SECRET_KEY": GOOD_SECRET, "PORTAL_ALLOW_SQLITE": "1"}) == []
    else:
        assert problems == []


def test_the_command_refuses_in_chinese_with_a_non_zero_exit(app):
    result = app.test_cli_runner().invoke(args=["serve-production", "--check"], env={"SECRET_KEY": "dev"})
    assert result.exit_code == 2
    assert "拒绝启动生产服务" in result.output and "SECRET_KEY 是默认值或过短" in result.output


def test_one_list_of_processes_starts_gunicorn_with_several_workers():
    [(name, argv)] = [command for command in processes("127.0.0.1:9", 3) if command[0] == "web"]
    assert "gunicorn" in argv and argv[argv.index("--workers") + 1] == "3" and argv[-1] == "wsgi:app"
    [(_, worker)] = [command for command in processes("127.0.0.1:9", 3) if command[0] == "worker"]
    assert worker[-3:] == ["--app", "wsgi", "worker"]  # one background-job worker beside gunicorn


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_the_login_page(app, tmp_path):
    """The real command, in a subprocess, on a free port: preflight, gunicorn, the login page, then stopped."""
    port = _free_port()
    url = app.config["SQLALCHEMY_DATABASE_URI"]  # the test database, upgraded by the fixtures
    environ = {**os.environ, "SECRET_KEY": GOOD_SECRET, "DATABASE_URL": url, "PORTAL_INSTANCE_PATH": str(tmp_path),
               "PORTAL_DATA_KEY": app.config["PORTAL_DATA_KEY"], "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "flask", "--app", "wsgi", "serve-production", "--bind", f"127.0.0.1:{port}",
            "--workers", "2"] + (["--allow-sqlite"] if url.startswith("sqlite") else [])
    server = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        deadline, page = time.monotonic() + 120, None  # a loaded two-core machine boots workers slowly
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=20) as response:
                    page = (response.status, response.read().decode("utf-8"))
                    break
            except OSError:
                time.sleep(0.3)
        assert page is not None, server.communicate(timeout=5)[0] if server.poll() is not None else "no answer"
        assert page[0] == 200 and "登录" in page[1] and "密码" in page[1]
    finally:
        server.terminate()
        output = server.communicate(timeout=40)[0]
    assert "Booting worker" in output and "gunicorn" in output.lower()
    assert server.returncode == 0


def test_behind_nginx_the_audit_log_sees_the_clients_address(app, world):
    from portal.audit.models import AuditEntry
    from portal.serving import behind_proxies

    saved = app.wsgi_app
    try:
        behind_proxies(app, environ={"PORTAL_PROXIES": "1"})
        app.test_client().post("/login", data={"username": "nobody", "password": "Wrong-pass-1"},
                               environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "10.20.30.40"})
    finally:
        app.wsgi_app = saved
    from sqlalchemy import select

    assert db.session.scalar(select(AuditEntry.ip).where(AuditEntry.action == "login_failed")) == "10.20.30.40"
