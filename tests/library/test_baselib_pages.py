"""The province's library pages (overview, history, search, reveal) and what a department account sees."""
import json
from datetime import date, datetime, timedelta

from sqlalchemy import select

from baselib_files import LI, WANG, ZHANG, ZHAO, current_batch, import_confirmed, poverty_file, upload, xlsx
from factories import make_id_number, page_text
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.extensions import db
from portal.library import services
from portal.vocab import Department

POVERTY = poverty_file(("张三", ZHANG, "320102", "已脱贫"), ("李四", LI, "", "未脱贫"), ("王五", WANG, "", "已脱贫"),
                       ("赵六", ZHAO, "320104", "返贫"))


def test_overview_counts_categories_areas_and_school_age(client, login_as):
    login_as("province")
    import_confirmed(client, "poverty", POVERTY)
    login_as("department", department=Department.CIVIL)
    import_confirmed(client, "dibao", xlsx([["姓名", "身份证件号", "低保类型"], ["张三", ZHANG, "城市"]]))
    login_as("province")
    text = page_text(client.get("/library/"))
    assert "4 人（去重）" in text and "3 人处于学龄（当年满 3–22 周岁）" in text  # 赵六 was born in 1970
    assert "建档立卡 4 3 省资助中心" in text and "低保 1 1 民政" in text and "特困供养 0 0 尚未导入" in text
    # 张三 and 赵六 by their hukou (玄武区, 秦淮区), 李四 by his ID's prefix (锡山区), 王五's prefix is 安徽's
    assert "南京市 2 1 玄武区 1 1 秦淮区 1 0 无锡市 1 1 锡山区 1 1 外省 1 1" in text


def test_overview_figures_are_kept_in_the_database_for_every_process(client, login_as):
    """No process keeps figures of its own: they are stored once per library state and read back from the table."""
    from portal.library.models import LibraryFigures

    login_as("province")
    import_confirmed(client, "poverty", POVERTY)
    first = page_text(client.get("/library/"))
    kept = db.session.scalars(select(LibraryFigures)).all()
    assert len(kept) == 1 and '"persons": 4' in kept[0].figures
    assert services.overview() == services._compute_overview(date.today(), services.last_library_change(), "32")
    assert page_text(client.get("/library/")) == first  # read back from the table, the same page
    import_confirmed(client, "poverty", poverty_file(("张三", ZHANG, "320102", "已脱贫")))
    assert "1 人（去重）" in page_text(client.get("/library/"))
    kept = db.session.scalars(select(LibraryFigures)).all()
    assert len(kept) == 1 and json.loads(kept[0].figures)["persons"] == 1  # the old state's row is gone


def test_overview_says_when_the_library_is_newer_than_the_last_matching(client, login_as, monkeypatch):
    login_as("province")
    assert "基础信息库中还没有数据" in page_text(client.get("/library/"))
    import_confirmed(client, "poverty", POVERTY)
    assert "晚于" in page_text(client.get("/library/")) or "尚未按新数据比对" in page_text(client.get("/library/"))
    from portal.enrolment import matching

    monkeypatch.setattr(matching, "last_matching_at", lambda: datetime.now() + timedelta(minutes=1))
    text = page_text(client.get("/library/"))
    assert "请重新比对" not in text and "最近一次全省比对" in text


def test_library_change_is_told_to_matching(app, client, login_as):
    assert services.last_library_change() is None and not services.library_changed_since(None)
    before = datetime.now() - timedelta(seconds=1)
    login_as("province")
    upload(client, "poverty", POVERTY)  # a preview changes nothing
    assert services.last_library_change() is None
    import_confirmed(client, "poverty", POVERTY)
    assert services.last_library_change() >= before
    assert services.library_changed_since(before) and not services.library_changed_since(datetime.now())


