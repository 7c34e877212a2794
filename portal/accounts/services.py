"""Accounts: sign-in, password rules, and the creation, disabling and reset of lower-tier accounts."""
import re
from datetime import datetime

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from portal.accounts import lockout, sessions
from portal.accounts.models import User
from portal.accounts.passwords import hash_password, password_problem, reused, set_password, temporary_password
from portal.audit.services import Actor, Target, record
from portal.errors import DomainError
from portal.extensions import db
from portal.org.models import Region, School
from portal.scope import Scope
from portal.vocab import AuditAction, Department, RegionLevel, Role


class AccountError(DomainError):
    """A refusal with a Chinese message for the user."""


# Which roles each tier may create, and which region level a regional account belongs to.
CREATABLE_ROLES = {
    Role.PROVINCE: (Role.PROVINCE, Role.CITY, Role.COUNTY, Role.SCHOOL, Role.DEPARTMENT),
    Role.CITY: (Role.COUNTY, Role.SCHOOL),
    Role.COUNTY: (Role.SCHOOL,),
}
REGION_LEVEL_OF_ROLE = {Role.PROVINCE: RegionLevel.PROVINCE, Role.CITY: RegionLevel.CITY, Role.COUNTY: RegionLevel.COUNTY}
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
_DUMMY_HASH = None  # computed lazily; equalises the timing of unknown and known usernames


def authenticate(actor: Actor, username: str, password: str, now: datetime | None = None) -> User:
    """The user behind these credentials, or AccountError. Every attempt is counted (lockout.py) and recorded;
    every refusal before the password is known to be right reads the same (lockout.generic_refusal)."""
    now = now or datetime.now()
    name = username.strip()[:64]
    user = db.session.scalar(select(User).where(User.username == name))
    if reason := lockout.held_back(name, actor.ip, now):
        _spend_a_password_check(password)  # the answer takes as long as a wrong password would
        lockout.record_refused(actor, name, user, reason, now)
        db.session.commit()  # a refused sign-in is recorded and counted although it raises: no saving() here
        raise AccountError(lockout.generic_refusal())
    if user is None or not check_password_hash(user.password_hash, password):
        if user is None:
            _spend_a_password_check(password)
        lockout.record_failure(actor, name, user, "用户名不存在" if user is None else "密码错误", now)
        db.session.commit()  # recorded and counted towards the lockout although it raises
        raise AccountError(lockout.generic_refusal())
    if not user.active or (user.school is not None and not user.school.active):
        refusal = "账号已停用，请联系上级管理员" if not user.active else "所在学校已被标记为无效，账号不能登录"
        record(actor, AuditAction.LOGIN_FAILED, Target.of_user(user), f"密码正确，但{refusal}")
        db.session.commit()  # recorded although it raises
        raise AccountError(refusal)
    lockout.record_success(name, actor.ip, now)
    user.last_login_at = now
    record(Actor(user, actor.ip), AuditAction.LOGIN, Target.of_user(user))
    db.session.commit()
    return user


def _spend_a_password_check(password: str) -> None:
    global _DUMMY_HASH
    _DUMMY_HASH = _DUMMY_HASH or hash_password("dummy-password-1")
    check_password_hash(_DUMMY_HASH, password)


def record_logout(actor: Actor) -> None:
    record(actor, AuditAction.LOGOUT, Target.of_user(actor.user))


def end_other_sessions(actor: Actor, keep_session: str | None) -> int:
    """The user signs out every other browser of theirs (a computer left signed in elsewhere)."""
    ended = sessions.end_all(actor.user_id, keep=keep_session)
    if ended:
        record(actor, AuditAction.END_SESSIONS, Target.of_user(actor.user), f"{ended} 个")
    return ended


