"""A school's hardship enrolment library (就学信息库): the filtered table, one student, verification, the
full ID on request, and the xlsx export. Every write refreshes the school's progress figures."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from portal import sheets
from portal.audit.services import Actor, Target, record
from portal.audit.services import reveal as reveal_number
from portal.enrolment import matching
from portal.enrolment.common import ensure_term_open
from portal.enrolment.models import HardshipCategory, HardshipStudent, category_labels, detail_text, flags_of
from portal.exports import batches
from portal.extensions import db
from portal.notices.models import NoticeRecord
from portal.org.models import School
from portal.terms import Term
from portal.vocab import AuditAction, Category, HardshipLevel, HardshipSource, LibraryFlag, ReviewStatus, Stage

SORTS = {
    "class": (HardshipStudent.class_name, HardshipStudent.name),
    "name": (HardshipStudent.name,),
    "student_no": (HardshipStudent.student_no,),
    "categories": (HardshipStudent.categories, HardshipStudent.class_name),
    "grade": (HardshipStudent.grade, HardshipStudent.class_name, HardshipStudent.name),
}
FLAG_CONDITIONS = {
    LibraryFlag.OUT_OF_PROVINCE: lambda: HardshipStudent.out_of_province.is_(True),
    LibraryFlag.DUPLICATE: lambda: HardshipStudent.duplicate.is_(True),
    LibraryFlag.MANUAL: lambda: HardshipStudent.source == HardshipSource.MANUAL.value,
    LibraryFlag.NAME_MISMATCH: lambda: HardshipStudent.name_mismatch.is_(True),
    LibraryFlag.PENDING: lambda: HardshipStudent.review_status == ReviewStatus.PENDING.value,
    LibraryFlag.REJECTED: lambda: HardshipStudent.review_status == ReviewStatus.REJECTED.value,
    LibraryFlag.UNVERIFIED: lambda: HardshipStudent.verified_at.is_(None),
    LibraryFlag.NO_LEVEL: HardshipStudent.lacks_hardship_level,
}
NOTIFIED_FILTERS = {"yes": "已告知", "no": "未告知"}
# what the export reads of each student, as plain rows (no ORM object per student)
EXPORT_COLUMNS = tuple(getattr(HardshipStudent, name) for name in (
    "id", "student_no", "name", "id_masked", "stage", "grade", "class_name", "categories", "hukou_code", "in_school",
    "needs_aid", "hardship_level", "review_status", "out_of_province", "duplicate", "source", "name_mismatch"))
DETAIL_COLUMNS = (HardshipCategory.student_id, HardshipCategory.category, HardshipCategory.poverty_status,
                  HardshipCategory.dibao_type, HardshipCategory.disability_type, HardshipCategory.disability_grade)
EXPORT_HEADER = ["学籍号", "姓名", "身份证件号", "学段", "年级", "班级", "类别", "类别详情", "标记", "户籍地代码",
                 "是否在校", "是否需要资助", "困难等级", "审核状态"]


@dataclass(frozen=True)
class LibraryFilter:
    """What the library table shows: these students, in this order (forms.LibraryFilterForm reads it from a
    query string)."""

    class_name: str = ""
    category: str = ""
    flag: str = ""
    search: str = ""
    sort: str = "class"
    descending: bool = False
    grade: str = ""
    notified: str = ""  # "yes" / "no": whether the family was told this term (portal.notices)


def library_students(school_id: int, term: str, filters: LibraryFilter) -> Select:
    """The school's library for the term as the table shows it (students no longer matched are left out)."""
    query = select(HardshipStudent).where(HardshipStudent.school_id == school_id, HardshipStudent.term == term,
                                          HardshipStudent.active.is_(True))
    if filters.class_name:
        query = query.where(HardshipStudent.class_name == filters.class_name)
    if filters.category:
        query = query.where(HardshipStudent.categories.contains(filters.category))
    if filters.flag:
        query = query.where(FLAG_CONDITIONS[LibraryFlag(filters.flag)]())
    if filters.grade:
        query = query.where(HardshipStudent.grade == filters.grade)
    if filters.notified:
        told = select(NoticeRecord.id).where(NoticeRecord.student_id == HardshipStudent.id).exists()
        query = query.where(told if filters.notified == "yes" else ~told)
    if filters.search:
        query = query.where(HardshipStudent.name.contains(filters.search, autoescape=True)
                            | (HardshipStudent.student_no == filters.search))
    order = [column.desc() if filters.descending else column for column in SORTS[filters.sort]]
    return query.order_by(*order, HardshipStudent.id)


