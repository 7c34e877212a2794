"""Enrolment files for tests, written the way a school's Excel would hold them."""
import io

from openpyxl import Workbook

from factories import make_id_number
from portal.terms import current_term

HEADER = ["学籍号", "姓名", "性别", "身份证件号", "学段", "年级", "班级", "入学年月", "户籍地"]


def student_row(serial: int, name: str | None = None, *, id_number: str | None = None, region: str = "320102",
                class_name: str = "三年级（1）班", hukou: str | None = None) -> list:
    number = id_number or make_id_number(region, "20150901", serial)
    return [f"G{number}", name or f"学生{serial}", "", number, "小学", "三年级", class_name, "2022-09", hukou or ""]


def xlsx_file(rows: list[list], header: list[str] | None = None, title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as a user's "'=…" cell holds it
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(rows: list[list], header: list[str] | None = None) -> bytes:
    lines = [",".join(header or HEADER)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def term_code() -> str:
    return current_term().code
