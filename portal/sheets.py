"""The one spreadsheet reader behind every import (xlsx/xls/ods/csv → checked rows with Chinese errors),
and the formula-safe xlsx writer behind every export."""
import csv
import io
import logging
import math
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from itertools import chain, islice
from operator import itemgetter
from xml.parsers import expat

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from portal.sheet_values import CellError, choice, code, date_value, decimal_amount, integer, text, year_month

__all__ = [
    "Column", "Sheet", "SheetError", "SheetResult", "RowError", "CellError",
    "open_sheet", "read_sheet", "refused_rows_xlsx", "write_xlsx", "stream_xlsx",
    "text", "code", "choice", "integer", "decimal_amount", "date_value", "year_month",
]
log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_100_000
MAX_UNZIPPED_BYTES = 1536 * 1024 * 1024
# calamine expands a sheet into a dense grid of 32-byte cells before we see a row, so a single
# stray cell at XFD1048576 would ask for 512 GB and abort the whole process; 30M cells ≈ 1 GB.
MAX_CELLS = 30_000_000
MAX_ERRORS = 10_000
HEADER_SCAN_ROWS = 20

NOT_A_SHEET = "文件不是有效的 Excel 文件（.xlsx/.xls/.ods）或 CSV 文件"
EMPTY = "文件为空，没有数据行"
ZIP_BOMB = "文件解压后过大，疑似压缩炸弹，已拒绝"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGICS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")
_SPREADSHEET_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".ods"}
_RATIO_FLOOR = 100 * 1024 * 1024  # small archives may compress absurdly well (an empty template)
_RATIO_LIMIT = 200
_CHUNK = 4 * 1024 * 1024
# Cell references worth a closer look: column AA or beyond, or row 1,000,000 or beyond.
_FAR_REF = re.compile(rb' r="(?:[A-Z]{2}|[A-Z]*\d{7})')
_WIDE_COLUMN = re.compile(rb' r="([A-Z]{2,})\d')
_FAR_ROW = re.compile(rb' r="[A-Z]*(\d{7,})"')
_ANY_ROW = re.compile(rb' r="[A-Z]*(\d+)"')
_HEADER_NOISE = re.compile(r"[\s*:]")
_HEADER_HINT = re.compile(r"\(.*?\)|\[.*?\]|【.*?】")
_TOTAL_WORDS = ("合计", "总计", "小计")
_FORMULA_LEADS = frozenset("=+-@\t\r")


@dataclass(frozen=True)
class Column:
    key: str  # code name, e.g. "id_number"
    label: str  # canonical Chinese header, e.g. "身份证件号"
    synonyms: tuple[str, ...] = ()
    required: bool = True  # the column must be present
    parse: Callable[[object], object] = text  # raw cell → value, or raises CellError("中文原因")
    optional_value: bool = False  # a blank cell becomes None instead of "不能为空"


