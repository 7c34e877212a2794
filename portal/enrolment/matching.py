"""Online matching (比对): a term's current enrolment joined with the base library's current records by ID digest.

The join runs ONCE per run, into the scratch table matching_hit; everything else is a handful of set-based
statements over that small table (INSERT … SELECT, UPDATE … FROM), the same on SQLite and PostgreSQL.
HardshipStudent rows are updated in place, keyed by (school, term, ID digest), so a school's verification
survives re-matching; students no longer matched are deactivated, never deleted. Runs inside the caller's
transaction: a failure anywhere leaves the library as it was."""
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import (Select, and_, bindparam, case, delete, false, func, insert, literal, or_, select, true,
                        union_all, update)
from sqlalchemy.orm import aliased

from portal.bulk import SET_BASED
from portal.enrolment.common import same_name
from portal.enrolment.models import (EnrolmentStudent, EnrolmentUpload, HardshipCategory, HardshipStudent,
                                     MatchingHit, MatchingRun, MatchingStatus, MatchingStudent, UploadStatus)
from portal.extensions import db
from portal.library.columns import HARDSHIP_TYPES
from portal.library.models import BatchStatus, LibraryBatch, LibraryRecord
from portal.progress.touched import ALL, within
from portal.vocab import Category, HardshipSource, ReviewStatus

DETAIL_COLUMNS = ("poverty_status", "dibao_type", "disability_type", "disability_grade")


@dataclass
class MatchResult:
    run: MatchingRun
    touched_schools: set[int] = field(default_factory=set)  # other schools whose 学籍重复 flags changed


def start_run(started_by: str, term: str, school_id: int | None = None, whole_province: bool = False) -> MatchingRun:
    run = MatchingRun(term=term, school_id=school_id, whole_province=whole_province, started_by_name=started_by,
                      started_at=datetime.now(), status=MatchingStatus.RUNNING)
    db.session.add(run)
    db.session.flush()
    return run


def match(run: MatchingRun, school_ids: list[int] | None = None) -> MatchResult:
    """Match the run's term for these schools (None: every school), in the current transaction."""
    term, now = run.term, datetime.now()
    ids = sorted(set(school_ids)) if school_ids is not None else None
    with within(db.session, ids if ids is not None else ALL, term):  # every write here is to these schools' rows
        _collect_hits(run.id, term, ids)
        _add_hardship_types(run.id)
        _fold_hits(run.id)
        _forgive_respellings(run.id)
        run.new, run.changed = _count_changes(run.id, term)
        run.gone = _deactivate_gone(run.id, term, ids)
        _update_found(run.id, term, now)
        _insert_found(run.id, term, now)
        _write_categories(run.id, term)
        stamp = update(EnrolmentUpload).where(EnrolmentUpload.term == term,
                                              EnrolmentUpload.status == UploadStatus.CURRENT)
        db.session.execute(stamp.where(EnrolmentUpload.school_id.in_(ids)) if ids is not None else stamp,
                           {"matched_at": now})
    touched = mark_duplicates(term, ids)  # other schools' rows too
    run.students = db.session.scalar(select(func.count()).where(MatchingStudent.run_id == run.id))
    db.session.execute(delete(MatchingHit).where(MatchingHit.run_id == run.id))
    db.session.execute(delete(MatchingStudent).where(MatchingStudent.run_id == run.id))
    run.status, run.finished_at = MatchingStatus.DONE, datetime.now()
    return MatchResult(run, touched - set(ids or ()))


def _collect_hits(run_id: int, term: str, ids: list[int] | None) -> None:
    """The one join: enrolled students of current uploads × records of current library batches."""
    student, upload, record, batch = EnrolmentStudent, EnrolmentUpload, LibraryRecord, LibraryBatch
    found = (
        select(literal(run_id), student.school_id, student.id_hash, student.id, record.id, record.category,
               case((record.name != student.name, record.name), else_=None), record.hukou_code,
               *(getattr(record, column) for column in DETAIL_COLUMNS))
        .select_from(upload)
        .join(student, student.upload_id == upload.id)
        .join(record, record.id_hash == student.id_hash)
        .join(batch, batch.id == record.batch_id)
        .where(upload.term == term, upload.status == UploadStatus.CURRENT, batch.status == BatchStatus.CURRENT)
    )
    if ids is not None:
        found = found.where(upload.school_id.in_(ids))
    db.session.execute(insert(MatchingHit).from_select(
        ["run_id", "school_id", "id_hash", "enrolment_student_id", "library_record_id", "category", "library_name",
         "hukou_code", *DETAIL_COLUMNS], found))


