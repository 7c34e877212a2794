"""Data for the upload benchmark, built once and cached under bench/data/upload/: a SQLite database holding a
2,000,000-person base library and 2,000,000 enrolled students of 2,000 schools (already matched once), and a
50,000-row enrolment xlsx for one more school. Everything set-based: Python makes the library's ID numbers
(they must be real, valid and keyed like an import's), SQL makes the enrolled students."""
import base64
import os
import time
from datetime import date, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench", "data", "upload")
VERSION = "5"  # bump when the cached data changes shape
LIBRARY_PEOPLE = 2_000_000
SCHOOLS = 2_000
ENROLLED = 2_000_000
HIT_EVERY = 14  # one library person in 14 is enrolled somewhere: ~7 % of the enrolled are matched
FILE_ROWS = 50_000
FILE_HIT_EVERY = 20  # 5 % of the uploaded file are library people
DATA_KEY = base64.b64encode(b"bench-upload-key-0123456789abcde").decode()
UPLOAD_SCHOOLS = ("3132990001", "3132990002", "3132990004")  # the schools whose upload is timed (no snapshot before)
WARM_SCHOOL = "3132990003"  # a small upload first, as a server that has served before has compiled its SQL
CATEGORIES = ("poverty", "dibao", "tekun", "orphan", "disabled")
COUNTIES = ("320102", "320104", "320105", "320106", "320111", "320113", "320114", "320115", "320116", "320117")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕飞鹏辉志浩宇轩子涵欣怡梓晨思雨"
FIRST_BIRTH_DAY, BIRTH_DAYS = date(2003, 1, 1), 365 * 20

DB = os.path.join(DATA, "cache.db")
FILE = os.path.join(DATA, f"enrolment_{FILE_ROWS // 1000}k.xlsx")
STAMP = os.path.join(DATA, f"built-{VERSION}")