class SheetError(Exception):
    """The whole file is refused; `message` is shown to the user as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RowError:
    row: int  # row number as Excel shows it
    column: str  # column label ("" when the whole row is at fault)
    reason: str
    values: list = field(default_factory=list, repr=False)  # the raw row, for the refused-rows download


@dataclass
class SheetResult:
    rows: list[dict]
    errors: list[RowError]
    errors_total: int
    rows_read: int
    rows_refused: int
    header: list[str]
    header_row: int


def _too_many_rows(limit: int, found: int | None = None) -> SheetError:
    found_text = f"，本文件有 {found:,} 行" if found else ""
    return SheetError(f"数据行数超过上限：每次最多导入 {limit:,} 行{found_text}，请拆分后分批导入")


def _is_blank(row: list) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def _skippable(row: list) -> bool:
    """Blank rows and totals rows (first filled cell mentions 合计/总计/小计) are not data."""
    first = next((cell for cell in row if not (cell is None or (isinstance(cell, str) and not cell.strip()))), None)
    if first is None:
        return True
    squeezed = str(first).replace(" ", "").replace("\u3000", "")
    return any(word in squeezed for word in _TOTAL_WORDS)


class Sheet:
    """An opened upload whose header has been found; stream its rows with `batches()` (once)."""

    def __init__(self, columns, header, header_row, found, rows, first_row, max_rows, max_errors, sheet_name):
        self.columns: tuple[Column, ...] = columns
        self.header: list[str] = header  # the header row as written in the file
        self.header_row: int = header_row  # 1-based, as Excel shows it
        self.sheet_name: str = sheet_name
        self.columns_found: dict[str, str] = {key: header[index] for key, index in found.items()}
        self.errors: list[RowError] = []
        self.errors_total = 0  # including those beyond max_errors, which are counted but not kept
        self.rows_read = 0  # data rows seen (blank and totals rows excluded)
        self.rows_refused = 0
        self.max_errors = max_errors
        self._index = found  # column key → position in the file's row
        self._rows = rows
        self._first_row = first_row
        self._max_rows = max_rows
        self._last_refused = None

    def _add_error(self, error: RowError) -> None:
        self.errors_total += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(error)

    def refuse(self, record: tuple, column: str, reason: str) -> None:
        """Refuse a row that passed the cell checks (e.g. a duplicate ID), so it lands in the refused file."""
        values = [""] * len(self.header)
        for column_def, value in zip(self.columns, record):
            if column_def.key in self._index:
                values[self._index[column_def.key]] = value
        if record[-1] != self._last_refused:
            self.rows_refused += 1
            self._last_refused = record[-1]
        self._add_error(RowError(record[-1], column, reason, values))

    def batches(self, size: int = 10_000) -> Iterator[list[tuple]]:
        """Valid rows as tuples in the order of `columns` plus the file row number last.

        Refused rows go to `errors` as they are met. Can only be consumed once; raises SheetError
        mid-way only for a CSV that turns out to be malformed further down.
        """
        if self._rows is None:
            raise RuntimeError("Sheet.batches() can only be consumed once")
        rows, self._rows = self._rows, None
        first_row, batch = self._first_row, []
        # Rows are checked in small chunks so their cells are still in the CPU cache for each column pass.
        while chunk := list(islice(rows, _CHECK_CHUNK)):
            batch += self._check_chunk(chunk, range(first_row, first_row + len(chunk)))
            first_row += len(chunk)
            if len(batch) >= size:
                yield batch[:size]
                batch = batch[size:]
        if batch:
            yield batch

    def _check_chunk(self, chunk: list[list], numbers: range) -> list[tuple]:
        """Check raw rows column by column: map(), list comprehensions and zip() keep this near C speed."""
        data = [row for row in chunk if _is_data(row)]
        if len(data) != len(chunk):
            numbers = [number for number, row in zip(numbers, chunk) if _is_data(row)]
        self.rows_read += len(data)
        if self.rows_read > self._max_rows:
            raise _too_many_rows(self._max_rows)
        if not data:
            return []
        reasons: list[str] = []
        bad: dict[int, list[tuple[str, str]]] = {}
        values = []
        for column, raw in zip(self.columns, self._declared_cells(data)):
            if column.key not in self._index:
                values.append([None] * len(data))
                continue
            found = _read_column(column, raw, reasons)
            if reasons:
                failures = iter(reasons)
                for position, cell in enumerate(found):
                    if cell is _FAILED:
                        bad.setdefault(position, []).append((column.label, next(failures)))
                reasons.clear()
            values.append(found)
        records = list(zip(*values, numbers))
        if not bad:
            return records
        for position in sorted(bad):
            self.rows_refused += 1
            for label, reason in bad[position]:
                self._add_error(RowError(numbers[position], label, reason, data[position]))
        return [record for position, record in enumerate(records) if position not in bad]

    def _declared_cells(self, data: list[list]) -> list:
        """The declared columns' cells, one sequence per column (absent optional columns read column 0)."""
        indices = [self._index.get(column.key, 0) for column in self.columns]
        if len(indices) == 1:
            return [[row[indices[0]] if len(row) > indices[0] else "" for row in data]]
        getter = itemgetter(*indices)
        try:
            return list(zip(*map(getter, data)))
        except IndexError:  # short CSV lines
            width = max(indices) + 1
            return list(zip(*(getter(row if len(row) >= width else row + [""] * (width - len(row))) for row in data)))


_FAILED = object()  # stands in for a refused cell; its reason is queued separately
_CHECK_CHUNK = 2048


def _is_data(row: list) -> bool:
    # Most rows start with a number or ordinary text; only the others need the exact test.
    first = row[0]
    if first.__class__ is not str or (first and "计" not in first and not first.isspace()):
        return True
    return not _skippable(row)


