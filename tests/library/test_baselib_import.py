"""Importing a base-library category: upload → preview (counts, refused rows, diff) → confirm or cancel."""
from sqlalchemy import select

from baselib_files import (LI, WANG, ZHANG, ZHAO, batch_count, current_batch, import_confirmed, pending_batch_id,
                           poverty_file, record_count, upload, wrong_check_digit, xlsx)
from calamine_helpers import read_xlsx
from factories import page_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.idcard import check_digit
from portal.library.models import BatchStatus, LibraryBatch, LibraryRecord
from portal.protect import protector
from portal.vocab import Department

FIRST = poverty_file(("张三", ZHANG, "320102", "已脱贫"), ("李四", LI, "", "未脱贫"), ("王五", WANG, "", "已脱贫"))


def test_province_previews_then_confirms_a_category(client, login_as):
    login_as("province")
    preview = upload(client, "poverty", FIRST)
    text = page_text(preview)
    assert preview.status_code == 200
    assert "读取数据 3 行；有效 3 行" in text and "新增 3 人" in text
    assert "320102************" in text and ZHANG not in text  # masked in the sample list
    assert current_batch() is None  # previewed, not yet current
    pending = db.session.get(LibraryBatch, pending_batch_id(preview))
    assert pending.status == BatchStatus.PENDING and pending.records == 3

    done = client.post(f"/library/batches/{pending.id}/confirm")
    assert done.status_code == 303
    assert "建档立卡数据已导入：3 人" in page_text(client.get(done.headers["Location"]))
    batch = current_batch()
    assert batch.id == pending.id and batch.confirmed_at is not None
    zhang = db.session.scalar(select(LibraryRecord).where(LibraryRecord.id_hash == protector().digest(ZHANG)))
    assert (zhang.name, zhang.gender, zhang.birth_year, zhang.region_prefix, zhang.hukou_code,
            zhang.poverty_status, zhang.row_number) == ("张三", "M", 2010, "320102", "320102", "lifted", 2)
    assert protector().decrypt(zhang.id_cipher) == ZHANG and zhang.id_masked == "320102************"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import_library"))
    assert "3 人" in entry.detail and entry.target_label == "建档立卡"


def test_reimport_replaces_the_batch_and_shows_added_removed_changed(client, login_as):
    login_as("province")
    import_confirmed(client, "poverty", FIRST)
    first = current_batch()
    second = poverty_file(("张三", ZHANG, "320102", "返贫"), ("王五", WANG, "", "已脱贫"), ("赵六", ZHAO, "320104", "未脱贫"))
    preview = upload(client, "poverty", second)
    text = page_text(preview)
    assert "新增 1 人，减少 1 人，变更 1 人" in text
    assert "脱贫状态：已脱贫 → 返贫" in text
    batch_id = pending_batch_id(preview)
    client.post(f"/library/batches/{batch_id}/confirm", data={"removed": "1"})  # one of three: a big removal
    db.session.expire_all()
    assert current_batch().id == batch_id and current_batch().previous_id == first.id
    assert db.session.get(LibraryBatch, first.id).status == BatchStatus.SUPERSEDED
    assert db.session.scalar(select(LibraryRecord.id).where(LibraryRecord.batch_id == first.id).limit(1))  # history kept
    removed = page_text(client.get(f"/library/batches/{batch_id}?kind=removed"))
    assert "李四" in removed and "王五" not in removed
    added = client.get(f"/library/batches/{batch_id}?kind=added", headers={"HX-Request": "true"})
    assert "<html" not in added.get_data(as_text=True) and 'id="batch-changes"' in added.get_data(as_text=True)
    assert "赵六" in page_text(added)


def test_a_person_may_be_in_two_categories(client, login_as):
    login_as("province")
    import_confirmed(client, "poverty", FIRST)
    dibao = xlsx([["姓名", "身份证号", "低保类型"], ["张三", ZHANG, "农村"]])
    assert import_confirmed(client, "dibao", dibao).status_code == 303
    assert current_batch("dibao").records == 1 and current_batch("poverty").records == 3


