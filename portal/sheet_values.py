"""Cell parsers for spreadsheet imports: each turns one raw cell into a clean value or raises CellError."""
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from portal.bidi import BIDI_CONTROLS, BIDI_RE
from portal.idcard import IdNumberError
from portal.idcard import validate as _validate_id
from portal.idcard import validate_many

# Excel counts days from 1899-12-30 (the 1900 leap-year bug shifts the real epoch by one day).
_EXCEL_EPOCH = date(1899, 12, 30)
_LAST_SERIAL = (date(2100, 12, 31) - _EXCEL_EPOCH).days
# Excel keeps 15 significant digits: a longer number typed into a cell has already lost its tail.
_EXACT_DIGITS = 10**15
# Wide and non-breaking spaces become spaces; bidi controls (portal.bidi) go: no name is stored reordered.
_SPACES = str.maketrans({"\u3000": " ", "\xa0": " ", **dict.fromkeys(BIDI_CONTROLS)})

_DAY = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})?")
_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")

BAD_DATE = "无法识别的日期（请填写如 2024-09-01 或 2024年9月）"
LOST_DIGITS = "数字超过15位，Excel 已把末尾几位变成0，请把该列设为文本格式后重新填写"


class CellError(ValueError):
    """A cell the reader refuses; str(error) is shown to the user next to the row number."""


def _normal(text: str) -> str:
    """Full-width digits and punctuation (typed with a Chinese input method) → ASCII."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def text(value: object) -> str:
    """Any cell as trimmed text; whole numbers lose Excel's ".0" (3201.0 → "3201")."""
    if isinstance(value, str):
        return value.translate(_SPACES).strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not value.is_integer():
            return format(value, ".15g")
        if abs(value) >= _EXACT_DIGITS:
            raise CellError(LOST_DIGITS)
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# A parser may carry `bulk`: a whole-column fast path for large imports. It gets a column's raw
# cells and returns the parsed list (None for blank cells), or None whenever it is not sure every
# cell is valid, in which case the reader parses cell by cell to name the bad ones.


def _text_bulk(cells) -> list | None:
    try:
        found = list(map(str.strip, cells))
    except TypeError:  # numbers among the text
        found = [cell.strip() if cell.__class__ is str else text(cell) for cell in cells]
    joined = "\x00".join(found)
    if "\u3000" in joined or "\xa0" in joined or BIDI_RE.search(joined):
        return None
    return [cell or None for cell in found] if "" in found else found


text.bulk = _text_bulk


def _same_type(cells, kind) -> bool:
    return set(map(type, cells)) == {kind}


def code(digits: int) -> Callable[[object], str]:
    """Exactly `digits` ASCII digits, e.g. a 10-digit school code; numbers typed into Excel are accepted."""

    def parse(value: object) -> str:
        if value.__class__ is str and len(value) == digits and value.isdigit() and value.isascii():
            return value  # the usual case, answered before any normalising
        if value.__class__ is float and value.is_integer() and 0 <= value < 10**digits <= _EXACT_DIGITS:
            found = str(int(value))
            if len(found) == digits:
                return found
        typed_as_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        found = _normal(text(value)).replace(" ", "")
        if len(found) == digits and found.isascii() and found.isdigit():
            return found
        hint = "（以0开头的代码请把单元格设为文本格式）" if typed_as_number and len(found) < digits else ""
        raise CellError(f"应为{digits}位数字{hint}")

    def bulk(cells) -> list | None:
        if _same_type(cells, str):
            found = cells
        elif _same_type(cells, float) and digits <= 15 and all(map(float.is_integer, cells)):
            found = list(map(str, map(int, cells)))
        else:
            return None
        joined = "".join(found)
        if set(map(len, found)) == {digits} and joined.isdigit() and joined.isascii():
            return list(found)
        return None

    parse.__name__ = f"code{digits}"
    parse.bulk = bulk
    parse.as_text = True  # import templates format the column as text (leading zeros, long numbers)
    return parse


def _fold(label: str) -> str:
    return _normal(label).replace(" ", "").casefold()


def choice(allowed: Iterable[str], synonyms: dict[str, object] | None = None) -> Callable[[object], object]:
    """One of a fixed list of words; returns the allowed word (or what a synonym maps to)."""
    allowed = tuple(allowed)
    lookup: dict[str, object] = {_fold(word): word for word in allowed}
    lookup.update((_fold(alias), target) for alias, target in (synonyms or {}).items())
    exact = {word: word for word in allowed} | {alias: target for alias, target in (synonyms or {}).items()}
    shown = "、".join(allowed[:12]) + ("等" if len(allowed) > 12 else "")

    def parse(value: object) -> object:
        if value in exact:  # the usual case: the word exactly as the template offers it
            return exact[value]
        try:
            return lookup[_fold(text(value))]
        except KeyError:
            raise CellError(f"应为以下之一：{shown}") from None

    def bulk(cells) -> list | None:
        return list(map(exact.__getitem__, cells)) if exact.keys() >= set(cells) else None

    parse.bulk = bulk
    return parse


