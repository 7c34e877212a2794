"""外省下发 people are 外省户籍特殊困难学生 of one or more of the five types (002): the import records the types and
the library search shows them (tests/enrolment/test_matching_hardship_types.py: what matching makes of them)."""
import pytest
from sqlalchemy import select

from baselib_files import WANG, ZHANG, current_batch, import_confirmed, pending_batch_id, upload, xlsx
from factories import make_id_number, page_text
from portal.extensions import db
from portal.library.columns import hardship_types
from portal.library.models import LibraryRecord
from portal.protect import protector
from portal.sheet_values import CellError

HEADER = ["姓名", "身份证件号", "困难类型", "来源省份"]
HENAN = make_id_number("410102", "20140301", 5)   # 河南 prefix
SICHUAN = make_id_number("510104", "20130701", 6)  # 四川 prefix


def _record(number: str) -> LibraryRecord:
    return db.session.scalar(select(LibraryRecord).join(LibraryRecord.batch)
                             .where(LibraryRecord.id_hash == protector().digest(number),
                                    LibraryRecord.category == "out_of_province",
                                    LibraryRecord.batch.has(status="current")))


def test_types_are_read_one_or_several_in_a_cell_and_shown_by_the_search(client, login_as):
    login_as("province")
    content = xlsx([["姓名", "身份证号码", "人员类别", "来源省份"],  # the national system's header word
                    ["王五", WANG, "建档立卡", "安徽省"], ["河南生", HENAN, "低保、建档立卡", "河南省"],
                    ["四川生", SICHUAN, "孤儿学生；残疾", "四川省"]])
    assert import_confirmed(client, "out_of_province", content).status_code == 303
    assert [_record(number).hardship_types for number in (WANG, HENAN, SICHUAN)] == [
        "poverty", "poverty,dibao", "orphan,disabled"]
    found = page_text(client.post("/library/search", data={"q": HENAN}))
    assert "河南生" in found and "外省下发" in found and "河南省 建档立卡、低保" in found
    overview = page_text(client.get("/library/"))
    assert "外省下发人员按困难类型（比对时计入相应类别）：建档立卡 2 人、低保 1 人、孤儿 1 人、残疾 1 人。" in overview


@pytest.mark.parametrize("cell, reason", [
    ("烈士子女", "“烈士子女”不是困难类型，应为以下之一：建档立卡、低保、特困供养、孤儿、残疾"),
    ("建档立卡、外省下发", "“外省下发”不是困难类型，应为以下之一：建档立卡、低保、特困供养、孤儿、残疾"),
    ("", "不能为空"),
])
def test_an_unknown_or_blank_type_is_a_row_error_and_nothing_is_imported(client, login_as, cell, reason):
    login_as("province")
    preview = upload(client, "out_of_province", xlsx([HEADER, ["王五", WANG, "建档立卡", "安徽省"],
                                                      ["张三", ZHANG, cell, "安徽省"]]))
    text = page_text(preview)
    assert "有错误的行 1 行" in text and f"3 困难类型 {reason}" in text
    assert current_batch("out_of_province") is None


def test_a_file_without_the_type_column_is_refused_by_name(client, login_as):
    login_as("province")
    page = page_text(client.get("/library/import/out_of_province"))
    assert "困难类型（" not in page and "困难类型填写建档立卡、低保、特困供养、孤儿、残疾中的一种或几种" in page
    preview = upload(client, "out_of_province", xlsx([["姓名", "身份证件号", "来源省份"], ["王五", WANG, "安徽省"]]))
    assert "缺少必需的列：困难类型" in page_text(preview)


def test_one_row_per_type_is_refused_with_how_to_write_several(client, login_as):
    login_as("province")
    preview = upload(client, "out_of_province", xlsx([HEADER, ["王五", WANG, "建档立卡", "安徽省"],
                                                      ["王五", WANG, "低保", "安徽省"]]))
    assert "与第 2 行重复（同一人有多种困难类型时请写在同一格，用“、”分隔）" in page_text(preview)


def test_a_changed_type_shows_in_the_preview_of_the_next_push_down(client, login_as):
    login_as("province")
    import_confirmed(client, "out_of_province", xlsx([HEADER, ["王五", WANG, "孤儿", "安徽省"]]))
    preview = upload(client, "out_of_province", xlsx([HEADER, ["王五", WANG, "孤儿、残疾", "安徽省"]]))
    assert "变更 1 人" in page_text(preview) and "困难类型：孤儿 → 孤儿、残疾" in page_text(preview)
    assert client.post(f"/library/batches/{pending_batch_id(preview)}/confirm").status_code == 303


def test_the_type_parser_takes_synonyms_and_keeps_the_vocabulary_order():
    assert hardship_types("建档立卡、低保") == "poverty,dibao"
    assert hardship_types("残疾人, 特困人员") == "tekun,disabled"  # the vocabulary's synonyms, its order
    with pytest.raises(CellError):
        hardship_types("建档立卡、其他")
