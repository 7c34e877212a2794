"""The oversight figures: a term's SchoolProgress rows joined to their schools and rolled up in SQL (one grouped
query per level), never counted from students. What depends on today — which due date applies and whether it
has passed — is worked out from the deadline calendar as the rows are read, never stored."""
from datetime import date
from decimal import Decimal
from functools import cached_property

from sqlalchemy import Date, Select, String, and_, case, false, func, literal, or_, select, true

from sqlalchemy.orm import aliased

from portal.bulk import count_where
from portal.deadlines import services as deadlines
from portal.deadlines import periods
from portal.extensions import db
from portal.org.models import Region, School
from portal.accounts.models import User
from portal.oversight.options import ROLLED_UP_FLAGS, TODO_FLAGS, SchoolFlag
from portal.progress.models import CATEGORY_FIGURES, ReasonsProgress, SchoolProgress, TodoSummary
from portal.review.models import PeriodSubmission
from portal.progress.summary import month_bits
from portal.reasons.figures import NO_DATE
from portal.review.services import DONE
from portal.scope import Scope
from portal.terms import Term, parse_period, periods_of
from portal.vocab import RegionLevel, Role, SubmissionKind, SubmissionStatus

SUMMED = ("students", "hardship", *CATEGORY_FIGURES, "verified", "graded", "funded", "unfunded_with_reason",
          "unfunded_without_reason", "manual_pending", "duplicates", "notified")
STORED = ("students", "hardship", *CATEGORY_FIGURES, "verified", "funded", "manual_pending", "duplicates", "notified")
# what a grouped row holds: schools, uploaded, the sums, status_<status> and schools_<flag> counts of schools
FIGURES = ("schools", "uploaded", *SUMMED, *(f"status_{status.value}" for status in SubmissionStatus),
           *(f"schools_{flag.value}" for flag in ROLLED_UP_FLAGS))


# what todo_rollup() holds
TODO_FIGURES = ("schools", *(f"schools_{flag.value}" for flag in TODO_FLAGS), "unfunded_without_reason", "duplicates")


def under(region: Region):
    """A WHERE clause on School: the schools anywhere below the region (or hanging on it)."""
    return region.holds(School.city_code, School.county_code)


class Everywhere:
    """A scope of every school (the day's snapshot; a test reading a school's figures as the dashboards do)."""

    def school_condition(self):
        return true()


def figures_of(school: School, term: Term, today: date | None = None) -> dict:
    """One school's figures for a term as every dashboard reads them."""
    return TermReading(Everywhere(), term, today).school_figures(school)