def _read_column(column: Column, raw, reasons: list[str]) -> list:
    """One column of a chunk, parsed; refused cells are _FAILED with their reasons queued in order.

    The fast paths handle the whole column at C speed (the parser's `bulk`, or map()); any
    surprise (a blank, a bad value) sends the column back through the careful per-cell path.
    """
    bulk = getattr(column.parse, "bulk", None)
    if bulk is not None:
        try:
            found = bulk(raw)
        except Exception:
            found = None
        if found is not None and (column.optional_value or None not in found):
            return found
    elif not column.optional_value and "" not in raw:
        try:
            return list(map(column.parse, raw))
        except Exception:
            pass
    reasons.clear()
    return [convert(cell) for cell in raw] if (convert := _converter(column, reasons)) else []


def _converter(column: Column, reasons: list[str]) -> Callable[[object], object]:
    """Blank handling and error capture around a column's parser, for use inside a list comprehension."""
    parse, optional = column.parse, column.optional_value

    def convert(value):
        if value.__class__ is str:
            value = value.strip()
        if value == "" or value is None:
            if optional:
                return None
            reasons.append("不能为空")
            return _FAILED
        try:
            return parse(value)
        except CellError as exc:
            reasons.append(exc.reason)
        except Exception:
            log.debug("cell parser %r failed on %r", parse, value, exc_info=True)
            reasons.append("无法识别的值")
        return _FAILED

    return convert


# ---------------------------------------------------------------- opening files


def _read_source(source, max_bytes: int) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as stream:
            data = stream.read(max_bytes + 1)
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        size = f"{max_bytes / 2**20:g} MB" if max_bytes >= 2**20 else f"{max_bytes / 1024:g} KB"
        raise SheetError(f"文件超过大小上限（{size}）")
    return data


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes in chunks that overlap a little, so no cell reference is cut in two."""
    tail = b""
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            yield tail + chunk
            tail = chunk[-32:]


def _xlsx_extent(archive, info) -> tuple[int, int]:
    """Upper bound of (rows, columns) calamine will allocate for one worksheet.

    Decompressing is the cost we cannot avoid; the regex only looks closely at far references,
    which ordinary narrow sheets of under a million rows never contain.
    """
    rows, columns = 999_999, 26
    for window in _scan(archive, info):
        if _FAR_REF.search(window):
            wide = set(_WIDE_COLUMN.findall(window))
            far = _FAR_ROW.findall(window)
            columns = max(columns, *map(_column_number, wide)) if wide else columns
            rows = max(rows, *map(int, far)) if far else rows
    if columns > 26:  # wide sheets are short in practice: learn their real height
        rows = max((max(map(int, found)) for window in _scan(archive, info) if (found := _ANY_ROW.findall(window))),
                   default=1)
    return rows, columns


def _ods_extent(archive, info) -> tuple[int, int]:
    """(rows, columns) up to the last filled cell: ODS repeats rows/cells by attribute, calamine expands them."""
    state = {"row": 0, "repeat": 1, "col": 0, "cell": None, "row_cols": 0, "rows": 0, "cols": 0}

    def start(name, attrs):
        local = name.rpartition(":")[2]
        if local == "table-row":
            state.update(repeat=int(attrs.get("table:number-rows-repeated", 1)), col=0, row_cols=0)
        elif local in ("table-cell", "covered-table-cell"):
            repeat = int(attrs.get("table:number-columns-repeated", 1))
            state["col"] += repeat
            state["cell"] = state["col"] if "office:value-type" in attrs else 0
        elif state["cell"] == 0 and local != "table-column":
            state["cell"] = state["col"]  # a cell with content but no value type
        if state["cell"]:
            state["row_cols"] = max(state["row_cols"], state["cell"])

    def end(name):
        local = name.rpartition(":")[2]
        if local in ("table-cell", "covered-table-cell"):
            state["cell"] = None
        elif local == "table-row":
            state["row"] += state["repeat"]
            if state["row_cols"]:
                state["rows"] = max(state["rows"], state["row"])
                state["cols"] = max(state["cols"], state["row_cols"])
        elif local == "table":
            state["row"] = 0

    parser = expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return state["rows"], state["cols"]


def _check_archive(data: bytes, max_unzipped: int, max_cells: int) -> None:
    """Refuse zip bombs and sheets whose used range would not fit in memory, before calamine sees them."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise SheetError(NOT_A_SHEET) from None
    with archive:
        members = archive.infolist()
        unzipped = sum(member.file_size for member in members)
        if unzipped > max_unzipped or (unzipped > _RATIO_FLOOR and unzipped > _RATIO_LIMIT * len(data)):
            raise SheetError(ZIP_BOMB)
        for member in members:
            name = member.filename
            if name.startswith("xl/worksheets/") and name.endswith(".bin"):
                raise SheetError("不支持 .xlsb 格式，请在 Excel 中另存为 .xlsx 后上传")
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                rows, columns = _xlsx_extent(archive, member)
            elif name == "content.xml":
                rows, columns = _ods_extent(archive, member)
            else:
                continue
            if rows * columns > max_cells:
                raise SheetError(
                    f"表格的使用范围过大（约 {rows:,} 行 × {columns:,} 列），"
                    "请删除数据区域以外的多余内容（包括远处单元格里的空格或格式）后重新上传"
                )