def class_names(school_id: int, term: str) -> list[str]:
    return list(db.session.scalars(
        select(HardshipStudent.class_name).distinct()
        .where(HardshipStudent.school_id == school_id, HardshipStudent.term == term,
               HardshipStudent.active.is_(True), HardshipStudent.class_name.is_not(None))
        .order_by(HardshipStudent.class_name)))


def grade_names(school_id: int, term: str) -> list[str]:
    return list(db.session.scalars(
        select(HardshipStudent.grade).distinct()
        .where(HardshipStudent.school_id == school_id, HardshipStudent.term == term,
               HardshipStudent.active.is_(True), HardshipStudent.grade.is_not(None))
        .order_by(HardshipStudent.grade)))


def duplicate_schools(student: HardshipStudent) -> list[School]:
    """学籍重复: the other schools that enrol the same ID this term, so that both schools (and their counties)
    know whom to ask. Only the schools' names leave their scope here, never the other rows."""
    if not student.duplicate:
        return []
    return list(db.session.scalars(select(School).where(School.id.in_(matching.duplicate_school_ids(student)))
                                   .order_by(School.code)))


def _target(student: HardshipStudent) -> Target:
    school = student.school
    return Target("hardship_student", str(student.id), f"{school.name} {student.name}（{student.id_masked}）",
                  school.city_code, school.county_code, school.id)


def verify(actor: Actor, student: HardshipStudent, in_school: bool | None, needs_aid: bool | None,
           level: str | None) -> None:
    """003 §二(三): whether the student is in school, needs aid, and the hardship level the school assessed."""
    ensure_term_open(student.term)
    level = level if level in {member.value for member in HardshipLevel} else None
    student.in_school, student.needs_aid, student.hardship_level = in_school, needs_aid, level
    student.verified_at = datetime.now()
    student.verified_by_id = actor.user_id
    record(actor, AuditAction.VERIFY_STUDENT, _target(student),
           f"在校：{_yes_no(in_school)}；需要资助：{_yes_no(needs_aid)}；困难等级：{HardshipLevel.label_of(level) or '未填'}")


def _yes_no(value: bool | None) -> str:
    return "未填" if value is None else "是" if value else "否"


def reveal_id(actor: Actor, student: HardshipStudent, reason: str | None) -> str:
    """The full ID number, on an explicit request with its reason; every reveal is in the audit log
    (RevealRefused without a reason)."""
    return reveal_number(actor, student.id_cipher, _target(student), reason=reason)


def export_count(school_id: int, term: str) -> int:
    """The lines the export would hold: above exports.IN_REQUEST_ROWS (a big school) the worker writes it."""
    counted = library_students(school_id, term, LibraryFilter()).with_only_columns(func.count()).order_by(None)
    return db.session.scalar(counted)


def export_name(school: School, term: Term) -> str:
    return f"{school.name}{term.label}就学信息库.xlsx"


def library_xlsx(actor: Actor, school: School, term: Term, progress=None) -> bytes:
    """One row per student of the library, ID numbers masked, read a batch at a time as plain rows (each batch's
    category details in one query); the export is recorded in the audit log (the caller commits).
    progress(done) is told after each batch."""
    query = library_students(school.id, term.code, LibraryFilter()).with_only_columns(*EXPORT_COLUMNS)
    listed = batches(query, progress)

    def lines():
        for students in listed:
            details: dict[int, list] = {}
            for detail in db.session.execute(
                    select(*DETAIL_COLUMNS).where(HardshipCategory.student_id.in_([row.id for row in students]))
                    .order_by(HardshipCategory.student_id, HardshipCategory.category)):
                details.setdefault(detail.student_id, []).append(detail)
            for student in students:
                yield _export_row(student, details.get(student.id, []))

    content = sheets.stream_xlsx(EXPORT_HEADER, lines(), sheet_title=f"{term.label}就学信息库")
    record(actor, AuditAction.EXPORT, Target.of_school(school), f"{term.label}就学信息库，{listed.done} 人（证件号已脱敏）")
    return content


def _export_row(student, details: list) -> list:
    return [
        student.student_no, student.name, student.id_masked, Stage.label_of(student.stage), student.grade,
        student.class_name, category_labels(student.categories),
        "；".join(f"{Category.label_of(d.category)}：{detail_text(d)}" for d in details if detail_text(d)),
        "、".join(flag.label for flag in flags_of(student)), student.hukou_code,
        _yes_no(student.in_school), _yes_no(student.needs_aid), HardshipLevel.label_of(student.hardship_level),
        ReviewStatus.label_of(student.review_status),
    ]
