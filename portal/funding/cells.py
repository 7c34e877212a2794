"""Cell parsers of funded lists: money, payment dates, bank cards. Each wraps the shared parsers of
portal.sheet_values and adds a whole-column fast path, because a university's list runs to 50,000 rows."""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from portal.idcard import luhn_ok
from portal.sheet_values import CellError, date_value, decimal_amount, text

CENT = Decimal("0.01")
CARD_LENGTHS = range(12, 20)  # UnionPay debit cards run 16–19 digits; some old passbook-linked ones 12–15
_CARD_NOISE = str.maketrans({" ": None, "-": None, "\u3000": None, "\xa0": None, "－": None})
LUHN_REFUSED = ("银行卡号未通过校验（末位校验码不符），请核对是否抄错；个别早期银联卡没有校验位，"
                "此类卡无法在系统中登记，请学生更换为新卡后再填报")


def _blanks_to_none(cells) -> list:
    """The column with blank cells (empty or spaces) as None."""
    return [None if cell.__class__ is str and not cell.strip() else cell for cell in cells]


def money(value: object) -> Decimal:
    """An amount in yuan (≥ 0, to the fen): as the shared parser reads it."""
    return decimal_amount(value)


def _money_bulk(cells) -> list | None:
    kinds = set(map(type, cells))
    if str in kinds:
        cells = _blanks_to_none(cells)
        kinds = set(map(type, cells))
    if not kinds <= {float, int, type(None)} or bool in kinds:
        return None
    numbers = [cell for cell in cells if cell is not None]
    if numbers and (min(numbers) < 0 or not max(numbers) < 1e12 or any(cell != cell for cell in numbers)):
        return None  # negative, infinite or NaN: the per-cell path names the bad cells
    # a list holds few distinct amounts (the project's tiers): convert each once
    found = {number: Decimal(str(number)).quantize(CENT, ROUND_HALF_UP) for number in set(numbers)}
    found[None] = None
    return list(map(found.__getitem__, cells))


money.bulk = _money_bulk


def payment_date(value: object) -> date:
    """发放时间: any date form the shared parser reads."""
    return date_value(value)


def _is_iso(cell) -> bool:
    return cell.__class__ is str and len(cell) == 10 and cell[4] == "-" and cell[7] == "-"


def _payment_date_bulk(cells) -> list | None:
    found = date_value.bulk(cells)
    if found is not None:
        return found
    cells = _blanks_to_none(cells)
    present = [cell for cell in cells if cell is not None]
    if not all(map(_is_iso, present)):
        return None  # spreadsheet dates mixed with text, or other spellings: read cell by cell
    try:
        parsed = [None if cell is None else date.fromisoformat(cell) for cell in cells]
    except ValueError:
        return None
    return parsed if all(day is None or 1900 <= day.year <= 2100 for day in parsed) else None


payment_date.bulk = _payment_date_bulk


def bank_card(value: object) -> str:
    """A bank card number: 12–19 digits passing the Luhn check (spaces and hyphens ignored)."""
    digits = text(value).translate(_CARD_NOISE)
    if not digits.isascii():
        digits = "".join(chr(ord(ch) - 0xFEE0) if "０" <= ch <= "９" else ch for ch in digits)
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in CARD_LENGTHS:
        raise CellError("银行卡号应为12到19位数字")
    if not luhn_ok(digits):
        raise CellError(LUHN_REFUSED)
    return digits


def _bank_card_bulk(cells) -> list | None:
    cells = _blanks_to_none(cells)
    present = [cell for cell in cells if cell is not None]
    if set(map(type, present)) - {str}:
        return None
    joined = "".join(present)
    if not (joined.isascii() and joined.isdigit()) or not set(map(len, present)) <= set(CARD_LENGTHS):
        return None
    return cells if all(map(luhn_ok, present)) else None


bank_card.bulk = _bank_card_bulk
bank_card.as_text = True  # the import template formats the column as text, as it does ID numbers
