"""财政资金: regions record allocations of national projects with the scanned budget document (checked by
its first bytes, size-limited, kept outside the web root, served only within scope) against what their
schools disbursed (read from the progress figures)."""
import hashlib
import io
import os

import pytest
from sqlalchemy import select

from factories import make_allocation, make_funding_project, page_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.funding import fiscal
from portal.funding.models import FiscalAllocation
from portal.progress.models import SchoolProgress

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def grant(world):
    project = make_funding_project("国家助学金", "senior", owner_region=world.province, standards="2800,2300,1800")
    db.session.commit()
    return project


def record(client, grant, level="city", document=PDF, filename="预算.pdf", amount="1,200,000"):
    return client.post("/funding/fiscal?term=2026-autumn", content_type="multipart/form-data", data={
        "project_id": str(grant.id), "fund_level": level, "amount": amount, "document_no": "宁财教〔2026〕12号",
        "allocated_on": "2026-11-10", "note": "", "document": (io.BytesIO(document), filename)})


def test_city_records_an_allocation_with_its_budget_document(client, login_as, world, grant, app):
    login_as("city")
    done = record(client, grant)
    assert done.status_code == 303
    allocation = db.session.scalar(select(FiscalAllocation))
    assert (allocation.region_code, allocation.city_code, allocation.amount) == ("320100", "320100", 1200000)
    stored = os.path.join(app.instance_path, "budget_documents", allocation.file_key)
    assert allocation.file_key != "预算.pdf" and open(stored, "rb").read() == PDF
    assert not stored.startswith(app.static_folder)
    download = client.get(f"/funding/fiscal/{allocation.id}/document")
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"record_allocation", "view_budget_document"} <= actions
    viewed = db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "view_budget_document"))
    assert f"SHA-256 {hashlib.sha256(PDF).hexdigest()}" in viewed  # the file sent, named by its digest


def test_a_file_that_is_not_a_scan_is_refused(client, login_as, grant):
    login_as("city")
    refused = record(client, grant, document=b"MZ\x90\x00 not a pdf", filename="预算.pdf")
    assert refused.status_code == 422 and "应为 PDF、PNG 或 JPG" in page_text(refused)
    assert db.session.scalar(select(FiscalAllocation)) is None


def test_an_oversized_document_is_refused(client, login_as, grant, monkeypatch):
    monkeypatch.setattr(fiscal, "MAX_DOCUMENT_BYTES", 1024)
    login_as("city")
    refused = record(client, grant, document=PDF + b"0" * 2048)
    assert refused.status_code == 422 and "不能超过" in page_text(refused)


def test_a_county_records_only_county_funds(client, login_as, grant):
    login_as("county")
    refused = record(client, grant, level="central")
    assert refused.status_code == 422 and "可录入的资金级次：县" in page_text(refused)
    assert record(client, grant, level="county").status_code == 303


def test_documents_are_served_only_within_scope(client, login_as, world, grant):
    wuxi = make_allocation(world.wuxi, grant)
    qinhuai = make_allocation(world.qinhuai, grant, level="county")
    db.session.commit()
    login_as("county")
    assert client.get(f"/funding/fiscal/{wuxi.id}/document").status_code == 404
    assert client.get(f"/funding/fiscal/{qinhuai.id}/document").status_code == 404
    text = page_text(client.get("/funding/fiscal"))
    assert "秦淮区" not in text and "无锡" not in text


def test_allocated_against_disbursed_and_deadlines(client, login_as, world, grant, deadline_calendar):
    make_allocation(world.nanjing, grant, amount=100000)
    make_allocation(world.xuanwu, grant, amount=20000, level="county")
    make_allocation(world.wuxi, grant, amount=70000)
    for school, amount in ((world.xuanwu_school, 12000), (world.qinhuai_school, 3000), (world.xishan_school, 9999)):
        db.session.add(SchoolProgress(school_id=school.id, term="2026-autumn", city_code=school.city_code,
                                      county_code=school.county_code, national_amount=amount, funded_amount=amount))
    db.session.commit()
    login_as("city")
    text = page_text(client.get("/funding/fiscal"))
    assert "南京市（合计）" in text and "120,000.00 15,000.00 12.5%" in text
    assert "玄武区" in text and "20,000.00 12,000.00 60.0%" in text
    assert "70,000.00" not in text and "9,999.00" not in text
    assert "市级业务操作（本级） 2026-11-30 还剩 8 天" in text and "中央级业务操作 2026-10-31 已过 22 天" in text


def test_schools_do_not_see_fiscal_pages(client, login_as, grant):
    login_as("school")
    assert client.get("/funding/fiscal").status_code == 404


def test_the_fiscal_dates_are_the_calendars(client, login_as, world, grant, deadline_calendar):
    """财政资金 has no dates of its own: the province changes them on the calendar page and this page follows."""
    from portal.deadlines.models import Deadline

    def county_autumn(stage=None):
        query = select(Deadline).where(Deadline.task == "fiscal_county", Deadline.cycle == "autumn")
        return db.session.scalars(query.where(Deadline.stage == stage) if stage else query).all()

    login_as("province")
    for row in county_autumn():
        client.post(f"/deadlines/{row.id}", data={"month": "12", "day": "10"})
    client.post(f"/deadlines/{county_autumn('vocational')[0].id}", data={"month": "12", "day": "20"})
    client.post("/logout")
    login_as("county")
    text = page_text(client.get("/funding/fiscal"))
    assert "县级业务操作（本级）（学前、小学、初中、普通高中） 2026-12-10 还剩 18 天" in text
    assert "县级业务操作（本级）（中职） 2026-12-20 还剩 28 天" in text
    assert "市级业务操作 2026-11-30 还剩 8 天" in text and "2026-12-15" not in text
