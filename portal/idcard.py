"""GB 11643 citizen ID numbers (公民身份号码): normalise spreadsheet cells, validate, upgrade 15-digit numbers, mask.
Bank card numbers go through the same import and display paths, so their masking and Luhn check live here too.

What may be kept in clear beside an ID number (DESIGN §7: without the key, what the database keeps in clear and
what a page or export shows without a recorded reveal must leave at least 10,000 candidates for the number).
An 18-character number is RRRRRR YYYY MMDD SSS C: region (1-6), birth date (7-14), sequence (15-17, the 17th odd
for men), check character (18). The portal keeps in clear, and shows, only the region prefix, the birth YEAR
(birth_year()), the gender and the mask (mask(): the region prefix and twelve stars, nothing of 7-18; a list
of people shows listed(): the region prefix and birth year, eight stars). So
someone holding all of that still has every day of the year and every sequence number of that gender open:

    365 days × 500 sequence numbers (1000, halved by the known gender) = 182,500 candidates ≥ 10,000

(366 × 500 = 183,000 in a leap year). The check character is then fixed by the rest, so showing it would divide
by about 11; showing a digit of 15-16 divides by 10 (the 17th by 5, its parity being known), one of the date's
11-14 by 2 to 12: hence none is shown (the last two characters alone would leave about 3,300). A "born before
1 September" bit for school cohorts would leave 122 × 500 = 61,000 and is not needed: cohorts go by year. The
old shape, full birth date in clear with the last four characters in the mask, left exactly one. The full date is read
from the decrypted number after a recorded reveal; nothing else needs it (school-age and 控辍保学 lists count
by birth year). tests/test_id_privacy.py counts the candidates from the database's clear columns and from
the text of every page and export."""
from __future__ import annotations

import math
import re
from datetime import date
from itertools import repeat
from operator import itemgetter

__all__ = [
    "PROVINCE_CODES",
    "IdNumberError",
    "normalise",
    "validate",
    "validate_many",
    "check_digit",
    "birth_date",
    "birth_year",
    "gender",
    "region_prefix",
    "province_code",
    "mask",
    "mask_within",
    "masks_within",
    "in_clear",
    "mask_bank_card",
    "luhn_ok",
]

# Province-level codes (first two digits). Only these are checked: the six-digit prefix is the county
# where the number was first issued and stays valid after that county is merged or abolished, so
# checking it against today's county table would reject real people.
# 83 (台湾居民居住证) is deliberately not in this set.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15",              # 北京 天津 河北 山西 内蒙古
    "21", "22", "23",                          # 辽宁 吉林 黑龙江
    "31", "32", "33", "34", "35", "36", "37",  # 上海 江苏 浙江 安徽 福建 江西 山东
    "41", "42", "43", "44", "45", "46",        # 河南 湖北 湖南 广东 广西 海南
    "50", "51", "52", "53", "54",              # 重庆 四川 贵州 云南 西藏
    "61", "62", "63", "64", "65",              # 陕西 甘肃 青海 宁夏 新疆
    "71", "81", "82",                          # 台湾 香港 澳门
})

EXCEL_NUMBER_MESSAGE = (
    "身份证件号被 Excel 存成了数字，末几位已丢失（如 3.20102E+17）。请把该列设置为“文本”格式后重新导出"
)
CHECK_DIGIT_MESSAGE = "校验码不正确，请核对号码"
EARLIEST_BIRTH_YEAR = 1900
MASK_KEPT = 6  # characters a mask shows: the region prefix, already in clear beside it

# ISO 7064 MOD 11-2 as laid out in GB 11643: the 17 digits are weighed 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
# which is 2**(17 - i) mod 11 for position i, and the weighted sum mod 11 picks the check character.
# Because 13 ≡ 2 (mod 11), int(first17, 13) = Σ d_i·13**(16 - i) ≡ Σ d_i·2**(16 - i), so twice it is the
# weighted sum mod 11: one C-level parse instead of 17 Python multiplications.
_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11)
_DIGITS_AND_X = frozenset("0123456789X")
_EARLIEST_BIRTH_DATE = f"{EARLIEST_BIRTH_YEAR}0101"
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February as in a leap year
_MONTH_DAYS = frozenset(  # "0101" … "1231": 366 valid MMDD strings
    f"{month:02d}{day:02d}" for month, days in enumerate(_DAYS_IN_MONTH, start=1) for day in range(1, days + 1)
)

