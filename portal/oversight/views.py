"""Routes of oversight: the drill-down table of a region or a school (an htmx request gets the table alone, so
a row opens the level below in place), the school list behind every count, and their xlsx exports."""
from flask import request

from portal import exports
from portal.errors import saving
from portal.extensions import db
from portal.org.models import Region
from portal.oversight import bp, export_jobs, lists, people, services
from portal.oversight.charts import charts as level_charts
from portal.oversight.figures import TermReading
from portal.oversight.options import COLUMN_GROUPS, RATES, PersonList, SchoolFlag
from portal.terms import parse_period, recent_terms
from portal.vocab import Category, SubmissionStatus
from portal.web import UPPER_TIERS, acting, download, page_number, render, roles_required, scope, selected_term


def _sorting() -> tuple[str, bool]:
    """The table's order from the query (?sort=hardship&order=desc): links and the xlsx keep it."""
    key = request.args.get("sort", "name")
    return (key if key in services.SORT_KEYS else "name"), request.args.get("order") == "desc"


def _table_page(reading: TermReading, table: services.Level, trail, school=None, charts=None):
    sort, descending = _sorting()
    return render("oversight/level.html", "oversight/_level.html", term=reading.term, recent_terms=recent_terms(),
                  table=table.sorted(sort, descending), trail=trail, school=school, sort=sort, descending=descending,
                  column_groups=COLUMN_GROUPS, rates=RATES, charts=charts)


@bp.get("/")
@roles_required(*UPPER_TIERS)
def index():
    return region_page(scope().root_code)


@bp.get("/regions/<code>")
@roles_required(*UPPER_TIERS)
def region_page(code: str):
    region = scope().region(code)
    reading = TermReading(scope(), selected_term())
    table = services.level(reading, region)
    return _table_page(reading, table, services.trail(scope(), region),
                       charts=level_charts(table, region, reading.term))


@bp.get("/schools/<int:school_id>")
@roles_required(*UPPER_TIERS)
def school_page(school_id: int):
    school = scope().school(school_id)
    reading = TermReading(scope(), selected_term())
    return _table_page(reading, services.school_level(reading, school), services.trail(scope(), school.region), school)


@bp.get("/regions/<code>/export.xlsx")
@roles_required(*UPPER_TIERS)
def export_region(code: str):
    region = scope().region(code)
    reading = TermReading(scope(), selected_term())
    table = services.level(reading, region).sorted(*_sorting())
    with saving():
        content = services.level_xlsx(acting(), reading, region, table)
    return download(content, f"{region.name}{reading.term.label}进度总览.xlsx")


@bp.get("/schools/<int:school_id>/export.xlsx")
@roles_required(*UPPER_TIERS)
def export_school(school_id: int):
    school = scope().school(school_id)
    reading = TermReading(scope(), selected_term())
    with saving():
        content = services.level_xlsx(acting(), reading, school, services.school_level(reading, school))
    return download(content, f"{school.name}{reading.term.label}进度.xlsx")


@bp.get("/schools")
@roles_required(*UPPER_TIERS)
def school_list():
    filters = lists.ListFilter.from_args(scope(), request.args)
    reading = TermReading(scope(), selected_term())
    return render("oversight/schools.html", "oversight/_schools.html", term=reading.term,
                  recent_terms=recent_terms(), filters=filters, schools=lists.school_page(reading, filters, page_number()),
                  regions=db.session.scalars(scope().regions().order_by(Region.code)).all(), flags=list(SchoolFlag), SubmissionStatus=SubmissionStatus,
                  period_label=lambda code: parse_period(code).label)


@bp.get("/schools/export.xlsx")
@roles_required(*UPPER_TIERS)
def export_school_list():
    """Up to exports.IN_REQUEST_ROWS schools at once; a longer list is written by the worker."""
    filters = lists.ListFilter.from_args(scope(), request.args)
    reading = TermReading(scope(), selected_term())
    return exports.answer(lists.school_count(reading, filters), export_jobs.SCHOOLS,
                          {"term": reading.term.code, "args": filters.args()}, acting(),
                          lambda: lists.school_list_xlsx(acting(), reading, filters),
                          lists.export_name(reading, filters))


@bp.get("/lists")
@roles_required(*UPPER_TIERS)
def people_list():
    """名单查询: one list of people a tab, filtered by region, category and name."""
    filters = people.PeopleFilter.from_args(scope(), request.args)
    term = selected_term()
    return render("oversight/people.html", "oversight/_people.html", term=term, recent_terms=recent_terms(),
                  filters=filters, people=people.people_page(scope(), term, filters, page_number()),
                  headers=people.headers(filters), kinds=list(PersonList), categories=list(Category),
                  regions=db.session.scalars(scope().regions().order_by(Region.code)).all())


@bp.get("/lists/export.xlsx")
@roles_required(*UPPER_TIERS)
def export_people_list():
    """Up to exports.IN_REQUEST_ROWS lines at once; a longer list is written by the worker (its job page offers it)."""
    filters = people.PeopleFilter.from_args(scope(), request.args)
    term = selected_term()
    return exports.answer(people.people_count(scope(), term, filters), export_jobs.PEOPLE,
                          {"term": term.code, "args": filters.args()}, acting(),
                          lambda: people.people_xlsx(acting(), scope(), term, filters),
                          people.export_name(term, filters))


bp.add_app_template_filter(services.percent, "percent")