def _open_workbook(data: bytes, max_unzipped: int, max_cells: int):
    if data.startswith(_ZIP_MAGIC):
        _check_archive(data, max_unzipped, max_cells)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise SheetError("文件设置了密码，请取消密码后重新上传") from None
    # The first visible worksheet: templates sometimes hide a lookup sheet in front.
    index = next((i for i, meta in enumerate(book.sheets_metadata)
                  if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible), 0)
    sheet = book.get_sheet_by_index(index)
    end = sheet.end
    # iter_rows() pads the rows above the used range, so row i of the iterator is file row i + 1.
    return sheet.iter_rows, (end[0] + 1 if end else 0), sheet.name


def _open_csv(data: bytes):
    head = data[:8192]
    if head.startswith(_BINARY_MAGICS) or b"\x00" in head:
        raise SheetError(NOT_A_SHEET)
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 is a superset of GBK and GB2312
        try:
            sample = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码后上传")
    if "\x00" in sample:
        raise SheetError(NOT_A_SHEET)
    delimiter = "\t" if sample[:4096].count("\t") > sample[:4096].count(",") else ","
    del sample

    def records():
        stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        try:
            for record in csv.reader(stream, delimiter=delimiter):
                yield record or [""]  # an empty line is still a row the user can see
        except csv.Error:
            raise SheetError("CSV 文件格式有误（例如引号不成对），无法读取") from None

    return records, data.count(b"\n") + 1, ""


def _header_forms(cell) -> tuple[str, str]:
    """A header as compared: without spaces, '*' and width differences; and also without "(必填)" hints."""
    name = _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", str(cell))).casefold()
    return name, _HEADER_HINT.sub("", name)


def _header_tables(columns) -> tuple[dict, dict]:
    exact, loose, clashes = {}, {}, set()
    for column in columns:
        for name in (column.label, *column.synonyms):
            full, short = _header_forms(name)
            exact.setdefault(full, column.key)
            if loose.setdefault(short, column.key) != column.key:
                clashes.add(short)  # e.g. 电话(父亲)/电话(母亲): only the exact form may match
    for short in clashes:
        del loose[short]
    return exact, loose


def _match_header(row, exact, loose) -> dict[str, int]:
    found = {}
    for index, cell in enumerate(row):
        if cell == "" or cell is None:
            continue
        full, short = _header_forms(cell)
        key = exact.get(full) or loose.get(short)
        if key and key not in found:
            found[key] = index
    return found


def _header_text(cell) -> str:
    try:
        return text(cell)
    except CellError:
        return str(cell)


def _build_sheet(make_rows, row_bound, sheet_name, columns, max_rows, max_errors) -> Sheet:
    rows = make_rows()
    head = list(islice(rows, HEADER_SCAN_ROWS))
    if all(_is_blank(row) for row in head) and len(head) < HEADER_SCAN_ROWS:
        raise SheetError(EMPTY)
    exact, loose = _header_tables(columns)
    found, header_at = {}, 0
    for position, row in enumerate(head):
        candidate = _match_header(row, exact, loose)
        if len(candidate) > len(found):
            found, header_at = candidate, position
    examples = "、".join(column.label for column in columns[:3])
    if not found:
        raise SheetError(f"未找到表头行：前 {HEADER_SCAN_ROWS} 行中没有识别出任何列名，请使用模板中的列名（如 {examples}）")
    missing = [column.label for column in columns if column.required and column.key not in found]
    if missing:
        raise SheetError(f"缺少必需的列：{'、'.join(missing)}（请使用模板中的列名）")

    # Skip blank rows under the header (not buffering them) to tell "header only" from real data.
    rest = chain(head[header_at + 1:], rows)
    first_row = header_at + 2
    for row in rest:
        if not _is_blank(row):
            break
        first_row += 1
    else:
        raise SheetError(EMPTY)
    if row_bound - header_at - 1 > max_rows:  # count exactly only when the cheap bound says it may be too many
        data_rows = sum(1 for row in islice(make_rows(), header_at + 1, None) if not _is_blank(row))
        if data_rows > max_rows:
            raise _too_many_rows(max_rows, data_rows)
    header = [_header_text(cell) for cell in head[header_at]]
    return Sheet(columns, header, header_at + 1, found, chain([row], rest), first_row, max_rows, max_errors, sheet_name)