def _add_hardship_types(run_id: int) -> None:
    """A 外省下发 person is a 外省户籍特殊困难学生 of one or more of the five types (002): each hit on such a record
    is a hit of each type too, so a 外省 建档立卡 student is 建档立卡 wherever categories count."""
    hit, record = MatchingHit, LibraryRecord
    types = union_all(*(select(literal(category.value).label("code")) for category in HARDSHIP_TYPES)).subquery()
    listed = (literal(",") + record.hardship_types + literal(",")).contains(literal(",") + types.c.code + literal(","))
    derived = (
        select(hit.run_id, hit.school_id, hit.id_hash, hit.enrolment_student_id, hit.library_record_id, types.c.code,
               hit.library_name, hit.hukou_code)
        .select_from(hit).join(record, record.id == hit.library_record_id).join(types, listed)
        .where(hit.run_id == run_id, hit.category == Category.OUT_OF_PROVINCE.value)
    )
    db.session.execute(insert(MatchingHit).from_select(
        ["run_id", "school_id", "id_hash", "enrolment_student_id", "library_record_id", "category", "library_name",
         "hukou_code"], derived))


def categories_joined(category_column):
    """Category codes of a group, joined by "," in the vocabulary's order (no string_agg: portable, stable)."""
    joined = literal("")
    for category in Category:
        joined = joined + func.max(case((category_column == category.value, category.value + ","), else_=""))
    return func.rtrim(joined, ",")


def _fold_hits(run_id: int) -> None:
    hit = MatchingHit
    folded = (
        select(literal(run_id), hit.school_id, hit.id_hash, func.min(hit.enrolment_student_id),
               categories_joined(hit.category), func.max(hit.library_name), func.max(hit.hukou_code))
        .where(hit.run_id == run_id)
        .group_by(hit.school_id, hit.id_hash)
    )
    db.session.execute(insert(MatchingStudent).from_select(
        ["run_id", "school_id", "id_hash", "enrolment_student_id", "categories", "library_name", "hukou_code"], folded))


def _same_student(term: str):
    found = MatchingStudent
    return and_(HardshipStudent.school_id == found.school_id, HardshipStudent.term == term,
                HardshipStudent.id_hash == found.id_hash)


def was_matched():
    """Active students a match found. The source is compared as an expression (`source || ''`), so that a
    planner without statistics (SQLite) does not answer "a school's matched students" from the (source, term)
    index, which is there for the few students added by hand and would walk the whole term's library."""
    return and_(HardshipStudent.active.is_(True),
                HardshipStudent.source.concat("") == HardshipSource.MATCHED.value)


def _in_scope(term: str, ids: list[int] | None):
    condition = HardshipStudent.term == term
    return and_(condition, HardshipStudent.school_id.in_(ids)) if ids is not None else condition


def _gone(run_id: int, term: str, ids: list[int] | None):
    still_found = select(MatchingStudent.id).where(MatchingStudent.run_id == run_id, _same_student(term)).exists()
    return and_(_in_scope(term, ids), was_matched(), ~still_found)


def _count_changes(run_id: int, term: str) -> tuple[int, int]:
    """New and changed students, both counted from the run's few found students (each looks up its one library
    row by school, term and ID digest), never from the term's whole library."""
    found = MatchingStudent
    known = select(HardshipStudent.id).where(_same_student(term), was_matched())
    new = db.session.scalar(select(func.count()).where(found.run_id == run_id, ~known.exists()))
    changed = db.session.scalar(select(func.count()).where(
        found.run_id == run_id, known.where(HardshipStudent.categories != found.categories).exists()))
    return new, changed


def _deactivate_gone(run_id: int, term: str, ids: list[int] | None) -> int:
    """Deactivate the students no longer found; returns how many."""
    return db.session.execute(update(HardshipStudent).where(_gone(run_id, term, ids)).values(active=False),
                              execution_options=SET_BASED).rowcount


def _out_of_province(hukou, region_prefix):
    """外省户籍 by the 户籍地 when it is known (the school's file, else the base library): the ID's prefix is where
    the number was first issued, not today's hukou, so it decides only when no 户籍地 is given."""
    return func.substr(func.coalesce(hukou, region_prefix), 1, 2) != current_app.config["PROVINCE_CODE"]


