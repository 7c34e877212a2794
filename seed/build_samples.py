"""Writes seed/samples/: the demo school's enrolment as a clean file and as one with the errors real files have,
for a user to try the upload (log in as xuexiao). Run: .venv/bin/python -m seed.build_samples"""
import os

from openpyxl import Workbook

from seed.demo_people import demo_school_students

FOLDER = os.path.join(os.path.dirname(__file__), "samples")
SCHOOL = "南京市玄武区第一小学"
HEADER = ["学籍号", "姓名", "性别", "身份证件号", "学段", "年级", "班级", "入学年月", "户籍地"]


def _cells(student: dict) -> list:
    return [student["student_no"], student["name"], student["gender"], student["id_number"], student["stage"],
            student["grade"], student["class_name"], student["entry_month"], student["hukou_code"]]


# As the 学籍 system exports it: no 学段 or 入学年月 (read from the grade), columns the portal does not read.
EXPORT_HEADER = ["序号", "姓名", "性别", "身份证件类型", "身份证件号", "全国学籍号", "年级", "班级", "户口所在地代码"]


def _save(rows: list[list], filename: str, title: str | None = None, header: list[str] = HEADER) -> str:
    book = Workbook()
    sheet = book.active
    sheet.title = "学生名册"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for position, name in enumerate(header):
        if name in ("学籍号", "全国学籍号", "身份证件号", "班级"):
            sheet.column_dimensions[chr(ord("A") + position)].width = 24
    path = os.path.join(FOLDER, filename)
    book.save(path)
    return path


def clean_rows() -> list[list]:
    return [_cells(student) for student in demo_school_students()]


def export_rows() -> list[list]:
    return [[position, student["name"], student["gender"], "居民身份证", student["id_number"], student["student_no"],
             student["grade"], student["class_name"], student["hukou_code"]]
            for position, student in enumerate(demo_school_students(), 1)]


def faulty_rows() -> list[list]:
    """The clean file with what schools' exports really hold: each a row the preview names and refuses."""
    rows = clean_rows()[:40]
    rows[3][3] = float(rows[3][3][:15] + "000")  # stored as a number: Excel kept 15 digits (3.20102E+17)
    last = rows[7][3][-1]
    rows[7][3] = rows[7][3][:-1] + ("0" if last != "0" else "1")  # a wrong check digit
    rows[11][3] = rows[11][3][:10] + "0230" + rows[11][3][14:]  # 30 February
    rows[15][1] = "<script>alert('学生')</script>"  # read and shown as text, never run
    rows.append(list(rows[20]))  # the same student twice
    rows.insert(25, [""] * len(HEADER))  # a blank row: skipped
    rows.append(["合计", f"{len(rows)} 人"] + [""] * (len(HEADER) - 2))  # a totals row: skipped
    return rows


def build() -> list[str]:
    os.makedirs(FOLDER, exist_ok=True)
    return [_save(clean_rows(), f"学籍_{SCHOOL}_正确示例.xlsx"),
            _save(faulty_rows(), f"学籍_{SCHOOL}_含错误示例.xlsx", f"{SCHOOL}2026年秋季学期学生名册"),
            _save(export_rows(), f"学籍_{SCHOOL}_学籍系统导出示例.xlsx", f"{SCHOOL}在校生名单", EXPORT_HEADER)]


if __name__ == "__main__":
    for written in build():
        print(written)
