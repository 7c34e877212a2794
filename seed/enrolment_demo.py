"""Demo enrolment: most schools get a current-term snapshot (a few hundred students each, a few per cent of
them base-library people), matched once for the whole province, so the library pages and progress figures
are alive after `make run`.
Runs after the base-library demo (seed.library_demo) and matches against it. The demo school's students are
fixed (demo_school_students): seed/samples/ holds them as files to upload."""
import random
from dataclasses import dataclass
from datetime import date, datetime
from itertools import count

from flask import current_app
from sqlalchemy import func, insert, select, update

from portal import idcard
from portal.audit.services import Actor
from portal.enrolment import manual, matching
from portal.enrolment.models import EnrolmentUpload, HardshipStudent, UploadStatus
from portal.enrolment.upload import insert_students, masked_student_no
from portal.extensions import db
from portal.library.models import BatchStatus, LibraryBatch, LibraryRecord
from portal.org.models import School
from portal.protect import protector
from portal.terms import Term, current_term
from portal.vocab import Category, DibaoType, Gender, Stage
from seed.demo_people import (AGES, GRADE_NAMES, class_of, demo_school_people, demo_school_students, person_name,
                              stage_of)

STUDENTS = {  # students per school at full scale: (fewest, most)
    Stage.PRESCHOOL.value: (40, 100), Stage.PRIMARY.value: (90, 210), Stage.JUNIOR.value: (80, 180),
    Stage.SENIOR.value: (80, 180), Stage.VOCATIONAL.value: (60, 160), Stage.UNDERGRADUATE.value: (200, 350),
}
HARDSHIP_RATE = 0.07  # share of a school's students taken from the base library
SKIP_EVERY = 9  # one school in nine has not uploaded yet: the laggards of the progress page
MISMATCH_EVERY = 40  # one library student in 40 is enrolled under a slightly different name
DUPLICATE_EVERY = 150  # and one in 150 is enrolled at the next school as well (学籍重复)


@dataclass
class Person:
    """A base-library person the demo can enrol: what an enrolment row copies from the library."""

    id_hash: bytes
    id_cipher: bytes
    id_masked: str
    name: str
    gender: str
    birth_year: int
    region_prefix: str


def seed_enrolment_demo(term: Term | None = None) -> dict[str, int]:
    term = term or current_term()
    scale = current_app.config.get("DEMO_ENROLMENT_SCALE", 0.05 if current_app.testing else 1.0)
    pool = _pool(term)
    schools = db.session.execute(select(School.id, School.code, School.stages, School.region_code)
                                 .where(School.active.is_(True)).order_by(School.code)).all()
    demo_code = demo_school_code()
    rows, uploads, counters = [], [], Counters({}, count(1))
    for serial, (school_id, code, stages, region_code) in enumerate(schools):
        if serial % SKIP_EVERY == SKIP_EVERY - 1 and code != demo_code:
            continue
        if code == demo_code:
            students = _demo_school_rows(term)
        else:
            students = _school_rows(serial, stages, region_code, term, pool, scale, counters)
        uploads.append({"school_id": school_id, "term": term.code, "status": UploadStatus.CURRENT,
                        "filename": "演示学籍.xlsx", "uploaded_by_name": "演示数据", "confirmed_at": datetime.now(),
                        "rows_read": len(students), "students": len(students)})
        rows.append((school_id, students))
    _write(term, uploads, rows)
    run = matching.start_run("演示数据", term.code, whole_province=True)
    matching.match(run, None)
    db.session.flush()
    _library_upkeep(term)
    return {"enrolled": sum(len(students) for _, students in rows), "schools": len(uploads),
            "hardship": run.students}


def demo_school_code() -> str | None:
    """The demo account's school (xuexiao): the first primary school of 玄武区, as seed.demo picks it."""
    return db.session.scalar(select(School.code).where(School.region_code == "320102", School.name.contains("小学"))
                             .order_by(School.code).limit(1))


def _id_number(region: str, born: date | str, serial: int) -> str:
    first17 = f"{region}{born if isinstance(born, str) else format(born, '%Y%m%d')}{serial % 1000:03d}"
    return first17 + idcard.check_digit(first17)


def _pool(term: Term) -> dict[int, list[Person]]:
    """Library people by year of birth, each once, in a fixed mixed order; the demo school's people left out."""
    reserved = set(protector().digest_many([person.id_number for person in demo_school_people()]))
    first_records = (select(func.min(LibraryRecord.id)).join(LibraryBatch)
                     .where(LibraryBatch.status == BatchStatus.CURRENT).group_by(LibraryRecord.id_hash))
    rows = db.session.execute(
        select(LibraryRecord.id_hash, LibraryRecord.id_cipher, LibraryRecord.id_masked, LibraryRecord.name,
               LibraryRecord.gender, LibraryRecord.birth_year, LibraryRecord.region_prefix)
        .where(LibraryRecord.id.in_(first_records)).order_by(LibraryRecord.id))
    pool: dict[int, list[Person]] = {}
    for row in rows:
        if row[0] not in reserved:
            person = Person(*row)
            pool.setdefault(person.birth_year, []).append(person)
    shuffle = random.Random(20260901).shuffle  # library order is category by category: mix them, always alike
    for year in sorted(pool):
        shuffle(pool[year])
    return pool


@dataclass
class Counters:
    """What one demo run has handed out so far: ID serials per (region, birth date), library people enrolled."""

    serials: dict[tuple[str, str], int]
    picked: count