def open_sheet(source, filename: str, columns: Iterable[Column], *, max_bytes: int = MAX_BYTES,
               max_rows: int = MAX_ROWS, max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
               max_cells: int = MAX_CELLS, max_errors: int = MAX_ERRORS) -> Sheet:
    """Open an upload (path, bytes or binary file object) and find its header; raises SheetError."""
    columns = tuple(columns)
    extension = os.path.splitext(filename or "")[1].lower()
    if extension not in _SPREADSHEET_EXTENSIONS | {".csv"}:
        raise SheetError("不支持的文件类型，请上传 .xlsx、.xls、.ods 或 .csv 文件")
    try:
        data = _read_source(source, max_bytes)
        if not data or data.isspace():
            raise SheetError(EMPTY)
        # Content decides, not the name: an .xls saved as .xlsx still reads, a PDF renamed to .xlsx does not.
        if data.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
            make_rows, row_bound, sheet_name = _open_workbook(data, max_unzipped_bytes, max_cells)
        elif extension == ".csv":
            make_rows, row_bound, sheet_name = _open_csv(data)
        else:
            raise SheetError(NOT_A_SHEET)
        return _build_sheet(make_rows, row_bound, sheet_name, columns, max_rows, max_errors)
    except SheetError:
        raise
    except BaseException as exc:
        # calamine reports Rust panics as PanicException, which derives from BaseException.
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        log.warning("unreadable upload %r", filename, exc_info=True)
        raise SheetError(NOT_A_SHEET) from None


def read_sheet(source, filename: str, columns: Iterable[Column], **limits) -> SheetResult:
    """Small files: every valid row as a dict (column key → value, plus "row")."""
    sheet = open_sheet(source, filename, columns, **limits)
    keys = [column.key for column in sheet.columns]
    rows = [dict(zip(keys, record), row=record[-1]) for batch in sheet.batches() for record in batch]
    return SheetResult(rows, sheet.errors, sheet.errors_total, sheet.rows_read, sheet.rows_refused,
                       sheet.header, sheet.header_row)


# ---------------------------------------------------------------- writing files


def _export_value(sheet, value):
    """A value openpyxl stores as plain data: user text that looks like a formula stays text."""
    if value is None or isinstance(value, (bool, int, Decimal, date, time, timedelta)):
        # Excel has no time zones; openpyxl would raise on an aware datetime.
        return value.replace(tzinfo=None) if getattr(value, "tzinfo", None) is not None else value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if value.__class__ is not str:
        value = str(value)
    if ILLEGAL_CHARACTERS_RE.search(value):  # control characters make openpyxl raise mid-row
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value[:1] in _FORMULA_LEADS:
        return _text_cell(sheet, value)
    return value


def _text_cell(sheet, value: str):
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # set after the value: openpyxl guesses "f" for anything starting with "="
    return cell


def stream_xlsx(headers: Iterable[str], rows: Iterable[Iterable], *, sheet_title: str = "数据") -> bytes:
    """An xlsx of `rows` (any iterable, consumed once, never held in full) under a bold header row."""
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
    """An xlsx export; every str starting with = + - @ (or tab/CR) is stored as text, never as a formula."""
    return stream_xlsx(headers, rows, sheet_title=sheet_title)


def refused_rows_xlsx(header: list[str], errors: list[RowError]) -> bytes:
    """The refused rows as the user wrote them, plus 行号 and 错误原因, ready to fix and upload again."""
    by_row: dict[int, tuple[list, list[str]]] = {}
    for error in errors:
        values, reasons = by_row.setdefault(error.row, (list(error.values), []))
        reasons.append(f"{error.column}：{error.reason}" if error.column else error.reason)
    width = max([len(header), *(len(values) for values, _ in by_row.values())])
    padded_header = list(header) + [""] * (width - len(header))
    rows = (values + [""] * (width - len(values)) + [number, "；".join(reasons)]
            for number, (values, reasons) in sorted(by_row.items()))
    return write_xlsx(padded_header + ["行号", "错误原因"], rows, sheet_title="未导入的行")
