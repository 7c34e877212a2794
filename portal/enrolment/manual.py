"""Manual additions (新增 / 自采集): a student the match missed, added by the school with categories, details
and a note. It stays 待审核 until the school's reviewing authority approves it or rejects it with a reason:
the county for its schools, the city for schools directly under it, the province for its own."""
from datetime import datetime

from flask import current_app
from sqlalchemy import Select, select

from portal import idcard
from portal.audit.services import Actor, Target, record
from portal.enrolment import matching
from portal.enrolment.common import EnrolmentError, ensure_term_open
from portal.enrolment.models import (EnrolmentStudent, EnrolmentUpload, HardshipCategory, HardshipStudent,
                                     UploadStatus)
from portal.enrolment.upload import masked_student_no
from portal.errors import NotFound
from portal.extensions import db
from portal.org.models import School
from portal.protect import protector
from portal.scope import Scope
from portal.terms import Term
from portal.vocab import (AuditAction, Category, DibaoType, DisabilityGrade, DisabilityType, Gender, HardshipSource,
                          PovertyStatus, ReviewStatus, Stage)

DETAILS = {  # the detail a category carries, and its vocabulary
    Category.POVERTY: (("poverty_status", PovertyStatus),),
    Category.DIBAO: (("dibao_type", DibaoType),),
    Category.DISABLED: (("disability_type", DisabilityType), ("disability_grade", DisabilityGrade)),
}


class NotEnrolled(EnrolmentError):
    """The ID is not in the school's current 学籍 for the term, and the school has not confirmed the addition."""


def add_student(actor: Actor, school: School, term: Term, *, number: str, name: str, student_no: str, stage: str,
                grade: str, class_name: str, categories: list[Category], details: dict[str, str], note: str,
                not_enrolled_confirmed: bool) -> HardshipStudent:
    """Add the student the school typed in (checked by forms.AdditionForm: number is a valid 18-character ID,
    categories at least one); not_enrolled_confirmed: the school was told the ID is not in its 学籍 and adds
    the student still."""
    ensure_term_open(term)
    digest = protector().digest(number)
    student = db.session.scalar(select(HardshipStudent).where(
        HardshipStudent.school_id == school.id, HardshipStudent.term == term.code, HardshipStudent.id_hash == digest))
    if student is not None and student.active and student.review_status != ReviewStatus.REJECTED.value:
        raise EnrolmentError(f"该学生（{student.name}）已在本校{term.label}就学信息库中，无需新增")
    enrolled = enrolment_of(school.id, term.code, digest)
    if enrolled is None and not not_enrolled_confirmed:
        raise NotEnrolled(_not_enrolled_text(school, term, idcard.mask(number)))
    if student is None:
        student = HardshipStudent(school_id=school.id, term=term.code, id_hash=digest)
        db.session.add(student)
    student.id_cipher, student.id_masked = protector().encrypt(number), idcard.mask(number)
    student.name = name
    student.student_no = masked_student_no(student_no or None, number, student.id_masked)
    student.gender = Gender.by_label()[idcard.gender(number)].value
    student.birth_year, student.region_prefix = idcard.birth_year(number), idcard.region_prefix(number)
    student.stage = stage if stage in {s.value for s in Stage} else None
    student.grade, student.class_name = grade or None, class_name or None
    student.source, student.active = HardshipSource.MANUAL.value, True
    student.categories = ",".join(category.value for category in categories)
    # 户籍地 as the school's 学籍 gives it; without one the ID's prefix decides 外省户籍, as matching does
    student.hukou_code = enrolled.hukou_code if enrolled is not None else None
    student.out_of_province = (student.hukou_code or student.region_prefix)[:2] != current_app.config["PROVINCE_CODE"]
    student.name_mismatch, student.library_name = False, None
    student.note, student.review_status = note, ReviewStatus.PENDING.value
    student.review_comment = student.reviewed_at = student.reviewed_by_id = None
    for stale in list(student.details):  # deleted first: the new rows reuse (student, category)
        student.details.remove(stale)
    db.session.flush()
    student.details = [
        HardshipCategory(category=category.value, **{detail: details.get(detail) or None
                                                     for detail, _ in DETAILS.get(category, ())})
        for category in categories
    ]
    db.session.flush()
    matching.mark_duplicates(term.code, [school.id])
    unenrolled = "" if enrolled is not None else "；本校学籍中无此证件号，学校确认仍新增"
    record(actor, AuditAction.ADD_STUDENT, Target.of_school(school),
           f"{term.label}：{student.name}（{student.id_masked}），{student.category_labels}{unenrolled}")
    return student


def enrolment_of(school_id: int, term: str, digest: bytes) -> EnrolmentStudent | None:
    """The student's row in the school's current 学籍 for the term, if the school's file holds the ID."""
    return db.session.scalar(
        select(EnrolmentStudent).join(EnrolmentUpload, EnrolmentUpload.id == EnrolmentStudent.upload_id)
        .where(EnrolmentUpload.school_id == school_id, EnrolmentUpload.term == term,
               EnrolmentUpload.status == UploadStatus.CURRENT, EnrolmentStudent.id_hash == digest).limit(1))


def _not_enrolled_text(school: School, term: Term, masked: str) -> str:
    has_snapshot = db.session.scalar(select(EnrolmentUpload.id).where(
        EnrolmentUpload.school_id == school.id, EnrolmentUpload.term == term.code,
        EnrolmentUpload.status == UploadStatus.CURRENT).limit(1)) is not None
    found = (f"本校{term.label}已上传的学籍中没有身份证件号 {masked}。请先核对证件号是否填错"
             if has_snapshot else f"本校尚未上传{term.label}学籍，无法核对身份证件号 {masked} 是否在籍")
    return (f"{found}；如该生确在本校就读（如刚转入、学籍尚未更新），请勾选“该生确在本校就读，仍要新增”后再提交，"
            f"审核部门会看到该生不在本校学籍中。")


# -- review by the school's authority ---------------------------------------------------------------
def additions(scope: Scope, status: str = ReviewStatus.PENDING.value) -> Select:
    query = (select(HardshipStudent).join(School, School.id == HardshipStudent.school_id)
             .where(scope.reviewed_schools(), scope.school_condition(),
                    HardshipStudent.source == HardshipSource.MANUAL.value, HardshipStudent.active.is_(True)))
    if status in {member.value for member in ReviewStatus}:
        query = query.where(HardshipStudent.review_status == status)
    return query.order_by(HardshipStudent.created_at, HardshipStudent.id)


def reviewable_addition(scope: Scope, student_id: int) -> HardshipStudent:
    student = db.session.scalar(additions(scope, "").where(HardshipStudent.id == student_id))
    if student is None:
        raise NotFound()
    return student


def review_addition(actor: Actor, student: HardshipStudent, approve: bool, comment: str) -> None:
    ensure_term_open(student.term)
    if student.review_status != ReviewStatus.PENDING.value:
        raise EnrolmentError("该新增学生已审核过")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise EnrolmentError("审核不通过时请填写原因，学校将看到该原因")
    student.review_status = (ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED).value
    student.review_comment = comment or None
    student.reviewed_at, student.reviewed_by_id = datetime.now(), actor.user_id
    school = student.school
    record(actor, AuditAction.REVIEW_STUDENT,
           Target("hardship_student", str(student.id), f"{school.name} {student.name}（{student.id_masked}）",
                  school.city_code, school.county_code, school.id),
           f"{student.review_label}{'：' + comment if comment else ''}")