# Spaces anywhere in the cell (copy-paste from Word/WeChat brings in NBSP, ideographic and zero-width ones).
_REMOVED_CHARACTERS = (
    " \t\n\r\x0b\x0c\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)


def _build_normalise_table(extra_removed: str = "") -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(ch): None for ch in _REMOVED_CHARACTERS + extra_removed}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII block: ０-９ Ａ-Ｚ ａ-ｚ and punctuation
        table[code] = chr(code - 0xFEE0)
    table[ord("x")] = "X"
    table[ord("ｘ")] = "X"
    return table


_NORMALISE_TABLE = _build_normalise_table()
_CARD_TABLE = _build_normalise_table(extra_removed="-－")
# "3.20102E+17", "3.20102e17", "320102200901011000E0": what a numeric cell turns into once it becomes text.
_SCIENTIFIC_NOTATION = re.compile(r"[0-9]+(?:\.[0-9]*)?E[+]?[0-9]+", re.IGNORECASE)
# A birth date up to the day this module was imported cannot be in the future, so date.today() is only
# consulted for later dates. Time only moves forward, so this one value never goes stale in that direction.
_IMPORT_DAY = date.today().strftime("%Y%m%d")


class IdNumberError(ValueError):
    """An ID number that cannot be accepted. str(error) is a Chinese message for the person who entered it;
    `kind` is a short English tag for grouping import errors ("length", "check_digit", ...)."""

    def __init__(self, message: str, kind: str = "invalid"):
        super().__init__(message)
        self.kind = kind


def normalise(raw: str | int | float | None) -> str:
    """Clean one spreadsheet cell: drop all spaces, full-width to ASCII, x → X. Empty cell → "".

    Raises IdNumberError when the cell is a number Excel has already truncated (16+ digits, or text in
    scientific notation). A 15-digit integer is exact in Excel and is returned as a 15-digit old ID.
    """
    if isinstance(raw, str):
        if raw.isascii() and raw.isalnum():  # the usual clean cell: nothing to translate but a lowercase x
            text = raw.replace("x", "X")
        else:
            text = "".join(raw.split())  # C-speed removal of ordinary and Unicode spaces (\u3000, NBSP)
            text = text.replace("x", "X") if text.isascii() else text.translate(_NORMALISE_TABLE)
            if text[:1] == "'":  # Excel's "store as text" prefix, sometimes pasted along with the number
                text = text[1:]
        if ("E" in text or "e" in text) and _SCIENTIFIC_NOTATION.fullmatch(text):
            raise IdNumberError(EXCEL_NUMBER_MESSAGE, "excel_number")
        return text
    if raw is None:
        return ""
    if isinstance(raw, bool):
        raise IdNumberError("身份证件号格式不正确", "chars")
    if isinstance(raw, (int, float)):
        return _from_spreadsheet_number(raw)
    raise IdNumberError("身份证件号格式不正确", "chars")


def _from_spreadsheet_number(value: int | float) -> str:
    # Excel keeps 15 significant digits. python-calamine hands every numeric cell over as a float, so an
    # integral float with 15 digits is as exact as an int with 15 digits and is accepted the same way.
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise IdNumberError("身份证件号格式不正确：不能是小数", "chars")
        value = int(value)
    if value < 0:
        raise IdNumberError("身份证件号格式不正确：不能是负数", "chars")
    digits = str(value)
    if len(digits) > 15:
        raise IdNumberError(EXCEL_NUMBER_MESSAGE, "excel_number")
    return digits  # 15 digits: an intact old ID; fewer: validate() reports the length


def validate(raw: str | int | float | None, *, today: date | None = None) -> str:
    """Return the canonical 18-character ID (15-digit old numbers upgraded), or raise IdNumberError."""
    number = normalise(raw)
    length = len(number)
    if length == 18:
        body = number[:17]
        if not (body.isascii() and body.isdigit()) or number[17] not in _DIGITS_AND_X:
            raise _bad_characters(number)
    elif length == 15:
        if not (number.isascii() and number.isdigit()):
            raise _bad_characters(number, old_format=True)
        body = number[:6] + "19" + number[6:]
        number = body + _check_char(body)
    elif length == 0:
        raise IdNumberError("未填写身份证件号", "empty")
    else:
        raise IdNumberError(f"身份证件号应为18位（或15位旧号码），现在是{length}位", "length")

    if number[:2] not in PROVINCE_CODES:
        raise IdNumberError(f"身份证件号前两位“{number[:2]}”不是有效的省级行政区划代码", "province")
    _check_birth_date(number[6:14], today)
    if number[17] != _check_char(body):
        if number.endswith("000"):
            # An 18-digit number stored as a number in Excel keeps 15 digits and shows its last three as 000.
            raise IdNumberError(
                CHECK_DIGIT_MESSAGE + "；末三位是 000，可能是 Excel 把号码存成了数字，请把该列设置为“文本”格式后重新导出",
                "check_digit",
            )
        raise IdNumberError(CHECK_DIGIT_MESSAGE, "check_digit")
    return number


