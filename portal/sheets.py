"""The one spreadsheet reader behind every import (xlsx/xls/ods/csv → checked rows, Chinese errors).
Opening and vetting the file lives in portal.sheet_files, cell parsers in portal.sheet_values, the
formula-safe xlsx writer behind every export in portal.sheet_writer; all are used through this module."""
import gc
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, compress, islice
from operator import itemgetter

from portal.sheet_files import EMPTY, EXTENSIONS, NOT_A_SHEET, SheetError, open_rows
from portal.sheet_values import CellError, choice, code, date_value, decimal_amount, integer, text, year_month
from portal.sheet_writer import refused_rows_xlsx, stream_xlsx, template_xlsx, write_xlsx

__all__ = ["Column", "Sheet", "SheetError", "SheetResult", "RowError", "CellError", "open_sheet", "read_sheet",
           "refused_rows_xlsx", "write_xlsx", "stream_xlsx", "template_xlsx", "collector_paused",
           "text", "code", "choice", "integer", "decimal_amount", "date_value", "year_month"]
log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_100_000
MAX_UNZIPPED_BYTES = 1536 * 1024 * 1024
# calamine turns a sheet into a dense grid of 32-byte cells before we see a row: one stray cell at
# XFD1048576 asks for 512 GB and aborts the whole server process. 30M cells is about 1 GB.
MAX_CELLS = 30_000_000
MAX_ERRORS = 10_000
HEADER_SCAN_ROWS = 20

_HEADER_NOISE = re.compile(r"[\s*:]")
_HEADER_HINT = re.compile(r"\(.*?\)|\[.*?\]|【.*?】")
_TOTAL_WORDS = ("合计", "总计", "小计")
# rows read, checked and handed on together (Sheet.batches): few enough that their cells are still in the CPU
# cache when an importer derives, encrypts and writes them
BATCH_ROWS = 2048
_FAILED = object()  # stands in for a refused cell; its reason is queued separately


@dataclass(frozen=True)
class Column:
    key: str  # code name, e.g. "id_number"
    label: str  # canonical Chinese header, e.g. "身份证件号"
    synonyms: tuple[str, ...] = ()
    required: bool = True  # the column must be present
    parse: Callable[[object], object] = text  # trimmed non-blank cell → value, or raises CellError("中文原因")
    optional_value: bool = False  # a blank cell becomes None instead of "不能为空"

    @property
    def as_text(self) -> bool:
        """A column of long digit strings (ID, code, card numbers): a template formats it as text for Excel."""
        return getattr(self.parse, "as_text", False)

    @property
    def requirement(self) -> str:
        if not self.required:
            return "可选（可以没有此列）"
        return "必须有此列，可留空" if self.optional_value else "必填"


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


def open_sheet(source, filename: str, columns: Iterable[Column], *, max_bytes: int = MAX_BYTES,
               max_rows: int = MAX_ROWS, max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
               max_cells: int | None = MAX_CELLS, max_errors: int = MAX_ERRORS) -> "Sheet":
    """Open an upload (path, bytes or binary file object) and find its header; raises SheetError.

    max_cells bounds the grid calamine allocates (rows × columns of the used range); None skips that
    check, which decompresses and scans the sheet once more, for files from a trusted source.
    """
    columns = tuple(columns)
    if os.path.splitext(filename or "")[1].lower() not in EXTENSIONS:
        raise SheetError("不支持的文件类型，请上传 .xlsx、.xls、.ods 或 .csv 文件")
    try:
        make_rows, row_bound, sheet_name = open_rows(source, filename, max_bytes, max_unzipped_bytes, max_cells)
        return _find_header(make_rows, row_bound, sheet_name, columns, max_rows, max_errors)
    except SheetError:
        raise
    except BaseException as exc:
        # calamine reports Rust panics as PanicException, which derives from BaseException.
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        log.warning("unreadable upload %r", filename, exc_info=True)
        raise SheetError(NOT_A_SHEET) from None


def read_sheet(source, filename: str, columns: Iterable[Column], **limits) -> SheetResult:
    """For small files: every valid row as a dict (column key → value, plus "row")."""
    sheet = open_sheet(source, filename, columns, **limits)
    keys = [column.key for column in sheet.columns]
    rows = [dict(zip(keys, record), row=record[-1]) for batch in sheet.batches() for record in batch]
    return SheetResult(rows, sheet.errors, sheet.errors_total, sheet.rows_read, sheet.rows_refused,
                       sheet.header, sheet.header_row)


