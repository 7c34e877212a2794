"""What a password must be (等保三级 / ASVS): length, kinds of character, not the username, not a common
password, not one of the last five, and for bureau and department accounts not older than 90 days."""
import os
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.models import PasswordHistory, User
from portal.extensions import db
from portal.vocab import Role

MIN_LENGTH = 8
MAX_LENGTH = 128
CHARACTER_KINDS = (r"[A-Z]", r"[a-z]", r"\d", r"[^A-Za-z0-9]")
RULES = "至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类，不含用户名，不能是常见密码或最近用过的 5 个密码"
# Accounts whose password expires: their holders see the data of many schools.
EXPIRING_ROLES = (Role.PROVINCE, Role.CITY, Role.COUNTY, Role.DEPARTMENT)
_COMMON_FILE = os.path.join(os.path.dirname(__file__), "common_passwords.txt")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def common_passwords() -> frozenset[str]:
    with open(_COMMON_FILE, encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    """On the list, in any case, also with symbols added at the end (Password1! is password1)."""
    lowered = password.lower()
    return lowered in common_passwords() or lowered.rstrip("!@#$%^&*.?_-+=~") in common_passwords()


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused, or None. Each rule has its own message, so the user knows what to change."""
    if len(password) < MIN_LENGTH:
        return "密码至少 8 位"
    if len(password) > MAX_LENGTH:
        return "密码不能超过 128 位"
    if sum(bool(re.search(kind, password)) for kind in CHARACTER_KINDS) < 3:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名"
    if is_common(password):
        return "该密码过于常见，容易被猜中，请换一个"
    return None


def reused(user: User, password: str) -> bool:
    """Whether the password is the current one or one of the last PASSWORD_HISTORY the user chose."""
    recent = db.session.scalars(
        select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc()).limit(current_app.config["PASSWORD_HISTORY"])
    )
    return any(check_password_hash(stored, password) for stored in (user.password_hash, *recent))


def set_password(user: User, password: str, *, chosen: bool, now: datetime) -> None:
    """Store a new password. A password the user chose goes into the history (kept to the last few);
    a temporary one issued by a manager does not, so it never pushes the user's own ones out."""
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    if not chosen or user.id is None:
        return
    db.session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash, set_at=now))
    db.session.flush()
    keep = select(PasswordHistory.id).where(PasswordHistory.user_id == user.id).order_by(
        PasswordHistory.id.desc()).limit(current_app.config["PASSWORD_HISTORY"])
    db.session.execute(delete(PasswordHistory).where(PasswordHistory.user_id == user.id,
                                                     PasswordHistory.id.not_in(keep.scalar_subquery())))


def password_expired(user: User, now: datetime) -> bool:
    """Bureau and department passwords must be changed every PASSWORD_MAX_AGE_DAYS days."""
    if Role(user.role) not in EXPIRING_ROLES or user.password_changed_at is None:
        return False
    return now - user.password_changed_at > timedelta(days=current_app.config["PASSWORD_MAX_AGE_DAYS"])


def temporary_password(username: str = "") -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(12))
        if password_problem(candidate, username) is None:
            return candidate
