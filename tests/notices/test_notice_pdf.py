"""The notices as one PDF (issue 15 check): a class of 40 gives 40 pages, each with its own student's name and
none with another's; the PDF is made the same way by the web (a bounded batch) and by `flask print-notices`."""
from sqlalchemy import select

from factories import make_funding_record, page_text
from notice_helpers import make_class, make_primary_catalogue, pdf_pages
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notices import services
from portal.notices.pdf import render_notices_pdf
from portal.terms import parse_term

TERM = parse_term("2026秋")


def assert_one_page_each(pages: list[str], names: list[str]) -> None:
    assert len(pages) == len(names)
    for page, name in zip(pages, names):
        assert name in page
        assert [other for other in names if other != name and other in page] == []


def test_a_class_of_40_renders_40_pages_each_with_its_own_student_only(app, world, tmp_path):
    make_primary_catalogue(world.province)
    students = make_class(world.xuanwu_school, "三年级2班", 40)
    make_class(world.xuanwu_school, "三年级3班", 3)  # another class of the school: not in the batch
    make_funding_record(students[0], "2026-autumn")
    db.session.commit()
    calls = []

    out = tmp_path / "class.pdf"
    count = render_notices_pdf(world.xuanwu_school, TERM, services.Selection.of_class("三年级2班"), out,
                               progress=lambda done, total: calls.append((done, total)))

    pages = pdf_pages(out.read_bytes())
    assert count == 40 and calls[-1] == (40, 40)
    assert len({s.name for s in students}) == 40
    assert_one_page_each(pages, [s.name for s in sorted(students, key=lambda s: (s.name, s.id))])  # class, name order
    first = next(page for page in pages if students[0].name in page).replace("\n", "")
    assert "回" in first and "家长签名" in first  # the tear-off slip
    assert "义务教育家庭经济困难学生生活补助" in first and "1,000/500" in first  # the stage's policy with amounts
    assert "合计 500.00 元" in first  # what the student received this period
    assert "最低生活保障家庭" in first  # the category in a family's words
    assert "3201" not in first  # no ID number, not even the masked one


def test_the_web_pdf_of_a_class_and_its_audit(client, login_as, world):
    make_primary_catalogue(world.province)
    students = make_class(world.xuanwu_school, "三年级2班", 5)
    db.session.commit()
    login_as("school")

    response = client.get(f"/notices/schools/{world.xuanwu_school.id}/notices.pdf?term=2026-autumn&class=三年级2班")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert_one_page_each(pdf_pages(response.data), sorted(s.name for s in students))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print_notices"))
    assert "三年级2班" in entry.detail and "5 份" in entry.detail


def test_a_batch_over_the_web_limit_is_made_by_a_background_job_and_downloaded_from_its_page(
        client, login_as, world, monkeypatch):
    monkeypatch.setattr(services, "WEB_PDF_LIMIT", 3)
    students = make_class(world.xuanwu_school, "三年级2班", 4)
    db.session.commit()
    login_as("school")

    response = client.get(f"/notices/schools/{world.xuanwu_school.id}/notices.pdf?term=2026-autumn")
    assert response.status_code == 422
    text = page_text(response)
    assert "有 4 名学生，网页上一次最多直接生成 3 份" in text and "后台生成 PDF（4 份）" in text
    printing = page_text(client.get(f"/notices/schools/{world.xuanwu_school.id}/print?term=2026-autumn"))
    assert "后台生成 PDF（4 份）" in printing and "下载 PDF" not in printing

    # the tests' queue runs a job at once (JOBS_URL immediate); the worker does the same from its queue
    submitted = client.post(f"/notices/schools/{world.xuanwu_school.id}/notices-job?term=2026-autumn")
    assert submitted.status_code == 303 and "/jobs/" in submitted.location
    job_page = client.get(submitted.location)
    assert "已生成 4 份告知书" in page_text(job_page) and "下载告知书 PDF" in page_text(job_page)
    pdf = client.get(submitted.location.rstrip("/") + "/file")
    assert pdf.status_code == 200
    assert_one_page_each(pdf_pages(pdf.data), sorted(s.name for s in students))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print_notices")
                              .order_by(AuditEntry.id.desc()).limit(1))
    assert "4 份" in entry.detail and "后台生成PDF" in entry.detail


def test_another_schools_batch_job_is_a_404(client, login_as, world):
    make_class(world.xishan_school, "三年级2班", 2)
    db.session.commit()
    login_as("school")
    assert client.post(f"/notices/schools/{world.xishan_school.id}/notices-job?term=2026-autumn").status_code == 404


def test_the_command_line_prints_a_school_or_one_class(app, world, tmp_path):
    make_primary_catalogue(world.province)
    two = make_class(world.xuanwu_school, "三年级2班", 6)
    three = make_class(world.xuanwu_school, "三年级3班", 2)
    make_class(world.xuanwu_school_2, "三年级2班", 2)  # another school's class of the same name
    db.session.commit()
    runner = app.test_cli_runner()

    out = tmp_path / "all.pdf"
    result = runner.invoke(args=["print-notices", "--school", world.xuanwu_school.code, "--term", "2026秋", str(out)])
    assert result.exit_code == 0, result.output
    assert "8 页" in result.output
    assert len(pdf_pages(out.read_bytes())) == 8

    out = tmp_path / "class.pdf"
    result = runner.invoke(args=["print-notices", "--school", world.xuanwu_school.code, "--class", "三年级3班",
                                 "--term", "2026秋", str(out)])
    assert result.exit_code == 0, result.output
    assert_one_page_each(pdf_pages(out.read_bytes()), sorted(s.name for s in three))
    assert not any(s.name in out.read_bytes().decode("latin-1") for s in two)

    refused = runner.invoke(args=["print-notices", "--school", "0000000000", str(tmp_path / "x.pdf")])
    assert refused.exit_code != 0 and "没有学校标识码为 0000000000 的学校" in refused.output