class Sheet:
    """An opened upload whose header has been found; stream its rows with `batches()`, once."""

    def __init__(self, columns, header, header_row, found, rows, first_row, max_rows, max_errors, sheet_name):
        self.columns: tuple[Column, ...] = columns
        self.header: list[str] = header  # the header row as written in the file
        self.header_row: int = header_row  # 1-based, as Excel shows it
        self.sheet_name: str = sheet_name  # "" for CSV
        self.columns_found: dict[str, str] = {key: header[index] for key, index in found.items()}
        self.errors: list[RowError] = []  # at most max_errors of them
        self.errors_total = 0  # all of them
        self.rows_read = 0  # data rows seen (blank and totals rows excluded)
        self.rows_refused = 0
        self.rows_bound: int | None = None  # at most this many data rows (known before reading them)
        self.max_errors = max_errors
        self._index = found  # column key → position in the file's row
        self._rows, self._first_row, self._max_rows = rows, first_row, max_rows
        self._last_refused = None

    def batches(self, size: int = BATCH_ROWS) -> Iterator[list[tuple]]:
        """Valid rows as tuples in the order of `columns`, plus the file row number last.

        Refused rows go to `errors` as they are met. A file that turns out to be broken further down
        (a CSV with an unclosed quote) raises SheetError mid-way.
        """
        if self._rows is None:
            raise RuntimeError("Sheet.batches() can only be consumed once")
        rows, self._rows = self._rows, None
        first_row = self._first_row
        try:
            while True:
                batch, read = [], 0
                with collector_paused():
                    # Read and check a few thousand rows at a time: their cells are still in the CPU cache
                    # when checked, and the memory of one piece's rows serves the next.
                    while read < size and (piece := list(islice(rows, min(BATCH_ROWS, size - read)))):
                        batch += self._check(piece, range(first_row, first_row + len(piece)))
                        first_row += len(piece)
                        read += len(piece)
                if not read:
                    return
                if batch:
                    yield batch
        except SheetError:
            raise
        except Exception:
            log.exception("reading rows of %r failed", self.sheet_name)
            raise SheetError(f"读取第 {first_row} 行附近时出错，请检查文件后重新上传") from None

    def header_map(self) -> list[tuple[str, Column | None]]:
        """Each named column of the file's header row and the declared column it is read as (None: ignored),
        so a preview can show the user how their headers were understood."""
        read_as = {self._index[column.key]: column for column in self.columns if column.key in self._index}
        return [(name, read_as.get(position)) for position, name in enumerate(self.header) if name.strip()]

    def refuse(self, record: tuple, column: str, reason: str) -> None:
        """Refuse a row that passed the cell checks (e.g. a duplicate ID) so it lands in the refused file."""
        values = [""] * len(self.header)
        for declared, value in zip(self.columns, record):
            if declared.key in self._index:
                values[self._index[declared.key]] = value
        if record[-1] != self._last_refused:
            self.rows_refused += 1
            self._last_refused = record[-1]
        self._add_error(RowError(record[-1], column, reason, values))

    def _add_error(self, error: RowError) -> None:
        self.errors_total += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(error)

    def _check(self, chunk: list[list], numbers: range) -> list[tuple]:
        """Check raw rows column by column: map(), comprehensions and zip() keep this close to C speed."""
        data = chunk
        if not _all_data(chunk):
            keep = list(map(_is_data, chunk))
            data, numbers = list(compress(chunk, keep)), list(compress(numbers, keep))
        self.rows_read += len(data)
        if self.rows_read > self._max_rows:  # open_sheet counted already; this guards odd CSV quoting
            raise _too_many_rows(self._max_rows)
        if not data:
            return []
        indices = [self._index.get(column.key, 0) for column in self.columns]
        reasons: list[str] = []
        bad: dict[int, list[tuple[str, str]]] = {}
        values = []
        for column, raw in zip(self.columns, _transpose(data, indices)):
            if column.key not in self._index:  # an optional column the file leaves out
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
        for position in sorted(bad):
            self.rows_refused += 1
            for label, reason in bad[position]:
                self._add_error(RowError(numbers[position], label, reason, data[position]))
        return [record for position, record in enumerate(records) if position not in bad] if bad else records


def _transpose(data: list[list], indices: list[int]) -> list:
    """The cells at `indices` of every row, one sequence per index."""
    try:
        return [list(map(itemgetter(index), data)) for index in indices]
    except IndexError:  # short CSV lines
        width = max(indices) + 1
        data = [row if len(row) >= width else row + [""] * (width - len(row)) for row in data]
        return [list(map(itemgetter(index), data)) for index in indices]


def _read_column(column: Column, raw, reasons: list[str]) -> list:
    """A column of a chunk, parsed; refused cells are _FAILED, with their reasons queued in order.

    The fast paths take the whole column at once (the parser's `bulk`, or map()); any surprise
    (a blank, a bad value) sends the column through the careful per-cell path to name the culprits.
    """
    bulk = getattr(column.parse, "bulk", None)
    if bulk is not None:
        try:
            found = bulk(raw)
        except Exception:
            found = None
        if found is not None and (column.optional_value or None not in found):
            return found
    elif not column.optional_value:
        cells = [cell.strip() if cell.__class__ is str else cell for cell in raw]
        if "" not in cells:
            try:
                return list(map(column.parse, cells))
            except Exception:
                pass
    reasons.clear()
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
            reasons.append(str(exc))
        except Exception:
            log.debug("cell parser %r failed on %r", parse, value, exc_info=True)
            reasons.append("无法识别的值")
        return _FAILED

    return [convert(cell) for cell in raw]


