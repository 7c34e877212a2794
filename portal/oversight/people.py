"""The lists of people behind oversight (名单查询) for a region in scope: base-library people by 户籍地 (本地户籍外地就读,
疑似失学辍学) and library students of the region's schools by what is wrong (外省户籍、学籍重复、应助未助 …). Each list is
one set-based query, read a page at a time or whole into an audited xlsx. ID numbers show only the region prefix
and the birth year (DESIGN §7: hundreds of thousands of candidates remain)."""
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, String, and_, case, exists, false, func, literal, or_, select

from portal import idcard
from portal.audit.services import Actor, Target, record
from portal.deadlines import periods
from portal.enrolment.models import HardshipStudent
from portal.exports import batches, row_count
from portal.extensions import db
from portal.funding.status import funded_in, library_condition, monthly_student
from portal.library.models import LibraryRecord
from portal.library.services import current_batches
from portal.org.models import Region, School
from portal.oversight.figures import under
from portal.oversight.options import PersonList
from portal.paging import Page
from portal.places import place_name
from portal.reasons.figures import reportable
from portal.reasons.models import UnfundedReason
from portal.scope import Scope
from portal.sheet_writer import write_xlsx
from portal.terms import Term, term_period
from portal.vocab import AuditAction, Category, Gender, RegionLevel, ReviewStatus, Stage

PER_PAGE = 50
EXPORT_LIMIT = 50_000
COMPULSORY_AGES = (6, 15)  # 控辍保学: 义务教育 from 6 to 15
SCHOOL_AGES = (3, 22)  # from preschool to a first degree, as the base library's overview counts them


# -- the two conditions on what stays in clear: the 户籍地 region and the birth year ------------------------------
# Each is one small function, so that what the lists read of the clear columns is decided here alone.
def hukou_of(model) -> ColumnElement:
    """户籍地: as the file gave it, else where the ID number was first issued (the library's and matching's rule).
    library_record has an index on exactly this expression (ix_library_record_hukou)."""
    return func.coalesce(model.hukou_code, model.region_prefix)


def hukou_in(region: Region, hukou: ColumnElement) -> ColumnElement[bool]:
    """The 户籍地 lies in the region: the county's code, or a code range on the city's or province's prefix
    (a range, not LIKE, so the index serves it whatever the collation)."""
    if region.level == RegionLevel.COUNTY.value:
        return hukou == region.code
    prefix = region.code[:4] if region.level == RegionLevel.CITY.value else region.code[:2]
    following = str(int(prefix) + 1).zfill(len(prefix))
    return and_(hukou >= prefix, hukou < following)


def school_year(term: Term) -> int:
    """The year whose 1 September starts the term's school year (2026秋 and 2027春 are both 2026)."""
    return term.year if term.season == "autumn" else term.year - 1


def aged_clause(model, term: Term, ages: tuple[int, int]) -> ColumnElement[bool]:
    """People aged `ages` (inclusive) on 1 September of the term's school year Y, by birth year only: born in
    Y − oldest … Y − youngest, the cohorts who turn youngest … oldest during Y. Against the exact dates this
    takes in the children born 2 Sep–31 Dec of Y − 6 (5 on 1 September, a year early) and leaves out those born
    2 Sep–31 Dec of Y − 16 (just 15, most in their last compulsory year): one school cohort is close to one
    birth year, and the birth year is all the privacy rule leaves in clear (DESIGN §7)."""
    youngest, oldest = ages
    year = school_year(term)
    return model.birth_year.between(year - oldest, year - youngest)


def compulsory_age_clause(model, term: Term) -> ColumnElement[bool]:
    return aged_clause(model, term, COMPULSORY_AGES)


# -- filters ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeopleFilter:
    kind: PersonList
    region: Region
    category: Category | None = None
    search: str = ""

    @classmethod
    def from_args(cls, scope: Scope, args) -> "PeopleFilter":
        """The query arguments; a region outside the scope is a 404 (Scope.region), unknown values are ignored."""
        region = scope.region(args.get("region") or scope.root_code)
        kind = args.get("list", "")
        category = args.get("category", "")
        return cls(PersonList(kind) if kind in PersonList._value2member_map_ else PersonList.DROPOUT, region,
                   Category(category) if category in Category._value2member_map_ else None,
                   args.get("q", "").strip()[:32])

    def args(self, **changes) -> dict:
        values = {"list": self.kind.value, "region": self.region.code,
                  "category": self.category.value if self.category else "", "q": self.search, **changes}
        return {key: value for key, value in values.items() if value}

    @property
    def of_library(self) -> bool:
        """The list holds base-library people (not students of a school): 疑似失学, and 本地户籍外地就读 for the
        whole province, whose 'elsewhere' is another province or no school."""
        return self.kind is PersonList.DROPOUT or (self.kind is PersonList.LOCAL_ELSEWHERE
                                                    and self.region.level == RegionLevel.PROVINCE.value)

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[(self.kind, self.of_library)]