_BODY = itemgetter(slice(0, 17))
_PROVINCE = itemgetter(slice(0, 2))
_BIRTH = itemgetter(slice(6, 14))
_LAST = itemgetter(17)


def validate_many(cells: list) -> list[str] | None:
    """validate() for a whole column of clean 18-character numbers (a large import), at C speed.

    Returns the cells unchanged when every one is already canonical and valid; None as soon as any
    cell needs the careful path (lowercase x, spaces, 15 digits, a number cell, an invalid number),
    and the caller then validates cell by cell, which also says what is wrong with which.
    """
    try:
        if set(map(len, cells)) - {18} or not "".join(cells).isascii():
            return None
    except TypeError:  # a number or an empty cell among the text
        return None
    bodies = list(map(_BODY, cells))
    lasts = list(map(_LAST, cells))
    if not "".join(bodies).isdigit() or not set(lasts) <= _DIGITS_AND_X:
        return None
    if not set(map(_PROVINCE, cells)) <= PROVINCE_CODES:
        return None
    births = list(map(_BIRTH, cells))
    if min(births, default=_EARLIEST_BIRTH_DATE) < _EARLIEST_BIRTH_DATE or not _no_birth_after_today(births):
        return None
    month_days = {birth[4:] for birth in births}
    if not month_days <= _MONTH_DAYS:
        return None
    if "0229" in month_days and not all(_is_leap_year(int(birth[:4])) for birth in births if birth[4:] == "0229"):
        return None
    if [_CHECK_CHARS[2 * number % 11] for number in map(int, bodies, repeat(13, len(bodies)))] != lasts:
        return None
    return list(cells)


def _no_birth_after_today(births: list[str]) -> bool:
    latest = max(births, default=_IMPORT_DAY)
    return latest <= _IMPORT_DAY or latest <= date.today().strftime("%Y%m%d")


def _bad_characters(number: str, *, old_format: bool = False) -> IdNumberError:
    last = len(number) - 1
    for position, ch in enumerate(number):
        if ch == "X" and (position != last or old_format):
            where = "15位旧号码不能含有 X" if old_format else "X 只能出现在最后一位"
            return IdNumberError(f"身份证件号格式不正确：{where}", "chars")
        if not ("0" <= ch <= "9" or ch == "X"):
            return IdNumberError(f"身份证件号含有无效字符“{ch}”：只能是数字，最后一位可以是 X", "chars")
    return IdNumberError("身份证件号格式不正确", "chars")


def _check_birth_date(yyyymmdd: str, today: date | None) -> None:
    # Eight-digit date strings compare like the dates they spell, so no date object is built per ID.
    month_day = yyyymmdd[4:]
    if month_day not in _MONTH_DAYS or (month_day == "0229" and not _is_leap_year(int(yyyymmdd[:4]))):
        raise IdNumberError("身份证件号中的出生日期不存在", "birth_date")
    if yyyymmdd < _EARLIEST_BIRTH_DATE:
        raise IdNumberError(f"身份证件号中的出生日期早于{EARLIEST_BIRTH_YEAR}年", "birth_date")
    if today is None:
        if yyyymmdd <= _IMPORT_DAY:
            return
        today = date.today()
    if int(yyyymmdd) > today.year * 10000 + today.month * 100 + today.day:
        raise IdNumberError("身份证件号中的出生日期晚于今天", "birth_future")