def integer(value: object) -> int:
    """A whole number; "12", 12.0 and "１２" are all 12."""
    if value.__class__ is int:
        return value
    if value.__class__ is float and value.is_integer() and abs(value) < _EXACT_DIGITS:
        return int(value)
    if isinstance(value, str):
        found = _normal(value).replace(",", "").replace(" ", "")
        if _INTEGER.fullmatch(found):
            return int(found.split(".")[0])
    raise CellError("应为整数")


def _integer_bulk(cells) -> list | None:
    if _same_type(cells, int):
        return list(cells)
    if _same_type(cells, float) and all(map(float.is_integer, cells)) and max(map(abs, cells)) < _EXACT_DIGITS:
        return list(map(int, cells))
    return None


integer.bulk = _integer_bulk


def decimal_amount(value: object) -> Decimal:
    """A money amount ≥ 0 in yuan, rounded to fen; tolerates "1,200.50", "￥300" and "300元"."""
    if isinstance(value, bool):
        raise CellError("应为金额（数字）")
    if isinstance(value, (int, float)):
        found = format(value, ".15g")
    else:
        found = _normal(text(value))
        for noise in (",", " ", "¥", "元"):
            found = found.replace(noise, "")
    try:
        amount = Decimal(found)
    except InvalidOperation:
        raise CellError("应为金额（数字）") from None
    if not amount.is_finite():
        raise CellError("应为金额（数字）")
    if amount < 0:
        raise CellError("金额不能为负数")
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _calendar(value: object) -> tuple[int, int, int | None]:
    """(year, month, day or None) from whatever a user put in a date cell."""
    if isinstance(value, date):  # also datetime
        return value.year, value.month, value.day
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer() and 1900 < value < 2101:
            value = format(value, ".15g")  # 2024.9 typed as a number means September 2024
        elif 19000101 <= value <= 21001231 or 190001 <= value <= 210012:
            value = str(int(value))  # 20240901 / 202409 typed as numbers
        elif 1 <= value <= _LAST_SERIAL and not 1900 <= value <= 2100:
            day = _EXCEL_EPOCH + timedelta(days=int(value))
            return day.year, day.month, day.day
        else:
            raise CellError(BAD_DATE)
    if not isinstance(value, str):
        raise CellError(BAD_DATE)
    found = _normal(value).strip()
    for pattern in (_DAY, _MONTH, _COMPACT):
        if match := pattern.fullmatch(found):
            year, month, day = (match.groups() + (None,))[:3]
            return int(year), int(month), int(day) if day else None
    raise CellError(BAD_DATE)


def date_value(value: object) -> date:
    """A calendar date; month-only forms (2024.9, 2024年9月, 202409) mean the first of that month."""
    year, month, day = _calendar(value)
    if not 1900 <= year <= 2100:
        raise CellError(BAD_DATE)
    try:
        return date(year, month, day or 1)
    except ValueError:
        raise CellError(BAD_DATE) from None


def _date_bulk(cells) -> list | None:
    if _same_type(cells, datetime):
        cells = list(map(datetime.date, cells))
    elif not _same_type(cells, date):
        return None
    return list(cells) if min(cells).year >= 1900 and max(cells).year <= 2100 else None


date_value.bulk = _date_bulk


def year_month(value: object) -> str:
    """A month as "YYYY-MM" (a full date is accepted and its day dropped)."""
    found = date_value(value)
    return f"{found.year:04d}-{found.month:02d}"


# "2024-09" typed as text (an enrolment file's 入学年月): a whole column checked by one regex over the joined text.
_YEAR_MONTH_TEXTS = re.compile(r"(?:(?:19|20)\d\d-(?:0[1-9]|1[0-2])\n)+")


def _year_month_bulk(cells) -> list | None:
    if _same_type(cells, str):
        joined = "\n".join(cells) + "\n"
        clean = joined.count("\n") == len(cells) and _YEAR_MONTH_TEXTS.fullmatch(joined)
        return list(cells) if clean else None
    found = _date_bulk(cells)
    return None if found is None else [day.isoformat()[:7] for day in found]


year_month.bulk = _year_month_bulk


# ID numbers (GB 11643): the library, enrolment and funding imports all read them through this parser.
ID_NUMBER_LABEL = "身份证件号"
ID_NUMBER_SYNONYMS = ("身份证号", "证件号码", "身份证号码", "身份证件号码", "公民身份号码", "身份证")


def id_number(value: object) -> str:
    """The canonical 18-character ID (15-digit numbers upgraded, x/full-width/spaces normalised)."""
    try:
        return _validate_id(value)
    except IdNumberError as refusal:
        raise CellError(str(refusal)) from None


# Clean columns are checked whole; one unusual cell anywhere sends the column to the per-cell path.
id_number.bulk = validate_many
id_number.as_text = True  # import templates format the column as text: Excel keeps 15 significant digits
