"""特殊困难学生就学信息库: the provincial student-aid portal. create_app() builds it."""
import os
import secrets

from flask import Flask
from sqlalchemy import event

from portal.config import Config, https_cookies
from portal.extensions import csrf, db, htmx, login_manager, migrate


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    # The data folder: instance/ beside the code unless PORTAL_INSTANCE_PATH names another (production).
    instance_path = instance_path or (os.path.abspath(os.environ["PORTAL_INSTANCE_PATH"])
                                      if os.environ.get("PORTAL_INSTANCE_PATH") else None)
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_object(Config)
    if test_config:
        app.config.update(test_config)
    https_cookies(app.config)
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)  # the data folder: its owner alone
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"] or (
        "sqlite:///" + os.path.join(app.instance_path, "portal.db")
    )
    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or _instance_secret(app.instance_path)
    from portal.converters import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route: <int:id> stops at 2**31-1

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)

    from portal import models, protect  # noqa: F401  (models: every table registered before migrations run)
    from portal.jobs import all_kinds, queue

    protect.init_protector(app)
    from portal.progress import touched

    touched.install(db.session.session_factory.class_)  # progress rows refreshed before every commit
    queue.init_app(app)
    all_kinds.register_all()
    from portal import uploads

    uploads.sweep(app.instance_path)  # uploads left over an hour (a refused file never confirmed) go at start
    _register_blueprints(app)
    _register_commands(app)
    from portal import web

    web.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Each domain makes its blueprint in its package; blueprint() imports its route modules onto it."""
    from portal import (accounts, audit, deadlines, enrolment, funding, home, jobs, library, notices, org, oversight,
                        reasons, review)

    for domain in (accounts, audit, home, org, deadlines, reasons, review, funding, enrolment, library, oversight,
                   notices, jobs):
        app.register_blueprint(domain.blueprint())


def _register_commands(app: Flask) -> None:
    from portal.accounts.cli import create_user_command, reset_second_factor_command
    from portal.org.cli import import_regions_command, import_schools_command
    from seed.cli import seed_demo_command

    for command in (create_user_command, reset_second_factor_command, import_regions_command, import_schools_command,
                    seed_demo_command):
        app.cli.add_command(command)
    from portal.deadlines.cli import seed_deadlines_command

    app.cli.add_command(seed_deadlines_command)
    from portal.funding.cli import import_funding_command, seed_national_projects_command

    app.cli.add_command(import_funding_command)
    app.cli.add_command(seed_national_projects_command)
    from portal.enrolment.cli import export_library_command, import_enrolment_command, rematch_command

    for command in (import_enrolment_command, rematch_command, export_library_command):
        app.cli.add_command(command)
    from portal.library.cli import import_library_command
    from portal.progress.cli import refresh_progress_command
    from portal.uploads import sweep_uploads_command

    app.cli.add_command(sweep_uploads_command)

    app.cli.add_command(import_library_command)
    app.cli.add_command(refresh_progress_command)
    from portal.notices.cli import print_notices_command

    app.cli.add_command(print_notices_command)
    from portal.audit.archive import archive_audit_command, verify_audit_archive_command
    from portal.backup import backup_command, restore_command
    from portal.keys import rotate_key_command

    from portal.copy_db import copy_to_command
    from portal.serving import serve_production_command

    for command in (rotate_key_command, backup_command, restore_command, archive_audit_command,
                    verify_audit_archive_command, serve_production_command, copy_to_command):
        app.cli.add_command(command)
    from portal.jobs.cli import sweep_job_files_command, worker_command

    app.cli.add_command(worker_command)
    app.cli.add_command(sweep_job_files_command)


def _private_sqlite_file(uri: str) -> None:
    """Create a new SQLite database file readable by its owner only (0600): SQLite gives its -wal and -shm
    files the same mode. An existing file keeps its mode."""
    from sqlalchemy.engine import make_url

    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return
    try:
        os.close(os.open(url.database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except FileNotFoundError:  # its folder does not exist: SQLite will say so when it connects
        pass


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers work while an import writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    # 16 KB pages for a new database (set before WAL, which fixes the page size; an existing database keeps
    # its own): tables of a million library records and students are written and read in bulk, which larger
    # pages make cheaper than the 4 KB default does.
    cursor.execute("PRAGMA page_size=16384")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _instance_secret(instance_path: str) -> str:
    """A session-signing key kept in the instance folder (never in the repository)."""
    path = os.path.join(instance_path, "secret.key")
    try:
        with open(path) as handle:
            return handle.read().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key
