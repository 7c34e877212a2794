"""Hypothesis against the two parsers every import leans on: the ID validator (portal/idcard.py) and the
spreadsheet reader (portal/sheets.py). Whatever a file holds, the answer is a value or the module's own Chinese
error — never another exception, which would reach the user as a 500."""
import csv
import io
import re
from datetime import date

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import idcard
from portal.sheets import Column, SheetError, choice, code, date_value, decimal_amount, integer, read_sheet, year_month

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
COLUMNS = (
    Column("id_number", "身份证件号", ("身份证号",), parse=lambda cell: idcard_cell(cell)),
    Column("name", "姓名"),
    Column("school_code", "学校标识码", parse=code(10)),
    Column("gender", "性别", parse=choice(["男", "女"])),
    Column("enrolled", "入学年月", parse=year_month),
    Column("born", "出生日期", required=False, optional_value=True, parse=date_value),
    Column("amount", "资助金额", required=False, optional_value=True, parse=decimal_amount),
    Column("count", "人数", required=False, optional_value=True, parse=integer),
)
HEADER = ["身份证件号", "姓名", "学校标识码", "性别", "入学年月", "出生日期", "资助金额", "人数"]


def idcard_cell(cell):
    from portal.sheets import CellError

    try:
        return idcard.validate(cell)
    except idcard.IdNumberError as error:
        raise CellError(str(error)) from None


# Cells as spreadsheets hold them: text of any kind (digits, full-width, bidi marks), numbers huge and tiny,
# dates, booleans, blanks.
cells = st.one_of(
    st.none(), st.booleans(), st.text(max_size=25),
    st.text(alphabet="0123456789xX０１２３４５６７８９ -\u202e\u200f", max_size=20),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
)
id_like = st.one_of(cells, st.from_regex(r"\A[1-9]\d{5}(19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx]\Z"),
                    st.from_regex(r"\A\d{15}\Z"))


@FUZZ
@given(id_like)
def test_the_id_validator_answers_a_number_or_its_chinese_error(raw):
    try:
        number = idcard.validate(raw)
    except idcard.IdNumberError as error:
        assert CHINESE.search(str(error))
        return
    assert re.fullmatch(r"\d{17}[\dX]", number)
    assert idcard.check_digit(number[:17]) == number[17]
    assert idcard.mask(number) != number


def xlsx_of(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str)  # what Excel cannot hold
                      else cell.isoformat() if isinstance(cell, date) and cell.year < 1900 else cell for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_of(rows, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if cell is None else cell for cell in row] for row in rows])
    return buffer.getvalue().encode(encoding, errors="replace")


def read_or_refuse(content: bytes, filename: str):
    try:
        result = read_sheet(content, filename, COLUMNS)
    except SheetError as error:
        assert CHINESE.search(str(error)), str(error)
        return None
    for problem in result.errors:
        assert isinstance(problem.row, int) and CHINESE.search(problem.reason), problem
    return result


rows_of_cells = st.lists(st.lists(cells, min_size=0, max_size=len(HEADER) + 2), max_size=6)


@FUZZ
@given(rows=rows_of_cells, with_header=st.booleans(), titles=st.integers(0, 2))
def test_random_cells_in_an_xlsx_are_rows_or_chinese_errors(rows, with_header, titles):
    content = xlsx_of([["名单"]] * titles + ([HEADER] if with_header else []) + rows)
    result = read_or_refuse(content, "学籍.xlsx")
    if result is not None:
        assert result.rows_read >= len(result.rows)


@FUZZ
@given(rows=rows_of_cells, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_random_cells_in_a_csv_are_rows_or_chinese_errors(rows, encoding):
    read_or_refuse(csv_of([HEADER] + rows, encoding), "学籍.csv")


@FUZZ
@given(content=st.binary(max_size=4000), extension=st.sampled_from([".xlsx", ".xls", ".ods", ".csv"]))
def test_random_bytes_are_refused_in_chinese(content, extension):
    read_or_refuse(content, "文件" + extension)


GOOD_XLSX = xlsx_of([HEADER, ["320102200901011234", "张三", "3201000001", "男", "2024-09", None, 1500, 3]])


@FUZZ
@given(changes=st.lists(st.tuples(st.integers(0, len(GOOD_XLSX) - 1), st.integers(0, 255)), min_size=1, max_size=8),
       cut=st.integers(0, len(GOOD_XLSX)))
def test_a_damaged_xlsx_is_refused_in_chinese(changes, cut):
    damaged = bytearray(GOOD_XLSX)
    for position, value in changes:
        damaged[position] = value
    read_or_refuse(bytes(damaged[:max(cut, len(GOOD_XLSX) // 2)]), "学籍.xlsx")
