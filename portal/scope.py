"""Who may see which regions, schools and accounts. Every query for school-owned data starts here,
so that an object outside the user's scope is never loaded: it answers 404."""
from flask import abort, has_request_context, request
from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from portal.accounts.models import User
from portal.extensions import db
from portal.org.models import Region, School, in_region
from portal.vocab import RegionLevel, Role


class Scope:
    """The part of the province one user may see. Built from the user, never from the request."""

    def __init__(self, user: User):
        self.user = user
        self.role = Role(user.role)
        self.region_code = user.region_code
        self.school_id = user.school_id

    # -- schools ---------------------------------------------------------------------------
    def school_condition(self) -> ColumnElement[bool]:
        """A WHERE clause on School that keeps exactly the schools in scope (none for a department)."""
        if self.role is Role.SCHOOL:
            return School.id == self.school_id
        return self.copied_condition(School.city_code, School.county_code)

    def schools(self) -> Select:
        return select(School).where(self.school_condition())

    def copied_condition(self, city_column, county_column) -> ColumnElement[bool]:
        """school_condition() on a table that keeps copies of its schools' city and county codes and no single
        school (a summary of many): the rows of schools in scope. A school's own role reads no summary."""
        if self.role in (Role.PROVINCE, Role.CITY, Role.COUNTY):  # a region's role is named as its level
            return in_region(self.role.value, self.region_code, city_column, county_column)
        return false()  # departments own no school data

    def school_ids(self) -> Select:
        return select(School.id).where(self.school_condition())

    def owns(self, school_id_column) -> ColumnElement[bool]:
        """A WHERE clause for any table holding a school_id: rows of schools in scope only."""
        if self.role is Role.PROVINCE:
            return true()
        if self.role is Role.SCHOOL:
            return school_id_column == self.school_id
        return school_id_column.in_(self.school_ids())

    def school(self, school_id: int) -> School:
        school = db.session.scalar(self.schools().where(School.id == school_id))
        if school is None:
            self.refuse("school", school_id)
        return school

    def owned(self, model, object_id: int):
        """A row of a school-owned table (any model with id and school_id) if its school is in scope, else 404."""
        found = db.session.scalar(select(model).where(model.id == object_id, self.owns(model.school_id)))
        if found is None:
            self.refuse(model.__tablename__, object_id)
        return found

    def refuse(self, kind: str, identifier) -> None:
        """404, as if the object did not exist; and an audit entry of who asked for what, from where (an
        attempt to step outside one's scope, or a mistyped address: one entry per refusal). The request's
        unfinished work is rolled back first, as the 404 would do anyway."""
        refuse_and_record(self.user, kind, identifier)

    # -- reviewing -------------------------------------------------------------------------
    def reviewed_schools(self) -> ColumnElement[bool]:
        """A WHERE clause on School: the schools this user reviews (reviewing_role() in SQL), whose
        submissions it approves or returns and whose hand-added students it accepts."""
        if self.role is Role.COUNTY:
            return School.county_code == self.region_code
        if self.role is Role.CITY:
            return and_(School.city_code == self.region_code, School.county_code.is_(None))
        if self.role is Role.PROVINCE:
            return School.city_code.is_(None)
        return false()

    def reviews(self, school: School) -> bool:
        """Whether this user reviews a school in scope (reviewed_schools() for one school)."""
        return self.role is reviewing_role(school)

    # -- regions ---------------------------------------------------------------------------
    def region_condition(self) -> ColumnElement[bool]:
        if self.role is Role.PROVINCE:
            return true()
        if self.role is Role.CITY:
            return or_(Region.code == self.region_code, Region.parent_code == self.region_code)
        if self.role is Role.COUNTY:
            return Region.code == self.region_code
        return false()

    def regions(self) -> Select:
        return select(Region).where(self.region_condition())

    def region(self, code: str) -> Region:
        region = db.session.scalar(self.regions().where(Region.code == code))
        if region is None:
            self.refuse("region", code)
        return region

    @property
    def root_code(self) -> str | None:
        """The region at the top of this user's drill-down tree."""
        if self.role is Role.PROVINCE:
            return db.session.scalar(
                select(Region.code).where(Region.level == RegionLevel.PROVINCE.value).order_by(Region.code)
            )
        if self.role in (Role.CITY, Role.COUNTY):
            return self.region_code
        return None

    # -- accounts --------------------------------------------------------------------------
    def user_condition(self) -> ColumnElement[bool]:
        """Accounts this user may manage: strictly below it, inside its scope (the province manages all)."""
        if self.role is Role.PROVINCE:
            return User.id != self.user.id
        in_my_schools = and_(User.role == Role.SCHOOL.value, User.school_id.in_(self.school_ids()))
        if self.role is Role.CITY:
            my_counties = select(Region.code).where(Region.parent_code == self.region_code)
            return or_(
                in_my_schools,
                and_(User.role == Role.COUNTY.value, User.region_code.in_(my_counties)),
            )
        if self.role is Role.COUNTY:
            return in_my_schools
        return false()

    def users(self) -> Select:
        return select(User).where(self.user_condition())

    def managed_user(self, user_id: int) -> User:
        user = db.session.scalar(self.users().where(User.id == user_id))
        if user is None:
            self.refuse("user", user_id)
        return user

    @property
    def manages_accounts(self) -> bool:
        return self.role in (Role.PROVINCE, Role.CITY, Role.COUNTY)

    # -- audit -----------------------------------------------------------------------------
    def audit_condition(self, entry) -> ColumnElement[bool]:
        if self.role is Role.PROVINCE:
            return true()
        if self.role is Role.CITY:
            return entry.city_code == self.region_code
        if self.role is Role.COUNTY:
            return entry.county_code == self.region_code
        return false()

    @property
    def reads_audit(self) -> bool:
        return self.role in (Role.PROVINCE, Role.CITY, Role.COUNTY)


