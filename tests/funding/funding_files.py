"""Helpers of the funding tests: funded-list files, Luhn-valid card numbers, a school with library students."""
import io

from openpyxl import Workbook

from factories import make_enrolled_student, make_funding_project, make_id_number

HEADER = ["学校标识码", "身份证件号", "姓名", "资助项目", "资助标准", "资助金额", "发放时间", "银行卡号"]


def card_number(serial: int, prefix: str = "622202") -> str:
    """A 19-digit card number whose last digit satisfies the Luhn check."""
    body = f"{prefix}{serial:012d}"
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit * 2 > 9 else digit * 2
        total += digit
    return body + str((10 - total % 10) % 10)


def xlsx(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年秋季学期资助名单（全国学生资助管理信息系统导出）"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def library(school, count: int = 3, stage: str | None = None, born: str = "20150901"):
    """`count` library students of the school (IDs make_id_number(serial=1..count)), in enrolment too."""
    return [make_enrolled_student(school, make_id_number(born=born, serial=n), f"学生{n}", stage=stage)
            for n in range(1, count + 1)]


def subsidy(province):
    """The national 义务教育 living allowance for primary pupils (1000 boarders / 500 day pupils a year)."""
    return make_funding_project("义务教育家庭经济困难学生生活补助", "primary", owner_region=province,
                                standards="1000,500", standard_per="year")


def row(school, serial: int, amount=250, project="义务教育家庭经济困难学生生活补助", standard=500,
        paid="2026-10-15", card=None, born="20150901") -> list:
    return [school.code, make_id_number(born=born, serial=serial), f"学生{serial}", project, standard, amount, paid,
            card if card is not None else card_number(serial)]
