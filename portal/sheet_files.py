"""Opening an upload for the reader in portal.sheets: the size limit, what the bytes really are (an .xls
saved as .xlsx still reads, a PDF renamed .xlsx does not), the zip-bomb and used-range checks that keep
calamine from allocating without bound, CSV encodings. Every refusal is a SheetError with a Chinese message."""
import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from xml.parsers import expat

from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from portal.errors import DomainError


class SheetError(DomainError):
    """The whole file is refused; str(error) is shown to the user as is."""


NOT_A_SHEET = "文件不是有效的 Excel 文件（.xlsx/.xls/.ods）或 CSV 文件"
EMPTY = "文件为空，没有数据行"
ZIP_BOMB = "文件解压后过大，疑似压缩炸弹，已拒绝"

_ZIP_MAGIC, _OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGICS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")
EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}
_RATIO_FLOOR, _RATIO_LIMIT = 100 * 1024 * 1024, 200  # small archives may compress absurdly well
_CHUNK = 256 * 1024
_FAR_REF = re.compile(rb' r="[A-Z]?+(?:[A-Z]|\d{7})')  # column AA+ or row 1,000,000+ (no backtracking)
_WIDE_COLUMN = re.compile(rb' r="([A-Z]{2,})\d')
_FAR_ROW = re.compile(rb' r="[A-Z]*(\d{7,})"')
_ANY_ROW = re.compile(rb' r="[A-Z]*(\d+)"')


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


def open_rows(source, filename: str, max_bytes: int, max_unzipped: int, max_cells: int | None):
    """(a function giving the rows afresh, an upper bound of their number, the sheet's name)."""
    data = _read_source(source, max_bytes)
    if not data or data.isspace():
        raise SheetError(EMPTY)
    # Content decides, not the name: an .xls saved as .xlsx still reads, a PDF renamed .xlsx does not.
    if not data.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        if filename.lower().endswith(".csv"):
            return _open_csv(data)
        raise SheetError(NOT_A_SHEET)
    book = _open_book(data, max_unzipped, max_cells)
    del data  # calamine has its own copy; ours would only add to the peak while the sheet loads
    # The first visible worksheet: templates sometimes keep a hidden lookup sheet in front.
    index = next((number for number, meta in enumerate(book.sheets_metadata)
                  if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible), 0)
    sheet = book.get_sheet_by_index(index)
    # iter_rows() pads the empty rows above the used range, so its n-th row is the file's row n.
    return sheet.iter_rows, (sheet.end[0] + 1 if sheet.end else 0), sheet.name


def _open_book(data: bytes, max_unzipped: int, max_cells: int | None) -> CalamineWorkbook:
    """calamine's workbook (its sheet list and shared strings) once the archive has passed every check.

    calamine reads without holding the GIL, so for an xlsx or ods it starts as soon as the sizes in the
    zip directory are known to be sane, while this thread scans the worksheets for their used range;
    the grid itself is only allocated later, by get_sheet_by_index, after both have finished."""
    try:
        if not data.startswith(_ZIP_MAGIC):
            return CalamineWorkbook.from_filelike(io.BytesIO(data))
        archive = _archive(data, max_unzipped)
        with archive, ThreadPoolExecutor(max_workers=1) as pool:
            opening = pool.submit(CalamineWorkbook.from_filelike, io.BytesIO(data))
            _check_extents(archive, max_cells)
            return opening.result()
    except PasswordError:
        raise SheetError("文件设置了密码，请取消密码后重新上传") from None


def _open_csv(data: bytes):
    if data.startswith(_BINARY_MAGICS) or b"\x00" in data[:8192]:
        raise SheetError(NOT_A_SHEET)
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 covers GBK and GB2312
        try:
            sample = data.decode(encoding)[:4096]
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码后上传")
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","

    def records():
        stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        try:
            for record in csv.reader(stream, delimiter=delimiter):
                yield record or [""]  # an empty line is still a row the user counts
        except csv.Error:
            raise SheetError("CSV 文件格式有误（例如引号不成对或含有二进制内容），无法读取") from None

    return records, data.count(b"\n") + 1, ""


