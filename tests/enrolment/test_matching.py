"""Matching: one set-based join of the term's enrolment with the base library, updating the library in place."""
import pytest
from sqlalchemy import delete, func, select

from enrolment_helpers import student_row, xlsx_file
from factories import make_id_number, make_library_person, page_text
from portal.audit.services import Actor
from portal.enrolment import matching, rematch, upload
from portal.enrolment.matching import last_matching_at
from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, HardshipStudent
from portal.errors import saving
from portal.extensions import db
from portal.library.models import LibraryRecord
from portal.progress.services import progress_of
from portal.terms import current_term
from portal.vocab import Category, DisabilityGrade, DisabilityType, PovertyStatus


def upload_rows(school, rows):
    preview, run = upload.import_file(Actor.command_line(), xlsx_file(rows), "学籍.xlsx", current_term(), school)
    db.session.commit()
    assert preview.ok, preview.errors
    return run


def library(school_id):
    return {s.name: s for s in db.session.scalars(select(HardshipStudent).where(HardshipStudent.school_id == school_id))}


def test_upload_finds_students_of_the_base_library_with_their_categories(app, world):
    poor = make_id_number(serial=1)
    make_library_person(poor, "学生1", Category.POVERTY, poverty_status=PovertyStatus.LIFTED.value)
    make_library_person(poor, "学生1", Category.DISABLED, disability_type=DisabilityType.PHYSICAL.value,
                        disability_grade=DisabilityGrade.SECOND.value)
    make_library_person(make_id_number(serial=99), "不在校", Category.DIBAO)
    db.session.commit()
    run = upload_rows(world.xuanwu_school, [student_row(1), student_row(2)])
    assert (run.students, run.new, run.gone, run.changed) == (1, 1, 0, 0)
    found = library(world.xuanwu_school.id)
    assert list(found) == ["学生1"]
    student = found["学生1"]
    assert student.categories == "poverty,disabled" and student.category_labels == "建档立卡、残疾"
    details = {d.category: d for d in student.details}
    assert details["poverty"].poverty_status == "lifted" and details["disabled"].disability_grade == "2"


def test_rematch_reports_new_gone_and_changed_and_keeps_verification(app, world):
    first, second, third = (make_id_number(serial=n) for n in (1, 2, 3))
    make_library_person(first, "学生1", Category.POVERTY)
    make_library_person(second, "学生2", Category.ORPHAN)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(1), student_row(2), student_row(3)])
    student = library(world.xuanwu_school.id)["学生1"]
    student.in_school, student.hardship_level = True, "special"
    db.session.commit()
    # the library changes: 学生1 also 低保, 学生2 leaves the library, 学生3 enters it
    make_library_person(first, "学生1", Category.DIBAO)
    db.session.execute(delete(LibraryRecord).where(LibraryRecord.name == "学生2"))
    make_library_person(third, "学生3", Category.TEKUN)
    db.session.commit()
    run = rematch.rematch_province(Actor.command_line(), current_term())
    assert (run.status, run.students, run.new, run.gone, run.changed) == ("done", 2, 1, 1, 1)
    found = library(world.xuanwu_school.id)
    assert found["学生1"].categories == "poverty,dibao" and found["学生1"].hardship_level == "special"
    assert found["学生1"].in_school is True
    assert not found["学生2"].active and found["学生3"].active  # gone is kept, as history
    assert {d.category for d in found["学生2"].details} == {"orphan"}
    # the same again changes nothing
    again = rematch.rematch_province(Actor.command_line(), current_term())
    assert (again.new, again.gone, again.changed) == (0, 0, 0)
    assert last_matching_at() == again.finished_at


def test_name_mismatch_forgives_spaces_and_full_width_forms(app, world):
    make_library_person(make_id_number(serial=1), "王小明", Category.POVERTY)
    make_library_person(make_id_number(serial=2), "李 华", Category.POVERTY)
    make_library_person(make_id_number(serial=3), "ＡＬＩ买买提", Category.POVERTY)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(1, "王晓明"), student_row(2, "李华"), student_row(3, "ALI买买提")])
    found = library(world.xuanwu_school.id)
    assert found["王晓明"].name_mismatch and found["王晓明"].library_name == "王小明"
    assert not found["李华"].name_mismatch and found["李华"].library_name is None
    assert not found["ALI买买提"].name_mismatch


