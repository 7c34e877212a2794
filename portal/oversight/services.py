"""The drill-down province → city → county → school: one table per level whose rows are the level's child
regions and the schools hanging on it directly; sorting, the breadcrumb within the user's scope, the xlsx, and
the to-do counts of a tier's home. Figures come from oversight.figures (SchoolProgress rolled up in SQL; a home's
to-do counts summed from TodoSummary)."""
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.audit.services import Actor, Target, record
from portal.extensions import db
from portal.org.models import Region, School
from portal.org.services import breadcrumb
from portal.oversight.figures import FIGURES, TODO_FIGURES, TermReading
from portal.oversight.options import COLUMNS, RATES
from portal.scope import Scope
from portal.sheet_writer import write_xlsx
from portal.vocab import AuditAction, RegionLevel

SORT_KEYS = {"name", *(column.key for column in COLUMNS)}


def percent(rate: float | None) -> str:
    """A rate as statistics print it (85.3%); a dash when there was nothing to divide. The pages' |percent filter
    and the text of a 通报 alike."""
    return "—" if rate is None else f"{rate:.1%}"


@dataclass
class Row:
    """One line of a drill-down table: a child region (opens its own table), a school (opens its page), or
    the level's total."""

    name: str
    code: str
    figures: dict = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    region: Region | None = None
    school_id: int | None = None

    def __getitem__(self, key: str):
        """A figure or a rate by its column key, for templates, sorting and the xlsx alike."""
        if key in RATES:
            part, whole = RATES[key]
            return self.figures[part] / self.figures[whole] if self.figures[whole] else None
        return self.figures[key]

    def add(self, figures: dict) -> None:
        for key in self.figures:
            self.figures[key] += figures[key]


@dataclass
class Level:
    """A drill-down table: the level's total, its child regions and the schools hanging on it directly."""

    total: Row
    regions: list[Row]
    schools: list[Row]

    @property
    def rows(self) -> list[Row]:
        return [*self.regions, *self.schools]

    def sorted(self, key: str, descending: bool) -> "Level":
        """The same table, regions and schools each ordered by a column (sort_rows)."""
        return Level(self.total, sort_rows(self.regions, key, descending), sort_rows(self.schools, key, descending))


def level(reading: TermReading, region: Region, columns: list | None = None) -> Level:
    """The table of a region in scope. Child regions with no active school still get a (zero) row. `columns`
    (labelled aggregates over the joined School and SchoolProgress) replace the drill-down's own figures."""
    figures = reading.rollup(region, columns)
    keys = FIGURES if columns is None else tuple(column.key for column in columns)
    children = db.session.scalars(reading.scope.regions().where(Region.parent_code == region.code)
                                  .order_by(Region.code)).all()
    by_region = {row["region_code"]: row for row in figures if row["school_id"] is None}
    regions = []
    for child in children:
        row = Row(child.name, child.code, dict.fromkeys(keys, 0), region=child)
        if child.code in by_region:
            row.add(by_region[child.code])
        regions.append(row)
    by_school = {row["school_id"]: row for row in figures if row["school_id"] is not None}
    schools = [Row(school.name, school.code, school_id=school.id, figures={k: by_school[school.id][k] for k in keys})
               for school in db.session.scalars(select(School).where(School.id.in_(by_school)).order_by(School.code))]
    total = Row(f"{region.name}合计", region.code, dict.fromkeys(keys, 0), region=region)
    for row in figures:
        total.add(row)
    return Level(total, regions, schools)


@dataclass
class Todo:
    """A tier's home: its to-do total, a row per child region and one for the schools hanging on it directly
    (none for a county), and the 空壳 schools of its scope apart."""

    total: Row
    rows: list[Row]
    invalid: int


def todo(reading: TermReading, region: Region) -> Todo:
    """The home's figures, from the term's summary rows (TermReading.todo_rollup): the caller has it built first
    (portal.progress.summary.build_summary) when no write has reached the term yet."""
    found = reading.todo_rollup(region)
    keys = TODO_FIGURES
    total = Row(f"{region.name}合计", region.code, dict.fromkeys(keys, 0), region=region)
    by_region = {}
    for row in found:
        total.add(row)
        by_region[row["region_code"]] = row
    if region.level == RegionLevel.COUNTY.value:
        return Todo(total, [], sum(row["invalid"] for row in found))
    rows = []
    for child in db.session.scalars(reading.scope.regions().where(Region.parent_code == region.code)
                                    .order_by(Region.code)):
        rows.append(Row(child.name, child.code, dict.fromkeys(keys, 0), region=child))
        if child.code in by_region:
            rows[-1].add(by_region[child.code])
    direct = by_region.get(None)
    if direct and direct["schools"]:
        rows.append(Row("直属学校", region.code, {key: direct[key] for key in keys}, region=region))
    return Todo(total, rows, sum(row["invalid"] for row in found))


def school_level(reading: TermReading, school: School) -> Level:
    row = Row(school.name, school.code, reading.school_figures(school), school_id=school.id)
    return Level(row, [], [row])


def sort_rows(rows: list[Row], key: str, descending: bool) -> list[Row]:
    """Rows ordered by a column (by code when the key is unknown); a rate with nothing to divide goes last."""
    if key not in SORT_KEYS or key == "name":
        return sorted(rows, key=lambda row: row.code, reverse=descending and key == "name")
    known = [row for row in rows if row[key] is not None]
    return sorted(known, key=lambda row: (row[key], row.code), reverse=descending) + [row for row in rows
                                                                                     if row[key] is None]


def trail(scope: Scope, region: Region) -> list[Region]:
    """The breadcrumb down to a region, starting at the top of the user's scope: never a level they may not see."""
    regions = [crumb.region for crumb in breadcrumb(scope, region)]
    codes = [place.code for place in regions]
    return regions[codes.index(scope.root_code):] if scope.root_code in codes else [region]


def direct_schools(table: Level, region: Region) -> Row | None:
    """The schools hanging on the region itself (省属、市属) as one row, for the to-do table of a home."""
    if not table.schools or region.level == RegionLevel.COUNTY.value:
        return None
    row = Row("直属学校", region.code, dict.fromkeys(table.total.figures, 0), region=region)
    for school in table.schools:
        row.add(school.figures)
    return row


# -- xlsx -------------------------------------------------------------------------------------------
def level_xlsx(actor: Actor, reading: TermReading, place: Region | School, table: Level) -> bytes:
    """The table as the page shows it (its order), the total last; the export goes into the audit log (the caller
    commits)."""
    headers = ["名称", "代码", *(column.title for column in COLUMNS)]
    lines = [[row.name, row.code, *(_cell(row, column.key) for column in COLUMNS)]
             for row in [*table.rows, *([table.total] if isinstance(place, Region) else [])]]
    content = write_xlsx(headers, lines, sheet_title=f"{reading.term.label}进度")
    target = Target.of_region(place) if isinstance(place, Region) else Target.of_school(place)
    record(actor, AuditAction.EXPORT, target, f"{reading.term.label}进度总览：{place.name}")
    return content


def _cell(row: Row, key: str):
    value = row[key]
    return round(value * 100, 1) if key in RATES and value is not None else value
