"""Importing the registry from a spreadsheet: regions (区划) and schools. Preview, then all or nothing."""
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update

from portal import sheets
from portal.audit.services import Actor, Target, record, region_scope_codes
from portal.errors import DomainError
from portal.extensions import db
from portal.org.models import Region, School
from portal.vocab import AuditAction, Ownership, RegionLevel, Stage

REGION_COLUMNS = (
    sheets.Column("code", "区划代码", ("行政区划代码", "代码"), parse=sheets.code(6)),
    sheets.Column("name", "名称", ("区划名称", "行政区划名称")),
    sheets.Column("parent_code", "上级区划代码", ("上级代码",), required=False, optional_value=True,
                  parse=sheets.code(6)),
)
SCHOOL_COLUMNS = (
    sheets.Column("code", "学校标识码", ("标识码",), parse=sheets.code(10)),
    sheets.Column("name", "学校名称", ("名称", "学校")),
    sheets.Column("region_code", "所在区划代码", ("区划代码", "所在地区划代码"), parse=sheets.code(6)),
    sheets.Column("stages", "学段", ("办学学段",), parse=lambda raw: parse_stages(raw)),
    sheets.Column("ownership", "办学性质", ("举办者类型",), required=False, optional_value=True,
                  parse=sheets.choice(Ownership.labels())),
)
KINDS = {"regions": REGION_COLUMNS, "schools": SCHOOL_COLUMNS}
STAGE_SEPARATORS = str.maketrans({"，": "、", ",": "、", "/": "、", ";": "、", "；": "、", " ": "、"})


class ImportRefused(DomainError):
    """The file cannot be imported as it is; nothing was written."""


@dataclass
class Preview:
    """What an import would do, shown before the user confirms."""

    kind: str
    rows: list[dict]
    errors: list[sheets.RowError]
    rows_read: int
    header: list[str]
    new: int = 0
    changed: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors


def parse_stages(raw) -> str:
    labels = [part for part in sheets.text(raw).translate(STAGE_SEPARATORS).split("、") if part]
    lookup = Stage.by_label()
    unknown = [label for label in labels if label not in lookup]
    if not labels or unknown:
        raise sheets.CellError(f"学段“{'、'.join(unknown)}”无法识别，可填：{'、'.join(Stage.labels())}，多个用“、”分隔")
    return ",".join(dict.fromkeys(lookup[label].value for label in labels))


def region_level(code: str) -> RegionLevel:
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def preview(kind: str, source, filename: str) -> Preview:
    """Read and check every row; cross-row problems are reported per row like cell problems."""
    columns = KINDS[kind]
    try:
        sheet = sheets.open_sheet(source, filename, columns, max_rows=200_000)
        records = [record for batch in sheet.batches() for record in batch]
    except sheets.SheetError as refusal:
        raise ImportRefused(str(refusal)) from None
    keys = [column.key for column in columns]
    rows = [dict(zip(keys, record), row=record[-1], record=record) for record in records]
    accepted = (_check_regions if kind == "regions" else _check_schools)(sheet, rows)
    found = Preview(kind, accepted, sheet.errors, sheet.rows_read, sheet.header)
    existing = set(db.session.scalars(select(Region.code if kind == "regions" else School.code)))
    found.new = sum(1 for row in accepted if row["code"] not in existing)
    found.changed = len(accepted) - found.new
    return found


def _check_regions(sheet: sheets.Sheet, rows: list[dict]) -> list[dict]:
    existing = set(db.session.scalars(select(Region.code)))
    first_seen, refused = {}, set()
    for row in rows:
        if row["code"] in first_seen:
            sheet.refuse(row["record"], "区划代码", f"与第 {first_seen[row['code']]} 行重复")
            refused.add(row["row"])
        else:
            first_seen[row["code"]] = row["row"]
    for row in rows:
        level = region_level(row["code"])
        row["level"] = level.value
        if level is RegionLevel.PROVINCE:
            row["parent_code"] = None
            continue
        parent = row.get("parent_code") or _implied_parent(row["code"], level)
        row["parent_code"] = parent
        if parent not in first_seen and parent not in existing:
            sheet.refuse(row["record"], "上级区划代码", f"上级区划 {parent} 既不在文件中也不在系统中")
            refused.add(row["row"])
        elif not _may_be_parent(region_level(parent), level):
            sheet.refuse(row["record"], "上级区划代码", "上级区划的级别不对（县的上级为市或省，市的上级为省）")
            refused.add(row["row"])
    return [row for row in rows if row["row"] not in refused]


