"""Fixtures: an app on a fresh database per test (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
users of every tier in one line (login_as), and factories for regions and schools."""
import base64
import os
from dataclasses import dataclass

import pytest
from flask import g
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.config import Config
from factories import make_region, make_school, make_user, sign_in
from portal.accounts.models import User
from portal.extensions import db
from portal.org.models import Region, School
from portal.vocab import Department, Role

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
TEST_KEY = base64.b64encode(b"k" * 32).decode()


@pytest.fixture(scope="session", params=BACKENDS)
def backend_app(request, tmp_path_factory):
    """One app per database backend, its schema built by the migrations (never create_all)."""
    instance = tmp_path_factory.mktemp(f"instance-{request.param}")
    url = f"sqlite:///{instance}/test.db" if request.param == "sqlite" else os.environ["TEST_DATABASE_URL"]
    engine_options = dict(Config.SQLALCHEMY_ENGINE_OPTIONS)
    if request.param == "postgresql":
        # Commits do not wait for the WAL to reach the disk: what a commit shows to other sessions is the same, only
        # a crash of the server could lose the last ones, and the tests make thousands of commits.
        engine_options["connect_args"] = {"options": "-c synchronous_commit=off"}
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashing: tests make many accounts
            "PORTAL_DATA_KEY": TEST_KEY,
            "JOBS_URL": "immediate",  # jobs run at once, in the request that asks (tests of a real worker: tests/jobs)
        },
        instance_path=str(instance),
    )
    with app.app_context():
        if request.param == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    yield app
    with app.app_context():
        db.engine.dispose()


def _fresh_g() -> None:
    """A served request starts with an empty flask.g; a test's requests run inside the test's own app context and
    would share one, so the signed-in user (and the CSRF token) would be carried over instead of loaded afresh."""
    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture
def app(backend_app):
    """The backend's app inside an app context, with every table emptied after the test."""
    with backend_app.app_context():
        yield backend_app
        db.session.rollback()
        db.session.remove()
        _empty_all_tables()


def _empty_all_tables() -> None:
    """DELETE, children first: on the few rows a test leaves it is ten times cheaper than TRUNCATE, which
    replaces every table's files. PostgreSQL's sequences are then restarted, as a fresh database has them; there
    the statements go to the server as one script (one round trip instead of one per table)."""
    deletes = [f"DELETE FROM {table.name}" for table in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(";\n".join([*deletes, "SELECT setval(oid, 1, false) FROM pg_class WHERE "
                                                    "relkind = 'S' AND relnamespace = 'public'::regnamespace"]))
        else:
            for statement in deletes:
                connection.execute(text(statement))


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class World:
    """A small province: two cities, three counties, schools at every level of the tree."""

    province: Region
    nanjing: Region
    wuxi: Region
    xuanwu: Region
    qinhuai: Region
    xishan: Region
    xuanwu_school: School
    xuanwu_school_2: School
    qinhuai_school: School
    xishan_school: School
    nanjing_city_school: School
    province_school: School


@pytest.fixture
def world(app) -> World:
    province = make_region("320000", "江苏省")
    nanjing = make_region("320100", "南京市", province)
    wuxi = make_region("320200", "无锡市", province)
    xuanwu = make_region("320102", "玄武区", nanjing)
    qinhuai = make_region("320104", "秦淮区", nanjing)
    xishan = make_region("320205", "锡山区", wuxi)
    built = World(
        province, nanjing, wuxi, xuanwu, qinhuai, xishan,
        xuanwu_school=make_school(xuanwu, "玄武区第一小学"),
        xuanwu_school_2=make_school(xuanwu, "玄武区第二小学"),
        qinhuai_school=make_school(qinhuai, "秦淮区第一小学"),
        xishan_school=make_school(xishan, "锡山区第一小学"),
        nanjing_city_school=make_school(nanjing, "南京市职业教育中心", stages="vocational"),
        province_school=make_school(province, "江苏第一大学", stages="undergraduate", code="4132000001"),
    )
    db.session.commit()
    return built


@pytest.fixture
def login_as(client, world):
    """login_as("county") signs the test client in as a user of that tier (in 玄武区 / 南京市 / its school),
    through the login page and, for the tiers that must use it, the second factor."""

    def sign_in_as(role: str, **overrides) -> User:
        defaults = {
            "province": {"region": world.province},
            "city": {"region": world.nanjing},
            "county": {"region": world.xuanwu},
            "school": {"school": world.xuanwu_school},
            "department": {"department": Department.POVERTY},
        }[role]
        user = make_user(Role(role), **{**defaults, **overrides})
        db.session.commit()
        sign_in(client, user)  # the password, then the TOTP code for bureau and department users
        return user

    return sign_in_as


@pytest.fixture
def deadline_calendar(world):
    """The deadline calendar and the standard unfunded reasons, as `flask seed-deadlines` makes them."""
    from portal.audit.services import Actor
    from portal.deadlines.cli import seed_reference_data

    seed_reference_data(Actor.command_line())
    db.session.commit()


@pytest.fixture
def today_is(monkeypatch):
    """today_is(date(2026, 11, 22)): the date deadlines are read against (the real clock otherwise)."""
    from portal.deadlines import services

    def set_today(day):
        monkeypatch.setattr(services, "today", lambda: day)

    return set_today
