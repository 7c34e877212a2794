"""python -m load [--only postgresql|sqlite]: the crowd against each database in turn (see load/__init__.py).

Environment: LOAD_DATABASE_URL, the PostgreSQL database to create afresh (dropped first if it exists, and at the
end; default postgresql+psycopg://postgres@127.0.0.1:5432/portal_load); LOAD_PORT (default 5050, on 127.0.0.1
only); LOAD_WORKERS, gunicorn's workers (default 4, as serve-production); LOAD_JOBS_URL, the job queue for the
PostgreSQL run (e.g. redis://127.0.0.1:6379/0; unset, a SQLite queue in the run's temporary folder)."""
import argparse
import base64
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from load import crowd, province

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_load"
START_SECONDS = 90
ACCESS_MARK = "load-access"
TRIVIAL_PATH = "/password"


def _say(line: str) -> None:
    print(f"# {line}", flush=True)


def _fresh_postgresql(url: str, drop_only: bool = False) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        if not drop_only:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


def _prepare(database: str, secret: str, data_key: str, instance: str) -> dict:
    """Schema at the migrations' head, reference data and the province, in this process."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.terms import current_term

    logging.disable(logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": secret, "PORTAL_DATA_KEY": data_key},
                     instance_path=instance)
    with app.app_context():
        upgrade()
        accounts = province.seed(current_term().code)
        db.engine.dispose()
    logging.disable(logging.NOTSET)
    return accounts


def _lost_writes(database: str, secret: str, data_key: str, instance: str, tally: crowd.Tally) -> int:
    """Acknowledged writes not found in the database as acknowledged: reasons per student, review status per
    school (the last acknowledged step of each; one user at a time acts on a school's submission)."""
    from sqlalchemy import text

    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": secret, "PORTAL_DATA_KEY": data_key},
                     instance_path=instance)
    with app.app_context():
        stored = dict(db.session.execute(text("SELECT student_id, reason_code FROM unfunded_reason")).all())
        statuses = dict(db.session.execute(text(
            "SELECT school_id, status FROM period_submission WHERE kind = 'reasons'")).all())
        db.session.remove()
        db.engine.dispose()
    lost = sum(stored.get(student) != code for student, code in tally.reasons.items())
    return lost + sum(statuses.get(school) != status for school, status in tally.statuses.items())


def _wait_until_serving(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"load: serve-production ended ({server.returncode}); see its log")
        try:
            with urllib.request.urlopen(base + "/login", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("load: the server did not answer in time")


def _served(log_path: str) -> tuple[list[float], list[float]]:
    """Seconds each request spent inside a gunicorn worker (not waiting for one): (crowd, trivial route)."""
    crowd_times, trivial = [], []
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            parts = line.split()
            if len(parts) == 5 and parts[0] == ACCESS_MARK and parts[4].isdigit():
                (trivial if parts[2] == TRIVIAL_PATH else crowd_times).append(int(parts[4]) / 1e6)
    return crowd_times, trivial


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")


def run_backend(backend: str, port: int, workers: int) -> dict[str, float]:
    folder = tempfile.mkdtemp(prefix=f"portal-load-{backend}-")
    instance = os.path.join(folder, "instance")
    secret = secrets.token_hex(32)
    data_key = base64.b64encode(os.urandom(32)).decode()
    if backend == "postgresql":
        database = os.environ.get("LOAD_DATABASE_URL") or DEFAULT_DATABASE
        _fresh_postgresql(database)
    else:
        database = "sqlite:///" + os.path.join(folder, "portal.db")
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("PORTAL_DATA_KEY_FILE", "PORTAL_JOBS_URL", "FLASK_APP", "PORTAL_PROXIES")}
    environment.update(DATABASE_URL=database, SECRET_KEY=secret, PORTAL_DATA_KEY=data_key,
                       PORTAL_INSTANCE_PATH=instance,
                       # the access log with each request's time inside the worker (µs), read back by _served()
                       GUNICORN_CMD_ARGS=f"--access-logformat '{ACCESS_MARK} %(m)s %(U)s %(s)s %(D)s'")
    if backend == "postgresql" and os.environ.get("LOAD_JOBS_URL"):
        environment["PORTAL_JOBS_URL"] = os.environ["LOAD_JOBS_URL"]
    server, log = None, open(os.path.join(folder, "serve.log"), "w")
    try:
        started = time.monotonic()
        accounts = _prepare(database, secret, data_key, instance)
        _say(f"{backend}: database migrated and seeded in {time.monotonic() - started:.0f} s "
             f"({len(accounts['schools'])} school users, one county, one probe)")
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "serve-production", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(workers), *(["--allow-sqlite"] if backend == "sqlite" else [])]
        server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(base, server)
        started = time.monotonic()
        tally = crowd.run(base, accounts, province.PASSWORD, province.TOTP_SECRET)
        _say(f"{backend}: crowd done in {time.monotonic() - started:.0f} s; {tally.finished} of "
             f"{len(accounts['schools'])} school users finished; {len(tally.reasons)} reasons and "
             f"{len(tally.statuses)} review steps acknowledged")
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        server = None
        lost = _lost_writes(database, secret, data_key, instance, tally)
        for error in tally.errors[:10]:
            _say(f"{backend} error: {error}")
        crowd_p95, trivial_p95 = _p95(tally.crowd), _p95(tally.trivial)
        log.flush()
        served_crowd, served_trivial = _served(log.name)
        seconds = max(tally.last - tally.first, 1e-9)
        return {
            f"load_errors_{backend}": len(tally.errors),
            f"load_lost_writes_{backend}": lost,
            f"load_p95_ratio_{backend}": crowd_p95 / trivial_p95,
            f"load_throughput_{backend}": (len(tally.crowd) + len(tally.trivial)) / seconds,
            f"load_requests_{backend}": len(tally.crowd),
            f"load_p95_ms_{backend}": crowd_p95 * 1000,
            f"load_trivial_p95_ms_{backend}": trivial_p95 * 1000,
            # the same ratio from the time inside the workers only: what the routes cost, without the queue
            f"load_served_p95_ratio_{backend}": _p95(served_crowd) / _p95(served_trivial),
            f"load_served_p95_ms_{backend}": _p95(served_crowd) * 1000,
            f"load_served_trivial_p95_ms_{backend}": _p95(served_trivial) * 1000,
            f"load_unfinished_users_{backend}": len(accounts["schools"]) - tally.finished,
        }
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()
        if os.environ.get("LOAD_KEEP"):
            _say(f"{backend}: kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            if backend == "postgresql":
                _fresh_postgresql(database, drop_only=True)


def main() -> int:
    parser = argparse.ArgumentParser(description="the deadline-day crowd against gunicorn + each database")
    parser.add_argument("--only", choices=("postgresql", "sqlite"))
    args = parser.parse_args()
    port, workers = int(os.environ.get("LOAD_PORT", "5050")), int(os.environ.get("LOAD_WORKERS", "4"))
    for backend in [args.only] if args.only else ["postgresql", "sqlite"]:
        for figure, value in run_backend(backend, port, workers).items():
            print(f"{figure} {value:.3f}" if isinstance(value, float) else f"{figure} {value}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
