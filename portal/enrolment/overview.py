"""The upper tiers' 比对进度: schools in scope with their upload and hardship figures, read from SchoolProgress
only (one row per school), never by counting students."""
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select

from portal.extensions import db
from portal.org.models import School
from portal.progress.models import SchoolProgress
from portal.progress.services import CATEGORY_FIGURES
from portal.scope import Scope

SUMMED = ("students", "hardship", *CATEGORY_FIGURES, "manual_pending", "verified", "duplicates")


@dataclass(frozen=True)
class ProgressFilter:
    region: str = ""
    uploaded: str = ""  # "yes", "no" or ""
    search: str = ""

    @classmethod
    def from_args(cls, args) -> "ProgressFilter":
        uploaded = args.get("uploaded", "")
        return cls(region=args.get("region", "").strip(), uploaded=uploaded if uploaded in ("yes", "no") else "",
                   search=args.get("q", "").strip())


def _progress_join(term: str):
    return and_(SchoolProgress.school_id == School.id, SchoolProgress.term == term)


def _filtered(query: Select, scope: Scope, filters: ProgressFilter) -> Select:
    query = query.where(scope.school_condition(), School.active.is_(True))
    if filters.region:
        query = query.where(or_(School.region_code == filters.region, School.city_code == filters.region,
                                School.county_code == filters.region))
    if filters.uploaded == "yes":
        query = query.where(SchoolProgress.uploaded_at.is_not(None))
    elif filters.uploaded == "no":
        query = query.where(SchoolProgress.uploaded_at.is_(None))
    if filters.search:
        query = query.where(School.name.contains(filters.search, autoescape=True) | (School.code == filters.search))
    return query


def schools_with_progress(scope: Scope, term: str, filters: ProgressFilter) -> Select:
    """Schools in scope (active), for paging; their figures come from figures_of() for the page only."""
    query = select(School).outerjoin(SchoolProgress, _progress_join(term))
    return _filtered(query, scope, filters).order_by(School.city_code, School.county_code, School.code)


def figures_of(school_ids: list[int], term: str) -> dict[int, SchoolProgress]:
    if not school_ids:
        return {}
    rows = db.session.scalars(select(SchoolProgress).where(SchoolProgress.school_id.in_(school_ids),
                                                           SchoolProgress.term == term))
    return {row.school_id: row for row in rows}


def totals(scope: Scope, term: str, filters: ProgressFilter) -> dict[str, int]:
    columns = [func.count(School.id).label("schools"), func.count(SchoolProgress.uploaded_at).label("uploaded")]
    columns += [func.coalesce(func.sum(getattr(SchoolProgress, name)), 0).label(name) for name in SUMMED]
    query = select(*columns).select_from(School).outerjoin(SchoolProgress, _progress_join(term))
    return dict(db.session.execute(_filtered(query, scope, filters)).mappings().one())
