"""Password guessing: a name locks for LOGIN_LOCK_MINUTES after LOGIN_LOCK_FAILURES failures, an address is
held back after LOGIN_ADDRESS_FAILURES failures in that window. Counted in the login_attempt table, so that
every worker process of the portal sees the same counts; every attempt also goes into the audit log."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from portal.accounts.models import LoginAttempt, User
from portal.audit.services import Actor, Target, record
from portal.extensions import db
from portal.vocab import AuditAction

FAILED, REFUSED, LOCKED, SUCCEEDED = "failed", "refused", "locked", "ok"
KEEP = timedelta(days=1)  # the counts look back minutes; the audit log keeps the history


def generic_refusal() -> str:
    """The one answer to a wrong password, an unknown name, a locked name and a held-back address alike:
    a guesser learns neither whether the account exists nor whether it is locked."""
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    return (f"用户名或密码错误，或因连续多次登录失败已暂时锁定（{minutes} 分钟后自动解除）。"
            "忘记密码请联系上级管理员重置。")


def _window_start(now: datetime) -> datetime:
    return now - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])


def _latest(username: str, outcome: str) -> datetime | None:
    return db.session.scalar(select(func.max(LoginAttempt.at))
                             .where(LoginAttempt.username == username, LoginAttempt.outcome == outcome))


def _failures_of_name(username: str, now: datetime) -> int:
    """Failures in the window that came after the name's last lock and last success (each starts a new count)."""
    since = max(filter(None, (_window_start(now), _latest(username, LOCKED), _latest(username, SUCCEEDED))))
    return db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == username, LoginAttempt.outcome == FAILED, LoginAttempt.at > since))


def _failures_from(ip: str | None, now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.ip == ip, LoginAttempt.outcome == FAILED, LoginAttempt.at > _window_start(now)))


def locked(username: str, now: datetime) -> bool:
    last_lock = _latest(username, LOCKED)
    if last_lock is not None and last_lock > _window_start(now):
        return True
    # Two workers counting at once may both miss the moment of locking: the count itself also locks.
    return _failures_of_name(username, now) >= current_app.config["LOGIN_LOCK_FAILURES"]


def held_back(username: str, ip: str | None, now: datetime) -> str | None:
    """Why attempts for this name from this address are refused before any password is checked, or None."""
    if locked(username, now):
        return "账号锁定中"
    if _failures_from(ip, now) >= current_app.config["LOGIN_ADDRESS_FAILURES"]:
        return "来源地址失败次数过多"
    return None


def _target(username: str, user: User | None) -> Target:
    return Target.of_user(user) if user is not None else Target("user", None, username)


def _detail(username: str, ip: str | None, reason: str) -> str:
    return f"尝试的用户名：{username}；来源地址：{ip or '未知'}；{reason}"


def record_refused(actor: Actor, username: str, user: User | None, reason: str, now: datetime) -> None:
    """An attempt turned away unchecked: recorded, but not counted (it must not lengthen the lock)."""
    db.session.add(LoginAttempt(at=now, username=username, ip=actor.ip, outcome=REFUSED))
    record(actor, AuditAction.LOGIN_FAILED, _target(username, user), _detail(username, actor.ip, f"{reason}，未校验密码"))


def record_failure(actor: Actor, username: str, user: User | None, reason: str, now: datetime) -> bool:
    """A wrong password or code: counted and recorded; the failure that reaches a limit records the lock too.
    Returns whether the name is now locked."""
    db.session.add(LoginAttempt(at=now, username=username, ip=actor.ip, outcome=FAILED))
    db.session.flush()
    record(actor, AuditAction.LOGIN_FAILED, _target(username, user), _detail(username, actor.ip, reason))
    settings = current_app.config
    if _failures_of_name(username, now) >= settings["LOGIN_LOCK_FAILURES"]:
        db.session.add(LoginAttempt(at=now, username=username, ip=actor.ip, outcome=LOCKED))
        record(actor, AuditAction.LOGIN_LOCKED, _target(username, user),
               _detail(username, actor.ip, f"连续 {settings['LOGIN_LOCK_FAILURES']} 次失败，"
                                           f"锁定 {settings['LOGIN_LOCK_MINUTES']} 分钟"))
        return True
    if _failures_from(actor.ip, now) == settings["LOGIN_ADDRESS_FAILURES"]:
        record(actor, AuditAction.LOGIN_THROTTLED, Target("address", actor.ip, actor.ip),
               f"来源地址 {actor.ip} 在 {settings['LOGIN_LOCK_MINUTES']} 分钟内登录失败 "
               f"{settings['LOGIN_ADDRESS_FAILURES']} 次，暂停该地址登录")
    return False


def record_success(username: str, ip: str | None, now: datetime) -> None:
    """A success starts the name's count afresh; rows older than a day are no longer needed by any count."""
    db.session.add(LoginAttempt(at=now, username=username, ip=ip, outcome=SUCCEEDED))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP))