def _update_found(run_id: int, term: str, now: datetime) -> None:
    """Students already in the library (found before, deactivated, or added by hand) take the new match."""
    found, student, row = MatchingStudent, EnrolmentStudent, HardshipStudent
    hukou = func.coalesce(student.hukou_code, found.hukou_code)
    out_of_province = _out_of_province(hukou, student.region_prefix)
    # Only rows with something new are written: a re-match of an unchanged province rewrites nothing.
    differs = or_(row.active.is_(False), row.source != HardshipSource.MATCHED.value,
                  row.categories != found.categories, row.name != student.name,
                  *(getattr(row, column).is_distinct_from(getattr(student, column))
                    for column in ("student_no", "stage", "grade", "class_name", "region_prefix")),
                  row.hukou_code.is_distinct_from(hukou), row.library_name.is_distinct_from(found.library_name),
                  row.out_of_province.is_distinct_from(out_of_province))
    db.session.execute(
        update(row)
        .where(_same_student(term), found.run_id == run_id, student.id == found.enrolment_student_id, differs)
        .values(name=student.name, gender=student.gender, birth_year=student.birth_year,
                region_prefix=student.region_prefix, student_no=student.student_no, stage=student.stage,
                grade=student.grade, class_name=student.class_name,
                hukou_code=hukou, source=HardshipSource.MATCHED.value, categories=found.categories, active=True,
                out_of_province=out_of_province,
                name_mismatch=found.library_name.is_not(None), library_name=found.library_name, matched_at=now,
                # a pending manual addition the match now confirms needs no review any more
                review_status=case((row.review_status == ReviewStatus.PENDING.value, None), else_=row.review_status)),
        execution_options=SET_BASED,
    )


def _insert_found(run_id: int, term: str, now: datetime) -> None:
    found, student = MatchingStudent, EnrolmentStudent
    known = select(HardshipStudent.id).where(_same_student(term)).exists()
    hukou = func.coalesce(student.hukou_code, found.hukou_code)
    columns = {
        "school_id": found.school_id, "term": literal(term), "id_hash": found.id_hash,
        "id_cipher": student.id_cipher, "id_masked": student.id_masked, "name": student.name,
        "gender": student.gender, "birth_year": student.birth_year, "region_prefix": student.region_prefix,
        "hukou_code": hukou, "student_no": student.student_no,
        "stage": student.stage, "grade": student.grade, "class_name": student.class_name,
        "source": literal(HardshipSource.MATCHED.value), "categories": found.categories, "active": true(),
        "out_of_province": _out_of_province(hukou, student.region_prefix), "duplicate": false(),
        "name_mismatch": found.library_name.is_not(None), "library_name": found.library_name,
        "matched_at": literal(now), "created_at": literal(now),
    }
    rows = (select(*columns.values()).select_from(found).join(student, student.id == found.enrolment_student_id)
            .where(found.run_id == run_id, ~known))
    db.session.execute(insert(HardshipStudent).from_select(list(columns), rows))


def _write_categories(run_id: int, term: str) -> None:
    """Each found student's categories with the library's details: stale ones out, changed ones updated, new in."""
    hit, row, detail = MatchingHit, HardshipStudent, HardshipCategory
    hit_student = and_(row.school_id == hit.school_id, row.term == term, row.id_hash == hit.id_hash)
    per_category = (
        select(row.id.label("student_id"), hit.category.label("category"),
               func.min(hit.library_record_id).label("library_record_id"),
               *(func.max(getattr(hit, column)).label(column) for column in DETAIL_COLUMNS))
        .select_from(hit).join(row, hit_student).where(hit.run_id == run_id)
        .group_by(row.id, hit.category)
    )
    found_students = (select(row.id).join(MatchingStudent, _same_student(term))
                      .where(MatchingStudent.run_id == run_id))
    still_held = (select(hit.id).join(row, hit_student)
                  .where(hit.run_id == run_id, row.id == detail.student_id, hit.category == detail.category).exists())
    db.session.execute(delete(detail).where(detail.student_id.in_(found_students), ~still_held),
                       execution_options=SET_BASED)
    fresh = per_category.subquery()
    differs = or_(detail.library_record_id.is_distinct_from(fresh.c.library_record_id),
                  *(getattr(detail, column).is_distinct_from(fresh.c[column]) for column in DETAIL_COLUMNS))
    db.session.execute(
        update(detail)
        .where(detail.student_id == fresh.c.student_id, detail.category == fresh.c.category, differs)
        .values(library_record_id=fresh.c.library_record_id, **{column: fresh.c[column] for column in DETAIL_COLUMNS}),
        execution_options=SET_BASED,
    )
    present = select(detail.id).where(detail.student_id == row.id, detail.category == hit.category).exists()
    db.session.execute(insert(detail).from_select(
        ["student_id", "category", "library_record_id", *DETAIL_COLUMNS], per_category.where(~present)))


def _forgive_respellings(run_id: int) -> None:
    """SQL compares names byte for byte; a library name that differs from the file's only in spaces or full-width
    forms is the same name, so the run forgets it before anything is written (and a re-match of an unchanged
    province rewrites nothing). Only the few found students whose names differ are looked at."""
    found, student = MatchingStudent, EnrolmentStudent
    differing = db.session.execute(
        select(found.id, student.name, found.library_name).join(student, student.id == found.enrolment_student_id)
        .where(found.run_id == run_id, found.library_name.is_not(None))
    ).all()
    forgiven = [{"found_id": found_id} for found_id, name, library_name in differing if same_name(name, library_name)]
    if forgiven:
        table = found.__table__
        db.session.execute(update(table).where(table.c.id == bindparam("found_id")).values(library_name=None), forgiven)