def person(serial: int) -> tuple[str, str]:
    """(ID number, name) of library person `serial`: unique and valid; serial ≥ LIBRARY_PEOPLE are not in it."""
    from portal.idcard import check_digit

    county = COUNTIES[serial % len(COUNTIES)]
    born = FIRST_BIRTH_DAY + timedelta(days=(serial // len(COUNTIES)) % BIRTH_DAYS)
    sequence = serial // (len(COUNTIES) * BIRTH_DAYS)
    body = f"{county}{born:%Y%m%d}{sequence:03d}"
    name = SURNAMES[serial % len(SURNAMES)] + GIVEN[(serial // 7) % len(GIVEN)] + GIVEN[(serial // 11) % len(GIVEN)]
    return body + check_digit(body), name


def app_for(database: str):
    import logging

    from portal import create_app

    logging.disable(logging.WARNING)
    instance = os.path.join(DATA, "instance")
    os.makedirs(instance, exist_ok=True)
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "PORTAL_DATA_KEY": DATA_KEY,
                       "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                      instance_path=instance)


def upgrade(database: str) -> None:
    """Bring a copy of the cached database to the current schema (migrations added since it was built)."""
    from flask_migrate import upgrade as upgrade_schema

    from portal.extensions import db

    app = app_for(database)
    with app.app_context():
        upgrade_schema()
        db.engine.dispose()


def build() -> None:
    """Make the cached database and file unless this version of them exists."""
    if os.path.exists(STAMP):
        return
    os.makedirs(DATA, exist_ok=True)
    for name in os.listdir(DATA):
        if name.startswith(("cache.db", "built-", "work.db")):
            os.remove(os.path.join(DATA, name))
    started = time.perf_counter()
    app = app_for(DB)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        _registry()
        _library()
        _enrolled()
        _first_match()
        from sqlalchemy import text

        from portal.extensions import db

        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))  # one file, so it can be copied
        db.session.commit()
        db.engine.dispose()
    _file()
    open(STAMP, "w").close()
    print(f"# upload bench data built in {time.perf_counter() - started:.0f} s", flush=True)


def _registry() -> None:
    from sqlalchemy import insert

    from portal.extensions import db
    from portal.org.models import Region, School

    db.session.execute(insert(Region), [
        {"code": "320000", "name": "江苏省", "level": "province", "parent_code": None},
        {"code": "320100", "name": "南京市", "level": "city", "parent_code": "320000"},
        *({"code": code, "name": f"区{code}", "level": "county", "parent_code": "320100"} for code in COUNTIES)])
    codes = [f"3132{serial:06d}" for serial in range(1, SCHOOLS + 1)] + [*UPLOAD_SCHOOLS, WARM_SCHOOL]
    db.session.execute(insert(School), [
        {"code": code, "name": f"测试学校{code}", "region_code": COUNTIES[serial % len(COUNTIES)],
         "city_code": "320100", "county_code": COUNTIES[serial % len(COUNTIES)], "stages": "primary",
         "ownership": "public", "active": True} for serial, code in enumerate(codes)])
    db.session.commit()


def _library() -> None:
    from datetime import datetime

    from portal.extensions import db
    from portal.idcard import mask
    from portal.library.models import LibraryBatch
    from portal.protect import protector

    batches = {}
    for category in CATEGORIES:
        batch = LibraryBatch(category=category, status="current", filename="bench.xlsx", uploaded_by_name="bench",
                             confirmed_at=datetime.now(), records=LIBRARY_PEOPLE // len(CATEGORIES))
        db.session.add(batch)
        db.session.flush()
        batches[category] = batch.id
    db.session.commit()
    keep = protector()
    columns = ("batch_id", "category", "id_hash", "id_cipher", "id_masked", "name", "gender", "birth_year",
               "region_prefix", "row_number")
    sql = f"INSERT INTO library_record ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    connection = db.engine.raw_connection()
    try:
        for start in range(0, LIBRARY_PEOPLE, 100_000):
            people = [person(serial) for serial in range(start, min(start + 100_000, LIBRARY_PEOPLE))]
            numbers = [number for number, _ in people]
            rows = [
                (batches[CATEGORIES[serial % len(CATEGORIES)]], CATEGORIES[serial % len(CATEGORIES)], digest, cipher,
                 mask(number), name, "M" if int(number[16]) % 2 else "F",
                 int(number[6:10]), number[:6], serial + 2)
                for serial, (number, name), digest, cipher in zip(
                    range(start, start + len(people)), people, keep.digest_many(numbers), keep.encrypt_many(numbers))
            ]
            connection.cursor().executemany(sql, rows)
        connection.commit()
    finally:
        connection.close()


def _enrolled() -> None:
    """2,000 current uploads of 1,000 students: library people (every HIT_EVERY-th) and students made up in SQL."""
    from sqlalchemy import text

    from portal.extensions import db
    from portal.terms import current_term

    term = current_term().code
    per_school = ENROLLED // SCHOOLS
    db.session.execute(text(
        "INSERT INTO enrolment_upload (school_id, term, status, filename, uploaded_by_name, created_at, confirmed_at,"
        " rows_read, students) SELECT id, :term, 'current', 'bench.xlsx', 'bench', datetime('now'), datetime('now'),"
        " :n, :n FROM school WHERE id <= :schools ORDER BY id"), {"term": term, "n": per_school, "schools": SCHOOLS})
    columns = ("upload_id, school_id, term, student_no, name, gender, id_hash, id_cipher, id_masked, region_prefix, "
               "birth_year, stage, grade, class_name, entry_month, row_number")
    hits = LIBRARY_PEOPLE // HIT_EVERY
    # library people: person k*HIT_EVERY goes to school k % SCHOOLS (uploads and schools are numbered alike)
    db.session.execute(text(
        f"INSERT INTO enrolment_student ({columns}) SELECT 1 + ((id - 1) / :every) % :schools, "
        "1 + ((id - 1) / :every) % :schools, :term, 'G' || id_masked, name, gender, id_hash, id_cipher, id_masked,"
        " region_prefix, birth_year, 'primary', '三年级', '三年级（1）班', '2024-09', id FROM library_record"
        " WHERE (id - 1) % :every = 0"), {"every": HIT_EVERY, "schools": SCHOOLS, "term": term})
    db.session.execute(text(
        f"WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < :others) "
        f"INSERT INTO enrolment_student ({columns}) SELECT 1 + k % :schools, 1 + k % :schools, :term, 'G' || k,"
        " '学生' || k, 'F', randomblob(16), randomblob(45), '320102************',"
        " '320102', 2016, 'primary', '三年级', '三年级（2）班', '2024-09', k FROM n"),
        {"others": ENROLLED - hits, "schools": SCHOOLS, "term": term})
    db.session.commit()


def _first_match() -> None:
    from portal.audit.services import Actor
    from portal.enrolment import rematch
    from portal.terms import current_term

    run = rematch.rematch_province(Actor.command_line(), current_term())
    if run.status != "done":
        raise SystemExit(f"bench data: matching failed: {run.error}")


def _file() -> None:
    """The school's 50,000 students: every FILE_HIT_EVERY-th a library person nobody else enrolled."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("学生名册")
    sheet.append(["学籍号", "姓名", "性别", "身份证件号", "学段", "年级", "班级", "入学年月", "户籍地"])
    for row in range(FILE_ROWS):
        if row % FILE_HIT_EVERY == 0:
            number, name = person(row * HIT_EVERY + 1)  # ≡ 1 mod HIT_EVERY: enrolled nowhere else
        else:
            number, name = person(LIBRARY_PEOPLE + row)
        grade = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级")[row % 6]
        sheet.append([f"G{number}", name, "男" if int(number[16]) % 2 else "女", number, "小学", grade,
                      f"{grade}（{1 + row % 8}）班", "2021-09", number[:6]])
    book.save(FILE)
