"""portal.sheet_values: one cell at a time, and the whole-column fast paths agreeing with it."""
import datetime
from decimal import Decimal

import pytest

from portal.sheet_values import (
    BAD_DATE, LOST_DIGITS, CellError, choice, code, date_value, decimal_amount, integer, text, year_month,
)


def reason(parse, value) -> str:
    with pytest.raises(CellError) as refusal:
        parse(value)
    return str(refusal.value)


def test_text():
    assert text("  张\u3000三 ") == "张 三"
    assert text(3201.0) == "3201"
    assert text(0.1 + 0.2) == "0.3"
    assert text(datetime.datetime(2024, 9, 1)) == "2024-09-01"
    assert text(True) == "TRUE"
    assert reason(text, 3.20102200901011e17) == LOST_DIGITS


def test_code():
    ten = code(10)
    assert ten("3201000001") == ten(3201000001.0) == ten(" 3201000001 ") == ten("３２０１０００００１") == "3201000001"
    assert reason(ten, "320100000") == "应为10位数字"
    assert reason(ten, "32010000AB") == "应为10位数字"
    assert reason(ten, 201000001.0) == "应为10位数字（以0开头的代码请把单元格设为文本格式）"
    assert ten.bulk(["3201000001", "3201000002"]) == ["3201000001", "3201000002"]
    assert ten.bulk([3201000001.0]) == ["3201000001"]
    assert ten.bulk(["3201000001", "32010000012"]) is None  # equal total length must not hide a bad cell
    assert ten.bulk(["3201000001", ""]) is None
    assert ten.bulk([-320100000.0]) is None


def test_choice():
    gender = choice(["男", "女"], {"男性": "男", "F": "女"})
    assert gender("男") == gender(" 男性 ") == "男"
    assert gender("f") == "女"
    assert reason(gender, "未知") == "应为以下之一：男、女"
    assert gender.bulk(["男", "女", "男性"]) == ["男", "女", "男"]
    assert gender.bulk(["男", "未知"]) is None
    many = choice([f"选项{i}" for i in range(15)])
    assert reason(many, "x").endswith("选项11等")


def test_integer_and_amount():
    assert integer(12) == integer(12.0) == integer("12") == integer("1,2") == integer("１２") == 12
    assert reason(integer, "12.5") == "应为整数"
    assert reason(integer, True) == "应为整数"
    assert integer.bulk([1.0, 2.0]) == [1, 2]
    assert integer.bulk([1.0, 2.5]) is None
    assert decimal_amount(1234.56) == Decimal("1234.56")
    assert decimal_amount("￥1,200.5元") == Decimal("1200.50")
    assert decimal_amount(0.1 + 0.2) == Decimal("0.30")
    assert reason(decimal_amount, -1) == "金额不能为负数"
    assert reason(decimal_amount, "很多") == "应为金额（数字）"


@pytest.mark.parametrize("value", [
    datetime.date(2024, 9, 1), datetime.datetime(2024, 9, 1, 8, 30), 45536, 45536.75, "2024-09-01", "2024/9/1",
    "2024.9.1", "2024年9月1日", "2024年9月1号", "20240901", 20240901, "2024-09-01 00:00:00", "２０２４年９月１日",
])
def test_date_value_day_forms(value):
    assert date_value(value) == datetime.date(2024, 9, 1)


@pytest.mark.parametrize("value", ["2024.9", "2024.09", 2024.09, 2024.9, "2024年9月", "202409", 202409, "2024-9"])
def test_month_forms_mean_the_first_of_the_month(value):
    assert date_value(value) == datetime.date(2024, 9, 1)
    assert year_month(value) == "2024-09"


@pytest.mark.parametrize("value", ["去年", "2024-13-01", "2024-02-30", 2024, "1850-01-01", True, "9/1/2024"])
def test_bad_dates(value):
    assert reason(date_value, value) == BAD_DATE


def test_date_bulk():
    assert date_value.bulk([datetime.datetime(2024, 9, 1), datetime.datetime(2023, 1, 2)]) == [
        datetime.date(2024, 9, 1), datetime.date(2023, 1, 2)]
    assert date_value.bulk([datetime.datetime(1800, 1, 1)]) is None
    assert year_month.bulk([datetime.date(2024, 9, 5)]) == ["2024-09"]
    assert year_month.bulk(["2024-09", "1999-12"]) == ["2024-09", "1999-12"]  # text already in the stored form
    assert year_month.bulk(["2024-9"]) is None and year_month.bulk(["2024-09\n2024-10"]) is None
