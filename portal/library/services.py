"""The base library as it is read: the province's overview, batch history, search, one ID number revealed;
and when the library last changed, which tells the province whether schools need matching again."""
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import Select, and_, case, delete, distinct, func, literal, select
from sqlalchemy.exc import IntegrityError

from portal import idcard
from portal.audit.services import Actor, Target
from portal.audit.services import record as audit_record
from portal.audit.services import reveal as reveal_number
from portal.bulk import count_where
from portal.errors import NotFound
from portal.extensions import db
from portal.library.access import batch_condition
from portal.library.columns import HARDSHIP_TYPES
from portal.library.models import BatchStatus, LibraryBatch, LibraryFigures, LibraryRecord
from portal.org.models import Region
from portal.places import place_name
from portal.protect import protector
from portal.vocab import AuditAction, Category

SCHOOL_AGE = (3, 22)  # years old, inclusive: from preschool to a first degree


def last_library_change() -> datetime | None:
    """When a base-library batch was last confirmed (every confirmation changes what matching finds)."""
    return db.session.scalar(select(func.max(LibraryBatch.confirmed_at)))


def library_changed_since(moment: datetime | None) -> bool:
    """True when a batch was confirmed after `moment` (or ever, when there was no moment)."""
    changed = last_library_change()
    return changed is not None and (moment is None or changed > moment)


def current_batches() -> Select:
    return select(LibraryBatch.id).where(LibraryBatch.status == BatchStatus.CURRENT)


def batch_history(user, category: str | None = None) -> Select:
    """The batches an account may see, newest first (pending ones of others are not history yet)."""
    query = select(LibraryBatch).where(batch_condition(user)).order_by(LibraryBatch.id.desc())
    if category:
        query = query.where(LibraryBatch.category == category)
    return query


# ---------------------------------------------------------------- overview


@dataclass
class CategoryRow:
    category: Category
    records: int = 0
    school_age: int = 0
    source: str = ""
    batch_id: int | None = None
    confirmed_at: datetime | None = None
    uploaded_by: str = ""


@dataclass
class AreaRow:
    code: str
    name: str
    persons: int = 0
    school_age: int = 0
    counties: list["AreaRow"] = field(default_factory=list)


@dataclass
class Overview:
    categories: list[CategoryRow]
    persons: int
    school_age: int
    cities: list[AreaRow]
    elsewhere: AreaRow  # hukou (or, without one, the ID's prefix) outside the province
    last_change: datetime | None
    computed_for: date
    out_of_province_types: list[tuple[Category, int]] = field(default_factory=list)  # 外省下发 people per type


def school_age_bounds(today: date) -> tuple[int, int]:
    """(earliest, latest) birth year of someone who turns 3 to 22 this year, both inclusive. By year because the
    birth year is all of the date kept in clear (portal.idcard); it is also how schools count a cohort."""
    youngest, oldest = SCHOOL_AGE
    return today.year - oldest, today.year - youngest


def overview(today: date | None = None) -> Overview:
    """Counts over the current batches. Worked out once per library change and day (it reads every record) and
    kept in the database (LibraryFigures), which every web process reads."""
    today = today or date.today()
    # What identifies the library's state: batches only ever change by confirmation (or a demo seed).
    state = tuple(db.session.execute(
        select(func.max(LibraryBatch.id), func.sum(LibraryBatch.records), func.max(LibraryBatch.confirmed_at))
        .where(LibraryBatch.status == BatchStatus.CURRENT)).one())
    province = current_app.config["PROVINCE_CODE"]
    key = "|".join(map(str, (*state, today.isoformat(), province)))
    kept = db.session.get(LibraryFigures, key)
    if kept is not None:
        return _overview_from_json(kept.figures)
    found = _compute_overview(today, last_library_change(), province)
    db.session.execute(delete(LibraryFigures).where(LibraryFigures.state != key))  # older states
    db.session.add(LibraryFigures(state=key, figures=json.dumps(asdict(found), default=_json_value,
                                                                ensure_ascii=False), computed_at=datetime.now()))
    try:
        db.session.commit()
    except IntegrityError:  # another process stored the same figures a moment ago
        db.session.rollback()
    return found


def _json_value(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value))


def _overview_from_json(text: str) -> Overview:
    data = json.loads(text)

    def area(row: dict) -> AreaRow:
        return AreaRow(row["code"], row["name"], row["persons"], row["school_age"], [area(c) for c in row["counties"]])

    def moment(value):
        return datetime.fromisoformat(value) if value else None

    categories = [CategoryRow(Category(row["category"]), row["records"], row["school_age"], row["source"],
                              row["batch_id"], moment(row["confirmed_at"]), row["uploaded_by"])
                  for row in data["categories"]]
    return Overview(categories, data["persons"], data["school_age"], [area(row) for row in data["cities"]],
                    area(data["elsewhere"]), moment(data["last_change"]), date.fromisoformat(data["computed_for"]),
                    [(Category(code), count) for code, count in data["out_of_province_types"]])