_DESCRIPTIONS = {
    (PersonList.LOCAL_ELSEWHERE, False): "基础信息库中户籍地在本区划、本学期在本区划以外学校就读的特殊困难学生。",
    (PersonList.LOCAL_ELSEWHERE, True): "基础信息库中户籍地在本省、学龄（3–22 岁）、本学期未在本省任何学校学籍中比对到的人员"
                                        "（在外省就读或未入学）。",
    (PersonList.OTHER_PROVINCE, False): "本区划学校的特殊困难学生中户籍地在外省的学生。",
    (PersonList.DROPOUT, True): "基础信息库中户籍地在本区划、义务教育年龄（当学年 9 月 1 日 6–15 周岁，按出生年份计）、"
                                "本学期未在本省任何学校学籍中比对到的人员，请核实是否失学辍学。",
    (PersonList.DUPLICATE, False): "本区划学校的特殊困难学生中，同一证件号同时在其他学校学籍中的学生。",
    (PersonList.UNAIDED, False): "本区划学校本期未资助且未填写未资助原因的特殊困难学生。",
    (PersonList.UNGRADED, False): "本区划学校在校（或未核实）但未认定困难等级的特殊困难学生。",
    (PersonList.NAME_MISMATCH, False): "本区划学校学籍姓名与基础信息库姓名不一致的特殊困难学生。",
}


@dataclass
class Listed:
    """One line of a list, whichever kind: a library person (no school) or a library student."""

    name: str
    id_text: str
    gender: str
    birth_year: int | None
    hukou: str
    categories: str
    school: str = ""
    region: str = ""
    stage: str = ""
    class_name: str = ""
    note: str = ""


# -- the queries --------------------------------------------------------------------------------------------------
def in_some_library(term: Term) -> ColumnElement[bool]:
    """EXISTS a library student row of the term for the library record's person, at any school of the province:
    matching found them in that school's enrolment (or the school added them by hand and was not turned down).
    Served by ix_hardship_student_hash_term."""
    student = HardshipStudent
    return exists().where(student.id_hash == LibraryRecord.id_hash, student.term == term.code,
                          student.active.is_(True),
                          or_(student.review_status.is_(None), student.review_status != ReviewStatus.REJECTED.value))


def library_people(term: Term, filters: PeopleFilter) -> Select:
    """One row per person (a person may hold several categories: several records): the library people of the
    list, ordered by 户籍地 and name."""
    record = LibraryRecord
    hukou = hukou_of(record)
    ages = COMPULSORY_AGES if filters.kind is PersonList.DROPOUT else SCHOOL_AGES
    conditions = [record.batch_id.in_(current_batches()), hukou_in(filters.region, hukou),
                  aged_clause(record, term, ages), ~in_some_library(term)]
    if filters.category:
        conditions.append(record.category == filters.category.value)
    if filters.search:
        conditions.append(record.name.contains(filters.search, autoescape=True))
    return (select(record.id_hash, func.min(record.name).label("name"), func.min(hukou).label("hukou"),
                   func.min(record.region_prefix).label("region_prefix"), func.min(record.gender).label("gender"),
                   func.min(record.birth_year).label("birth_year"))
            .where(*conditions).group_by(record.id_hash)
            .order_by(func.min(hukou), func.min(record.name), record.id_hash))


def unaided_condition(term: Term) -> ColumnElement[bool]:
    """应助未助 for one student, as portal.reasons.figures counts it per school: a counted student the period
    reports (中职 schools: the month being reported), unfunded in it, needing a reason and having none."""
    monthly = School.stages == periods.VOCATIONAL
    month = periods.reporting_month(term)
    period_code = case((monthly, literal(month.code, String)), else_=literal(term.code, String))
    student = HardshipStudent
    reason = exists().where(UnfundedReason.student_id == student.id, UnfundedReason.period == period_code)
    return and_(library_condition(term_period(term)), reportable(), ~funded_in(student.school_id, term.code, period_code),
                or_(and_(monthly, monthly_student()), and_(~monthly, ~monthly_student())), ~reason)


def outside(region: Region) -> ColumnElement[bool]:
    """A WHERE clause on School: the schools not under the region, those hanging on the province or a city
    (no county or city code) included."""
    if region.level == RegionLevel.CITY.value:
        return or_(School.city_code.is_(None), School.city_code != region.code)
    if region.level == RegionLevel.COUNTY.value:
        return or_(School.county_code.is_(None), School.county_code != region.code)
    return false()


