"""Progress rows that cannot go stale: every kind of writer leaves the dashboards' figures right though none of them
calls refresh_progress — the commit refreshes the schools the transaction touched (portal.progress.touched)."""
import hashlib
import io
import traceback
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import delete, event, insert, literal, select, update

from factories import (make_enrolled_student, make_funding_record, make_id_number, make_library_person, make_school,
                       make_unfunded_student, page_text)
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.funding import fiscal
from portal.oversight.figures import figures_of
from portal.progress import services as progress_services
from portal.progress import touched
from portal.progress.models import ReasonsProgress, SchoolProgress
from portal.progress.services import progress_of, refresh_progress
from portal.terms import parse_term
from portal.vocab import Category

TERM = parse_term("2026-autumn")


@pytest.fixture(autouse=True)
def refreshes(monkeypatch):
    """Every call of refresh_progress, with whether it came from the commit hook: no writer may call it."""
    calls = []
    original = progress_services.refresh_progress

    def spy(school_ids, term):
        stack = "".join(traceback.format_stack())
        calls.append("refresh_touched" in stack)
        return original(school_ids, term)

    monkeypatch.setattr(progress_services, "refresh_progress", spy)
    yield calls
    assert all(calls), "a writer called refresh_progress itself"


def figures(school) -> dict:
    db.session.expire_all()
    return figures_of(school, TERM)