def _is_leap_year(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _check_char(first17: str) -> str:
    # Callers have checked that first17 is 17 ASCII digits (int() would also accept "_", "+" and spaces).
    return _CHECK_CHARS[2 * int(first17, 13) % 11]


def check_digit(first17: str) -> str:
    """The 18th character ("0"-"9" or "X") for the first 17 digits of an ID."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise IdNumberError("计算校验码需要17位数字", "chars")
    return _check_char(first17)


def _require_id18(id18: str) -> str:
    if not isinstance(id18, str) or len(id18) != 18 or not (id18[:17].isascii() and id18[:17].isdigit()):
        raise IdNumberError("需要18位身份证件号（请先用 validate() 校验）", "length")
    return id18


def birth_date(id18: str) -> date:
    """Birth date encoded in positions 7-14 of a validated 18-character ID."""
    _require_id18(id18)
    return date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))


def birth_year(id18: str) -> int:
    """Year of birth (positions 7-10): the only part of the birth date that may be kept in clear."""
    return int(_require_id18(id18)[6:10])


def gender(id18: str) -> str:
    """"男" or "女": the 17th digit is odd for men, even for women."""
    _require_id18(id18)
    return "男" if (ord(id18[16]) - 48) % 2 else "女"


def region_prefix(id18: str) -> str:
    """The six-digit administrative division code of the county that issued the number (may be abolished)."""
    return _require_id18(id18)[:6]


def province_code(id18: str) -> str:
    """The two-digit province-level code."""
    return _require_id18(id18)[:2]


def mask(id_number: str) -> str:
    """"320102************": the six-digit region prefix kept, every other character a star, length unchanged.

    Nothing of the birth date, sequence number or check character is shown (see the module's docstring for the
    count this leaves). Never fails, so invalid numbers can be shown masked too: one of 15 characters or more
    keeps its first six, a shorter one its first four, and eight characters or fewer are fully starred."""
    text = "" if id_number is None else str(id_number)
    if len(text) <= 8:
        return "*" * len(text)
    kept = MASK_KEPT if len(text) >= 15 else 4
    return text[:kept] + "*" * (len(text) - kept)


def listed(region_prefix: str | None, birth_year: int | None) -> str:
    """What a list of people shows of an ID number: the region prefix and birth year kept in clear beside the
    record, the rest starred (18 characters): "3201022015********"."""
    return f"{region_prefix or '******'}{birth_year or '****'}********"


def mask_within(text: str | None, number: str, masked: str | None = None) -> str | None:
    """Text that holds a checked ID number (a 全国学籍号 is usually "G" + the number), with the number masked as
    mask() masks it, with or without its check character; other text unchanged."""
    if text:
        upper = text.upper()
        if number[:17] in upper:
            masked = masked or mask(number)
            return upper.replace(number, masked).replace(number[:17], masked[:17])
    return text


def masks_within(texts: list, numbers: list[str], masks: list[str]) -> list:
    """mask_within() of a whole import batch, given each number's mask(): the usual 全国学籍号, "G" + the number,
    is answered by one comparison."""
    return [f"G{mask}" if text == f"G{number}" else mask_within(text, number, mask)
            for text, number, mask in zip(texts, numbers, masks)]


_MASK_STARS = "*" * (18 - MASK_KEPT)
_REGION = itemgetter(slice(0, 6))
_YEAR = itemgetter(slice(6, 10))
_SEQUENCE_LAST = itemgetter(16)


def in_clear(numbers: list[str], male: str = "男", female: str = "女") -> tuple[list[str], list[str], list[int], list[str]]:
    """What may be kept in clear beside a column of checked 18-character numbers, a whole import batch at once:
    (mask(), gender() as `male` / `female`, birth_year(), region_prefix()) of each, as lists."""
    regions = list(map(_REGION, numbers))
    genders = {str(digit): male if digit % 2 else female for digit in range(10)}  # the 17th digit is odd for men
    return ([region + _MASK_STARS for region in regions], list(map(genders.__getitem__, map(_SEQUENCE_LAST, numbers))),
            list(map(int, map(_YEAR, numbers))), regions)


def mask_bank_card(card: str) -> str:
    """"6222 **** **** 1234" whatever the card's length, so the mask does not reveal it either."""
    clean = card.__class__ is str and card.isascii() and card.isdigit()  # clean digits skip the translate
    digits = "" if card is None else card if clean else str(card).translate(_CARD_TABLE)
    if len(digits) >= 12:
        return f"{digits[:4]} **** **** {digits[-4:]}"
    if len(digits) >= 8:
        return f"**** **** {digits[-4:]}"
    return "****" if digits else ""


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # digit d doubled, with its two digits summed
# The same as a bytes.translate table ("0"→"0", "1"→"2" … "9"→"9"): a whole import checks its cards at C speed.
_LUHN_DOUBLED_DIGITS = bytes.maketrans(b"0123456789", bytes(48 + value for value in _LUHN_DOUBLED))


def luhn_ok(card_digits: str) -> bool:
    """True when the card number passes the Luhn (mod 10) check. Spaces and hyphens are ignored.

    Some older UnionPay cards do not carry a Luhn check digit, so treat False as "please double-check",
    not as proof that the number is wrong.
    """
    digits = card_digits
    if not (digits.__class__ is str and digits.isascii() and digits.isdigit()):  # clean digits skip the translate
        digits = str(card_digits).translate(_CARD_TABLE)
        if not (digits.isascii() and digits.isdigit()):
            return False
    if len(digits) < 2:
        return False
    values = digits.encode("ascii")
    # every digit byte carries 48 ("0"), and each digit's weight in the sum is 1 whichever half it is in
    total = sum(values[-1::-2]) + sum(values[-2::-2].translate(_LUHN_DOUBLED_DIGITS)) - 48 * len(values)
    return total % 10 == 0
