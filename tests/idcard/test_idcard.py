"""Tests for portal.idcard: GB 11643 ID normalising, validation, 15→18 upgrade, masking and the Luhn check."""
import time
from datetime import date

import pytest

from portal import idcard
from portal.idcard import IdNumberError

TODAY = date(2026, 6, 1)


def iso7064_mod11_2(body17: str) -> str:
    """Independent check character: the recursive ISO 7064 MOD 11-2 form, not the weight table."""
    remainder = 0
    for ch in body17:
        remainder = (remainder + int(ch)) * 2 % 11
    value = (12 - remainder) % 11
    return "X" if value == 10 else str(value)


def make_id(body17: str) -> str:
    return body17 + iso7064_mod11_2(body17)


# ---------------------------------------------------------------- check digit

def test_independent_check_digit_reproduces_known_vector():
    assert iso7064_mod11_2("11010519491231002") == "X"
    assert iso7064_mod11_2("44052418800101001") == "4"  # 440524188001010014, the GB 11643 standard's example


@pytest.mark.parametrize("body", [
    "32010220090101123", "11010519491231002", "44030420120229456", "65010220151231001",
    "32010720100615007", "51010719991010999", "81000020060101000", "46000020000229002",
])
def test_check_digit_matches_independent_implementation(body):
    assert idcard.check_digit(body) == iso7064_mod11_2(body)


def test_check_digit_for_every_remainder():
    seen = {}
    for serial in range(200):
        body = f"32010220090101{serial:03d}"
        seen[idcard.check_digit(body)] = body
        assert idcard.check_digit(body) == iso7064_mod11_2(body)
    assert set(seen) == set("0123456789X")


@pytest.mark.parametrize("bad", ["3201022009010112", "320102200901011234", "3201022009010112X", "+3201022009010112"])
def test_check_digit_needs_17_digits(bad):
    with pytest.raises(IdNumberError):
        idcard.check_digit(bad)


# ---------------------------------------------------------------- valid numbers

def test_known_valid_example():
    assert idcard.validate("11010519491231002X", today=TODAY) == "11010519491231002X"


def test_nanjing_child_with_computed_check_digit():
    number = make_id("32010220090101123")
    assert number == "320102200901011233"
    assert idcard.validate(number, today=TODAY) == number


def test_default_today_accepts_past_dates():
    assert idcard.validate("11010519491231002X") == "11010519491231002X"


def test_lowercase_x_becomes_uppercase():
    assert idcard.validate("11010519491231002x", today=TODAY) == "11010519491231002X"


def test_full_width_digits_and_x():
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert idcard.normalise(full_width) == "11010519491231002X"
    assert idcard.validate(full_width, today=TODAY) == "11010519491231002X"
    assert idcard.validate("１１０１０５１９４９１２３１００２Ｘ", today=TODAY) == "11010519491231002X"


@pytest.mark.parametrize("messy", [
    " 11010519491231002X ",
    "110105 19491231 002X",
    "\u3000110105\u300019491231002X\u3000",
    "110105\xa019491231002X\t\n",
    "\ufeff110105\u200b19491231002X",
    "'11010519491231002X",
])
def test_spaces_anywhere_are_removed(messy):
    assert idcard.validate(messy, today=TODAY) == "11010519491231002X"


def test_fifteen_digit_old_number_is_upgraded():
    assert idcard.validate("110105491231002", today=TODAY) == "11010519491231002X"


def test_fifteen_digit_number_cell_is_intact():
    assert idcard.normalise(110105491231002) == "110105491231002"
    assert idcard.validate(110105491231002, today=TODAY) == "11010519491231002X"
    assert idcard.validate(110105491231002.0, today=TODAY) == "11010519491231002X"  # python-calamine gives floats


def test_abolished_county_codes_are_accepted():
    # 320107 南京下关区 and 320103 白下区 were abolished in 2013; people keep their numbers.
    for body in ("32010719980312001", "32010320050101002"):
        number = make_id(body)
        assert idcard.validate(number, today=TODAY) == number
    assert idcard.region_prefix(make_id("32010719980312001")) == "320107"


def test_unknown_county_within_valid_province_is_accepted():
    number = make_id("32999920050101002")
    assert idcard.validate(number, today=TODAY) == number


def test_leap_days():
    assert idcard.validate(make_id("44030420120229456"), today=TODAY)[10:14] == "0229"
    assert idcard.validate(make_id("46000020000229002"), today=TODAY)[6:14] == "20000229"  # 2000 is a leap year


def test_born_today_is_not_future():
    number = make_id("32010220260601001")
    assert idcard.validate(number, today=TODAY) == number


# ---------------------------------------------------------------- Excel damage

EXCEL = idcard.EXCEL_NUMBER_MESSAGE


def test_excel_message_text():
    assert EXCEL == "身份证件号被 Excel 存成了数字，末几位已丢失（如 3.20102E+17）。请把该列设置为“文本”格式后重新导出"


