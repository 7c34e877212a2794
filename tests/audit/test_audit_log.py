"""The audit log: the province reads all, a county its own scope, and exports are themselves recorded."""
from datetime import date

from calamine_helpers import read_xlsx
from factories import page_text
from portal.audit.models import AuditEntry
from portal.audit.services import Actor, Target, record
from portal.extensions import db
from portal.vocab import AuditAction


def seed_entries(world):
    record(Actor.command_line(), AuditAction.MOVE_SCHOOL, Target.of_school(world.xuanwu_school), "玄武的记录")
    record(Actor.command_line(), AuditAction.MOVE_SCHOOL, Target.of_school(world.xishan_school), "锡山的记录")
    db.session.commit()


def test_province_sees_all_and_filters(client, login_as, world):
    seed_entries(world)
    login_as("province")
    text = page_text(client.get("/audit/"))
    assert "玄武的记录" in text and "锡山的记录" in text
    filtered = page_text(client.get("/audit/", query_string={"target": "锡山"}))
    assert "锡山的记录" in filtered and "玄武的记录" not in filtered
    today = date.today().isoformat()
    assert "锡山的记录" in page_text(client.get("/audit/", query_string={"from": today, "to": today}))
    assert "锡山的记录" not in page_text(client.get("/audit/", query_string={"to": "2000-01-01"}))


def test_county_sees_only_its_scope(client, login_as, world):
    seed_entries(world)
    login_as("county")
    text = page_text(client.get("/audit/"))
    assert "玄武的记录" in text and "锡山的记录" not in text


def test_htmx_filter_returns_the_table_fragment(client, login_as, world):
    seed_entries(world)
    login_as("province")
    response = client.get("/audit/", query_string={"action": "move_school"}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="audit-table"' in body


def test_export_is_an_xlsx_and_is_recorded(client, login_as, world):
    seed_entries(world)
    login_as("county")
    response = client.get("/audit/export.xlsx")
    assert response.status_code == 200
    rows = read_xlsx(response.data)
    assert rows[0][:3] == ["时间", "操作人", "操作"]
    assert any("玄武的记录" in row for row in rows) and not any("锡山的记录" in row for row in rows)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == AuditAction.EXPORT.value))


def test_school_cannot_read_the_log(client, login_as):
    login_as("school")
    assert client.get("/audit/").status_code == 404
