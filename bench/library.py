"""Base-library import of a 1,000,000-row xlsx, against python-calamine merely reading the same file.

Figures: library_import_ratio (import ÷ bare calamine read of the same file, in the same run),
library_import_peak_mb (peak RSS of the importing process, run as a child so that C and Rust memory
count, together with the writing process it starts), library_import_rows_per_s. The import is preview +
confirm through the service, on a fresh SQLite database under bench/data/.

Two files, generated once (raw XML with shared strings, as Excel writes them) and cached in bench/data/:
the main one looks like a department's export (the columns the portal reads and a few it ignores: 序号,
性别, 家庭住址, 联系电话); the `_template` figures are for a file with only the template's four columns,
where the reader has least to do and the import's own work (digests, encryption, index upkeep) weighs most."""
import os
import random
import subprocess
import sys
import time
import zipfile
from xml.sax.saxutils import escape

from bench._memory import FamilyPeak

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench", "data")
ROWS = 1_000_000
EXPORT_HEADER = ("序号", "姓名", "性别", "身份证件号", "户籍地区划代码", "家庭住址", "脱贫状态", "联系电话")
# The portal's own template: what a department fills in when it follows the import page.
TEMPLATE_HEADER = ("姓名", "身份证件号", "户籍地区划代码", "脱贫状态")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕飞鹏辉志浩宇轩子涵欣怡梓晨思雨"
STATUSES = ("未脱贫", "已脱贫", "已脱贫", "已脱贫", "返贫")
TOWNS = ("城关镇", "新华街道", "开发区", "东风乡", "河西村", "李庄村", "张集镇", "高桥村")


def _counties() -> list[str]:
    with open(os.path.join(ROOT, "seed", "data", "jiangsu_regions.csv"), encoding="utf-8") as handle:
        return [line.split(",")[0] for line in handle.read().splitlines()[1:] if not line.split(",")[0].endswith("00")]