def change_password(actor: Actor, user: User, current: str, new: str, confirm: str, *,
                    keep_session: str | None = None) -> None:
    """The user's own change; every other session of theirs ends (a thief's included)."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("当前密码不正确")
    if new != confirm:
        raise AccountError("两次输入的新密码不一致")
    if problem := password_problem(new, user.username):
        raise AccountError(problem)
    if reused(user, new):
        raise AccountError("新密码不能与当前密码或最近使用过的 5 个密码相同")
    set_password(user, new, chosen=True, now=datetime.now())
    user.must_change_password = False
    ended = sessions.end_all(user.id, keep=keep_session)
    record(actor, AuditAction.CHANGE_PASSWORD, Target.of_user(user), f"其他 {ended} 个登录会话已结束" if ended else None)


def creatable_roles(user: User) -> tuple[Role, ...]:
    return CREATABLE_ROLES.get(Role(user.role), ())


def create_user(
    actor: Actor,
    scope: Scope | None,
    *,
    username: str,
    display_name: str,
    role: str,
    region_code: str | None = None,
    school_code: str | None = None,
    department: str | None = None,
    password: str | None = None,
) -> tuple[User, str]:
    """Create an account inside the actor's scope (scope None: the command line, unrestricted).
    Returns the account and its initial password, which must be changed at first login."""
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise AccountError("用户名须为 3–64 位字母、数字、下划线、点或连字符")
    if db.session.scalar(select(func.count()).select_from(User).where(User.username == username)):
        raise AccountError(f"用户名 {username} 已存在")
    try:
        role_enum = Role(role)
    except ValueError:
        raise AccountError("账号类型无效") from None
    if scope is not None and role_enum not in creatable_roles(scope.user):
        raise AccountError(f"无权创建{role_enum.label}账号")

    user = User(username=username, display_name=display_name.strip() or username, role=role_enum.value)
    if role_enum is Role.SCHOOL:
        school = _school_for_account(scope, school_code)
        user.school_id, user.school = school.id, school
    elif role_enum is Role.DEPARTMENT:
        if department not in {d.value for d in Department}:
            raise AccountError("请选择部门（扶贫、民政或残联）")
        user.department = department
    else:
        region = _region_for_account(scope, region_code, REGION_LEVEL_OF_ROLE[role_enum])
        user.region_code, user.region = region.code, region

    if password is None:
        password = temporary_password(username)
    elif problem := password_problem(password, username):
        raise AccountError(problem)
    set_password(user, password, chosen=False, now=datetime.now())
    user.must_change_password = True
    user.created_by_id = actor.user_id
    db.session.add(user)
    db.session.flush()
    record(actor, AuditAction.CREATE_USER, Target.of_user(user), f"{role_enum.label}账号")
    return user, password


def _school_for_account(scope: Scope | None, school_code: str | None) -> School:
    query = select(School).where(School.code == (school_code or "").strip())
    if scope is not None:
        query = query.where(scope.school_condition())
    school = db.session.scalar(query)
    if school is None:
        raise AccountError("学校标识码不存在或不在您的管辖范围内")
    if not school.active:
        raise AccountError("该学校已被标记为无效，不能创建账号")
    return school


def _region_for_account(scope: Scope | None, region_code: str | None, level: RegionLevel) -> Region:
    query = select(Region).where(Region.code == (region_code or "").strip(), Region.level == level.value)
    if scope is not None:
        query = query.where(scope.region_condition())
    region = db.session.scalar(query)
    if region is None:
        raise AccountError(f"请选择您管辖范围内的{level.label}级区划")
    return region


def set_active(actor: Actor, user: User, active: bool) -> None:
    user.active = active
    if not active:
        sessions.end_all(user.id)
    record(actor, AuditAction.ENABLE_USER if active else AuditAction.DISABLE_USER, Target.of_user(user))


def reset_password(actor: Actor, user: User) -> str:
    """Give the account a temporary password that must be changed at the next login."""
    password = temporary_password(user.username)
    set_password(user, password, chosen=False, now=datetime.now())
    user.must_change_password = True
    sessions.end_all(user.id)
    record(actor, AuditAction.RESET_PASSWORD, Target.of_user(user))
    return password