def _school_rows(serial: int, stages: str, region_code: str, term: Term, pool, scale: float,
                 counters: Counters) -> list[tuple]:
    """(ID number or None, library Person or None, name, stage, grade, class) per student of one school."""
    stage = stage_of(stages)
    fewest, most = STUDENTS[stage]
    count = max(3, int((fewest + (serial * 7919) % (most - fewest + 1)) * scale))
    region = region_code if not region_code.endswith("00") else region_code[:4] + "02"
    youngest, oldest = AGES[stage]
    rows, taken = [], 0
    wanted = round(count * HARDSHIP_RATE)
    for position in range(count):
        age = youngest + position % (oldest - youngest + 1)
        grade, class_name = class_of(stage, age, position)
        born_year = term.year - age - 1 + (position % 2)
        candidates = pool.get(born_year)
        if taken < wanted and candidates:
            person = candidates.pop()
            taken, picked = taken + 1, next(counters.picked)
            name = person.name if picked % MISMATCH_EVERY else person.name[:-1] + "晓"
            rows.append((None, person, name, stage, grade, class_name))
            if picked % DUPLICATE_EVERY == 0:
                candidates.insert(0, person)  # the next school of that age enrols this person too
            continue
        born = f"{born_year}{1 + position % 12:02d}{1 + (position * 7) % 28:02d}"
        key = (region, born)
        counters.serials[key] = counters.serials.get(key, 0) + 1
        number = _id_number(region, born, counters.serials[key])
        rows.append((number, None, person_name(serial * 1000 + position), stage, grade, class_name))
    return rows


def _demo_school_rows(term: Term) -> list[tuple]:
    return [(student["id_number"], None, student["name"], Stage.PRIMARY.value, student["grade"],
             student["class_name"]) for student in demo_school_students(term)]


def _enrol(school: School, term: Term, addition: dict) -> None:
    """A student the school adds by hand is in its 学籍: only the base library missed them."""
    upload = db.session.scalar(select(EnrolmentUpload).where(
        EnrolmentUpload.school_id == school.id, EnrolmentUpload.term == term.code,
        EnrolmentUpload.status == UploadStatus.CURRENT))
    number, keep = addition["number"], protector()
    masked = idcard.mask(number)
    student_no = masked_student_no("G" + number, number, masked)
    insert_students([(upload.id, school.id, term.code, student_no, addition["name"],
                      Gender.by_label()[idcard.gender(number)].value, keep.digest(number), keep.encrypt(number),
                      masked, idcard.region_prefix(number), idcard.birth_year(number), addition["stage"],
                      addition["grade"], addition["class_name"], f"{term.year}-09", None, upload.students + 2)])
    upload.students += 1


def _write(term: Term, uploads: list[dict], rows: list[tuple[int, list[tuple]]]) -> None:
    """Uploads, then every student in a few executemany batches; generated ID numbers digested and encrypted."""
    db.session.execute(insert(EnrolmentUpload.__table__), uploads)
    upload_ids = dict(db.session.execute(select(EnrolmentUpload.school_id, EnrolmentUpload.id)
                                         .where(EnrolmentUpload.term == term.code,
                                                EnrolmentUpload.status == UploadStatus.CURRENT)).all())
    numbers = [number for _, students in rows for number, *_ in students if number]
    keep = protector()
    protected = dict(zip(numbers, zip(keep.digest_many(numbers), keep.encrypt_many(numbers))))
    entry, values = f"{term.year}-09", []
    for school_id, students in rows:
        upload_id = upload_ids[school_id]
        for position, (number, person, name, stage, grade, class_name) in enumerate(students):
            if person is None:
                masked = idcard.mask(number)
                digest, cipher = protected[number]
                gender, region = "M" if int(number[16]) % 2 else "F", number[:6]
                born = int(number[6:10])
                student_no = masked_student_no("G" + number, number, masked)
            else:
                masked, digest, cipher = person.id_masked, person.id_hash, person.id_cipher
                gender, region, born, student_no = person.gender, person.region_prefix, person.birth_year, f"G{masked}"
            values.append((upload_id, school_id, term.code, student_no, name, gender, digest, cipher, masked, region,
                           born, stage, grade, class_name, entry, None,
                           position + 2))
        if len(values) >= 20_000:
            insert_students(values)
            values = []
    insert_students(values)


def _library_upkeep(term: Term) -> None:
    """The demo county's schools: some students verified, some additions waiting for review, one rejected."""
    county_schools = select(School.id).where(School.county_code == "320102")
    db.session.execute(
        update(HardshipStudent)
        .where(HardshipStudent.term == term.code, HardshipStudent.school_id.in_(county_schools),
               HardshipStudent.id % 3 == 0)
        .values(in_school=True, needs_aid=True, hardship_level="hardship", verified_at=datetime.now()))
    actor = Actor.command_line()
    uploaded = select(EnrolmentUpload.school_id).where(EnrolmentUpload.term == term.code)
    schools = db.session.scalars(select(School).where(School.county_code == "320102", School.active.is_(True),
                                                      School.id.in_(uploaded), School.stages == Stage.PRIMARY.value)
                                 .order_by(School.code).limit(3)).all()
    for serial, school in enumerate(schools):
        for extra in range(2):
            born = date(term.year - 9, 3, 1 + serial * 2 + extra)
            addition = dict(
                number=_id_number("320102", born, 900 + serial * 2 + extra), name=person_name(9000 + serial * 2 + extra),
                student_no="", stage=stage_of(school.stages), grade=GRADE_NAMES[3], class_name="三年级（2）班",
                categories=[Category.DIBAO], details={"dibao_type": DibaoType.URBAN.value},
                note="民政部门新认定的城市低保家庭，基础信息库尚未更新", not_enrolled_confirmed=False)
            _enrol(school, term, addition)
            student = manual.add_student(actor, school, term, **addition)
            if serial == 2 and extra == 1:
                manual.review_addition(actor, student, False, "请补充民政部门出具的低保证明")
