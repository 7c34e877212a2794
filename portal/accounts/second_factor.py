"""The second factor (等保三级: two kinds of proof, one cryptographic): a TOTP authenticator app (RFC 6238),
required of province, city, county and department accounts and of the schools the province names; one-time
recovery codes for a lost phone; a reset by the tier above. The secret is kept encrypted (portal/protect.py)."""
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash

from portal.accounts import lockout, sessions
from portal.accounts.models import RecoveryCode, SchoolSecondFactor, User
from portal.accounts.passwords import hash_password
from portal.audit.services import Actor, Target, record
from portal.errors import DomainError
from portal.extensions import db
from portal.org.models import School
from portal.protect import protector
from portal.vocab import AuditAction, Role

REQUIRED_ROLES = (Role.PROVINCE, Role.CITY, Role.COUNTY, Role.DEPARTMENT)
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code copied from paper is typed right. 10 characters ≈ 50 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOTP_PATTERN = re.compile(r"^\d{6}$")


class SecondFactorError(DomainError):
    """A refusal with a Chinese message; locked says the failures reached the lockout."""

    def __init__(self, message: str, locked: bool = False):
        super().__init__(message)
        self.locked = locked


@dataclass(frozen=True)
class Verified:
    recovery_codes_left: int | None = None  # set when a recovery code was used


def required(user: User) -> bool:
    if Role(user.role) in REQUIRED_ROLES:
        return True
    return user.school_id is not None and db.session.get(SchoolSecondFactor, user.school_id) is not None


def enrolled(user: User) -> bool:
    return user.totp_enabled_at is not None


def enrolment_secret(user: User) -> str:
    """The secret the user is enrolling: made on first sight of the page and kept (encrypted) until confirmed,
    so that reloading the page does not invalidate an app that already scanned it (the caller commits)."""
    if user.totp_cipher is None:
        user.totp_cipher = protector().encrypt(pyotp.random_base32())
    return protector().decrypt(user.totp_cipher)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=current_app.config["TOTP_ISSUER"])


def qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG drawn here: no image fetched from anywhere, nothing for the CSP to allow."""
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff",
                                                         title="扫描此二维码添加到认证器"))


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _accepted_step(secret: str, code: str, after: int | None, now: datetime) -> int | None:
    """The step whose code this is: now, or one step either side for a phone clock a little off. A step at or
    before `after` (already used) is never accepted again: a code seen over someone's shoulder is spent."""
    if not TOTP_PATTERN.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = _step(now)
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def confirm_enrolment(actor: Actor, user: User, code: str, now: datetime) -> list[str]:
    """The first code from the app proves it holds the secret; returns the recovery codes, to be shown once."""
    step = _accepted_step(enrolment_secret(user), _normalise(code), None, now)
    if step is None:
        raise SecondFactorError("验证码不正确。请确认手机时间准确，输入认证器上此刻显示的 6 位数字。")
    user.totp_enabled_at, user.totp_last_step = now, step
    codes = _renew_recovery_codes(user)
    record(actor, AuditAction.ENROL_SECOND_FACTOR, Target.of_user(user))
    return codes


def verify(actor: Actor, user: User, code: str, now: datetime) -> Verified:
    """A code from the app, or one recovery code. A wrong one counts towards the lockout like a wrong password."""
    typed = _normalise(code)
    if TOTP_PATTERN.match(typed):
        step = _accepted_step(protector().decrypt(user.totp_cipher), typed, user.totp_last_step, now)
        if step is not None:
            user.totp_last_step = step
            db.session.commit()
            return Verified()
    elif (left := _use_recovery_code(user, typed, now)) is not None:
        record(actor, AuditAction.USE_RECOVERY_CODE, Target.of_user(user), f"剩余恢复码 {left} 个")
        db.session.commit()
        return Verified(recovery_codes_left=left)
    locked = lockout.record_failure(actor, user.username, user, "双因素验证码错误", now)
    db.session.commit()  # a wrong code is recorded and counted towards the lockout although it raises
    if locked:
        minutes = current_app.config["LOGIN_LOCK_MINUTES"]
        raise SecondFactorError(f"验证码连续错误次数过多，账号已暂时锁定，请 {minutes} 分钟后重新登录。", locked=True)
    raise SecondFactorError("验证码不正确，或已使用过。请输入认证器上此刻显示的 6 位数字，或一个未用过的恢复码。")


def _use_recovery_code(user: User, typed: str, now: datetime) -> int | None:
    """Marks the matching unused code used; returns how many are left, or None if none matched."""
    if len(typed) != 10:
        return None
    unused = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                           RecoveryCode.used_at.is_(None))).all()
    for stored in unused:
        if check_password_hash(stored.code_hash, typed):
            stored.used_at = now
            return len(unused) - 1
    return None


def _renew_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_password(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def renew_recovery_codes(actor: Actor, user: User, code: str, now: datetime) -> list[str]:
    """New codes replace the old ones; asks for a current app code first (not a recovery code)."""
    step = _accepted_step(protector().decrypt(user.totp_cipher), _normalise(code), user.totp_last_step, now)
    if step is None:
        raise SecondFactorError("验证码不正确，或已使用过。请输入认证器上此刻显示的 6 位数字。")
    user.totp_last_step = step
    codes = _renew_recovery_codes(user)
    record(actor, AuditAction.RENEW_RECOVERY_CODES, Target.of_user(user))
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def reset(actor: Actor, user: User) -> None:
    """The tier above clears a user's second factor (a lost phone): the user enrols again at the next sign-in,
    and every session of theirs ends now."""
    user.totp_cipher = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    sessions.end_all(user.id)
    record(actor, AuditAction.RESET_SECOND_FACTOR, Target.of_user(user), "须在下次登录时重新绑定认证器")


# -- the province's per-school switch ------------------------------------------------------------
def require_for_school(actor: Actor, school: School, now: datetime) -> bool:
    """Returns False if the school already required it."""
    if db.session.get(SchoolSecondFactor, school.id) is not None:
        return False
    db.session.add(SchoolSecondFactor(school_id=school.id, required_at=now, required_by_name=actor.name))
    record(actor, AuditAction.REQUIRE_SCHOOL_SECOND_FACTOR, Target.of_school(school))
    return True


def relax_for_school(actor: Actor, school: School) -> None:
    db.session.execute(delete(SchoolSecondFactor).where(SchoolSecondFactor.school_id == school.id))
    record(actor, AuditAction.RELAX_SCHOOL_SECOND_FACTOR, Target.of_school(school))


def schools_requiring(scope):
    """The schools in scope whose accounts must use the second factor, for the province's list."""
    return (select(SchoolSecondFactor).join(School, School.id == SchoolSecondFactor.school_id)
            .where(scope.school_condition()).order_by(School.code))