@pytest.mark.parametrize("cell", [
    "3.20102E+17", "3.20102e+17", " 3.20102E+17 ", "3.20102E17", "３.２０１０２Ｅ＋１７", "3.20102200901011E+17",
    3.20102e17, 320102200901011233.0, 320102200901011233, 1101051949123100, 1.10105491231002e16,
])
def test_number_stored_by_excel_is_rejected(cell):
    with pytest.raises(IdNumberError) as caught:
        idcard.validate(cell, today=TODAY)
    assert str(caught.value) == EXCEL
    assert caught.value.kind == "excel_number"
    with pytest.raises(IdNumberError, match="Excel"):
        idcard.normalise(cell)


def test_truncated_eighteen_digit_text_hints_at_excel():
    with pytest.raises(IdNumberError) as caught:
        idcard.validate("320102200901011000", today=TODAY)  # what "0"-formatted numeric cells export
    assert str(caught.value).startswith("校验码不正确，请核对号码")
    assert "Excel" in str(caught.value)


# ---------------------------------------------------------------- rejected numbers

def rejection(raw, **kwargs) -> IdNumberError:
    with pytest.raises(IdNumberError) as caught:
        idcard.validate(raw, today=TODAY, **kwargs)
    return caught.value


def test_wrong_check_digit():
    right = make_id("32010220090101123")
    wrong = right[:17] + ("0" if right[17] != "0" else "1")
    error = rejection(wrong)
    assert str(error) == "校验码不正确，请核对号码"
    assert error.kind == "check_digit"
    assert right[17] not in str(error)


def test_transposed_digits_are_caught():
    right = make_id("32010220090101123")
    assert rejection(right[:14] + right[15] + right[14] + right[16:]).kind == "check_digit"


def test_february_30_does_not_exist():
    error = rejection(make_id("32010220090230123"))
    assert "出生日期不存在" in str(error)
    assert error.kind == "birth_date"


@pytest.mark.parametrize("body", [
    "32010220090229123",  # 2009 is not a leap year
    "32010219000229123",  # 1900 is not a leap year
    "32010220091301123",  # month 13
    "32010220090001123",  # month 0
    "32010220090100123",  # day 0
    "32010220090431123",  # April 31
])
def test_impossible_birth_dates(body):
    assert "出生日期不存在" in str(rejection(make_id(body)))


def test_future_birth_date():
    error = rejection(make_id("32010220260602001"))
    assert "晚于今天" in str(error)
    assert error.kind == "birth_future"


def test_future_birth_date_with_real_today():
    with pytest.raises(IdNumberError, match="晚于今天"):
        idcard.validate(make_id("32010220990101001"))


def test_birth_before_1900():
    assert "1900" in str(rejection(make_id("32010218991231001")))
    assert idcard.validate(make_id("32010219000101001"), today=TODAY)


@pytest.mark.parametrize("code", ["99", "00", "10", "16", "20", "39", "47", "55", "66", "72", "83", "91"])
def test_invalid_province_code(code):
    error = rejection(make_id(code + "010220090101123"))
    assert error.kind == "province"
    assert f"“{code}”" in str(error)


@pytest.mark.parametrize("code", sorted(idcard.PROVINCE_CODES))
def test_every_province_code_is_accepted(code):
    number = make_id(code + "010220090101123")
    assert idcard.validate(number, today=TODAY) == number


def test_province_codes_are_exactly_the_listed_ones():
    expected = {*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66), 71, 81, 82}
    assert idcard.PROVINCE_CODES == frozenset(str(code) for code in expected)
    assert isinstance(idcard.PROVINCE_CODES, frozenset)


@pytest.mark.parametrize("raw,length", [("1101051949123100", 16), ("1101051949123", 13), ("11010519491231002X1", 19)])
def test_wrong_length(raw, length):
    error = rejection(raw)
    assert error.kind == "length"
    assert "应为18位（或15位旧号码）" in str(error)
    assert f"{length}位" in str(error)


@pytest.mark.parametrize("raw", ["", "   ", None, "\u3000"])
def test_empty(raw):
    assert rejection(raw).kind == "empty"


def test_letter_in_the_middle():
    error = rejection("1101051949123A002X")
    assert error.kind == "chars"
    assert "“A”" in str(error)


def test_x_only_at_the_end():
    assert "最后一位" in str(rejection("11010519491231X021"))
    assert "X" in str(rejection("11010549123100X"))


def test_unicode_digits_that_are_not_ascii_are_rejected():
    arabic_indic = "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"  # str.isdigit() is true for these
    assert rejection(arabic_indic).kind == "chars"


@pytest.mark.parametrize("cell", [True, -110105491231002, 3.5, float("nan"), float("inf"), [1]])
def test_other_cell_values_are_rejected(cell):
    with pytest.raises(IdNumberError):
        idcard.validate(cell, today=TODAY)


