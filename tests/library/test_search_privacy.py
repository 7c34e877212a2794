"""The library search by ID number (issue 14 point 6): the number travels in a POST body, never in a URL (the
access log and the browser's history would keep it), and every search is in the audit log, the number masked."""
import re

from sqlalchemy import select

from baselib_files import ZHANG, import_confirmed, xlsx
from factories import page_text
from portal.audit.models import AuditEntry
from portal.extensions import db


def searches() -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "search_library")
                              .order_by(AuditEntry.id)).all()


def test_the_search_form_posts_and_no_url_carries_the_number(client, login_as):
    login_as("province")
    import_confirmed(client, "orphan", xlsx([["姓名", "身份证件号"], ["张三", ZHANG]]))
    form = client.get("/library/search").get_data(as_text=True)
    assert re.search(r'<form[^>]*method="post"[^>]*action="/library/search"', form)
    assert "hx-get" not in form.split('action="/library/search"')[1].split(">")[0] and "hx-push-url" not in form
    response = client.post("/library/search", data={"q": ZHANG}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "找到 1 条记录" in page_text(response) and "张三" in body
    assert ZHANG not in re.sub(r'value="[^"]*"', "", body)  # only echoed in the box it was typed in
    assert "HX-Push-Url" not in response.headers and response.headers["Cache-Control"] == "no-store"
    assert all(ZHANG not in href for href in re.findall(r'(?:href|action|hx-[a-z]+)="([^"]*)"', body))


def test_a_number_in_the_address_is_not_searched(client, login_as):
    login_as("province")
    import_confirmed(client, "orphan", xlsx([["姓名", "身份证件号"], ["张三", ZHANG]]))
    page = page_text(client.get(f"/library/search?q={ZHANG}"))
    assert "找到" not in page and "张三" not in page
    assert searches() == []


def test_every_search_is_recorded_with_the_number_masked(client, login_as):
    user = login_as("province")
    import_confirmed(client, "orphan", xlsx([["姓名", "身份证件号"], ["张三", ZHANG]]))
    client.post("/library/search", data={"q": ZHANG.lower()})
    client.post("/library/search", data={"q": "李四"})
    client.post("/library/search", data={"q": ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")})
    by_id, by_name, invalid = searches()
    assert by_id.actor_id == user.id and by_id.ip
    assert by_id.detail == f"按身份证件号 {ZHANG[:6]}************ 查询，找到 1 条记录"
    assert by_name.detail == "按姓名“李四”查询，找到 0 条记录"
    assert invalid.detail == "按身份证件号 （号码无效） 查询，找到 0 条记录"
    assert all(ZHANG not in (entry.detail + (entry.target_label or "")) for entry in searches())
    log = page_text(client.get("/audit/"))
    assert "查询基础信息库" in log and ZHANG not in log