def reviewing_role(school: School) -> Role:
    """Who reviews a school: its county; a school directly under a city or under the province, that tier."""
    if school.county_code:
        return Role.COUNTY
    if school.city_code:
        return Role.CITY
    return Role.PROVINCE


# How a refused object is named in the audit log (its table or kind → Chinese); others keep their table name.
REFUSED_KINDS = {"school": "学校", "region": "地区", "user": "账号", "page": "页面", "hardship_student": "就学信息库学生",
                 "enrolment_upload": "学籍上传", "funding_record": "资助记录", "period_submission": "填报",
                 "library_batch": "基础信息库批次", "library_category": "基础信息库类别", "job": "后台任务",
                 "fiscal_allocation": "财政资金下达记录", "funding_project": "资助项目"}


def missing_or_refused(user, model, identifier, kind: str) -> None:
    """404 for an object the query in the user's reach did not find: recorded as a refusal when it exists (someone
    else's), a plain 404 when it does not."""
    if db.session.get(model, identifier) is not None:
        refuse_and_record(user, kind, identifier)
    abort(404)


def refuse_and_record(user, kind: str, identifier) -> None:
    """Record a refused request for an object out of the user's reach (AuditAction.SCOPE_REFUSED), then 404.
    The entry sits where the user belongs, so the user's own bureau and the province read it."""
    from portal.audit.services import Actor, Target, record
    from portal.vocab import AuditAction

    if user is not None and getattr(user, "is_authenticated", False):
        where = Target.of_user(user)
        asked = f"{request.method} {request.path}"[:500] if has_request_context() else None
        db.session.rollback()
        label = f"{REFUSED_KINDS.get(kind, kind)} {identifier}"[:128]
        record(Actor(user, request.remote_addr if has_request_context() else "cli"), AuditAction.SCOPE_REFUSED,
               Target(kind, str(identifier)[:64], label, where.city_code, where.county_code, where.school_id), asked)
        db.session.commit()  # the refused request is recorded although the answer is a 404
    abort(404)


def scope_of(user: User) -> Scope:
    return Scope(user)
