"""Server-side sign-in sessions: one user_session row per signed-in browser, checked on every request, ended
at logout, password change, disable or reset; 30 minutes idle and 8 hours in all (config.py)."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from portal.accounts.models import UserSession
from portal.extensions import db

# Recording every request's time would write on every page view; a minute's slack on a 30-minute limit is not
# worth that.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Resumed:
    session: UserSession | None
    expired: bool = False  # the session ran out (idle or absolute), as opposed to never existing or being ended


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    settings = current_app.config
    return timedelta(minutes=settings["SESSION_IDLE_MINUTES"]), timedelta(hours=settings["SESSION_MAX_HOURS"])


def start(user_id: int, ip: str | None, now: datetime, second_factor_at: datetime | None = None) -> str:
    """A new session; returns the token for the cookie (only its digest is stored). The user's sessions that
    have run out are swept on the way."""
    idle, absolute = _limits()
    db.session.execute(delete(UserSession).where(
        UserSession.user_id == user_id,
        or_(UserSession.last_seen_at < now - idle, UserSession.created_at < now - absolute)))
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_digest(token), user_id=user_id, created_at=now, last_seen_at=now, ip=ip,
                               second_factor_at=second_factor_at))
    return token


def resume(token: str | None, user_id: int, now: datetime) -> Resumed:
    """The live session behind a cookie's token, touched; an expired one is deleted."""
    if not token:
        return Resumed(None)
    found = db.session.scalar(select(UserSession).where(UserSession.token_hash == _digest(token)))
    if found is None or found.user_id != user_id:
        return Resumed(None)
    idle, absolute = _limits()
    if now - found.last_seen_at > idle or now - found.created_at > absolute:
        db.session.delete(found)
        db.session.commit()
        return Resumed(None, expired=True)
    if now - found.last_seen_at > TOUCH_EVERY:
        found.last_seen_at = now
        db.session.commit()
    return Resumed(found)


def rotate(token: str, now: datetime, second_factor_at: datetime | None = None) -> str:
    """A fresh token for the same sign-in (after the second factor): the old token stops working; the
    8 hours still count from the sign-in."""
    found = db.session.scalar(select(UserSession).where(UserSession.token_hash == _digest(token)))
    new_token = secrets.token_urlsafe(32)
    found.token_hash, found.last_seen_at = _digest(new_token), now
    found.second_factor_at = second_factor_at or found.second_factor_at
    return new_token


def end(token: str | None) -> None:
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def end_all(user_id: int, keep: str | None = None) -> int:
    """End every session of a user (but the one whose token is kept); returns how many were ended."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep:
        query = query.where(UserSession.token_hash != _digest(keep))
    return db.session.execute(query).rowcount


def open_sessions(user_id: int, now: datetime) -> int:
    idle, absolute = _limits()
    return db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user_id, UserSession.last_seen_at >= now - idle,
        UserSession.created_at >= now - absolute))