def _all_data(chunk: list[list]) -> bool:
    """_is_data() of every row, answered for the usual chunk by looking at the first column as a whole:
    no text in it (序号 numbers), or text that is never blank and never says 计."""
    firsts = list(map(itemgetter(0), chunk))
    kinds = set(map(type, firsts))
    if str not in kinds:
        return True
    return (len(kinds) == 1 and all(firsts) and "计" not in "".join(firsts)
            and not any(map(str.isspace, firsts)))


def _is_data(row: list) -> bool:
    """False for blank rows and totals rows (whose first filled cell says 合计, 总计 or 小计)."""
    first = row[0]
    if first.__class__ is not str or (first and "计" not in first and not first.isspace()):
        return True  # the usual row, decided without looking further
    first = next((cell for cell in row if not (cell is None or (isinstance(cell, str) and not cell.strip()))), None)
    squeezed = str(first).replace(" ", "").replace("\u3000", "")
    return first is not None and not any(word in squeezed for word in _TOTAL_WORDS)


@contextmanager
def collector_paused():
    """Pause the cyclic garbage collector while rows are checked (and, in an importer, written).

    The thousands of lists and tuples built per chunk form no cycles (reference counting frees
    them) yet kept triggering collections, which took a large part of the checking time. An importer holds the
    pause over its whole loop; the reader pauses around each chunk for callers that do not.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _too_many_rows(limit: int, found: int | None = None) -> SheetError:
    found_text = f"，本文件有 {found:,} 行" if found else ""
    return SheetError(f"数据行数超过上限：每次最多导入 {limit:,} 行{found_text}，请拆分后分批导入")


# ---------------------------------------------------------------- finding the header


def _header_forms(cell) -> tuple[str, str]:
    """A header as compared: no spaces, '*' or width differences; then also without "(必填)" hints."""
    name = _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", str(cell))).casefold()
    return name, _HEADER_HINT.sub("", name)


def _match_header(row, exact: dict, loose: dict) -> dict[str, int]:
    found = {}
    for index, cell in enumerate(row):
        if cell == "" or cell is None:
            continue
        full, short = _header_forms(cell)
        key = exact.get(full) or loose.get(short)
        if key and key not in found:
            found[key] = index
    return found


def _find_header(make_rows, row_bound, sheet_name, columns, max_rows, max_errors) -> Sheet:
    """The header is the row among the first 20 naming the most declared columns (titles sit above it)."""
    rows = make_rows()
    head = list(islice(rows, HEADER_SCAN_ROWS))
    if not any(map(_is_data, head)) and len(head) < HEADER_SCAN_ROWS:
        raise SheetError(EMPTY)
    exact, loose, clashes = {}, {}, set()
    for column in columns:
        for name in (column.label, *column.synonyms):
            full, short = _header_forms(name)
            exact.setdefault(full, column.key)
            if loose.setdefault(short, column.key) != column.key:
                clashes.add(short)  # 电话(父亲)/电话(母亲): only their exact forms may match
    for short in clashes:
        del loose[short]
    found, at = {}, 0
    for position, row in enumerate(head):
        if len(candidate := _match_header(row, exact, loose)) > len(found):
            found, at = candidate, position
    if not found:
        examples = "、".join(column.label for column in columns[:3])
        raise SheetError(f"未找到表头行：前 {HEADER_SCAN_ROWS} 行中没有识别出任何列名，请使用模板中的列名（如 {examples}）")
    if missing := [column.label for column in columns if column.required and column.key not in found]:
        raise SheetError(f"缺少必需的列：{'、'.join(missing)}（请使用模板中的列名）")

    # Step over blank rows under the header (without keeping them) to tell "header only" from data.
    rest, first_row = chain(head[at + 1:], rows), at + 2
    for row in rest:
        if _is_data(row):
            break
        first_row += 1
    else:
        raise SheetError(EMPTY)
    if row_bound - at - 1 > max_rows:  # count exactly only when the cheap bound says it may be too many
        if (data_rows := sum(map(_is_data, islice(make_rows(), at + 1, None)))) > max_rows:
            raise _too_many_rows(max_rows, data_rows)
    header = [_header_text(cell) for cell in head[at]]
    sheet = Sheet(columns, header, at + 1, found, chain([row], rest), first_row, max_rows, max_errors, sheet_name)
    sheet.rows_bound = max(0, row_bound - at - 1)  # rows under the header (blank ones too): a progress bar's total
    return sheet


def _header_text(cell) -> str:
    try:
        return text(cell)
    except CellError:
        return str(cell)
