"""The formula-safe xlsx writer behind every export and every refused-rows download: a cell that begins
with = + - @ is stored as text, never as a formula; control characters openpyxl would refuse are dropped, and so
are bidi controls (portal.bidi)."""
import hashlib
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

from portal.bidi import neutralise_bidi

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
    count = 0
    for row in rows:
        sheet.append([_export_value(sheet, value) for value in row])
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    note_export(content, count)
    return content


def note_export(content: bytes, rows: int | None) -> None:
    """Remember the file just written (its rows and SHA-256) for this request or command: the export's audit
    entry (portal.audit.services.record with AuditAction.EXPORT) carries them. Every xlsx export passes here."""
    from flask import g, has_app_context

    if has_app_context():
        g.portal_export = (rows, hashlib.sha256(content).hexdigest())


def write_xlsx(headers: Iterable[str], rows: Iterable[Iterable], *, sheet_title: str = "数据") -> bytes:
    """An xlsx export (see stream_xlsx, which it is)."""
    return stream_xlsx(headers, rows, sheet_title=sheet_title)


def template_xlsx(columns: Iterable, example: Iterable, *, sheet_title: str = "数据",
                  hints: dict[str, str] | None = None, notes: Iterable[str] = ()) -> bytes:
    """The template of an import (its sheets.Column list): the columns on an empty data sheet (ID and code columns
    formatted as text), and a guide sheet the reader never reads: how to fill it in, each column's requirement
    (hints: more words per column key) and an example row."""
    columns, hints = tuple(columns), hints or {}
    text_columns = [index for index, column in enumerate(columns) if column.as_text]
    lines = [f"在第一个工作表“{sheet_title}”中填写：第 1 行是表头，从第 2 行起每行一条。"
             "系统只读取第一个工作表，本说明页不会导入。"]
    if text_columns:
        named = "、".join(columns[index].label for index in text_columns)
        lines.append(f"{named}列已设为文本格式，可直接输入或粘贴完整号码。请勿改为“常规”或“数值”格式："
                     "否则 Excel 会把18位身份证件号显示为 3.2E+17 并丢掉末尾几位，这样的号码无法导入。")
    lines += [*notes, "也可上传其他系统导出的文件：表头可在标题行之下，列的顺序不限，列名可用下表中的别名。"]
    guide = [["填写说明"], *([f"{number}. {line}"] for number, line in enumerate(lines, 1)), [],
             ["列名", "填写要求", "说明"]]
    for column in columns:
        also = f"也可写作：{'、'.join(column.synonyms[:5])}" if column.synonyms else ""
        words = "；".join(part for part in (hints.get(column.key), also) if part)
        guide.append([column.label, column.requirement, words])
    guide += [[], ["示例（仅供参考，不会导入）"], [column.label for column in columns], list(example)]
    return _template_book([column.label for column in columns], text_columns, guide, sheet_title=sheet_title)


def _template_book(headers: list[str], text_columns: Iterable[int], guide: list[list], *, sheet_title: str,
                   guide_title: str = "填写说明") -> bytes:
    """An import template: the data sheet first and holding only the header (the reader reads the first sheet, so
    nothing on it is an example that would be imported), its columns of long digit strings formatted as text ("@")
    so that Excel keeps all 18 digits of an ID number; the guide (notes, an example row) on a second sheet."""
    book = Workbook()
    data = book.active
    data.title = _sheet_name(sheet_title)
    bold = Font(bold=True)
    for number, header in enumerate(headers, 1):
        letter = get_column_letter(number)
        data.column_dimensions[letter].width = min(40, max(12, len(header.encode("gbk", "replace")) + 4))
        data.cell(row=1, column=number, value=header).font = bold
    for index in text_columns:
        letter = get_column_letter(index + 1)
        data.column_dimensions[letter].number_format = "@"  # the column's style: what Excel gives a typed cell
        data.column_dimensions[letter].width = 24
    data.freeze_panes = "A2"
    notes = book.create_sheet(_sheet_name(guide_title))
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 24
    notes.column_dimensions["C"].width = 60
    for row in guide:
        notes.append([_export_value(notes, value) for value in row])
    notes["A1"].font = bold
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "数据"


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
    value = neutralise_bidi(value)  # no name reordered in Excel by an invisible right-to-left override
    return _text_cell(sheet, value) if value[:1] in _FORMULA_LEADS else value


def _text_cell(sheet, value: str):
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # after the value: openpyxl takes anything starting with "=" for a formula
    return cell
