"""The demo: most schools have a matched snapshot after seeding, and seed/samples/ uploads as the demo school."""
import os

from sqlalchemy import func, select

from factories import page_text
from portal.enrolment.models import EnrolmentUpload, HardshipStudent
from portal.extensions import db
from portal.progress.models import SchoolProgress
from portal.terms import current_term
from seed import demo
from seed.build_samples import EXPORT_HEADER, FOLDER, SCHOOL, clean_rows, export_rows, faulty_rows
from portal.vocab import Category
from seed.demo_people import demo_school_people, demo_school_students


def sample(kind: str) -> str:
    return os.path.join(FOLDER, f"学籍_{SCHOOL}_{kind}示例.xlsx")


def test_demo_schools_are_matched_and_the_samples_upload(app, client):
    demo.seed_demo()
    term = current_term().code
    schools = db.session.scalar(select(func.count()).select_from(SchoolProgress)
                                .where(SchoolProgress.term == term, SchoolProgress.uploaded_at.is_not(None)))
    assert schools > 1500
    hardship = db.session.scalar(select(func.sum(SchoolProgress.hardship)).where(SchoolProgress.term == term))
    enrolled = db.session.scalar(select(func.sum(EnrolmentUpload.students)).where(EnrolmentUpload.status == "current"))
    assert 0.03 < hardship / enrolled < 0.12
    assert db.session.scalar(select(func.count()).where(HardshipStudent.duplicate.is_(True))) > 0

    client.post("/login", data={"username": "xuexiao", "password": demo.DEMO_PASSWORD})
    with open(sample("含错误"), "rb") as handle:
        refused = client.post("/enrolment/upload", data={"file": (handle, "含错误.xlsx")},
                              content_type="multipart/form-data")
    text = page_text(refused)
    for reason in ("Excel", "校验码不正确", "出生日期不存在", "重复"):
        assert reason in text, reason
    assert "&lt;script&gt;" in refused.get_data(as_text=True) or "script" not in text
    with open(sample("学籍系统导出"), "rb") as handle:  # no 学段, no 入学年月: read all the same
        exported = page_text(client.post("/enrolment/upload", data={"file": (handle, "导出.xlsx")},
                                         content_type="multipart/form-data"))
    assert f"可导入学生 {len(demo_school_students())} 人" in exported and "错误 0 处" in exported
    assert "（文件中没有） 学段：按年级判断" in exported and "身份证件类型 未识别，不导入" in exported
    with open(sample("正确"), "rb") as handle:
        client.post("/enrolment/upload", data={"file": (handle, "正确.xlsx")}, content_type="multipart/form-data")
    pending = db.session.scalar(select(EnrolmentUpload.id).where(EnrolmentUpload.status == "pending"))
    library = client.get(client.post(f"/enrolment/upload/{pending}/confirm").headers["Location"])
    people = demo_school_people()
    assert f"共 {len(people)} 名特殊困难学生" in page_text(library)
    enrolled = {student["id_number"]: student["name"] for student in demo_school_students()}
    respelt = next(enrolled[p.id_number] for p in people if enrolled[p.id_number] != p.name)
    outsider = next(p.name for p in people if Category.OUT_OF_PROVINCE in p.categories)
    assert respelt in page_text(client.get(library.request.path + "?flag=name_mismatch"))
    assert outsider in page_text(client.get(library.request.path + "?flag=out_of_province"))


def test_the_committed_samples_are_what_build_samples_writes(app):
    from python_calamine import CalamineWorkbook

    clean = CalamineWorkbook.from_path(sample("正确")).get_sheet_by_index(0).to_python()
    assert [str(cell) for cell in clean[1]] == [str(cell) for cell in clean_rows()[0]]
    assert len(clean) == len(clean_rows()) + 1
    faulty = CalamineWorkbook.from_path(sample("含错误")).get_sheet_by_index(0).to_python()
    assert len(faulty) == len(faulty_rows()) + 2
    exported = CalamineWorkbook.from_path(sample("学籍系统导出")).get_sheet_by_index(0).to_python()
    assert exported[2][1:] == export_rows()[0][1:]
    assert exported[1] == EXPORT_HEADER and len(exported) == len(export_rows()) + 2
