"""portal.sheets: reading uploads the way users really fill them in, refusing bad files in Chinese."""
import csv
import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from portal.sheet_values import LOST_DIGITS
from portal.sheets import (
    Column, SheetError, choice, code, date_value, decimal_amount, integer, open_sheet, read_sheet,
    refused_rows_xlsx, stream_xlsx, write_xlsx, year_month,
)

STUDENT_COLUMNS = (
    Column("id_number", "身份证件号", ("身份证号", "证件号码", "身份证号码")),
    Column("name", "姓名"),
    Column("school_code", "学校标识码", ("标识码",), parse=code(10)),
    Column("gender", "性别", parse=choice(["男", "女"], {"M": "男", "F": "女"})),
    Column("enrolled", "入学年月", parse=year_month),
    Column("amount", "资助金额", required=False, optional_value=True, parse=decimal_amount),
)
HEADER = ["身份证件号", "姓名", "学校标识码", "性别", "入学年月", "资助金额"]
GOOD = ["320102200901011234", "张三", "3201000001", "男", "2024-09", 1500]


def xlsx_bytes(rows, *, titles=(), merge_title=False, sheet_title="名单") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for title in titles:
        sheet.append([title])
    if merge_title and titles:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_with_sheet_xml(sheet_data: bytes) -> bytes:
    """A real workbook whose first worksheet is replaced by hand-written XML (for shapes openpyxl cannot make fast)."""
    template = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in template.infolist():
            content = template.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                content = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                           + sheet_data + b"</sheetData></worksheet>")
            archive.writestr(member, content)
    return out.getvalue()


