"""Portal accounts: one user belongs to a tier (province, city, county, school) or a department; and what
signing in keeps: past passwords, login attempts, open sessions, the second factor."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.org.models import Region, School
from portal.vocab import Department, Role


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # Role
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    department: Mapped[str | None] = mapped_column(String(16))  # Department, for department users
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    # The TOTP secret, encrypted (portal/protect.py). Set but not enabled while the user is enrolling.
    totp_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # the last 30-second step used: no code twice

    region: Mapped[Region | None] = relationship()
    school: Mapped[School | None] = relationship()

    @property
    def is_active(self) -> bool:  # flask-login refuses sessions of inactive users
        return self.active and (self.school is None or self.school.active)

    @property
    def role_label(self) -> str:
        return Role.label_of(self.role)

    @property
    def department_label(self) -> str:
        return Department.label_of(self.department)

    @property
    def unit_name(self) -> str:
        """The unit the account speaks for: a school, a region's bureau, or a department."""
        if self.school is not None:
            return self.school.name
        if self.role == Role.DEPARTMENT:
            return f"{self.department_label}部门"
        return self.region.name if self.region else ""

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class PasswordHistory(db.Model):
    """The last few passwords a user chose (hashes only), so that none of them is chosen again."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    set_at: Mapped[datetime] = mapped_column(DateTime)


class LoginAttempt(db.Model):
    """One sign-in attempt, by the name typed (known or not) and the address it came from. Lockout and
    per-address throttling count these rows, so every worker process sees the same counts. Kept a day;
    the audit log keeps the lasting record."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    outcome: Mapped[str] = mapped_column(String(8))  # lockout.FAILED, REFUSED, LOCKED or SUCCEEDED


class UserSession(db.Model):
    """A signed-in browser. The cookie carries only a random token whose SHA-256 is looked up here on every
    request, so ending a session (logout, password change, disable, reset) takes effect at once everywhere."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ip: Mapped[str | None] = mapped_column(String(45))
    second_factor_at: Mapped[datetime | None] = mapped_column(DateTime)  # when this session passed TOTP

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app (a lost phone). Shown once, stored hashed."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(256))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class SchoolSecondFactor(db.Model):
    """A school whose accounts the province requires to use the second factor (bureau and department
    accounts always do)."""

    __tablename__ = "school_second_factor"

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), primary_key=True)
    required_at: Mapped[datetime] = mapped_column(DateTime)
    required_by_name: Mapped[str] = mapped_column(String(64))

    school: Mapped[School] = relationship()