# ---------------------------------------------------------------- fields

def test_fields_of_a_number():
    number = "11010519491231002X"
    assert idcard.birth_date(number) == date(1949, 12, 31)
    assert idcard.gender(number) == "女"  # 17th digit 2 is even
    assert idcard.region_prefix(number) == "110105"
    assert idcard.province_code(number) == "11"


def test_gender_male():
    assert idcard.gender(make_id("32010220090101123")) == "男"


def test_fields_need_an_eighteen_character_number():
    with pytest.raises(IdNumberError):
        idcard.birth_date("110105491231002")


# ---------------------------------------------------------------- masking and Luhn

def test_birth_year():
    assert idcard.birth_year("32010220090101123X") == 2009


def test_mask_id():
    # the region prefix only: nothing of the birth date, the sequence number or the check character
    assert idcard.mask("32010220090101123X") == "320102************"
    assert len(idcard.mask("32010220090101123X")) == 18
    assert idcard.mask("110105491231002") == "110105*********"
    assert idcard.mask("3201022009") == "3201******"
    assert idcard.mask("12345678") == "********"
    assert idcard.mask("") == ""


@pytest.mark.parametrize("card,shown", [
    ("6222021234567891234", "6222 **** **** 1234"),
    ("6222 0212 3456 1234", "6222 **** **** 1234"),
    ("6222-0212-3456-1234", "6222 **** **** 1234"),
    ("６２２２０２１２３４５６１２３４", "6222 **** **** 1234"),
    ("622202121234", "6222 **** **** 1234"),
    ("12345678", "**** **** 5678"),
    ("1234", "****"),
    ("", ""),
])
def test_mask_bank_card(card, shown):
    assert idcard.mask_bank_card(card) == shown


@pytest.mark.parametrize("number,valid", [
    ("4111111111111111", True),
    ("79927398713", True),
    ("79927398710", False),
    ("4111111111111112", False),
    ("6212 2640 0000 0000 006", True),
    ("6212264000000000005", False),
    ("", False),
    ("7", False),
    ("4111a11111111111", False),
])
def test_luhn(number, valid):
    assert idcard.luhn_ok(number) is valid


def test_luhn_against_independent_computation():
    for serial in range(1000):
        body = f"621226{serial:09d}"
        total = sum(int(d) if i % 2 == 0 else sum(divmod(int(d) * 2, 10)) for i, d in enumerate(reversed(body + "0")))
        good = body + str((10 - total % 10) % 10)
        assert idcard.luhn_ok(good)
        assert not idcard.luhn_ok(good[:-1] + str((int(good[-1]) + 1) % 10))


# ---------------------------------------------------------------- speed

def test_validation_is_fast_enough_for_bulk_imports():
    numbers = [make_id(f"32010220090101{serial:03d}") for serial in range(1000)] * 50
    start = time.perf_counter()
    for number in numbers:
        idcard.validate(number)
    per_id = (time.perf_counter() - start) / len(numbers)
    assert per_id < 30e-6  # measured ~1.6 µs; the bound only catches an accidental slow path


def test_a_batch_in_clear_is_what_each_number_gives_alone():
    numbers = [body + idcard.check_digit(body) for body in ("32010220150101001", "11010520120229002", "45030519991231997")]
    masks, genders, years, regions = idcard.in_clear(numbers, "M", "F")
    assert masks == [idcard.mask(number) for number in numbers]
    assert genders == [{"男": "M", "女": "F"}[idcard.gender(number)] for number in numbers] == ["M", "F", "M"]
    assert years == [idcard.birth_year(number) for number in numbers] == [2015, 2012, 1999]
    assert regions == [idcard.region_prefix(number) for number in numbers]
    assert idcard.in_clear(numbers[:1]) == (["320102************"], ["男"], [2015], ["320102"])


def test_an_id_number_inside_a_student_number_is_masked_with_or_without_its_check_character():
    body = "32010220150901001"
    number = body + idcard.check_digit(body)
    assert idcard.mask_within("g" + number, number) == "G" + idcard.mask(number)
    assert idcard.mask_within("G" + body, number) == "G" + idcard.mask(number)[:17]
    assert idcard.mask_within("L3201", number) == "L3201"  # no ID number in it: unchanged
    assert idcard.mask_within(None, number) is None


def test_masks_within_a_batch_as_mask_within_one_by_one():
    numbers = [body + idcard.check_digit(body) for body in ("32010220150901001", "32010220150901002",
                                                            "11010119900307002", "32010220150901003")]
    texts = ["G" + numbers[0], "g" + numbers[1], "L3201", None]
    masks = [idcard.mask(number) for number in numbers]
    assert idcard.masks_within(texts, numbers, masks) == [
        "G" + masks[0], "G" + masks[1], "L3201", None]
    assert idcard.masks_within(texts, numbers, masks) == list(map(idcard.mask_within, texts, numbers, masks))