def _may_be_parent(parent: RegionLevel, child: RegionLevel) -> bool:
    return parent is RegionLevel.PROVINCE or (parent is RegionLevel.CITY and child is RegionLevel.COUNTY)


def _implied_parent(code: str, level: RegionLevel) -> str:
    return code[:2] + "0000" if level is RegionLevel.CITY else code[:4] + "00"


def _check_schools(sheet: sheets.Sheet, rows: list[dict]) -> list[dict]:
    regions = {region.code: region for region in db.session.scalars(select(Region))}
    first_seen, accepted = {}, []
    for row in rows:
        if row["code"] in first_seen:
            sheet.refuse(row["record"], "学校标识码", f"与第 {first_seen[row['code']]} 行重复")
            continue
        first_seen[row["code"]] = row["row"]
        region = regions.get(row["region_code"])
        if region is None:
            sheet.refuse(row["record"], "所在区划代码", f"区划代码 {row['region_code']} 不存在，请先导入区划")
            continue
        row["city_code"], row["county_code"] = region_scope_codes(region)
        row["ownership"] = Ownership.by_label()[row["ownership"]].value if row["ownership"] else Ownership.PUBLIC.value
        accepted.append(row)
    return accepted


def apply(actor: Actor, kind: str, source, filename: str) -> Preview:
    """Check the file again (the database may have changed since the preview) and write it in one transaction."""
    found = preview(kind, source, filename)
    if found.errors:
        raise ImportRefused(f"文件中有 {len(found.errors)} 处错误，未导入任何数据。请改正后重新上传。")
    if not found.rows:
        raise ImportRefused("文件中没有可导入的数据行")
    if kind == "regions":
        _upsert(Region, "code", found.rows, ("name", "level", "parent_code"), _regions_in_parent_order)
        action, label = AuditAction.IMPORT_REGIONS, f"{len(found.rows)} 个区划"
    else:
        _upsert(School, "code", found.rows, ("name", "region_code", "city_code", "county_code", "stages", "ownership"))
        action, label = AuditAction.IMPORT_SCHOOLS, f"{len(found.rows)} 所学校"
    record(actor, action, Target(kind, None, label), f"文件 {filename}：新增 {found.new}，更新 {found.changed}")
    return found


def _regions_in_parent_order(rows: list[dict]) -> list[dict]:
    # Parents before children, so the self-referencing foreign key holds at every insert.
    order = {RegionLevel.PROVINCE.value: 0, RegionLevel.CITY.value: 1, RegionLevel.COUNTY.value: 2}
    return sorted(rows, key=lambda row: order[row["level"]])


def _upsert(model, key: str, rows: list[dict], columns: tuple[str, ...], order=lambda rows: rows) -> None:
    """Insert new rows and update existing ones, each as one executemany statement."""
    existing = set(db.session.scalars(select(getattr(model, key))))
    records = [{key: row[key], **{column: row[column] for column in columns}} for row in order(rows)]
    new = [item for item in records if item[key] not in existing]
    old = [{"match_" + key: item[key], **{column: item[column] for column in columns}} for item in records
           if item[key] in existing]
    if new:
        db.session.execute(insert(model), new)
    if old:
        statement = (
            update(model.__table__)
            .where(model.__table__.c[key] == bindparam("match_" + key))
            .values({column: bindparam(column) for column in columns})
        )
        db.session.execute(statement, old)

TEMPLATE_EXAMPLES = {
    "regions": ["320102", "玄武区", "320100"],
    "schools": ["3132000001", "南京市玄武区示例小学", "320102", "小学", "公办"],
}
