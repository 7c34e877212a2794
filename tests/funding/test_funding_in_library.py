"""The enrolment library shows each student's funding: status and amount columns, a 未受助 filter, and the
student page's funding history."""
from sqlalchemy import select

from factories import page_text
from funding_files import library, subsidy
from portal.extensions import db
from portal.funding.models import FundingRecord


def fund(student, project, amount=250):
    db.session.add(FundingRecord(school_id=student.school_id, period="2026-autumn", term="2026-autumn",
                                 project_id=project.id, id_hash=student.id_hash, id_cipher=b"-",
                                 id_masked=student.id_masked, name=student.name, amount=amount))


def test_library_table_shows_status_amount_and_filters_unfunded(client, login_as, world):
    project = subsidy(world.province)
    students = library(world.xuanwu_school, 3)
    fund(students[0], project, 250)
    db.session.commit()
    login_as("school")
    url = f"/enrolment/schools/{world.xuanwu_school.id}/library?term=2026-autumn"
    text = page_text(client.get(url))
    assert "2026秋资助" in text and "已受助 250.00" in text and text.count("未受助") >= 2
    fragment = client.get(url + "&funding=unfunded", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    shown = page_text(fragment)
    assert "学生2" in shown and "学生3" in shown and "学生1" not in shown


def test_student_page_shows_funding_history(client, login_as, world):
    project = subsidy(world.province)
    students = library(world.xuanwu_school, 1)
    fund(students[0], project, 480)
    db.session.commit()
    login_as("school")
    text = page_text(client.get(f"/enrolment/students/{students[0].id}"))
    assert "资助记录（各期）" in text and "2026秋" in text and "480.00" in text
    assert db.session.scalar(select(FundingRecord.amount)) == 480