def test_a_rematch_of_an_unchanged_province_rewrites_no_student(app, world):
    make_library_person(make_id_number(serial=1), "李 华", Category.POVERTY)  # forgiven: spaces only
    make_library_person(make_id_number(serial=2), "王小明", Category.POVERTY)  # a real mismatch
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(1, "李华"), student_row(2, "王晓明")])
    before = {name: student.matched_at for name, student in library(world.xuanwu_school.id).items()}
    rematch.rematch_province(Actor.command_line(), current_term())
    db.session.expire_all()
    found = library(world.xuanwu_school.id)
    assert {name: student.matched_at for name, student in found.items()} == before
    assert not found["李华"].name_mismatch and found["王晓明"].library_name == "王小明"


def test_out_of_province_ids_are_flagged_and_the_place_is_named(app, world, client, login_as):
    anhui = make_id_number(region="340104", serial=1)
    make_library_person(anhui, "外省生", Category.OUT_OF_PROVINCE)
    make_library_person(make_id_number(serial=2), "本省生", Category.POVERTY)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(1, "外省生", id_number=anhui), student_row(2, "本省生")])
    found = library(world.xuanwu_school.id)
    assert found["外省生"].out_of_province and not found["本省生"].out_of_province
    login_as("school")
    text = page_text(client.get(f"/enrolment/students/{found['外省生'].id}"))
    assert "安徽省合肥市" in text and "外省户籍" in text


def test_duplicate_enrolment_is_flagged_for_both_schools_until_one_drops_the_student(app, world):
    shared = make_id_number(serial=7)
    make_library_person(shared, "两校生", Category.DIBAO)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(7, "两校生"), student_row(8)])
    assert not library(world.xuanwu_school.id)["两校生"].duplicate
    upload_rows(world.xishan_school, [student_row(7, "两校生")])
    assert library(world.xuanwu_school.id)["两校生"].duplicate and library(world.xishan_school.id)["两校生"].duplicate
    assert progress_of(world.xuanwu_school.id, current_term().code).duplicates == 1
    upload_rows(world.xishan_school, [student_row(9)])
    assert not library(world.xuanwu_school.id)["两校生"].duplicate
    assert progress_of(world.xuanwu_school.id, current_term().code).duplicates == 0


def test_a_crash_during_matching_leaves_the_previous_snapshot_current(app, world, monkeypatch):
    make_library_person(make_id_number(serial=1), "学生1", Category.POVERTY)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(1)])
    login_free_actor = Actor.command_line()
    preview = upload.preview_upload(login_free_actor, world.xuanwu_school, current_term(),
                                    xlsx_file([student_row(2), student_row(3)]), "新学籍.xlsx")

    def broken_match(run, school_ids):
        raise RuntimeError("disk full")

    monkeypatch.setattr(matching, "match", broken_match)
    db.session.commit()
    with pytest.raises(RuntimeError), saving():  # as the confirming view: rolled back, then raised on
        upload.confirm_upload(login_free_actor, world.xuanwu_school, preview.upload_ids[0], acknowledged=True)
    db.session.expire_all()
    current = db.session.scalar(select(EnrolmentUpload).where(EnrolmentUpload.status == "current"))
    assert current.filename == "学籍.xlsx" and current.students == 1
    assert db.session.scalar(select(func.count()).where(EnrolmentStudent.upload_id == current.id)) == 1
    assert library(world.xuanwu_school.id)["学生1"].active
    assert db.session.get(EnrolmentUpload, preview.upload_ids[0]).status == "pending"


def test_matching_is_limited_to_the_given_schools(app, world):
    make_library_person(make_id_number(serial=1), "学生1", Category.POVERTY)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(1)])
    upload_rows(world.qinhuai_school, [student_row(2)])
    make_library_person(make_id_number(serial=2), "学生2", Category.POVERTY)
    db.session.commit()
    upload_rows(world.xuanwu_school, [student_row(1)])
    assert "学生2" not in library(world.qinhuai_school.id)  # only a re-match or its own upload finds it
    rematch.rematch_province(Actor.command_line(), current_term())
    assert "学生2" in library(world.qinhuai_school.id)