def inline(ref: str, value: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'.encode()


def csv_bytes(rows, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def all_records(sheet) -> list[tuple]:
    return [record for batch in sheet.batches() for record in batch]


# ---------------------------------------------------------------- header detection and row numbers


def test_xlsx_with_two_title_rows_and_merged_title_cell():
    content = xlsx_bytes(
        [HEADER, GOOD, ["320102200901015678", "李四", 3201000002.0, "女", "2024年9月", None]],
        titles=["2024年秋季学期学生资助名单", "填报单位：某某中学"], merge_title=True,
    )
    sheet = open_sheet(content, "名单.xlsx", STUDENT_COLUMNS)
    assert sheet.header_row == 3
    assert sheet.header == HEADER
    assert sheet.sheet_name == "名单"
    records = all_records(sheet)
    assert records == [
        ("320102200901011234", "张三", "3201000001", "男", "2024-09", Decimal("1500.00"), 4),
        ("320102200901015678", "李四", "3201000002", "女", "2024-09", None, 5),
    ]
    assert sheet.rows_read == 2 and sheet.errors == []


def test_header_synonyms_and_hints_are_recognised(tmp_path):
    header = ["序号", "身份证号（必填）", "* 姓 名", "标识码\n(10位)", "性别", "入学年月"]
    path = tmp_path / "upload.xlsx"
    path.write_bytes(xlsx_bytes([header, [1, "320102200901011234", "王五", "3201000003", "F", "2024.9"]]))
    sheet = open_sheet(path, "upload.xlsx", STUDENT_COLUMNS)
    assert sheet.columns_found == {
        "id_number": "身份证号（必填）", "name": "* 姓 名", "school_code": "标识码\n(10位)",
        "gender": "性别", "enrolled": "入学年月",
    }
    assert all_records(sheet) == [("320102200901011234", "王五", "3201000003", "女", "2024-09", None, 2)]


def test_headers_differing_only_in_hints_stay_apart():
    columns = (Column("father", "电话（父亲）"), Column("mother", "电话（母亲）"))
    sheet = open_sheet(xlsx_bytes([["电话(母亲)", "电话(父亲)"], ["139", "138"]]), "a.xlsx", columns)
    assert all_records(sheet) == [("138", "139", 2)]


def test_missing_required_column_is_named():
    content = xlsx_bytes([["姓名", "性别", "入学年月"], ["张三", "男", "2024-09"]])
    with pytest.raises(SheetError) as refusal:
        open_sheet(content, "a.xlsx", STUDENT_COLUMNS)
    assert str(refusal.value) == "缺少必需的列：身份证件号、学校标识码（请使用模板中的列名）"


def test_no_header_row():
    content = xlsx_bytes([["甲", "乙"], ["1", "2"]])
    with pytest.raises(SheetError, match="^未找到表头行"):
        open_sheet(content, "a.xlsx", STUDENT_COLUMNS)


def test_optional_column_left_out_gives_none():
    content = xlsx_bytes([HEADER[:5], GOOD[:5]])
    result = read_sheet(content, "a.xlsx", STUDENT_COLUMNS)
    assert result.rows == [{
        "id_number": "320102200901011234", "name": "张三", "school_code": "3201000001", "gender": "男",
        "enrolled": "2024-09", "amount": None, "row": 2,
    }]
    assert result.header_row == 1 and result.rows_read == 1


# ---------------------------------------------------------------- csv encodings


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_encodings(encoding):
    name = "𠮷祥" if encoding == "gb18030" else "赵六"  # 𠮷 exists in GB18030 but not in GBK
    content = csv_bytes([HEADER, ["320102200901011234", name, "3201000001", "男", "202409", "1,200.5"]], encoding)
    if encoding == "utf-8-sig":
        assert content.startswith(b"\xef\xbb\xbf")
    result = read_sheet(content, "学生.CSV", STUDENT_COLUMNS)
    assert result.errors == []
    assert result.rows == [{
        "id_number": "320102200901011234", "name": name, "school_code": "3201000001", "gender": "男",
        "enrolled": "2024-09", "amount": Decimal("1200.50"), "row": 2,
    }]


def test_csv_short_lines_and_tab_delimiter():
    content = "姓名\t身份证件号\t备注\n张三\t320102200901011234\n".encode("utf-8")
    columns = (Column("name", "姓名"), Column("id", "身份证件号"),
               Column("note", "备注", required=False, optional_value=True))
    assert all_records(open_sheet(content, "a.csv", columns)) == [("张三", "320102200901011234", None, 2)]


# ---------------------------------------------------------------- skipped rows, dates, bad cells


def test_blank_and_total_rows_are_skipped_and_row_numbers_stay_true():
    content = xlsx_bytes([
        HEADER, GOOD, [], ["", "   ", None], ["合计", None, None, None, None, 3000],
        [None, "小 计", None, None, None, 1500], ["320102200901015678", "李四", "3201000002", "女", "2024-10"],
        ["总计：", None, None, None, None, 4500],
    ], titles=["名单"])
    sheet = open_sheet(content, "a.xlsx", STUDENT_COLUMNS)
    records = all_records(sheet)
    assert [record[-1] for record in records] == [3, 8]
    assert sheet.rows_read == 2 and sheet.errors == []


def test_excel_dates_serials_and_chinese_month_forms():
    columns = (Column("name", "姓名"), Column("day", "日期", parse=date_value), Column("month", "年月", parse=year_month))
    rows = [
        ["a", datetime.datetime(2024, 9, 1), 45536],
        ["b", 45536, "2024.9"],
        ["c", "2024/9/1", "2024年9月"],
        ["d", "2024年9月1日", 2024.09],
        ["e", "2024.09", "202409"],
        ["f", datetime.date(2024, 9, 1), "2024-09-01"],
    ]
    sheet = open_sheet(xlsx_bytes([["姓名", "日期", "年月"], *rows]), "a.xlsx", columns)
    records = all_records(sheet)
    assert sheet.errors == []
    assert [record[1] for record in records] == [datetime.date(2024, 9, 1)] * 6
    assert [record[2] for record in records] == ["2024-09"] * 6


def test_bad_cells_are_refused_with_row_column_and_reason():
    content = xlsx_bytes([
        HEADER, GOOD,
        ["320102200901015678", "", "32010", "未知", "去年九月", -5],
        ["320102200901019999", "王五", "3201000009", "女", "2024-09", 100],
    ], titles=["学生名单"])
    sheet = open_sheet(content, "a.xlsx", STUDENT_COLUMNS)
    records = all_records(sheet)
    assert [record[-1] for record in records] == [3, 5]
    assert [(error.row, error.column, error.reason) for error in sheet.errors] == [
        (4, "姓名", "不能为空"),
        (4, "学校标识码", "应为10位数字"),
        (4, "性别", "应为以下之一：男、女"),
        (4, "入学年月", "无法识别的日期（请填写如 2024-09-01 或 2024年9月）"),
        (4, "资助金额", "金额不能为负数"),
    ]
    assert sheet.errors[0].values[:3] == ["320102200901015678", "", "32010"]
    assert sheet.rows_read == 3 and sheet.rows_refused == 1 and sheet.errors_total == 5


def test_number_typed_code_gets_leading_zero_hint_and_long_numbers_lose_digits():
    columns = (Column("code", "学校标识码", parse=code(10)), Column("id", "身份证件号"))
    content = xlsx_bytes([["学校标识码", "身份证件号"], [123456789, 320102200901011234]])
    sheet = open_sheet(content, "a.xlsx", columns)
    assert all_records(sheet) == []
    assert [error.reason for error in sheet.errors] == [
        "应为10位数字（以0开头的代码请把单元格设为文本格式）", LOST_DIGITS,
    ]


def test_unexpected_parser_failure_becomes_a_row_error():
    def fragile(value):
        return {"x": 1}[value]

    columns = (Column("name", "姓名"), Column("flag", "标记", parse=fragile))
    sheet = open_sheet(xlsx_bytes([["姓名", "标记"], ["a", "x"], ["b", "y"]]), "a.xlsx", columns)
    assert all_records(sheet) == [("a", 1, 2)]
    assert [(error.row, error.column, error.reason) for error in sheet.errors] == [(3, "标记", "无法识别的值")]


def test_errors_are_capped_but_counted():
    rows = [["姓名", "年龄"]] + [[f"s{i}", "老"] for i in range(30)]
    columns = (Column("name", "姓名"), Column("age", "年龄", parse=integer))
    sheet = open_sheet(xlsx_bytes(rows), "a.xlsx", columns, max_errors=5)
    assert all_records(sheet) == []
    assert len(sheet.errors) == 5 and sheet.errors_total == 30 and sheet.rows_refused == 30
    assert [error.row for error in sheet.errors] == [2, 3, 4, 5, 6]


def test_batches_stream_in_pieces_and_only_once():
    rows = [["姓名", "年龄"]] + [[f"s{i}", i] for i in range(25)]
    columns = (Column("name", "姓名"), Column("age", "年龄", parse=integer))
    sheet = open_sheet(xlsx_bytes(rows), "a.xlsx", columns)
    batches = list(sheet.batches(size=10))
    assert [len(batch) for batch in batches] == [10, 10, 5]
    assert batches[2][-1] == ("s24", 24, 26)
    with pytest.raises(RuntimeError):
        next(sheet.batches())


def test_refuse_puts_a_checked_row_into_the_refused_file():
    sheet = open_sheet(xlsx_bytes([HEADER, GOOD, GOOD]), "a.xlsx", STUDENT_COLUMNS)
    records = all_records(sheet)
    sheet.refuse(records[1], "身份证件号", "与第 2 行重复")
    assert sheet.rows_refused == 1
    content = refused_rows_xlsx(sheet.header, sheet.errors)
    table = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert table[0] == HEADER + ["行号", "错误原因"]
    assert table[1][:2] == ["320102200901011234", "张三"]
    assert table[1][-2:] == [3, "身份证件号：与第 2 行重复"]


# ---------------------------------------------------------------- refused files


def test_empty_files():
    for content, filename in [(b"", "a.csv"), (b"\xef\xbb\xbf\r\n\r\n", "a.csv"), (xlsx_bytes([]), "a.xlsx"),
                              (xlsx_bytes([HEADER, [], []]), "a.xlsx")]:
        with pytest.raises(SheetError) as refusal:
            open_sheet(content, filename, STUDENT_COLUMNS)
        assert str(refusal.value) == "文件为空，没有数据行", filename


@pytest.mark.parametrize("content", [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", b"hello, world", b"PK\x03\x04broken"])
def test_not_a_spreadsheet(content):
    with pytest.raises(SheetError) as refusal:
        open_sheet(content, "成绩.xlsx", STUDENT_COLUMNS)
    assert str(refusal.value) == "文件不是有效的 Excel 文件（.xlsx/.xls/.ods）或 CSV 文件"


def test_pdf_renamed_to_csv_and_unknown_extension():
    with pytest.raises(SheetError, match="不是有效的 Excel 文件"):
        open_sheet(b"%PDF-1.4\n" + bytes(range(256)), "a.csv", STUDENT_COLUMNS)
    with pytest.raises(SheetError, match="不支持的文件类型"):
        open_sheet(xlsx_bytes([HEADER]), "a.docx", STUDENT_COLUMNS)


def test_file_over_size_limit():
    content = xlsx_bytes([HEADER, GOOD])
    with pytest.raises(SheetError) as refusal:
        open_sheet(io.BytesIO(content), "a.xlsx", STUDENT_COLUMNS, max_bytes=1024)
    assert str(refusal.value) == "文件超过大小上限（1 KB）"
    with pytest.raises(SheetError, match=r"^文件超过大小上限（50 MB）$"):
        open_sheet(b"x" * (50 * 1024 * 1024 + 1), "a.csv", STUDENT_COLUMNS)


def zeros_archive(megabytes: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(block)
    return out.getvalue()


def test_zip_bomb_by_ratio_and_by_total():
    bomb = zeros_archive(300)
    assert len(bomb) < 1024 * 1024  # 300 MB of zeros squeezed to a few hundred KB
    with pytest.raises(SheetError) as refusal:
        open_sheet(bomb, "a.xlsx", STUDENT_COLUMNS)
    assert str(refusal.value) == "文件解压后过大，疑似压缩炸弹，已拒绝"
    small = zeros_archive(3)  # under the 100 MB floor of the ratio rule, so only the total can refuse it
    with pytest.raises(SheetError, match="^文件解压后过大，疑似压缩炸弹，已拒绝$"):
        open_sheet(small, "a.xlsx", STUDENT_COLUMNS, max_unzipped_bytes=2 * 1024 * 1024)


def test_a_far_away_cell_is_refused_instead_of_crashing_the_process():
    # calamine would allocate 16384 × 1048576 cells (512 GB) for this 1 KB file and abort.
    content = xlsx_with_sheet_xml(
        b'<row r="1">' + inline("A1", "姓名") + b'</row><row r="1048576">' + inline("XFD1048576", " ") + b"</row>"
    )
    with pytest.raises(SheetError, match="^表格的使用范围过大（约 1,048,576 行 × 16,384 列）"):
        open_sheet(content, "a.xlsx", STUDENT_COLUMNS)
    wide = xlsx_with_sheet_xml(b'<row r="1">' + inline("A1", "姓名") + inline("BZ1", "x") + b"</row>"
                               + b'<row r="900000">' + inline("C900000", "x") + b"</row>")
    with pytest.raises(SheetError, match="^表格的使用范围过大（约 900,000 行 × 78 列）"):
        open_sheet(wide, "a.xlsx", STUDENT_COLUMNS)


def test_too_many_rows():
    rows = [["姓名"]] + [[f"s{i}"] for i in range(30)]
    with pytest.raises(SheetError) as refusal:
        open_sheet(xlsx_bytes(rows), "a.xlsx", (Column("name", "姓名"),), max_rows=20)
    assert str(refusal.value) == "数据行数超过上限：每次最多导入 20 行，本文件有 30 行，请拆分后分批导入"
    # Blank rows do not count against the limit.
    spaced = rows[:11] + [[]] * 40 + rows[11:21]
    records = all_records(open_sheet(xlsx_bytes(spaced), "a.xlsx", (Column("name", "姓名"),), max_rows=20))
    assert len(records) == 20 and records[-1] == ("s19", 61)


def test_a_full_excel_sheet_is_refused_over_max_rows():
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(2, 1_048_577))
    content = xlsx_with_sheet_xml(b'<row r="1">' + inline("A1", "姓名") + b"</row>" + rows)
    with pytest.raises(SheetError) as refusal:
        open_sheet(content, "a.xlsx", (Column("name", "姓名"),), max_rows=1_000_000)
    assert str(refusal.value) == "数据行数超过上限：每次最多导入 1,000,000 行，本文件有 1,048,575 行，请拆分后分批导入"


def ods_bytes(table_rows: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="名单">{table_rows}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml",
                         '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
                         ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                         '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                         '"application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>')
    return out.getvalue()


def ods_cell(value: str, repeat: int = 1) -> str:
    return (f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
            f"<text:p>{value}</text:p></table:table-cell>")


def test_ods_is_read_and_repeated_cells_are_bounded():
    rows = (f"<table:table-row>{ods_cell('姓名')}{ods_cell('年龄')}</table:table-row>"
            f"<table:table-row>{ods_cell('张三')}<table:table-cell office:value-type=\"float\" office:value=\"12\">"
            "<text:p>12</text:p></table:table-cell></table:table-row>"
            '<table:table-row table:number-rows-repeated="1048000"><table:table-cell'
            ' table:number-columns-repeated="1024"/></table:table-row>')
    columns = (Column("name", "姓名"), Column("age", "年龄", parse=integer))
    assert all_records(open_sheet(ods_bytes(rows), "a.ods", columns)) == [("张三", 12, 2)]
    bomb = (f"<table:table-row>{ods_cell('姓名')}</table:table-row>"
            f'<table:table-row table:number-rows-repeated="1000000">{ods_cell("x", 1000)}</table:table-row>')
    with pytest.raises(SheetError, match="^表格的使用范围过大（约 1,000,001 行 × 1,000 列）"):
        open_sheet(ods_bytes(bomb), "a.ods", columns)


def test_hidden_first_sheet_is_passed_over():
    book = openpyxl.Workbook()
    book.active.title = "代码表"
    book.active.append(["代码", "名称"])
    book.active.sheet_state = "hidden"
    book.create_sheet("名单").append(["姓名"])
    book["名单"].append(["张三"])
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = open_sheet(buffer.getvalue(), "a.xlsx", (Column("name", "姓名"),))
    assert sheet.sheet_name == "名单" and all_records(sheet) == [("张三", 2)]


# ---------------------------------------------------------------- writing


def test_refused_rows_xlsx_round_trips():
    content = xlsx_bytes([HEADER, GOOD, ["x", "", "1", "男", "2024-09", 1], ["y", "李四", "1", "?", "2024-09", 1]])
    sheet = open_sheet(content, "a.xlsx", STUDENT_COLUMNS)
    all_records(sheet)
    table = CalamineWorkbook.from_filelike(io.BytesIO(refused_rows_xlsx(sheet.header, sheet.errors))) \
        .get_sheet_by_index(0).to_python()
    assert table[0] == HEADER + ["行号", "错误原因"]
    assert [row[-2] for row in table[1:]] == [3, 4]
    assert table[1][-1] == "姓名：不能为空；学校标识码：应为10位数字"
    assert table[2][-1] == "学校标识码：应为10位数字；性别：应为以下之一：男、女"
    assert table[2][:2] == ["y", "李四"]


def test_write_xlsx_never_writes_formulas():
    dangerous = ['=HYPERLINK("x")', "+1+1", "-2", "@SUM(A1)", "\t=1", "=1\x07"]
    content = write_xlsx(["值", "数"], [[value, 1] for value in dangerous] + [[None, Decimal("1.50")]])
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [sheet.cell(row=row, column=1) for row in range(2, 8)]
    assert [cell.value for cell in cells] == ['=HYPERLINK("x")', "+1+1", "-2", "@SUM(A1)", "\t=1", "=1"]
    assert {cell.data_type for cell in cells} == {"s"}
    assert sheet.cell(row=1, column=1).font.bold
    assert sheet.cell(row=8, column=2).value == 1.5


def test_stream_xlsx_takes_a_generator():
    rows = ([i, f"名{i}", datetime.date(2024, 9, 1)] for i in range(1000))
    content = stream_xlsx(["序号", "姓名", "日期"], rows)
    table = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert len(table) == 1001 and table[1000][:2] == [999, "名999"]
    assert table[1][2] == datetime.date(2024, 9, 1)


def test_broken_csv_further_down_is_refused_mid_stream():
    lines = "姓名\n" + "".join(f"s{i}\n" for i in range(30)) + '"' + "x" * 200_000 + "\n"
    sheet = open_sheet(lines.encode(), "a.csv", (Column("name", "姓名"),))
    with pytest.raises(SheetError, match="^CSV 文件格式有误"):
        all_records(sheet)


def test_custom_parsers_get_trimmed_values_on_every_path():
    columns = (Column("name", "姓名"), Column("tag", "标签", parse=lambda value: f"[{value}]"))
    clean = open_sheet(xlsx_bytes([["姓名", "标签"], ["a", " x "], ["b", "y"]]), "a.xlsx", columns)
    assert all_records(clean) == [("a", "[x]", 2), ("b", "[y]", 3)]
    with_blank = open_sheet(xlsx_bytes([["姓名", "标签"], ["a", " x "], ["b", "  "]]), "a.xlsx", columns)
    assert all_records(with_blank) == [("a", "[x]", 2)]
    assert [(error.row, error.reason) for error in with_blank.errors] == [(3, "不能为空")]
