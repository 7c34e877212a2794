"""Oversight at a large province's scale: 20,000 schools, 2,000,000 enrolled, 200,000 library students; then the
same schools with twice the students. Requests go through Flask's test client as a signed-in user, and every
figure is a ratio of medians within one run:

dashboard_growth_ratio: the province home (to-do counts of every city, summed from the TodoSummary rows the
progress refresh leaves) at 2× students ÷ at 1× (target ≤ 1.2: the home reads O(schools), never students);
dashboard_vs_trivial_ratio: the province home ÷ a trivial route (the change-password form: session, user,
layout; target ≤ 10); lists_vs_trivial_ratio: a county's 疑似失学辍学 list, first page with its total (an index
range of the county's library people, each probed for a library row this term) ÷ the trivial route (≤ 20).
Also printed: the same two at 2× (…_2x) and the raw medians in milliseconds, for reading the ratios.

The data is made in SQL (INSERT … SELECT over a recursive counter) in a fresh SQLite file each run, under
bench/data/dashboard/; ID digests are made-up 16-byte blobs, since nothing here decrypts or re-keys them."""
import base64
import os
import shutil
import statistics
import time
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench", "data", "dashboard")
DATA_KEY = base64.b64encode(b"bench-dashboard-key-0123456789ab").decode()
PASSWORD = "Bench-2026-dashboard"
TOTP_SECRET = "JBSWY3DPEHPK3PXPBENCHJBSWY3DPEHP"
CITIES, COUNTIES_PER_CITY = 13, 8
SCHOOLS = 20_000
ENROLLED = 2_000_000  # per step; the second step adds as many again
HARDSHIP_EVERY = 10  # one enrolled student in ten is a library person: 200,000 library students per step
UNENROLLED = 60_000  # library people per step found in no enrolment (ages 0–30), by 户籍地 spread over counties
CATEGORIES = ("poverty", "dibao", "tekun", "orphan", "disabled")
ROUNDS = 15
BENCH_COUNTY = "320101"


DIALECTS = {  # the few SQL spellings that differ
    "sqlite": {"series": "SELECT {first} UNION ALL SELECT p + 1 FROM n WHERE p < {last}",
               "code": "printf('31%08d', p)", "digest": "CAST(printf('%016d', p) AS BLOB)", "blob": "x'00'"},
    "postgresql": {"series": "SELECT generate_series({first}, {last})",
                   "code": "'31' || lpad(CAST(p AS TEXT), 8, '0')",
                   "digest": "convert_to(lpad(CAST(p AS TEXT), 16, '0'), 'UTF8')", "blob": "decode('00', 'hex')"},
}
_dialect = "sqlite"


def _sql(name: str) -> str:
    return DIALECTS[_dialect][name]


def _counties() -> list[str]:
    return [f"32{city:02d}{county:02d}" for city in range(1, CITIES + 1) for county in range(1, COUNTIES_PER_CITY + 1)]


