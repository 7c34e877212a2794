"""The formula-safe xlsx writer behind every export and every refused-rows download: a cell that begins
with = + - @ is stored as text, never as a formula; control characters openpyxl would refuse are dropped."""
import io
import math
import re
from collections.abc import Iterable
from datetime import date, time, timedelta
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

_FORMULA_LEADS = frozenset("=+-@\t\r")



def stream_xlsx(headers: Iterable[str], rows: Iterable[Iterable], *, sheet_title: str = "数据") -> bytes:
    """An xlsx of `rows` (any iterable, consumed once, never held whole) under a bold header row.

    Every str starting with = + - @ (or tab/CR) is stored as text, never as a formula.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", "", sheet_title)[:31] or "数据")
    headers = [ILLEGAL_CHARACTERS_RE.sub("", str(header)) for header in headers]
    for number, header in enumerate(headers, 1):
        width = len(header.encode("gbk", "replace")) + 4  # a Chinese character is two columns wide
        sheet.column_dimensions[get_column_letter(number)].width = min(40, max(10, width))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = [_text_cell(sheet, header) for header in headers]
    for cell in header_cells:
        cell.font = bold
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_export_value(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_xlsx(headers: Iterable[str], rows: Iterable[Iterable], *, sheet_title: str = "数据") -> bytes:
    """An xlsx export (see stream_xlsx, which it is)."""
    return stream_xlsx(headers, rows, sheet_title=sheet_title)


def refused_rows_xlsx(header: list[str], errors: list) -> bytes:
    """The refused rows (sheets.RowError) as the user wrote them, plus 行号 and 错误原因: fix them and upload this file again."""
    by_row: dict[int, tuple[list, list[str]]] = {}
    for error in errors:
        values, reasons = by_row.setdefault(error.row, (list(error.values), []))
        reasons.append(f"{error.column}：{error.reason}" if error.column else error.reason)
    width = max([len(header), *(len(values) for values, _ in by_row.values())])
    rows = (values + [""] * (width - len(values)) + [number, "；".join(reasons)]
            for number, (values, reasons) in sorted(by_row.items()))
    return write_xlsx([*header, *[""] * (width - len(header)), "行号", "错误原因"], rows, sheet_title="未导入的行")


def _export_value(sheet, value):
    """A value openpyxl stores as plain data; user text that looks like a formula stays text."""
    if value is None or isinstance(value, (bool, int, Decimal, date, time, timedelta)):
        # Excel has no time zones (openpyxl raises on an aware datetime).
        return value.replace(tzinfo=None) if getattr(value, "tzinfo", None) is not None else value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if value.__class__ is not str:
        value = str(value)
    if ILLEGAL_CHARACTERS_RE.search(value):  # control characters would make openpyxl raise mid-row
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return _text_cell(sheet, value) if value[:1] in _FORMULA_LEADS else value


def _text_cell(sheet, value: str):
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # after the value: openpyxl takes anything starting with "=" for a formula
    return cell