def _compute_overview(today: date, last_change: datetime | None, province: str) -> Overview:
    earliest, latest = school_age_bounds(today)
    record = LibraryRecord
    young = and_(record.birth_year >= earliest, record.birth_year <= latest)
    live = record.batch_id.in_(current_batches())
    by_category = {code: (count, school_age) for code, count, school_age in db.session.execute(
        select(record.category, func.count(), count_where(young)).where(live)
        .group_by(record.category))}
    batches = {batch.category: batch for batch in db.session.scalars(
        select(LibraryBatch).where(LibraryBatch.status == BatchStatus.CURRENT))}
    categories = []
    for category in Category:
        row = CategoryRow(category, *[int(value or 0) for value in by_category.get(category.value, (0, 0))])
        if (batch := batches.get(category.value)) is not None:
            row.source, row.batch_id = batch.source_label, batch.id
            row.confirmed_at, row.uploaded_by = batch.confirmed_at, batch.uploaded_by_name
        categories.append(row)
    persons, school_age = db.session.execute(
        select(func.count(distinct(record.id_hash)), func.count(distinct(case((young, record.id_hash)))))
        .where(live)).one()
    area = func.coalesce(record.hukou_code, record.region_prefix)
    areas = db.session.execute(
        select(area, func.count(distinct(record.id_hash)), func.count(distinct(case((young, record.id_hash)))))
        .where(live).group_by(area)).all()
    cities, elsewhere = _areas(areas, province)
    return Overview(categories, int(persons), int(school_age or 0), cities, elsewhere, last_change, today,
                    _out_of_province_types(batches.get(Category.OUT_OF_PROVINCE.value)))


def _out_of_province_types(batch: LibraryBatch | None) -> list[tuple[Category, int]]:
    """How many of the current 外省下发 people hold each of the five types (one person may hold several)."""
    if batch is None:
        return []
    listed = literal(",") + LibraryRecord.hardship_types + literal(",")
    counts = db.session.execute(select(*(
        count_where(listed.contains(f",{category.value},"))
        for category in HARDSHIP_TYPES)).where(LibraryRecord.batch_id == batch.id)).one()
    return [(category, int(count)) for category, count in zip(HARDSHIP_TYPES, counts) if count]


def _areas(rows, province: str) -> tuple[list[AreaRow], AreaRow]:
    names = dict(db.session.execute(select(Region.code, Region.name)).all())
    cities: dict[str, AreaRow] = {}
    counties: dict[str, AreaRow] = {}
    elsewhere = AreaRow("", "外省")
    for code, persons, school_age in rows:
        if not code.startswith(province):
            elsewhere.persons += persons
            elsewhere.school_age += school_age
            continue
        city_code = code[:4] + "00"
        city = cities.get(city_code) or cities.setdefault(city_code, AreaRow(city_code, _name(names, city_code)))
        city.persons += persons
        city.school_age += school_age
        county = counties.get(code)
        if county is None:
            county = counties[code] = AreaRow(code, _name(names, code) if code != city_code else "市本级（未细分到县）")
            city.counties.append(county)
        county.persons += persons
        county.school_age += school_age
    for city in cities.values():
        city.counties.sort(key=lambda row: row.code)
    return sorted(cities.values(), key=lambda row: row.code), elsewhere


def _name(names: dict[str, str], code: str) -> str:
    """Today's name from the registry; a code abolished since keeps its last national name, marked."""
    if code in names:
        return names[code]
    full, enclosing = place_name(code), place_name(code[:4] + "00" if code[4:] != "00" else code[:2] + "0000")
    short = full[len(enclosing):] if full.startswith(enclosing) and full != enclosing else full
    return f"{short}（原区划 {code}）"


# ---------------------------------------------------------------- search and reveal


@dataclass
class SearchResult:
    text: str
    by_id: bool = False
    error: str | None = None
    records: list[LibraryRecord] = field(default_factory=list)
    total: int = 0
    number: str | None = None  # the ID number sought, once valid (never shown back unmasked beyond the form)

    @property
    def searched(self) -> bool:
        return bool(self.text)


SEARCH_LIMIT = 200


def search(actor: Actor, text: str) -> SearchResult:
    """Current records by exact ID number (looked up by its digest) or by exact name. Every search is recorded
    in the audit log: who looked for whom (an ID number masked), and how many records were found (the caller
    commits)."""
    text = (text or "").strip()
    found = SearchResult(text)
    if not text:
        return found
    _look_up(found, text)
    if found.by_id:
        sought = idcard.mask(found.number) if found.number else "（号码无效）"
        detail = f"按身份证件号 {sought} 查询"
    else:
        detail = f"按姓名“{text[:50]}”查询"
    audit_record(actor, AuditAction.SEARCH_LIBRARY, Target("library_search", None, "基础信息库查询"),
                 f"{detail}，找到 {found.total} 条记录")
    return found


def _look_up(found: SearchResult, text: str) -> None:
    query = select(LibraryRecord).where(LibraryRecord.batch_id.in_(current_batches()))
    if _looks_like_id(text):
        found.by_id = True
        try:
            number = found.number = idcard.validate(text)
        except idcard.IdNumberError as refusal:
            found.error = str(refusal)
            return
        query = query.where(LibraryRecord.id_hash == protector().digest(number))
    else:
        query = query.where(LibraryRecord.name == text)
    # A name is looked up without an index (each index costs every row of an import), so one pass is what it
    # costs: the count is asked for only when there are more matches than are shown.
    records = list(db.session.scalars(
        query.order_by(LibraryRecord.id_hash, LibraryRecord.category).limit(SEARCH_LIMIT + 1)))
    found.records = records[:SEARCH_LIMIT]
    found.total = (len(records) if len(records) <= SEARCH_LIMIT
                   else db.session.scalar(select(func.count()).select_from(query.subquery())))


def _looks_like_id(text: str) -> bool:
    squeezed = "".join(text.split())
    return len(squeezed) >= 15 and sum(ch.isdigit() for ch in squeezed) >= 14


def reveal(actor: Actor, record_id: int, reason: str | None) -> tuple[LibraryRecord, str]:
    """The full ID number of one record, written to the audit log with its reason before it is shown
    (RevealRefused without a reason)."""
    found = db.session.get(LibraryRecord, record_id)
    if found is None:
        raise NotFound()
    return found, reveal_number(actor, found.id_cipher, Target("library_record", str(found.id),
                                                                f"{found.name} {found.id_masked}"),
                                f"基础信息库（{Category.label_of(found.category)}）", reason=reason)