def enrolment_xlsx(numbers: list[str]) -> bytes:
    book = Workbook()
    book.active.append(["学籍号", "姓名", "性别", "身份证件号", "学段", "年级", "班级", "入学年月", "户籍地"])
    for serial, number in enumerate(numbers, start=1):
        book.active.append([f"G{number}", f"学生{serial}", "", number, "小学", "三年级", "三年级（1）班", "2022-09", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- each writer -----------------------------------------------------------------------------------------------

def test_upload_and_match_fill_the_figures(client, login_as, world, refreshes):
    make_library_person(make_id_number(serial=1), "学生1", Category.DIBAO)
    db.session.commit()
    login_as("school")
    numbers = [make_id_number(serial=serial) for serial in (1, 2, 3)]
    client.post("/enrolment/upload", data={"file": (io.BytesIO(enrolment_xlsx(numbers)), "学籍.xlsx")},
                content_type="multipart/form-data")
    from portal.enrolment.models import EnrolmentUpload

    pending = db.session.scalar(select(EnrolmentUpload.id).where(EnrolmentUpload.status == "pending"))
    assert refreshes == [] and progress_of(world.xuanwu_school.id, TERM.code) is None  # no figure counts a preview
    assert client.post(f"/enrolment/upload/{pending}/confirm").status_code == 303
    found = figures(world.xuanwu_school)
    assert (found["uploaded"], found["students"], found["hardship"], found["dibao"]) == (1, 3, 1, 1)
    assert refreshes and all(refreshes)  # the hook ran, nobody else


def test_manual_add_and_its_review(client, login_as, world):
    login_as("school")
    form = {"id_number": make_id_number(serial=40), "name": "漏比对", "student_no": "", "stage": "primary",
            "grade": "四年级", "class_name": "四年级（3）班", "categories": ["dibao"], "dibao_type": "rural",
            "note": "民政部门证明", "not_enrolled_confirmed": "1"}
    assert client.post("/enrolment/add", data=form).status_code == 303
    assert (figures(world.xuanwu_school)["manual_pending"], figures(world.xuanwu_school)["hardship"]) == (1, 0)
    client.post("/logout")
    login_as("county")
    student = db.session.scalar(select(HardshipStudent).where(HardshipStudent.name == "漏比对"))
    approved = client.post(f"/enrolment/students/{student.id}/review", data={"decision": "approve"},
                           headers={"HX-Request": "true"})
    assert "已通过" in approved.text
    assert (figures(world.xuanwu_school)["manual_pending"], figures(world.xuanwu_school)["hardship"]) == (0, 1)


def test_reasons_and_review_read_right(client, login_as, world, deadline_calendar, today_is):
    today_is(date(2026, 11, 22))
    pupil = make_unfunded_student(world.xuanwu_school, "张三")
    db.session.commit()
    assert figures(world.xuanwu_school)["unfunded_without_reason"] == 1  # 应助未助 as soon as the student exists
    login_as("school")
    saved = client.post(f"/reasons/{TERM.code}/students/{pupil.id}", data={"reason": "declined", "note": "", "version": "0"},
                        headers={"HX-Request": "true"})
    assert saved.status_code == 200
    found = figures(world.xuanwu_school)
    assert (found["unfunded_with_reason"], found["unfunded_without_reason"], found["status_in_progress"]) == (1, 0, 1)
    assert client.post(f"/reasons/{TERM.code}/submit").status_code == 303
    assert figures(world.xuanwu_school)["status_submitted"] == 1


def test_a_funding_record_entered_and_deleted(world):
    student = make_unfunded_student(world.xuanwu_school, "李四")
    db.session.commit()
    record = make_funding_record(student, TERM.code)
    db.session.commit()
    found = figures(world.xuanwu_school)
    assert (found["funded"], found["unfunded_without_reason"]) == (1, 0)
    assert progress_of(world.xuanwu_school.id, TERM.code).national_amount == 500
    db.session.execute(delete(type(record)).where(type(record).id == record.id))  # a Core DELETE
    db.session.commit()
    assert figures(world.xuanwu_school)["funded"] == 0
    assert progress_of(world.xuanwu_school.id, TERM.code).national_amount == 0


def test_a_moved_schools_payouts_count_under_its_new_county_on_the_fiscal_page(client, login_as, world):
    """The fiscal page counted a moved school's payouts under its old county: no longer."""
    student = make_unfunded_student(world.xuanwu_school, "王五")
    make_funding_record(student, TERM.code)
    db.session.commit()
    disbursed = lambda: {b.region.name: b.disbursed for b in fiscal.balances(_province_scope(world), world.nanjing, TERM)}
    assert disbursed() == {"南京市": Decimal(500), "玄武区": Decimal(500), "秦淮区": Decimal(0)}
    login_as("province")
    moved = client.post(f"/org/schools/{world.xuanwu_school.id}/move", data={"region_code": world.qinhuai.code})
    assert moved.status_code in (200, 303)
    db.session.expire_all()
    assert disbursed() == {"南京市": Decimal(500), "玄武区": Decimal(0), "秦淮区": Decimal(500)}
    client.post("/logout")
    login_as("city")
    page = page_text(client.get("/funding/fiscal"))
    assert "玄武区 0.00 0.00 0.00 0.00 0.00 0.00 —" in page and "秦淮区 0.00 0.00 0.00 0.00 0.00 500.00 —" in page
    row = progress_of(world.xuanwu_school.id, TERM.code)
    assert (row.city_code, row.county_code) == ("320100", world.qinhuai.code)


def test_marking_a_school_shell_drops_it_from_every_figure(client, login_as, world):
    student = make_unfunded_student(world.xuanwu_school, "赵六")
    make_funding_record(student, TERM.code)
    db.session.commit()
    login_as("province")
    assert client.post(f"/org/schools/{world.xuanwu_school.id}/active", data={"active": "0"}).status_code in (200, 303)
    db.session.expire_all()
    assert progress_of(world.xuanwu_school.id, TERM.code).school_active is False
    disbursed = {b.region.name: b.disbursed for b in fiscal.balances(_province_scope(world), world.nanjing, TERM)}
    assert disbursed["玄武区"] == 0
    county = page_text(client.get(f"/oversight/regions/{world.xuanwu.code}")).split("区划 / 学校")[1]
    assert "玄武区第二小学" in county and "玄武区第一小学" not in county


def _province_scope(world):
    from factories import make_user
    from portal.scope import Scope
    from portal.vocab import Role

    return Scope(make_user(Role.PROVINCE, region=world.province))


# -- a writer that knows nothing of progress -------------------------------------------------------------------

def _new_student(school, serial: int, **values) -> dict:
    return dict(school_id=school.id, term=TERM.code, id_hash=hashlib.md5(f"new-{serial}".encode()).digest(),
                id_cipher=b"-", id_masked="320102************", name=f"新{serial}", region_prefix="320102",
                class_name="一年级1班", categories="orphan", active=True, source="matched", **values)


def test_a_new_writer_that_forgets_nothing_still_leaves_the_figures_right(world):
    """ORM objects, a Core INSERT of many rows, an INSERT … SELECT, an UPDATE and a DELETE: nobody notes anything."""
    db.session.add(HardshipStudent(**_new_student(world.xuanwu_school, 1)))
    db.session.commit()
    assert figures(world.xuanwu_school)["orphan"] == 1
    db.session.execute(insert(HardshipStudent), [_new_student(world.qinhuai_school, 2), _new_student(world.xishan_school, 3)])
    db.session.commit()
    assert (figures(world.qinhuai_school)["orphan"], figures(world.xishan_school)["orphan"]) == (1, 1)
    copied = select(HardshipStudent.id_hash, HardshipStudent.id_cipher, HardshipStudent.id_masked, HardshipStudent.name,
                    HardshipStudent.region_prefix, HardshipStudent.class_name, HardshipStudent.categories,
                    HardshipStudent.active, HardshipStudent.source, HardshipStudent.term) \
        .where(HardshipStudent.school_id == world.xishan_school.id)
    db.session.execute(insert(HardshipStudent).from_select(
        ["id_hash", "id_cipher", "id_masked", "name", "region_prefix", "class_name", "categories", "active", "source",
         "term", "school_id"],
        select(*copied.selected_columns, literal(world.xuanwu_school_2.id))
        .where(HardshipStudent.school_id == world.xishan_school.id)))
    db.session.commit()
    assert figures(world.xuanwu_school_2)["orphan"] == 1
    db.session.execute(update(HardshipStudent).where(HardshipStudent.school_id == world.qinhuai_school.id)
                       .values(verified_at=datetime(2026, 10, 1)))
    db.session.commit()
    assert figures(world.qinhuai_school)["verified"] == 1
    db.session.execute(delete(HardshipStudent).where(HardshipStudent.school_id == world.xishan_school.id))
    db.session.commit()
    assert figures(world.xishan_school)["hardship"] == 0
    student = db.session.scalar(select(HardshipStudent).where(HardshipStudent.school_id == world.xuanwu_school.id))
    student.active = False  # a changed ORM object
    db.session.commit()
    assert figures(world.xuanwu_school)["hardship"] == 0


def test_statements_within_the_schools_their_writer_names_are_noted_without_reading_them_back(world):
    db.session.add_all([HardshipStudent(**_new_student(world.xuanwu_school, 1)),
                        HardshipStudent(**_new_student(world.qinhuai_school, 2))])
    db.session.commit()
    xuanwu, qinhuai = world.xuanwu_school.id, world.qinhuai_school.id
    statements = []

    def heard(_connection, _cursor, statement, *_):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", heard)
    try:
        with touched.within(db.session(), {xuanwu}, TERM.code):
            db.session.execute(update(HardshipStudent).where(HardshipStudent.school_id == xuanwu)
                               .values(verified_at=datetime(2026, 10, 1)))
        assert len(statements) == 1 and statements[0].startswith("UPDATE")
        assert touched.pending(db.session()) == {TERM.code: {xuanwu}}
        db.session.execute(update(HardshipStudent).where(HardshipStudent.school_id == qinhuai)
                           .values(verified_at=datetime(2026, 10, 1)))  # outside: read back as ever
        assert len(statements) == 3 and statements[1].startswith("SELECT DISTINCT")
        assert touched.pending(db.session()) == {TERM.code: {xuanwu, qinhuai}}
    finally:
        event.remove(db.engine, "before_cursor_execute", heard)
    db.session.commit()
    assert figures(world.xuanwu_school)["verified"] == figures(world.qinhuai_school)["verified"] == 1


def test_a_rollback_forgets_what_it_touched(world):
    db.session.add(HardshipStudent(**_new_student(world.xuanwu_school, 7)))
    db.session.flush()
    assert touched.pending(db.session())
    db.session.rollback()
    assert not touched.pending(db.session())
    db.session.commit()
    assert progress_of(world.xuanwu_school.id, TERM.code) is None


def test_a_vocational_month_rolls_over_when_read(world, deadline_calendar, today_is):
    """Nothing stored depends on today: the 中职 month being reported is chosen as the rows are read."""
    school = world.nanjing_city_school
    today_is(date(2026, 10, 5))
    make_unfunded_student(school, "孙七")
    db.session.commit()
    periods = set(db.session.scalars(select(ReasonsProgress.period).where(ReasonsProgress.school_id == school.id)))
    assert {"2026-09", "2026-10", "2026-11", "2026-12"} <= periods  # every month of the term, counted at once
    assert figures_of(school, TERM, date(2026, 10, 5))["unfunded_without_reason"] == 1
    columns = {column.name for column in SchoolProgress.__table__.columns}
    assert not {"reasons_due", "reasons_period", "reasons_status", "graded"} & columns


# -- set-based -------------------------------------------------------------------------------------------------

def _statements(work) -> int:
    count = []
    listener = lambda *args: count.append(1)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(count)


def test_bulk_refresh_is_set_based(world):
    few = [make_school(world.xuanwu, f"少{n}") for n in range(2)]
    many = [make_school(world.xuanwu, f"多{n}") for n in range(20)]
    for school in few + many:
        make_enrolled_student(school, make_id_number(serial=school.id), "甲")
    db.session.commit()
    few_ids, many_ids = [school.id for school in few], [school.id for school in many]
    small = _statements(lambda: refresh_progress(few_ids, TERM.code))
    large = _statements(lambda: refresh_progress(many_ids, TERM.code))
    assert small == large  # the same statements whatever the number of schools
    db.session.commit()
    assert all(figures(school)["hardship"] == 1 for school in many)


def test_a_registry_import_that_moves_a_school_moves_its_figures(client, login_as, world):
    """The province's 学校 import updates schools as one executemany UPDATE: its moves refresh their rows too."""
    student = make_unfunded_student(world.xuanwu_school, "钱八")
    make_funding_record(student, TERM.code)
    db.session.commit()
    login_as("province")
    book = Workbook()
    book.active.append(["学校标识码", "学校名称", "所在区划代码", "学段", "办学性质"])
    book.active.append([world.xuanwu_school.code, world.xuanwu_school.name, world.xishan.code, "小学", "公办"])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = client.post("/org/import/schools", data={"file": (io.BytesIO(buffer.getvalue()), "学校.xlsx")},
                          content_type="multipart/form-data")
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    assert client.post("/org/import/schools/confirm", data={"token": token}).status_code == 303
    db.session.expire_all()
    row = progress_of(world.xuanwu_school.id, TERM.code)
    assert (row.city_code, row.county_code, row.national_amount) == ("320200", world.xishan.code, 500)
    disbursed = {b.region.name: b.disbursed for b in fiscal.balances(_province_scope(world), world.province, TERM)}
    assert (disbursed["南京市"], disbursed["无锡市"]) == (0, 500)