def _people(rows: int):
    """Deterministic rows with unique valid ID numbers: county × birth day × sequence never repeats."""
    from datetime import date, timedelta

    from portal.idcard import check_digit

    counties = _counties()
    first_day, days = date(2003, 1, 1), 365 * 19
    rnd = random.Random(20260101)
    for serial in range(rows):
        county = counties[serial % len(counties)]
        born = first_day + timedelta(days=(serial // len(counties)) % days)
        sequence = serial // (len(counties) * days) * 2 + rnd.randrange(2)
        body = f"{county}{born:%Y%m%d}{sequence:02d}{rnd.randrange(10)}"
        gender = "男" if int(body[16]) % 2 else "女"
        name = rnd.choice(SURNAMES) + "".join(rnd.choices(GIVEN, k=rnd.randrange(1, 3)))
        address = f"{county}{rnd.choice(TOWNS)}{rnd.randrange(1, 300)}号"
        yield (serial + 1, name, gender, body + check_digit(body), county, address, rnd.choice(STATUSES),
               f"1{rnd.randrange(3, 9)}{rnd.randrange(10**9):09d}")


def _column(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


def write_file(path: str, rows: int, header: tuple[str, ...] = TEMPLATE_HEADER) -> None:
    """An xlsx as Excel writes it (shared strings), built from raw XML: seconds instead of minutes."""
    strings: dict[str, int] = {}

    def cell(reference: str, value) -> str:
        if isinstance(value, int):
            return f'<c r="{reference}"><v>{value}</v></c>'
        index = strings.setdefault(value, len(strings))
        return f'<c r="{reference}" t="s"><v>{index}</v></c>'

    def sheet_rows():
        yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
               'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        picked = [EXPORT_HEADER.index(label) for label in header]
        people = ([values[index] for index in picked] for values in _people(rows))
        for number, values in enumerate((header, *people), start=1):
            yield f'<row r="{number}">' + "".join(cell(f"{_column(i)}{number}", v) for i, v in enumerate(values)) + "</row>"
        yield "</sheetData></worksheet>"

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006"
    temporary = path + ".tmp"
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for part in sheet_rows():
                sheet.write(part.encode())
        archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" '
                         f'count="{len(strings)}" uniqueCount="{len(strings)}">'
                         + "".join(f"<si><t>{escape(text)}</t></si>" for text in strings) + "</sst>")
        archive.writestr("[Content_Types].xml", f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{package}/'
                         'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                         'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1'
                         '.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet'
                         '+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                         'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        archive.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}/'
                         f'relationships"><Relationship Id="rId1" Type="{relationships}/officeDocument" '
                         'Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" '
                         f'xmlns:r="{relationships}"><sheets><sheet name="建档立卡" sheetId="1" r:id="rId1"/>'
                         '</sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
                         f'xmlns="{package}/relationships"><Relationship Id="rId1" Type="{relationships}/worksheet" '
                         f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{relationships}/'
                         'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    os.replace(temporary, path)


def calamine_seconds(path: str) -> float:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    for _row in sheet.iter_rows():
        pass
    return time.perf_counter() - started


def import_once(path: str) -> tuple[float, float]:
    """In this (child) process: a fresh database, then preview + confirm; (seconds, peak MB of the family)."""
    import logging

    from flask_migrate import upgrade

    from portal import create_app

    logging.disable(logging.WARNING)  # migrations chatter
    instance = os.path.join(DATA, "library_instance")
    os.makedirs(instance, exist_ok=True)
    _remove_database(instance)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.db", "UPLOAD_MAX_BYTES": 512 * 2**20},
                     instance_path=instance)
    with app.app_context():
        upgrade()
        from portal.audit.services import Actor
        from portal.errors import saving
        from portal.extensions import db
        from portal.library import importer
        from portal.vocab import Category

        with FamilyPeak() as family:
            started = time.perf_counter()
            found = importer.preview(Actor.command_line(), Category.POVERTY, path, os.path.basename(path))
            if not found.ok:
                raise SystemExit(f"bench file refused: {found.errors[:3]}")
            with saving():
                importer.confirm(Actor.command_line(), found.batch.id)
            seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    _remove_database(instance)  # a few hundred megabytes that only this run needed
    return seconds, family.mb


def _remove_database(instance: str) -> None:
    for name in os.listdir(instance):
        if name.startswith("bench.db"):
            os.remove(os.path.join(instance, name))


def _measure(header: tuple[str, ...], name: str) -> tuple[float, float, float]:
    """(bare calamine seconds, import seconds, the importing process's peak MB) for one cached file."""
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        write_file(path, ROWS, header)
    calamine_seconds(path)  # warm the page cache, so both timings read from memory
    bare = calamine_seconds(path)
    child = subprocess.run([sys.executable, "-m", "bench.library", path], cwd=ROOT, check=True,
                           capture_output=True, text=True)
    seconds, peak = map(float, child.stdout.strip().splitlines()[-1].split())
    return bare, seconds, peak


def run() -> dict[str, float]:
    os.makedirs(DATA, exist_ok=True)
    bare, seconds, peak = _measure(EXPORT_HEADER, f"library_{ROWS // 1000}k_export.xlsx")
    template_bare, template_seconds, template_peak = _measure(TEMPLATE_HEADER, f"library_{ROWS // 1000}k_template.xlsx")
    return {
        "library_calamine_s": bare,
        "library_import_s": seconds,
        "library_import_ratio": seconds / bare,
        "library_import_peak_mb": max(peak, template_peak),
        "library_import_rows_per_s": ROWS / seconds,
        "library_import_ratio_template": template_seconds / template_bare,
        "library_import_rows_per_s_template": ROWS / template_seconds,
    }


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    seconds, peak = import_once(sys.argv[1])
    print(f"{seconds:.3f} {peak:.1f}")