def test_batch_history_and_paginated_changes_with_masked_ids(client, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login_as("province")
    import_confirmed(client, "poverty", POVERTY)
    history = page_text(client.get("/library/batches"))
    assert "建档立卡 省资助中心 名单.xlsx 4 4 0 0" in history and "当前使用" in history
    page = client.get(f"/library/batches/{current_batch().id}?kind=added")
    text = page_text(page)
    assert "第 1 / 2 页，共 4 条" in text and "首批数据" in text
    assert ZHANG not in page.get_data(as_text=True) and ZHANG[:6] + "*" * 12 in text
    second = page_text(client.get(f"/library/batches/{current_batch().id}?kind=added&page=2",
                                  headers={"HX-Request": "true"}))
    assert "王五" in second and "赵六" in second and "张三" not in second


def test_search_by_id_number_or_name_shows_masked_ids(client, login_as):
    login_as("province")
    import_confirmed(client, "poverty", POVERTY)
    import_confirmed(client, "orphan", xlsx([["姓名", "身份证件号"], ["张三", ZHANG]]))
    by_id = page_text(client.post("/library/search", data={"q": ZHANG.lower()}))
    assert "找到 2 条记录" in by_id and "建档立卡" in by_id and "孤儿" in by_id and ZHANG not in by_id
    by_name = client.post("/library/search", data={"q": "李四"}, headers={"HX-Request": "true"})
    assert "<html" not in by_name.get_data(as_text=True) and "找到 1 条记录" in page_text(by_name)
    nobody = make_id_number("320102", "20010101", 9)
    assert "找到 0 条记录" in page_text(client.post("/library/search", data={"q": nobody}))
    wrong_check = f"{ZHANG[:-1]}{'0' if ZHANG[-1] != '0' else '1'}"
    assert "校验码不正确" in page_text(client.post("/library/search", data={"q": wrong_check}))


def test_a_common_name_shows_the_first_matches_and_counts_them_all(client, login_as, monkeypatch):
    login_as("province")
    people = [["王芳", make_id_number("320102", "20100101", n)] for n in range(1, 6)]
    import_confirmed(client, "orphan", xlsx([["姓名", "身份证件号"], *people]))
    monkeypatch.setattr(services, "SEARCH_LIMIT", 3)
    text = page_text(client.post("/library/search", data={"q": "王芳"}))
    assert "找到 5 条记录（仅显示前 3 条，请用身份证件号精确查询）" in text
    monkeypatch.setattr(services, "SEARCH_LIMIT", 5)
    assert "找到 5 条记录。" in page_text(client.post("/library/search", data={"q": "王芳"}))


def test_reveal_shows_the_full_number_and_records_it(client, login_as):
    login_as("province")
    import_confirmed(client, "poverty", POVERTY)
    record_id = services.search(Actor.command_line(), ZHANG).records[0].id
    db.session.commit()
    # without a reason: refused, in the cell (htmx) and on a page, nothing revealed nor recorded
    for headers in ({"HX-Request": "true"}, {}):
        refused = client.post(f"/library/records/{record_id}/reveal", data={"reason": " "}, headers=headers)
        assert refused.status_code == 422 and "请填写查看完整证件号的原因" in page_text(refused)
        assert ZHANG not in refused.get_data(as_text=True) and 'name="reason"' in refused.get_data(as_text=True)
    response = client.post(f"/library/records/{record_id}/reveal", data={"reason": "核对资助发放"},
                           headers={"HX-Request": "true"})
    assert ZHANG in response.get_data(as_text=True) and "<html" not in response.get_data(as_text=True)
    page = client.post(f"/library/records/{record_id}/reveal", data={"reason": "信访核实"})
    assert ZHANG in page_text(page) and "已记入审计日志" in page_text(page)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reveal_id").order_by(AuditEntry.id)).all()
    assert len(entries) == 2 and entries[0].target_label == "张三 " + ZHANG[:6] + "*" * 12
    assert ZHANG not in (entries[0].detail or "")
    assert entries[0].detail.endswith("原因：核对资助发放") and entries[1].detail.endswith("原因：信访核实")


def test_department_sees_its_own_batches_and_nothing_else(client, login_as):
    login_as("province")
    import_confirmed(client, "poverty", POVERTY)
    province_batch = current_batch().id
    login_as("department", department=Department.POVERTY)
    home = page_text(client.get("/"))
    assert "导入基础信息" in home and "本部门导入记录" in home
    assert "基础信息库" not in page_text(client.get("/")).split("退出")[0]  # no province library link in the nav
    assert "名单.xlsx" not in page_text(client.get("/library/batches"))
    assert client.get(f"/library/batches/{province_batch}").status_code == 404
    assert client.get("/library/").status_code == 404 and client.get("/library/search").status_code == 404
    import_confirmed(client, "poverty", poverty_file(("张三", ZHANG, "", "返贫")))
    mine = current_batch()
    assert mine.department == "poverty" and "扶贫" in page_text(client.get("/library/batches"))
    assert (mine.added, mine.removed, mine.changed) == (0, 3, 1)
    assert "新增 0，减少 3，变更 1" in page_text(client.get(f"/library/batches/{mine.id}"))


def test_school_age_is_counted_by_birth_year():
    assert services.school_age_bounds(date(2026, 9, 1)) == (2004, 2023)  # turning 3 to 22 in 2026
    assert services.school_age_bounds(date(2028, 2, 29)) == (2006, 2025)


def test_after_an_import_the_province_is_sent_to_rematch_every_school(client, login_as):
    login_as("department", department=Department.POVERTY)
    import_confirmed(client, "poverty", POVERTY)
    assert "去全省比对" not in page_text(client.get(f"/library/batches/{current_batch().id}"))  # not the department's
    login_as("province")
    batch_page = client.get(f"/library/batches/{current_batch().id}").get_data(as_text=True)
    overview = client.get("/library/").get_data(as_text=True)
    for body in (batch_page, overview):
        assert 'id="library-newer"' in body and 'href="/enrolment/matching"' in body
    assert "基础信息库在上次比对后有更新" in page_text(client.get("/enrolment/matching"))
    done = client.post("/enrolment/matching", headers={"HX-Request": "true"})
    assert "已完成" in page_text(done)
    assert 'id="library-newer"' not in client.get("/library/").get_data(as_text=True)
    assert 'id="library-newer"' not in client.get(f"/library/batches/{current_batch().id}").get_data(as_text=True)
