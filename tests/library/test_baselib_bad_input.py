"""Bad base-library files: each is refused with a Chinese reason, nothing is written, the current batch stays."""
import pytest

from bad_files import PDF, full_sheet_xlsx, zip_bomb
from baselib_files import (LI, POVERTY_HEADER, WANG, ZHANG, batch_count, current_batch, import_confirmed,
                           poverty_file, record_count, upload, wrong_check_digit, xlsx)
from factories import make_id_number, page_text
from portal.idcard import check_digit
from portal.vocab import Department


@pytest.fixture
def library_before(client, login_as):
    """The province signed in, with a current 建档立卡 batch of two people already imported."""
    login_as("province")
    import_confirmed(client, "poverty", poverty_file(("张三", ZHANG, "320102", "已脱贫"), ("李四", LI, "", "未脱贫")))
    return current_batch().id, batch_count(), record_count()


def assert_nothing_written(before) -> None:
    current_id, batches, records = before
    assert current_batch().id == current_id
    assert (batch_count(), record_count()) == (batches, records)  # the refused pending batch is gone too


def refused_text(response) -> str:
    assert response.status_code in (404, 413, 422), response.status_code
    text = page_text(response)
    assert "确认导入" not in text
    return text


def test_numeric_ids_that_excel_rounded(client, library_before):
    response = upload(client, "poverty", xlsx([POVERTY_HEADER, ["王五", 3.20102201003151e17, "", "已脱贫"]]))
    assert "身份证件号被 Excel 存成了数字，末几位已丢失" in refused_text(response)
    assert "设置为“文本”格式后重新导出" in page_text(response)
    assert_nothing_written(library_before)


def test_wrong_check_digit(client, library_before):
    response = upload(client, "poverty", poverty_file(("王五", wrong_check_digit(WANG), "", "已脱贫")))
    assert "校验码不正确" in refused_text(response)
    assert_nothing_written(library_before)


@pytest.mark.parametrize("born, reason", [("20100230", "出生日期不存在"), ("20991231", "出生日期晚于今天"),
                                          ("18991231", "出生日期早于1900年")])
def test_impossible_birth_dates(client, library_before, born, reason):
    body = f"320102{born}123"
    response = upload(client, "poverty", poverty_file(("王五", body + check_digit(body), "", "已脱贫")))
    assert reason in refused_text(response)
    assert_nothing_written(library_before)


def test_duplicate_id_within_one_file_names_the_first_row(client, library_before):
    rows = [("王五", WANG, "", "已脱贫"), ("赵六", make_id_number("320104", "20090101", 5), "", "返贫"),
            ("王五", WANG.lower(), "", "未脱贫")]
    text = refused_text(upload(client, "poverty", poverty_file(*rows)))
    assert "与第 2 行重复" in text and "有错误的行 1 行" in text
    assert_nothing_written(library_before)


def test_a_repeat_batches_later_names_the_first_row_and_so_does_every_other(client, library_before, monkeypatch):
    """The importer remembers earlier batches' numbers compactly until a repeat turns up; then it names rows."""
    monkeypatch.setattr("portal.library.importer.READ_BATCH", 3)
    good = [(f"学生{n}", make_id_number("320102", "20100101", n), "", "已脱贫") for n in range(1, 9)]
    rows = [*good, ("重复甲", good[1][1], "", "返贫"), ("重复乙", good[6][1], "", "返贫"), ("重复丙", good[1][1], "", "返贫")]
    text = refused_text(upload(client, "poverty", poverty_file(*rows)))
    assert "有错误的行 3 行" in text
    assert "10 身份证件号 与第 3 行重复 11 身份证件号 与第 8 行重复 12 身份证件号 与第 3 行重复" in text
    assert_nothing_written(library_before)


def test_bad_rows_after_many_good_ones_leave_nothing_behind(client, library_before):
    good = [(f"学生{n}", make_id_number("320102", "20100101", n), "", "已脱贫") for n in range(1, 400)]
    response = upload(client, "poverty", poverty_file(*good, ("坏行", "12345", "", "已脱贫")))
    assert "有错误的行 1 行" in refused_text(response)
    assert_nothing_written(library_before)


def test_no_id_column(client, library_before):
    response = upload(client, "poverty", xlsx([["姓名", "户籍地区划代码", "脱贫状态"], ["王五", "320102", "已脱贫"]]))
    assert "缺少必需的列：身份证件号" in refused_text(response)
    assert_nothing_written(library_before)


@pytest.mark.parametrize("content", [b"", xlsx([POVERTY_HEADER])], ids=["zero-bytes", "header-only"])
def test_empty_file(client, library_before, content):
    assert "文件为空" in refused_text(upload(client, "poverty", content))
    assert_nothing_written(library_before)


def test_a_file_of_only_a_totals_row_never_empties_the_category(client, library_before):
    response = upload(client, "poverty", xlsx([POVERTY_HEADER, ["合计", "", "", ""]]))
    text = refused_text(response)
    assert "没有数据行" in text or "没有可导入的数据行" in text
    assert_nothing_written(library_before)


def test_pdf_renamed_to_xlsx(client, library_before):
    response = upload(client, "poverty", PDF, "名单.xlsx")
    assert "不是有效的 Excel 文件" in refused_text(response)
    assert_nothing_written(library_before)


def test_zip_bomb(client, library_before):
    assert "压缩炸弹" in refused_text(upload(client, "poverty", zip_bomb()))
    assert_nothing_written(library_before)


def test_file_over_the_size_limit(client, app, library_before, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 4096)
    content = poverty_file(*[(f"学生{n}", make_id_number("320102", "20100101", n), "", "已脱贫") for n in range(1, 300)])
    assert len(content) > 4096
    assert "文件超过大小上限" in refused_text(upload(client, "poverty", content))
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)  # the web server's own limit on a request
    response = upload(client, "poverty", content)
    assert response.status_code == 413 and "上传的文件超过大小上限，请拆分后再上传" in refused_text(response)
    assert_nothing_written(library_before)


def test_a_sheet_of_1048576_rows(client, library_before):
    response = upload(client, "orphan", full_sheet_xlsx(("姓名", "身份证件号")))
    assert "数据行数超过上限" in refused_text(response) and "1,048,575 行" in page_text(response)
    assert_nothing_written(library_before)


def test_department_uploading_another_departments_category(client, login_as, library_before):
    login_as("department", department=Department.DISABLED)
    assert "建档立卡" not in page_text(client.get("/library/import"))
    response = upload(client, "poverty", poverty_file(("王五", WANG, "", "返贫")))
    assert response.status_code == 404 and "页面不存在" in page_text(response)
    assert_nothing_written(library_before)