def library_students(scope: Scope, term: Term, filters: PeopleFilter) -> Select:
    """The library students of the list with their school, ordered by region, school and class."""
    student = HardshipStudent
    if filters.kind is PersonList.LOCAL_ELSEWHERE:
        # The county's (city's) own people at schools outside it: rows scoped by 户籍地 in the user's region,
        # the schools being other counties' (their names are what the list is for).
        where = [student.counted(), hukou_in(filters.region, hukou_of(student)), outside(filters.region)]
    else:
        where = [scope.school_condition(), under(filters.region), {
            PersonList.OTHER_PROVINCE: and_(student.counted(), student.out_of_province.is_(True)),
            PersonList.DUPLICATE: and_(student.counted(), student.duplicate.is_(True)),
            PersonList.UNAIDED: unaided_condition(term),
            PersonList.UNGRADED: student.lacks_hardship_level(),
            PersonList.NAME_MISMATCH: and_(student.counted(), student.name_mismatch.is_(True)),
        }[filters.kind]]
    if filters.category:
        where.append(("," + student.categories + ",").contains(f",{filters.category.value},"))
    if filters.search:
        where.append(or_(student.name.contains(filters.search, autoescape=True), student.student_no == filters.search))
    return (select(student.id, student.name, student.region_prefix, student.gender, student.birth_year,
                   hukou_of(student).label("hukou"), student.categories, student.stage, student.grade,
                   student.class_name, student.library_name, School.name.label("school_name"),
                   Region.name.label("region_name"))
            .join(School, School.id == student.school_id).join(Region, Region.code == School.region_code)
            .where(student.term == term.code, School.active.is_(True), *where)
            .order_by(School.region_code, School.code, student.class_name, student.name, student.id))


def people_query(scope: Scope, term: Term, filters: PeopleFilter) -> Select:
    return library_people(term, filters) if filters.of_library else library_students(scope, term, filters)


def _listed(rows, filters: PeopleFilter) -> list[Listed]:
    """Rows of either query as lines; a library page's categories come from one more query over its persons."""
    rows = list(rows)
    if filters.of_library:
        categories: dict[bytes, list[str]] = {}
        hashes = [row.id_hash for row in rows]
        for start in range(0, len(hashes), 500):
            for id_hash, category in db.session.execute(
                    select(LibraryRecord.id_hash, LibraryRecord.category).distinct()
                    .where(LibraryRecord.id_hash.in_(hashes[start:start + 500]),
                           LibraryRecord.batch_id.in_(current_batches()))):
                categories.setdefault(id_hash, []).append(category)
        order = list(Category)
        return [Listed(row.name, idcard.listed(row.region_prefix, row.birth_year), Gender.label_of(row.gender),
                       row.birth_year, place_name(row.hukou),
                       "、".join(code.label for code in order if code.value in categories.get(row.id_hash, [])))
                for row in rows]
    return [Listed(row.name, idcard.listed(row.region_prefix, row.birth_year), Gender.label_of(row.gender),
                   row.birth_year, place_name(row.hukou),
                   "、".join(Category.label_of(code) for code in row.categories.split(",") if code),
                   row.school_name, row.region_name, _stage_text(row.stage, row.grade),
                   row.class_name or "", _note(row, filters)) for row in rows]


def _stage_text(stage: str | None, grade: str | None) -> str:
    """学段 and 年级 as one cell, without saying the stage twice (中职三年级)."""
    label = Stage.label_of(stage)
    if grade and (not label or grade.startswith(label)):
        return grade
    return " ".join(part for part in (label, grade or "") if part)


def _note(row, filters: PeopleFilter) -> str:
    if filters.kind is PersonList.NAME_MISMATCH and row.library_name:
        return f"基础信息库姓名：{row.library_name}"
    return ""


def people_page(scope: Scope, term: Term, filters: PeopleFilter, page: int) -> Page:
    query = people_query(scope, term, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return Page(_listed(rows, filters), page, PER_PAGE, total)


def headers(filters: PeopleFilter) -> list[str]:
    common = ["姓名", "身份证件号（脱敏）", "性别", "出生年份", "户籍地", "困难类别"]
    if filters.of_library:
        return common
    return [*common, "学校", "学校所在区划", "学段年级", "班级", "备注"]


def people_count(scope: Scope, term: Term, filters: PeopleFilter) -> int:
    """The lines the export would hold (up to EXPORT_LIMIT): above exports.IN_REQUEST_ROWS it is a job."""
    return row_count(people_query(scope, term, filters), EXPORT_LIMIT)


def people_xlsx(actor: Actor, scope: Scope, term: Term, filters: PeopleFilter, progress=None) -> bytes:
    """The whole list (up to EXPORT_LIMIT lines) as the page shows it, read a batch at a time; the export goes into
    the audit log (the caller commits). progress(done) is told after each batch."""
    width = len(headers(filters))
    listed = batches(people_query(scope, term, filters).limit(EXPORT_LIMIT), progress)

    def lines():
        for rows in listed:
            for item in _listed(rows, filters):
                yield [item.name, item.id_text, item.gender, item.birth_year, item.hukou, item.categories, item.school,
                       item.region, item.stage, item.class_name, item.note][:width]

    content = write_xlsx(headers(filters), lines(), sheet_title=f"{term.label}{filters.kind.label}")
    record(actor, AuditAction.EXPORT, Target.of_region(filters.region),
           f"{term.label}{filters.kind.label}名单：{filters.region.name}，{listed.done} 人")
    return content


def export_name(term: Term, filters: PeopleFilter) -> str:
    return f"{filters.region.name}{term.label}{filters.kind.label}名单.xlsx"