def mark_duplicates(term: str, ids: list[int] | None) -> set[int]:
    """学籍重复: the same ID in another school's enrolment this term. A matched student is in the library of
    every school that enrols them, so library rows are compared with library rows; a student added by hand
    (新增) is in no base library, so their ID is also looked up in the other schools' current snapshots.
    Returns the schools whose flags moved."""
    row = HardshipStudent
    elsewhere = or_(_library_holders(row.term, row.id_hash, row.school_id).exists(),
                    and_(row.source == HardshipSource.MANUAL.value,
                         _snapshot_holders(row.term, row.id_hash, row.school_id).exists()))
    if ids is None:
        scopes = [row.term == term]
    else:
        mine = aliased(HardshipStudent)
        shared = select(mine.id_hash).where(mine.term == term, mine.school_id.in_(ids))
        # the schools' own rows, then other schools' rows sharing an ID with them (two statements, so that
        # each is answered from an index: school for the first, ID digest for the second)
        scopes = [and_(row.term == term, row.school_id.in_(ids)),
                  and_(row.term == term, row.id_hash.in_(shared), row.school_id.not_in(ids))]
        if _has_additions(term):  # other schools' 新增 whom these schools' snapshots now hold, or no longer do
            scopes.append(and_(row.term == term, row.source == HardshipSource.MANUAL.value,
                               row.school_id.not_in(ids), row.id_hash.in_(_snapshot_digests(term, ids))))
    touched: set[int] = set()
    for scope in scopes:
        becomes = and_(scope, row.duplicate.is_(False), row.active.is_(True), elsewhere)
        ends = and_(scope, row.duplicate.is_(True), or_(row.active.is_(False), ~elsewhere))
        moving = set(db.session.scalars(select(row.school_id).distinct().where(or_(becomes, ends))))
        if not moving:
            continue
        with within(db.session, moving, term):  # the schools just read are those the two updates reach
            db.session.execute(update(row).where(becomes).values(duplicate=True), execution_options=SET_BASED)
            db.session.execute(update(row).where(ends).values(duplicate=False), execution_options=SET_BASED)
        touched |= moving
    return touched


def duplicate_school_ids(student: HardshipStudent) -> Select:
    """The other schools that make this student 学籍重复, by the rule mark_duplicates() applies."""
    holders = _library_holders(student.term, student.id_hash, student.school_id)
    if student.source == HardshipSource.MANUAL.value:
        holders = holders.union(_snapshot_holders(student.term, student.id_hash, student.school_id))
    return holders


def _library_holders(term, id_hash, school_id) -> Select:
    """Other schools whose library holds the ID this term (columns for a correlated test, or values)."""
    other = aliased(HardshipStudent)
    return select(other.school_id).where(other.term == term, other.id_hash == id_hash, other.school_id != school_id,
                                         other.active.is_(True))


def _snapshot_holders(term, id_hash, school_id) -> Select:
    """Other schools whose current snapshot holds the ID: one (upload, digest) index probe per current upload,
    so it is only ever asked of students added by hand, who are few."""
    pupil, upload = aliased(EnrolmentStudent), aliased(EnrolmentUpload)
    return (select(upload.school_id).join(pupil, pupil.upload_id == upload.id)
            .where(upload.term == term, upload.status == UploadStatus.CURRENT, upload.school_id != school_id,
                   pupil.id_hash == id_hash))


def _has_additions(term: str) -> bool:
    return db.session.scalar(select(HardshipStudent.id).where(
        HardshipStudent.source == HardshipSource.MANUAL.value, HardshipStudent.term == term).limit(1)) is not None


def _snapshot_digests(term: str, ids: list[int]) -> Select:
    """Every ID in these schools' snapshots of the term, the one just replaced included (its rows are only
    deleted after matching), so an ID a school dropped clears the flag it caused elsewhere."""
    return (select(EnrolmentStudent.id_hash).join(EnrolmentUpload, EnrolmentUpload.id == EnrolmentStudent.upload_id)
            .where(EnrolmentUpload.term == term, EnrolmentUpload.school_id.in_(ids),
                   EnrolmentUpload.status.in_((UploadStatus.CURRENT, UploadStatus.SUPERSEDED))))


def last_matching_at() -> datetime | None:
    """When the whole province was last matched (a base-library import after it calls for a re-match)."""
    return db.session.scalar(select(func.max(MatchingRun.finished_at))
                             .where(MatchingRun.whole_province.is_(True), MatchingRun.status == MatchingStatus.DONE))


def school_ids_with_uploads(term: str) -> Select:
    return select(EnrolmentUpload.school_id).where(EnrolmentUpload.term == term,
                                                   EnrolmentUpload.status == UploadStatus.CURRENT)