def _archive(data: bytes, max_unzipped: int) -> zipfile.ZipFile:
    """The zip directory, once it shows no bomb (sizes as declared; zipfile enforces them while reading)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise SheetError(NOT_A_SHEET) from None
    members = archive.infolist()
    unzipped = sum(member.file_size for member in members)
    if unzipped > max_unzipped or (unzipped > _RATIO_FLOOR and unzipped > _RATIO_LIMIT * len(data)):
        archive.close()
        raise SheetError(ZIP_BOMB)
    if any(member.filename.startswith("xl/worksheets/") and member.filename.endswith(".bin") for member in members):
        archive.close()
        raise SheetError("不支持 .xlsb 格式，请在 Excel 中另存为 .xlsx 后上传")
    return archive


def _check_extents(archive: zipfile.ZipFile, max_cells: int | None) -> None:
    """Refuse sheets whose used range would not fit in memory, before calamine allocates their grid."""
    if max_cells is None:
        return
    for member in archive.infolist():
        name = member.filename
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            rows, columns = _xlsx_extent(archive, member)
        elif name == "content.xml":
            rows, columns = _ods_extent(archive, member)
        else:
            continue
        if rows * columns > max_cells:
            raise SheetError(f"表格的使用范围过大（约 {rows:,} 行 × {columns:,} 列），"
                             "请删除数据区域以外的多余内容（包括远处单元格里的空格或格式）后重新上传")


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes in chunks that overlap a little, so no cell reference is cut in two."""
    tail = b""
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            yield tail + chunk
            tail = chunk[-32:]


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _xlsx_extent(archive, info) -> tuple[int, int]:
    """An upper bound of (rows, columns) of the grid calamine will allocate for a worksheet.

    Only far references (column AA+, row 1,000,000+) get a close look, so an ordinary sheet costs
    one decompression and one regex pass; a sheet wider than Z gets a second pass for its height.
    """
    rows, columns = 999_999, 26
    for window in _scan(archive, info):
        if _FAR_REF.search(window):
            if wide := set(_WIDE_COLUMN.findall(window)):
                columns = max(columns, *map(_column_number, wide))
            if far := _FAR_ROW.findall(window):
                rows = max(rows, *map(int, far))
    if columns > 26:
        rows = max((max(map(int, found)) for window in _scan(archive, info) if (found := _ANY_ROW.findall(window))),
                   default=1)
    return rows, columns


def _ods_extent(archive, info) -> tuple[int, int]:
    """(rows, columns) up to the last filled cell: ODS repeats rows and cells by attribute, calamine expands them."""
    at = {"row": 0, "repeat": 1, "col": 0, "cell": None, "row_cols": 0, "rows": 0, "cols": 0}

    def start(name, attrs):
        local = name.rpartition(":")[2]
        if local == "table-row":
            at.update(repeat=int(attrs.get("table:number-rows-repeated", 1)), col=0, row_cols=0)
        elif local in ("table-cell", "covered-table-cell"):
            at["col"] += int(attrs.get("table:number-columns-repeated", 1))
            at["cell"] = at["col"] if "office:value-type" in attrs else 0
        elif at["cell"] == 0:
            at["cell"] = at["col"]  # content without a value type still counts
        if at["cell"]:
            at["row_cols"] = max(at["row_cols"], at["cell"])

    def end(name):
        local = name.rpartition(":")[2]
        if local in ("table-cell", "covered-table-cell"):
            at["cell"] = None
        elif local == "table-row":
            at["row"] += at["repeat"]
            if at["row_cols"]:
                at["rows"], at["cols"] = max(at["rows"], at["row"]), max(at["cols"], at["row_cols"])
        elif local == "table":
            at["row"] = 0

    parser = expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return at["rows"], at["cols"]