class TermReading:
    """The active schools in a scope with their progress rows for a term (a school no write has touched yet has
    no row and counts as nothing done). A 空壳 school drops out of every figure. The period a school is reporting
    (the term, or for a 中职 school the month being reported today) is chosen here, as the rows are read; its
    unfunded figures come from that period's ReasonsProgress row and its status from the PeriodSubmission."""

    def __init__(self, scope: Scope, term: Term, today: date | None = None):
        self.scope, self.term = scope, term
        self.today = today or deadlines.today()
        monthly = School.stages == periods.VOCATIONAL
        month = periods.reporting_month(term, self.today)  # the 中职 month whose unfunded report is being made
        self.period = case((monthly, literal(month.code, String)), else_=literal(term.code, String))
        self.status = func.coalesce(PeriodSubmission.status, literal(SubmissionStatus.NOT_STARTED.value, String))
        self.with_reason = func.coalesce(ReasonsProgress.unfunded_with_reason, 0)
        self.without_reason = func.coalesce(ReasonsProgress.unfunded_without_reason, 0)

    @cached_property
    def due(self):
        """The reporting period's due date of each school (read from the calendar: see _due_dates)."""
        return self._due_dates()

    @cached_property
    def overdue(self):
        return case((School.stages == periods.VOCATIONAL, self._months_overdue()),
                    else_=and_(self.due.is_not(None), self.due < self.today, self.status.not_in(DONE)))

    def select(self, *columns) -> Select:
        joined = and_(SchoolProgress.school_id == School.id, SchoolProgress.term == self.term.code)
        reasons = and_(ReasonsProgress.school_id == School.id, ReasonsProgress.period == self.period)
        submission = and_(PeriodSubmission.school_id == School.id, PeriodSubmission.period == self.period,
                          PeriodSubmission.kind == SubmissionKind.REASONS.value)
        return (select(*columns).select_from(School).outerjoin(SchoolProgress, joined)
                .outerjoin(ReasonsProgress, reasons).outerjoin(PeriodSubmission, submission)
                .where(self.scope.school_condition(), School.active.is_(True)))

    def _months_overdue(self):
        """A 中职 school is overdue while any month of the term whose report fell due before today is neither
        submitted nor approved (the month being reported moves on the day after a due date; a lapsed one stays)."""
        lapsed = self._lapsed_months()
        if not lapsed:
            return false()
        month = aliased(PeriodSubmission)  # the outer query joins the submission of the month being reported
        done = (select(func.count(month.id))
                .where(month.school_id == School.id, month.kind == SubmissionKind.REASONS.value,
                       month.period.in_(lapsed), month.status.in_(DONE))
                .correlate(School).scalar_subquery())
        return done < len(lapsed)

    def _lapsed_months(self) -> list[str]:
        """The 中职 months of the term whose report fell due before today."""
        return [month.code for month in periods_of(self.term, True)
                if (due := periods.due_for(periods.VOCATIONAL, SubmissionKind.REASONS, month)) and due < self.today]

    def _due_dates(self):
        """The 未资助情况上报 due date as a CASE over the few (stage set, period) pairs of the scope's schools,
        read from the calendar now: the province may have moved a date since any row was written."""
        pairs = db.session.execute(select(School.stages, self.period).distinct()
                                   .where(self.scope.school_condition(), School.active.is_(True))).all()
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
            SchoolFlag.UNAIDED: self.without_reason > 0,
            SchoolFlag.MANUAL_PENDING: SchoolProgress.manual_pending > 0,
            SchoolFlag.DUPLICATES: SchoolProgress.duplicates > 0,
            SchoolFlag.NO_ACCOUNT: ~has_active_account(),
            SchoolFlag.UNVERIFIED: SchoolProgress.verified < SchoolProgress.hardship,
            SchoolFlag.UNGRADED: SchoolProgress.without_hardship_level > 0,
            SchoolFlag.INCOMPLETE_RECORDS: SchoolProgress.incomplete_records > 0,
        }[flag]

    def figure_columns(self) -> list:
        columns = [func.count(School.id).label("schools"), func.count(SchoolProgress.uploaded_at).label("uploaded")]
        columns += [func.coalesce(func.sum(getattr(SchoolProgress, name)), 0).label(name) for name in STORED]
        columns += [func.coalesce(func.sum(SchoolProgress.hardship - SchoolProgress.without_hardship_level), 0)
                    .label("graded"),  # 已认定 or no longer in school: nothing left to assess
                    func.coalesce(func.sum(self.with_reason), 0).label("unfunded_with_reason"),
                    func.coalesce(func.sum(self.without_reason), 0).label("unfunded_without_reason")]
        columns += [count_where(self.status == status.value).label(f"status_{status.value}")
                    for status in SubmissionStatus]
        columns += [count_where(self.flag(flag)).label(f"schools_{flag.value}") for flag in ROLLED_UP_FLAGS]
        return columns

    def todo_rollup(self, region: Region) -> list[dict]:
        """The few figures a tier's home shows (TODO_FIGURES: its to-do counts, not the drill-down's forty; and
        `invalid`: the 空壳 schools) per child region of `region` (its region_code; None for the schools hanging on
        `region` itself, and for a county all of them), summed from the term's TodoSummary rows — a few hundred
        whatever the number of schools: the home is the page every bureau user opens first. The period each row
        reports, its due date and the lapsed 中职 months are chosen here, as the school-by-school flag() chooses
        them. Read once the term's summary is built: by its first write, or build_summary for its first home read."""
        row = TodoSummary
        vocational = row.stages == periods.VOCATIONAL
        reporting = or_(and_(~vocational, row.period == self.term.code),
                        and_(vocational, row.period == periods.reporting_month(self.term, self.today).code))
        in_scope = and_(row.term == self.term.code, reporting,
                        self.scope.copied_condition(row.city_code, row.county_code),
                        region.holds(row.city_code, row.county_code))
        not_done = row.status.not_in(DONE)
        stage_sets = db.session.scalars(select(row.stages).distinct().where(in_scope, ~vocational)).all()
        dues = [(row.stages == stages, literal(due, Date)) for stages in stage_sets
                if (due := periods.due_for(stages, SubmissionKind.REASONS, parse_period(self.term.code)))]
        due = case(*dues, else_=NO_DATE) if dues else NO_DATE
        bits = month_bits(self.term)
        lapsed = sum(bits[code] for code in self._lapsed_months())
        overdue = case((vocational, row.months_open.op("&")(lapsed) != 0 if lapsed else false()),
                       else_=and_(due.is_not(None), due < self.today, not_done))
        counted = {  # a row's schools the flag names: counted when the row was written, or all of them by its key
            SchoolFlag.NOT_UPLOADED: row.schools_not_uploaded,
            SchoolFlag.NOT_SUBMITTED: case((not_done, row.schools), else_=0),
            SchoolFlag.RETURNED: case((row.status == SubmissionStatus.RETURNED.value, row.schools), else_=0),
            SchoolFlag.OVERDUE: case((overdue, row.schools), else_=0),
            SchoolFlag.UNAIDED: row.schools_unaided,
            SchoolFlag.MANUAL_PENDING: row.schools_manual_pending,
            SchoolFlag.DUPLICATES: row.schools_duplicates,
        }
        summed = [func.coalesce(func.sum(counted[flag]), 0).label(f"schools_{flag.value}") for flag in TODO_FLAGS]
        child = {RegionLevel.PROVINCE.value: row.city_code, RegionLevel.CITY.value: row.county_code}.get(region.level)
        key = (child if child is not None else literal(None, String)).label("region_code")
        query = (select(key, func.coalesce(func.sum(row.schools), 0).label("schools"),
                        func.coalesce(func.sum(row.inactive), 0).label("invalid"), *summed,
                        func.coalesce(func.sum(row.unfunded_without_reason), 0).label("unfunded_without_reason"),
                        func.coalesce(func.sum(row.duplicates), 0).label("duplicates"))
                 .where(in_scope).group_by(*([child] if child is not None else [])))
        return [_plain(found) for found in db.session.execute(query).mappings()]

    def rollup(self, region: Region, columns: list | None = None, by: tuple = ()) -> list[dict]:
        """One grouped query: a row per child region of `region` holding the schools below it, and a row per
        school hanging on `region` itself (for a county: every school). Each row has region_code or school_id,
        and the figure_columns() (or the labelled aggregate `columns` a page asks for instead); `by` adds School
        columns to group on as well (the budget's stages)."""
        child = {RegionLevel.PROVINCE.value: School.city_code, RegionLevel.CITY.value: School.county_code}.get(region.level)
        if child is None:
            keys = [School.id]
            labelled = [literal(None, String).label("region_code"), School.id.label("school_id")]
        else:
            direct = case((child.is_(None), School.id))
            keys = [child, direct]
            labelled = [child.label("region_code"), direct.label("school_id")]
        query = (self.select(*labelled, *by, *(columns or self.figure_columns())).where(under(region))
                 .group_by(*keys, *by))
        return [_plain(row) for row in db.session.execute(query).mappings()]

    def school_figures(self, school: School) -> dict:
        query = self.select(*self.figure_columns()).where(School.id == school.id)
        return _plain(db.session.execute(query).mappings().one())

    def school_list(self, conditions: list) -> Select:
        """Schools with their figures (one row each, not grouped), for a paginated list or its export."""
        return (self.select(School.id, School.code, School.name, Region.name.label("region_name"),
                            SchoolProgress.uploaded_at, SchoolProgress.students, SchoolProgress.hardship,
                            SchoolProgress.funded, self.without_reason.label("unfunded_without_reason"),
                            SchoolProgress.manual_pending, SchoolProgress.duplicates, SchoolProgress.notified,
                            self.status.label("status"),
                            self.period.label("period"), self.due.label("due"), self.overdue.label("overdue"))
                .join(Region, Region.code == School.region_code).where(*conditions))


def has_active_account():
    """A WHERE clause on School: the school has an enabled school account (003: 学校机构100%纳入系统管理)."""
    return (select(User.id).where(User.school_id == School.id, User.active.is_(True), User.role == Role.SCHOOL.value)
            .exists())


def _plain(row) -> dict:
    """Sums come back as Decimal on PostgreSQL: figures are counts."""
    return {key: int(value) if key in FIGURES or isinstance(value, Decimal) else value for key, value in row.items()}
