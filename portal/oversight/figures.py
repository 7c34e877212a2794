"""The oversight figures: a term's SchoolProgress rows joined to their schools and rolled up in SQL (one grouped
query per level), never counted from students. What depends on today — which due date applies and whether it
has passed — is worked out from the deadline calendar as the rows are read, never stored."""
from datetime import date

from sqlalchemy import Date, Select, String, and_, case, func, literal, select, true

from portal.deadlines import services as deadlines
from portal.deadlines import periods
from portal.extensions import db
from portal.org.models import Region, School
from portal.oversight.options import SchoolFlag
from portal.progress.models import SchoolProgress
from portal.progress.services import CATEGORY_FIGURES
from portal.reasons.figures import NO_DATE, month_in_progress
from portal.review.services import DONE
from portal.scope import Scope
from portal.terms import Term, parse_period
from portal.vocab import RegionLevel, SubmissionKind, SubmissionStatus

SUMMED = ("students", "hardship", *CATEGORY_FIGURES, "verified", "graded", "funded", "unfunded_with_reason",
          "unfunded_without_reason", "manual_pending", "duplicates", "notified")
# what a grouped row holds: schools, uploaded, the sums, status_<status> and schools_<flag> counts of schools
FIGURES = ("schools", "uploaded", *SUMMED, *(f"status_{status.value}" for status in SubmissionStatus),
           *(f"schools_{flag.value}" for flag in SchoolFlag))


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def under(region: Region):
    """A WHERE clause on School: the schools anywhere below the region (or hanging on it)."""
    if region.level == RegionLevel.CITY.value:
        return School.city_code == region.code
    if region.level == RegionLevel.COUNTY.value:
        return School.county_code == region.code
    return true()


class TermReading:
    """The active schools in a scope with their progress rows for a term (a school no write has touched yet has
    no row and counts as nothing done). A 空壳 school drops out of every figure."""

    def __init__(self, scope: Scope, term: Term, today: date | None = None):
        self.scope, self.term = scope, term
        self.today = today or deadlines.today()
        monthly = School.stages == periods.VOCATIONAL
        untouched = case((monthly, literal(month_in_progress(term, self.today).code, String)),
                         else_=literal(term.code, String))
        self.period = func.coalesce(SchoolProgress.reasons_period, untouched)
        self.status = func.coalesce(SchoolProgress.reasons_status, literal(SubmissionStatus.NOT_STARTED.value, String))
        self.due = self._due_dates()
        self.overdue = and_(self.due.is_not(None), self.due < self.today, self.status.not_in(DONE))

    def select(self, *columns) -> Select:
        joined = and_(SchoolProgress.school_id == School.id, SchoolProgress.term == self.term.code)
        return (select(*columns).select_from(School).outerjoin(SchoolProgress, joined)
                .where(self.scope.school_condition(), School.active.is_(True)))

    def _due_dates(self):
        """The 未资助情况上报 due date as a CASE over the few (stage set, period) pairs of the scope's schools,
        read from the calendar now: the province may have moved a date since any row was written."""
        pairs = db.session.execute(self.select(School.stages, self.period).distinct()).all()
        whens = []
        for stages, period_code in pairs:
            due = periods.due_for(stages, SubmissionKind.REASONS, parse_period(period_code))
            if due is not None:
                whens.append((and_(School.stages == stages, self.period == period_code), literal(due, Date)))
        return case(*whens, else_=NO_DATE) if whens else NO_DATE

    def flag(self, flag: SchoolFlag):
        """A WHERE clause on the joined rows: the schools the flag names."""
        return {
            SchoolFlag.NOT_UPLOADED: SchoolProgress.uploaded_at.is_(None),
            SchoolFlag.UPLOADED: SchoolProgress.uploaded_at.is_not(None),
            SchoolFlag.NOT_SUBMITTED: self.status.not_in(DONE),
            SchoolFlag.RETURNED: self.status == SubmissionStatus.RETURNED.value,
            SchoolFlag.OVERDUE: self.overdue,
            SchoolFlag.UNAIDED: SchoolProgress.unfunded_without_reason > 0,
            SchoolFlag.MANUAL_PENDING: SchoolProgress.manual_pending > 0,
            SchoolFlag.DUPLICATES: SchoolProgress.duplicates > 0,
        }[flag]

    def figure_columns(self) -> list:
        columns = [func.count(School.id).label("schools"), func.count(SchoolProgress.uploaded_at).label("uploaded")]
        columns += [func.coalesce(func.sum(getattr(SchoolProgress, name)), 0).label(name) for name in SUMMED]
        columns += [_count(self.status == status.value).label(f"status_{status.value}") for status in SubmissionStatus]
        columns += [_count(self.flag(flag)).label(f"schools_{flag.value}") for flag in SchoolFlag]
        return columns

    def rollup(self, region: Region) -> list[dict]:
        """One grouped query: a row per child region of `region` holding the schools below it, and a row per
        school hanging on `region` itself (for a county: every school). Each row has region_code or school_id."""
        child = {RegionLevel.PROVINCE.value: School.city_code, RegionLevel.CITY.value: School.county_code}.get(region.level)
        if child is None:
            keys = [School.id]
            labelled = [literal(None, String).label("region_code"), School.id.label("school_id")]
        else:
            direct = case((child.is_(None), School.id))
            keys = [child, direct]
            labelled = [child.label("region_code"), direct.label("school_id")]
        query = self.select(*labelled, *self.figure_columns()).where(under(region)).group_by(*keys)
        return [_plain(row) for row in db.session.execute(query).mappings()]

    def school_figures(self, school: School) -> dict:
        query = self.select(*self.figure_columns()).where(School.id == school.id)
        return _plain(db.session.execute(query).mappings().one())

    def school_list(self, conditions: list) -> Select:
        """Schools with their figures (one row each, not grouped), for a paginated list or its export."""
        return (self.select(School.id, School.code, School.name, Region.name.label("region_name"),
                            SchoolProgress.uploaded_at, SchoolProgress.students, SchoolProgress.hardship,
                            SchoolProgress.funded, SchoolProgress.unfunded_without_reason,
                            SchoolProgress.manual_pending, SchoolProgress.duplicates, SchoolProgress.notified,
                            self.status.label("status"),
                            self.period.label("period"), self.due.label("due"), self.overdue.label("overdue"))
                .join(Region, Region.code == School.region_code).where(*conditions))


def _plain(row) -> dict:
    """Sums come back as Decimal on PostgreSQL: figures are counts."""
    return {key: int(value) if key in FIGURES else value for key, value in row.items()}
