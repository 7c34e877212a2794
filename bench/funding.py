"""Funding benchmark: importing a university's 50,000-row funded list (read, check against the school's
enrolment and the catalogue, encrypt cards, write, refresh progress, commit), against python-calamine's bare
read of the same file: `funding_import_ratio` (target ≤ 1.5). `make bench ONLY=funding`. Also printed:
`funding_reader_ratio`, the shared reader alone (portal.sheets, same columns) against the same bare read, and
`funding_floor_ratio`: the bare read plus the database merely writing the same 50,000 records again
(`funding_write_only_s`, bench/_floor.py), against the bare read: no import of this list can go below it;
`funding_vs_floor`: the import's time ÷ that floor (target ≤ 2.0).

The file and a database holding the school's 50,000-student enrolment are generated once under
bench/data/funding/ and reused. Bare reads and imports alternate, and the medians are compared."""
import os
import shutil
import statistics
import tempfile
import time
from datetime import datetime

from python_calamine import CalamineWorkbook

from bench._floor import rewrite_seconds, vs_floor

ROWS = 50_000
DATA = os.path.join(os.path.dirname(__file__), "data", "funding")
FILE = os.path.join(DATA, f"funded_list_{ROWS}.xlsx")
ROUNDS = 3
SCHOOL_CODE = "4132000001"
PROJECTS = (("国家助学金", 3700, 1850), ("国家励志奖学金", 6000, 6000), ("国家奖学金", 10000, 10000))


def _id_number(serial: int) -> str:
    from portal.idcard import check_digit

    first17 = f"3201{serial % 97:02d}{2000 + serial % 7}{serial % 12 + 1:02d}{serial % 28 + 1:02d}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def _ids() -> list[str]:
    found, serial = {}, 0
    while len(found) < ROWS:
        serial += 1
        number = _id_number(serial * 7919)
        found.setdefault(number, None)
    return list(found)


def _card(serial: int) -> str:
    from portal.idcard import luhn_ok

    body = f"62170{serial:013d}"
    return next(body + digit for digit in "0123456789" if luhn_ok(body + digit))


def _make_file(ids: list[str]) -> None:
    """What the national system exports: text IDs and cards, numbers for money, dates as dates."""
    from openpyxl import Workbook

    os.makedirs(DATA, exist_ok=True)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("资助名单")
    sheet.append(["学校标识码", "身份证件号", "姓名", "资助项目", "资助标准", "资助金额", "发放时间", "银行卡号"])
    paid = datetime(2026, 11, 15)
    for serial, number in enumerate(ids):
        name, standard, amount = PROJECTS[serial % 10 // 8]  # 80 % 助学金, then 励志, then 奖学金
        sheet.append([SCHOOL_CODE, number, f"学生{serial}", name, standard, amount, paid, _card(serial)])
    partial = FILE + ".part"
    book.save(partial)
    os.replace(partial, FILE)


def _build_app(instance: str):
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from portal import create_app
    from portal.audit.services import Actor
    from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, UploadStatus
    from portal.extensions import db
    from portal.funding.national import seed_national_projects
    from portal.idcard import mask
    from portal.org.models import Region, School
    from portal.protect import protector

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.db"}, instance_path=instance)
    with app.app_context():
        upgrade()
        db.session.add(Region(code="320000", name="江苏省", level="province"))
        db.session.add(School(code=SCHOOL_CODE, name="江苏第一大学", region_code="320000", stages="undergraduate"))
        db.session.flush()
        seed_national_projects(Actor.command_line(), "320000")
        school = db.session.query(School).one()
        upload = EnrolmentUpload(school_id=school.id, term="2026-autumn", status=UploadStatus.CURRENT,
                                 filename="学籍.xlsx", uploaded_by_name="bench", confirmed_at=datetime.now())
        db.session.add(upload)
        db.session.flush()
        ids = _ids()
        guard = protector()
        db.session.execute(insert(EnrolmentStudent.__table__), [
            {"upload_id": upload.id, "school_id": school.id, "term": "2026-autumn", "name": f"学生{n}",
             "id_hash": digest, "id_cipher": cipher, "id_masked": mask(number), "region_prefix": number[:6],
             "birth_year": int(number[6:10]),
             "stage": "undergraduate", "row_number": n + 2}
            for n, (number, digest, cipher) in enumerate(zip(ids, guard.digest_many(ids), guard.encrypt_many(ids)))])
        db.session.commit()
    return app, ids


def _bare_read() -> float:
    started = time.perf_counter()
    CalamineWorkbook.from_path(FILE).get_sheet_by_index(0).to_python()
    return time.perf_counter() - started


def _reader() -> float:
    """The shared reader alone (open, find the header, check every cell): the import's floor."""
    from portal import sheets
    from portal.funding.importer import COLUMNS, MAX_ROWS

    started = time.perf_counter()
    sheet = sheets.open_sheet(FILE, "funded_list.xlsx", COLUMNS, max_rows=MAX_ROWS)
    for _ in sheet.batches(5_000):
        pass
    return time.perf_counter() - started


def _import(app) -> float:
    from sqlalchemy import delete, select

    from portal.audit.services import Actor
    from portal.extensions import db
    from portal.funding import records
    from portal.funding.models import FundingRecord
    from portal.errors import saving
    from portal.org.models import School
    from portal.terms import parse_period

    with app.app_context():
        db.session.execute(delete(FundingRecord))  # each round starts from an empty period, outside the timing
        db.session.commit()
        school = db.session.scalar(select(School))
        started = time.perf_counter()
        with saving() as saved:  # as import-funding does: the progress figures are refreshed as it commits
            done = records.import_list(Actor.command_line(), school, parse_period("2026秋"), "replace", FILE,
                                       "funded_list.xlsx")
        elapsed = time.perf_counter() - started
        assert saved.refusal is None, saved.message
        assert done.records == ROWS, done.errors[:3]
        return elapsed


def run() -> dict[str, float]:
    instance = tempfile.mkdtemp(prefix="bench-funding-")
    try:
        app, ids = _build_app(instance)
        if not os.path.exists(FILE):
            _make_file(ids)
        _bare_read()  # warm the page cache for both sides
        bare, read, imported = [], [], []
        for _ in range(ROUNDS):
            bare.append(_bare_read())
            read.append(_reader())
            imported.append(_import(app))
        bare_s, import_s = statistics.median(bare), statistics.median(imported)
        write_s = statistics.median(rewrite_seconds(os.path.join(instance, "bench.db"), "funding_record", "1")
                                    for _ in range(ROUNDS))  # the last import's records
        return {"funding_import_s": import_s, "funding_bare_read_s": bare_s,
                "funding_reader_ratio": statistics.median(read) / bare_s,  # the shared reader's share of the budget
                "funding_write_only_s": write_s, "funding_floor_ratio": (bare_s + write_s) / bare_s,
                "funding_import_ratio": import_s / bare_s, "funding_vs_floor": vs_floor(import_s, bare_s, write_s)}
    finally:
        shutil.rmtree(instance, ignore_errors=True)
