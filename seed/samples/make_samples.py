"""Writes the base-library sample files in seed/samples/: one department file per category, as a department
would send it (its own header words, a title row), to try the import on the demo (as sheng, fupin, minzheng
or canlian). Each holds about 200 demo-library people, some with changed details, and a few newcomers, so
the preview shows a real diff; one more file has the mistakes real files have. Run from the project root:
.venv/bin/python -m seed.samples.make_samples"""
import os
from datetime import datetime

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from portal.library.columns import types_text
from portal.vocab import Category, DibaoType, DisabilityGrade, DisabilityType, PovertyStatus
from seed.library_demo import DemoPerson, demo_people

FOLDER = os.path.dirname(os.path.abspath(__file__))
KEPT, NEWCOMERS = 180, 20
FIXED_TIME = datetime(2026, 3, 1, 9, 0)  # so that regenerating the files changes nothing but their content

# 残疾人证号: the ID number, then the type's digit (1 视力 … 7 多重, the vocabulary's order) and the grade.
_TYPE_DIGIT = {member.value: str(position) for position, member in enumerate(DisabilityType, start=1)}
# Per category: file name, title row, header (a department's own words, which the reader knows), row builder.
LAYOUTS = {
    Category.POVERTY: ("基础信息库_建档立卡_扶贫.xlsx", "2026年建档立卡脱贫人口（含监测对象）名单",
                       ["序号", "姓名", "身份证号", "户籍地区划代码", "脱贫状态"],
                       lambda n, p, d: [n, p.name, p.id_number, p.hukou_code or "", PovertyStatus.label_of(d["poverty_status"])]),
    Category.DIBAO: ("基础信息库_低保_民政.xlsx", "城乡最低生活保障对象名册",
                     ["姓名", "证件号码", "户籍地代码", "低保类别"],
                     lambda n, p, d: [p.name, p.id_number, p.hukou_code or "", DibaoType.label_of(d["dibao_type"])]),
    Category.TEKUN: ("基础信息库_特困供养_民政.xlsx", "特困人员救助供养对象名册", ["姓名", "身份证号码", "户籍地区划代码"],
                     lambda n, p, d: [p.name, p.id_number, p.hukou_code or ""]),
    Category.ORPHAN: ("基础信息库_孤儿_民政.xlsx", "孤儿基本生活保障名册", ["序号", "姓名", "公民身份号码", "户籍地区划代码"],
                      lambda n, p, d: [n, p.name, p.id_number, p.hukou_code or ""]),
    Category.DISABLED: ("基础信息库_残疾_残联.xlsx", "持证残疾人名册",
                        ["姓名", "身份证号", "户籍地区划代码", "残疾类别", "残疾等级", "残疾人证号"],
                        lambda n, p, d: [p.name, p.id_number, p.hukou_code or "",
                                         DisabilityType.label_of(d["disability_type"]),
                                         DisabilityGrade.label_of(d["disability_grade"]),
                                         p.id_number + _TYPE_DIGIT[d["disability_type"]] + d["disability_grade"]]),
    Category.OUT_OF_PROVINCE: ("基础信息库_外省下发_省资助中心.xlsx", "全国学生资助管理信息系统下发外省特殊困难学生名单",
                               ["姓名", "身份证件号", "人员类别", "来源省份"],
                               lambda n, p, d: [p.name, p.id_number, types_text(d["hardship_types"]),
                                                d["source_province"]]),
}


def _changed(category: Category, details: dict, position: int) -> dict:
    """Every 30th person's details differ from the library's: what the diff shows as 变更."""
    if position % 30 != 7:
        return details
    if category is Category.POVERTY:
        return {**details, "poverty_status": PovertyStatus.RETURNED.value}
    if category is Category.DIBAO:
        other = DibaoType.RURAL if details["dibao_type"] == DibaoType.URBAN.value else DibaoType.URBAN
        return {**details, "dibao_type": other.value}
    if category is Category.DISABLED:
        return {**details, "disability_grade": DisabilityGrade.FIRST.value}
    if category is Category.OUT_OF_PROVINCE:  # the national system now names a second type too
        extra = Category.DISABLED if "dibao" in details["hardship_types"] else Category.DIBAO
        held = set(details["hardship_types"].split(",")) | {extra.value}
        return {**details, "hardship_types": ",".join(c.value for c in Category if c.value in held)}
    return details


def people_of(category: Category, people: list[DemoPerson], newcomers: list[DemoPerson]) -> list[tuple]:
    """(person, details) rows: the first library people of the category, then newcomers not in the library."""
    kept = [(person, _changed(category, person.details[category.value], position))
            for position, person in enumerate(p for p in people if category in p.categories) if position < KEPT]
    fresh = [(person, person.details[category.value]) for person in newcomers if category in person.categories]
    return kept + fresh[:NEWCOMERS]


def _save(filename: str, title: str, header: list[str], rows: list[list]) -> str:
    book = Workbook()
    book.properties.created = book.properties.modified = FIXED_TIME
    sheet = book.active
    sheet.title = "名单"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    id_column = next(index for index, label in enumerate(header) if "号" in label and "序" not in label)
    for cells in sheet.iter_rows(min_row=3, min_col=id_column + 1, max_col=id_column + 1):
        cells[0].number_format = "@"  # as a careful department sets it: text, so Excel keeps all 18 digits
    sheet.column_dimensions[get_column_letter(id_column + 1)].width = 22
    path = os.path.join(FOLDER, filename)
    book.save(path)
    return path


def main() -> list[str]:
    people = list(demo_people(12_000))
    newcomers = list(demo_people(3_000, seed=7))  # another stream: people the demo library does not hold
    written = []
    for category, (filename, title, header, build) in LAYOUTS.items():
        rows = [build(number, person, details)
                for number, (person, details) in enumerate(people_of(category, people, newcomers), start=1)]
        written.append(_save(filename, title, header, rows))
    # The mistakes real files have: a number Excel rounded, a wrong check digit, an impossible birth date,
    # a duplicate, an unknown status, a short hukou code; the reader names each with its row.
    filename, title, header, build = LAYOUTS[Category.POVERTY]
    rows = [build(number, person, details) for number, (person, details)
            in enumerate(people_of(Category.POVERTY, people, newcomers)[:40], start=1)]
    rows[3][2] = float(rows[3][2][:15] + "000")
    rows[8][2] = rows[8][2][:-1] + ("0" if rows[8][2][-1] != "0" else "1")
    rows[12][2] = rows[12][2][:10] + "0230" + rows[12][2][14:]
    rows[20][2] = rows[5][2]
    rows[25][4] = "已脱"
    rows[30][3] = "32010"
    written.append(_save("基础信息库_建档立卡_含错误示例.xlsx", title, header, rows))
    return written


if __name__ == "__main__":
    for path in main():
        print(path)
