"""Registry imports (区划, 学校) from the province page and the command line: preview, then all or nothing."""
import io

from openpyxl import Workbook
from sqlalchemy import func, select

from calamine_helpers import read_xlsx
from factories import page_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.org.models import Region, School


def xlsx(rows: list[list], title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.merge_cells("A1:E1")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SCHOOL_HEADER = ["学校标识码", "学校名称", "所在区划代码", "学段", "办学性质"]


def upload(client, kind: str, content: bytes, filename: str = "file.xlsx"):
    return client.post(f"/org/import/{kind}", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def token_of(response) -> str:
    body = response.get_data(as_text=True)
    return body.split('name="token" value="')[1].split('"')[0]


def school_count() -> int:
    return db.session.scalar(select(func.count()).select_from(School))


def test_province_imports_schools_after_preview(client, login_as, world):
    login_as("province")
    content = xlsx([SCHOOL_HEADER, ["3132999001", "玄武区新建小学", "320102", "小学、初中", "民办"],
                    ["3132999002", "锡山区新建幼儿园", "320205", "学前", ""], ["合计", "", "", "", ""]],
                   title="2026年学校名单")
    preview = upload(client, "schools", content)
    text = page_text(preview)
    assert "可导入 2 行（新增 2，更新 0）" in text and "错误 0 处" in text
    assert school_count() == 6  # nothing written before confirmation
    done = client.post("/org/import/schools/confirm", data={"token": token_of(preview)})
    assert done.status_code == 303
    assert "学校导入完成：新增 2，更新 0" in page_text(client.get(done.headers["Location"]))
    school = db.session.scalar(select(School).where(School.code == "3132999001"))
    assert (school.county_code, school.city_code, school.stages, school.ownership) == \
        ("320102", "320100", "primary,junior", "private")
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "import_schools")).endswith("新增 2，更新 0")


def test_a_bad_row_refuses_the_whole_file_and_names_row_and_reason(client, login_as, world):
    login_as("province")
    content = xlsx([["学校名单"], SCHOOL_HEADER, ["3132999001", "好学校", "320102", "小学", "公办"],
                    ["31329", "短标识码学校", "320102", "小学", "公办"],
                    ["3132999003", "没有区划的学校", "999999", "小学", "公办"],
                    ["3132999004", "学段错误学校", "320102", "大学预科", "公办"]])
    preview = upload(client, "schools", content)
    text = page_text(preview)
    assert "错误 3 处" in text and "整个文件不会导入" in text
    assert "应为10位数字" in text
    assert "区划代码 999999 不存在" in text and "学段“大学预科”无法识别" in text
    assert "确认导入" not in text
    refused = client.post("/org/import/schools/refused", data={"token": token_of(preview)})
    rows = read_xlsx(refused.data)
    assert rows[0][-2:] == ["行号", "错误原因"]
    assert [row[-2] for row in rows[1:]] == [4, 5, 6]
    assert rows[2][1] == "没有区划的学校"
    forced = client.post("/org/import/schools/confirm", data={"token": token_of(preview)})
    assert forced.status_code == 422 and "未导入任何数据" in page_text(forced)
    assert school_count() == 6


def test_duplicate_codes_in_one_file_are_refused(client, login_as, world):
    login_as("province")
    content = xlsx([SCHOOL_HEADER, ["3132999001", "甲", "320102", "小学", "公办"],
                    ["3132999001", "乙", "320102", "小学", "公办"]])
    assert "与第 2 行重复" in page_text(upload(client, "schools", content))


def test_pdf_renamed_to_xlsx_gets_a_chinese_message(client, login_as, world):
    login_as("province")
    response = upload(client, "schools", b"%PDF-1.4 fake", "schools.xlsx")
    assert response.status_code == 422 and "不是有效的 Excel 文件" in page_text(response)


def test_regions_import_from_gbk_csv_updates_names_and_adds_counties(client, login_as, world):
    login_as("province")
    content = "区划代码,名称,上级区划代码\r\n320102,玄武区（新）,320100\r\n320105,建邺区,\r\n".encode("gbk")
    preview = upload(client, "regions", content, "regions.csv")
    assert "新增 1，更新 1" in page_text(preview)
    client.post("/org/import/regions/confirm", data={"token": token_of(preview)})
    assert db.session.get(Region, "320105").parent_code == "320100"  # parent implied by the code
    assert db.session.get(Region, "320102").name == "玄武区（新）"


def test_region_under_missing_parent_is_refused(client, login_as, world):
    login_as("province")
    content = "区划代码,名称,上级区划代码\n330102,上城区,330100\n".encode()
    assert "上级区划 330100 既不在文件中也不在系统中" in page_text(upload(client, "regions", content, "r.csv"))


def test_template_download_has_the_headers(client, login_as, world):
    login_as("province")
    rows = read_xlsx(client.get("/org/import/schools/template.xlsx").data)
    assert rows[0] == SCHOOL_HEADER


def test_only_the_province_imports(client, login_as, world):
    login_as("city")
    assert upload(client, "schools", xlsx([SCHOOL_HEADER])).status_code == 404


def test_import_commands(app, world, tmp_path):
    regions = tmp_path / "regions.csv"
    regions.write_text("区划代码,名称,上级区划代码\n320111,浦口区,320100\n", encoding="utf-8-sig")
    schools = tmp_path / "schools.xlsx"
    schools.write_bytes(xlsx([SCHOOL_HEADER, ["3132999101", "浦口区第一小学", "320111", "小学", "公办"]]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-regions", str(regions)])
    assert result.exit_code == 0 and "新增 1" in result.output
    result = runner.invoke(args=["import-schools", str(schools)])
    assert result.exit_code == 0 and "导入 1 行：新增 1，更新 0" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("学校标识码,学校名称,所在区划代码,学段\n123,x,320111,小学\n", encoding="utf-8")
    result = runner.invoke(args=["import-schools", str(bad)])
    assert result.exit_code != 0 and "第 2 行" in result.output and "未导入任何数据" in result.output