def test_cancel_drops_the_pending_batch_and_keeps_the_current_one(client, login_as):
    login_as("province")
    import_confirmed(client, "poverty", FIRST)
    kept = current_batch().id
    preview = upload(client, "poverty", poverty_file(("赵六", ZHAO, "", "未脱贫")))
    batch_id = pending_batch_id(preview)
    response = client.post(f"/library/batches/{batch_id}/cancel")
    assert response.status_code == 303 and "已取消本次导入" in page_text(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(LibraryBatch, batch_id).status == BatchStatus.DISCARDED
    assert not db.session.scalar(select(LibraryRecord.id).where(LibraryRecord.batch_id == batch_id))
    assert current_batch().id == kept and record_count() == 3
    again = client.post(f"/library/batches/{batch_id}/confirm")
    assert "已经确认或取消" in page_text(client.get(again.headers["Location"]))


def test_disabled_file_stores_the_certificate_encrypted(client, login_as):
    login_as("province")
    content = xlsx([["姓名", "公民身份号码", "残疾类别", "残疾等级", "残疾人证号"],
                    ["李四", LI, "肢体", "二级", LI + "42"], ["王五", WANG, "视力残疾", "1", ""]])
    assert import_confirmed(client, "disabled", content).status_code == 303
    li = db.session.scalar(select(LibraryRecord).where(LibraryRecord.category == "disabled", LibraryRecord.name == "李四"))
    assert (li.disability_type, li.disability_grade) == ("physical", "2")
    assert protector().decrypt(li.disability_cert_cipher) == LI + "42"
    wang = db.session.scalar(select(LibraryRecord).where(LibraryRecord.name == "王五"))
    assert wang.disability_cert_cipher is None and wang.disability_grade == "1"


def test_department_imports_its_own_categories_only(client, login_as):
    login_as("department", department=Department.CIVIL)
    choices = page_text(client.get("/library/import"))
    assert "低保" in choices and "孤儿" in choices and "建档立卡" not in choices and "残疾" not in choices
    assert import_confirmed(client, "orphan", xlsx([["姓名", "身份证件号"], ["李四", LI]])).status_code == 303
    assert current_batch("orphan").department == "civil"
    assert client.get("/library/import/poverty").status_code == 404
    refused = upload(client, "poverty", FIRST)
    assert refused.status_code == 404 and current_batch("poverty") is None and batch_count() == 1


def test_refused_rows_download_names_row_and_reason(client, login_as):
    login_as("province")
    content = poverty_file(("张三", ZHANG, "320102", "已脱贫"), ("李四", wrong_check_digit(LI), "", "未脱贫"),
                           ("王五", WANG, "32010", "已脱贫"))
    preview = upload(client, "poverty", content)
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    rows = read_xlsx(client.post("/library/import/poverty/refused", data={"token": token}).data)
    assert rows[0][-2:] == ["行号", "错误原因"]
    assert [row[-2] for row in rows[1:]] == [3, 4]
    assert "校验码不正确" in rows[1][-1] and "户籍地区划代码：应为6位数字" in rows[2][-1]


def test_template_has_the_category_columns(client, login_as):
    login_as("department", department=Department.DISABLED)
    rows = read_xlsx(client.get("/library/import/disabled/template.xlsx").data)
    assert rows[0] == ["姓名", "身份证件号", "户籍地区划代码", "残疾类别", "残疾等级", "残疾人证号"]


def test_command_line_imports_and_refuses(app, tmp_path, world):
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(FIRST)
    bad.write_bytes(poverty_file(("张三", ZHANG, "", "已脱贫"), ("张三", ZHANG, "", "已脱贫")))
    runner = app.test_cli_runner()
    done = runner.invoke(args=["import-library", "--category", "建档立卡", str(good)])
    assert done.exit_code == 0, done.output
    assert "读取 3 行，导入 3 人（新增 3，减少 0，变更 0）" in done.output
    refused = runner.invoke(args=["import-library", "--category", "建档立卡", str(bad)])
    assert refused.exit_code != 0
    assert "第 3 行 [身份证件号] 与第 2 行重复" in refused.output and "未导入任何数据" in refused.output
    assert current_batch().records == 3 and record_count() == 3


def test_id_numbers_are_normalised_on_the_import_page(client, login_as):
    login_as("province")
    old = "320102100315011"  # a 15-digit number issued before 1999: upgraded to 18 digits
    upgraded = old[:6] + "19" + old[6:]
    upgraded += check_digit(upgraded)
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in LI)
    content = poverty_file(("张三", ZHANG[:6] + " " + ZHANG[6:-1] + ZHANG[-1].lower(), "", "已脱贫"),
                           ("李四", full_width, "", "未脱贫"), ("老王", old, "", "已脱贫"))
    assert import_confirmed(client, "poverty", content).status_code == 303
    for number, name in ((ZHANG, "张三"), (LI, "李四"), (upgraded, "老王")):
        found = page_text(client.post("/library/search", data={"q": number}))
        assert "找到 1 条记录" in found and name in found, number
    old_record = db.session.scalar(select(LibraryRecord).where(LibraryRecord.name == "老王"))
    assert protector().decrypt(old_record.id_cipher) == upgraded and old_record.birth_year == 1910


def test_out_of_province_push_down_is_imported_whatever_the_prefix(client, login_as):
    login_as("province")
    template = read_xlsx(client.get("/library/import/out_of_province/template.xlsx").data)
    assert template[0] == ["姓名", "身份证件号", "户籍地区划代码", "困难类型", "来源省份"]
    content = xlsx([["姓名", "身份证号码", "困难类型", "来源省份"], ["王五", WANG, "孤儿", "安徽省"], ["张三", ZHANG, "残疾", ""]])
    preview = upload(client, "out_of_province", content)
    assert preview.status_code == 200 and "有效 2 行" in page_text(preview)
    assert import_confirmed(client, "out_of_province", content).status_code == 303
    batch = current_batch("out_of_province")
    assert batch.records == 2 and batch.category_label == "外省下发"
    found = page_text(client.post("/library/search", data={"q": WANG}))
    assert "王五" in found and "外省下发" in found and "安徽省" in found and WANG not in found
    overview = page_text(client.get("/library/"))
    assert "外省下发 2" in overview and "外省 1" in overview