def _app(database: str):
    import logging

    from portal import create_app

    logging.disable(logging.WARNING)
    instance = os.path.join(DATA, "instance")
    os.makedirs(instance, exist_ok=True)
    return create_app({"SQLALCHEMY_DATABASE_URI": database, "PORTAL_DATA_KEY": DATA_KEY,
                       "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                      instance_path=instance)


# -- data -------------------------------------------------------------------------------------------------------
def _registry() -> None:
    from sqlalchemy import text

    from portal.extensions import db

    counties = _counties()
    regions = [("320000", "江苏省", "province", None)]
    regions += [(f"32{city:02d}00", f"第{city}市", "city", "320000") for city in range(1, CITIES + 1)]
    regions += [(code, f"区县{code}", "county", code[:4] + "00") for code in counties]
    db.session.execute(text("INSERT INTO region (code, name, level, parent_code) VALUES (:c, :n, :l, :p)"),
                       [{"c": c, "n": n, "l": l, "p": p} for c, n, l, p in regions])
    db.session.execute(text("CREATE TABLE bench_county (k INTEGER PRIMARY KEY, code TEXT)"))
    db.session.execute(text("INSERT INTO bench_county (k, code) VALUES (:k, :code)"),
                       [{"k": k, "code": code} for k, code in enumerate(counties)])
    # school p hangs on county p % 104; one in 200 directly on its city instead; one in ten teaches 中职
    db.session.execute(text(
        f"WITH RECURSIVE n(p) AS ({_sql('series').format(first=1, last=':schools')}) "
        "INSERT INTO school (id, code, name, region_code, city_code, county_code, stages, ownership, active, created_at) "
        f"SELECT p, {_sql('code')}, '学校' || p, CASE WHEN p % 200 = 0 THEN substr(c.code, 1, 4) || '00' ELSE c.code END,"
        " substr(c.code, 1, 4) || '00', CASE WHEN p % 200 = 0 THEN NULL ELSE c.code END,"
        " CASE WHEN p % 10 = 0 THEN 'vocational' WHEN p % 3 = 0 THEN 'junior' ELSE 'primary' END, 'public', TRUE,"
        " CURRENT_TIMESTAMP FROM n JOIN bench_county c ON c.k = p % :counties"),
        {"schools": SCHOOLS, "counties": len(counties)})
    _resync("school")
    db.session.commit()


def _resync(table: str) -> None:
    """PostgreSQL: move the id sequence past the ids written explicitly."""
    from sqlalchemy import text

    from portal.extensions import db

    if _dialect == "postgresql":
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


def _library_batches() -> dict[str, int]:
    from sqlalchemy import text

    from portal.extensions import db

    for category in CATEGORIES:
        db.session.execute(text(
            "INSERT INTO library_batch (category, status, filename, uploaded_by_name, created_at, confirmed_at, rows_read,"
            " records, added, removed, changed) VALUES (:c, 'current', 'bench.xlsx', 'bench', CURRENT_TIMESTAMP,"
            " CURRENT_TIMESTAMP, 0, 0, 0, 0, 0)"), {"c": category})
    db.session.commit()
    return dict(db.session.execute(text("SELECT category, id FROM library_batch")).all())


def _students(step: int, term: str, batches: dict[str, int]) -> None:
    """One step's students, all set-based: ENROLLED enrolled (person serials step·ENROLLED …), every
    HARDSHIP_EVERY-th a library person and so a library student of the school; UNENROLLED library people more."""
    from sqlalchemy import text

    from portal.extensions import db

    first = step * ENROLLED
    born = "2004 + ((p * 37) % 5840) / 365"  # birth years 2004–2019: ages 6 to 22
    if step == 0:
        db.session.execute(text(
            "INSERT INTO enrolment_upload (id, school_id, term, status, filename, uploaded_by_name, created_at,"
            " confirmed_at, rows_read, students) SELECT id, id, :term, 'current', 'bench.xlsx', 'bench', CURRENT_TIMESTAMP,"
            " CURRENT_TIMESTAMP, 0, 0 FROM school"), {"term": term})
        _resync("enrolment_upload")
    # person p studies at school 1 + p % SCHOOLS; the ID's region prefix is the school's county (or city)
    db.session.execute(text(
        f"WITH RECURSIVE n(p) AS ({_sql('series').format(first=':first', last=':last')}) "
        "INSERT INTO enrolment_student (upload_id, school_id, term, student_no, name, gender, id_hash, id_cipher,"
        " id_masked, region_prefix, birth_year, stage, grade, class_name, entry_month, hukou_code, row_number) "
        f"SELECT s.id, s.id, :term, 'G' || p, '学生' || p, CASE WHEN p % 2 = 1 THEN 'M' ELSE 'F' END,"
        f" {_sql('digest')}, {_sql('blob')}, '3201**********0000', s.region_code, " + born + ","
        " CASE WHEN s.stages = 'vocational' THEN 'vocational' ELSE 'primary' END, '三年级', '三年级（1）班', '2024-09',"
        " NULL, p FROM n JOIN school s ON s.id = 1 + p % :schools"),
        {"first": first, "last": first + ENROLLED - 1, "term": term, "schools": SCHOOLS})
    categories = " ".join(f"WHEN {k} THEN '{c}'" for k, c in enumerate(CATEGORIES))
    db.session.execute(text(
        "INSERT INTO hardship_student (school_id, term, id_hash, id_cipher, id_masked, name, gender, birth_year,"
        " region_prefix, hukou_code, student_no, stage, grade, class_name, source, categories, active, out_of_province,"
        " duplicate, name_mismatch, created_at, matched_at) "
        f"SELECT school_id, term, id_hash, id_cipher, id_masked, name, gender, birth_year, region_prefix, NULL, student_no,"
        f" stage, grade, class_name, 'matched', CASE row_number % 5 {categories} END, TRUE, FALSE, row_number % 700 = 0,"
        " row_number % 900 = 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM enrolment_student"
        " WHERE row_number >= :first AND row_number % :every = 0 AND upload_id > 0"),
        {"first": first, "every": HARDSHIP_EVERY})
    # people enrolled nowhere in the province: ages 0 to 30, 户籍地 spread over the counties
    unenrolled = 10 * ENROLLED + step * UNENROLLED
    db.session.execute(text(
        f"WITH RECURSIVE n(p) AS ({_sql('series').format(first=':first', last=':last')}) "
        "INSERT INTO library_record (batch_id, category, id_hash, id_cipher, id_masked, name, gender, birth_year,"
        " region_prefix, hukou_code, row_number) "
        f"SELECT CASE p % 5 {' '.join(f'WHEN {k} THEN {batches[c]}' for k, c in enumerate(CATEGORIES))} END,"
        f" CASE p % 5 {categories} END, {_sql('digest')}, {_sql('blob')}, '3201**********0000', '人员' || p,"
        " CASE WHEN p % 2 = 1 THEN 'M' ELSE 'F' END, "
        "1996 + ((p * 53) % 10950) / 365,"
        " c.code, NULL, 2 FROM n JOIN bench_county c ON c.k = p % :counties"),
        {"first": unenrolled, "last": unenrolled + UNENROLLED - 1, "counties": len(_counties())})
    db.session.commit()


def _library_of_students(batches: dict[str, int]) -> None:
    """The library records of the library students written by _students (those not in the library yet)."""
    from sqlalchemy import text

    from portal.extensions import db

    batch_of = " ".join(f"WHEN '{c}' THEN {batches[c]}" for c in CATEGORIES)
    db.session.execute(text(
        "INSERT INTO library_record (batch_id, category, id_hash, id_cipher, id_masked, name, gender, birth_year,"
        " region_prefix, hukou_code, row_number) "
        f"SELECT CASE categories {batch_of} END, categories, id_hash, {_sql('blob')}, id_masked, name, gender, birth_year,"
        " region_prefix, NULL, 2 FROM hardship_student WHERE id > coalesce((SELECT max(bench_seen) FROM bench_seen), 0)"))
    db.session.execute(text("INSERT INTO bench_seen (bench_seen) SELECT max(id) FROM hardship_student"))
    db.session.commit()


def _users() -> None:
    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password
    from portal.extensions import db
    from portal.protect import protector

    for username, role, region in (("bench-province", "province", "320000"), ("bench-county", "county", BENCH_COUNTY)):
        db.session.add(User(username=username, display_name=username, password_hash=hash_password(PASSWORD),
                            role=role, region_code=region, active=True, must_change_password=False,
                            password_changed_at=datetime.now(), totp_cipher=protector().encrypt(TOTP_SECRET),
                            totp_enabled_at=datetime.now()))
    db.session.commit()


def _refresh(term: str) -> None:
    """Every school's progress row, as the writes that made these students would have left it, and (by the commit)
    the term's TodoSummary rows the home reads."""
    from portal.extensions import db
    from portal.progress.services import refresh_progress

    refresh_progress(None, term)
    db.session.commit()


def _empty(database: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def build(database: str, step: int) -> float:
    """Make (step 0) or grow (step 1) the data; returns the seconds it took."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from portal.extensions import db
    from portal.terms import current_term

    started = time.perf_counter()
    app = _app(database)
    with app.app_context():
        term = current_term().code
        if step == 0:
            upgrade()
            if _dialect == "sqlite":
                db.session.execute(text("PRAGMA synchronous = OFF"))
            _registry()
            _users()
            db.session.execute(text("CREATE TABLE bench_seen (bench_seen INTEGER)"))
            db.session.commit()
        batches = _library_batches() if step == 0 else dict(
            db.session.execute(text("SELECT category, id FROM library_batch")).all())
        _students(step, term, batches)
        _library_of_students(batches)
        _refresh(term)
        db.session.execute(text("ANALYZE"))  # as a library import leaves it (ANALYZE library_record), and PG's autovacuum
        db.session.commit()
        db.engine.dispose()
    return time.perf_counter() - started


# -- timing -----------------------------------------------------------------------------------------------------
def _sign_in(app, client, username: str) -> None:
    """Password, then the authenticator's code (waiting for a fresh step when this one was used already)."""
    import pyotp
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.accounts.second_factor import STEP_SECONDS
    from portal.extensions import db

    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 303
    for _ in range(3):
        with app.app_context():
            used = db.session.scalar(select(User.totp_last_step).where(User.username == username)) or 0
        while int(time.time()) // STEP_SECONDS <= used:
            time.sleep(1)
        response = client.post("/login/second-factor", data={"code": pyotp.TOTP(TOTP_SECRET).now()})
        if response.status_code == 303:
            return
    raise SystemExit(f"bench: {username} could not pass the second factor ({response.status_code})")


def _median_ms(client, path: str, expect: str) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200 and expect in response.get_data(as_text=True), (path, response.status_code)
    return statistics.median(times) * 1000


def measure(database: str) -> dict[str, float]:
    """Medians of the trivial route, the province home and the county's 疑似失学 list, interleaved per round."""
    app = _app(database)
    province, county = app.test_client(), app.test_client()
    _sign_in(app, province, "bench-province")
    _sign_in(app, county, "bench-county")
    routes = [(province, "/password", "修改密码"), (province, "/", "待办"),
              (county, "/oversight/lists?list=dropout", "疑似失学辍学")]
    for client, path, expect in routes:  # warm: templates compiled, pages cached as a serving process has them
        _median_ms(client, path, expect)
    medians = {path: [] for _, path, _ in routes}
    for _ in range(3):
        for client, path, expect in routes:
            medians[path].append(_median_ms(client, path, expect))
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()
    trivial, home, lists = (statistics.median(medians[path]) for _, path, _ in routes)
    return {"trivial_ms": trivial, "home_ms": home, "list_ms": lists}


def run() -> dict[str, float]:
    """On SQLite in bench/data/dashboard/, or on the PostgreSQL database BENCH_DATABASE_URL names (emptied first:
    give it a database of its own)."""
    global _dialect
    shutil.rmtree(DATA, ignore_errors=True)
    os.makedirs(DATA)
    database = os.environ.get("BENCH_DATABASE_URL") or "sqlite:///" + os.path.join(DATA, "bench.db")
    _dialect = "postgresql" if database.startswith("postgresql") else "sqlite"
    if _dialect == "postgresql":
        _empty(database)
    try:
        built = build(database, 0)
        print(f"# dashboard bench: 1x data built in {built:.0f} s", flush=True)
        once = measure(database)
        grown = build(database, 1)
        print(f"# dashboard bench: 2x data built in {grown:.0f} s", flush=True)
        twice = measure(database)
        return {
            "dashboard_growth_ratio": twice["home_ms"] / once["home_ms"],
            "dashboard_vs_trivial_ratio": once["home_ms"] / once["trivial_ms"],
            "lists_vs_trivial_ratio": once["list_ms"] / once["trivial_ms"],
            "dashboard_vs_trivial_ratio_2x": twice["home_ms"] / twice["trivial_ms"],
            "lists_vs_trivial_ratio_2x": twice["list_ms"] / twice["trivial_ms"],
            "dashboard_trivial_ms": once["trivial_ms"], "dashboard_home_ms": once["home_ms"],
            "dashboard_list_ms": once["list_ms"], "dashboard_home_2x_ms": twice["home_ms"],
            "dashboard_list_2x_ms": twice["list_ms"],
        }
    finally:
        shutil.rmtree(DATA, ignore_errors=True)
        if _dialect == "postgresql":
            _empty(database)
