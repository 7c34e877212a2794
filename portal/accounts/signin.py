"""Signing in is a few steps after the password: the second factor, a new password when it is due, enrolling
the authenticator the first time. Until the last step is done, no other page answers."""
from datetime import datetime

from portal.accounts import second_factor
from portal.accounts.models import User, UserSession
from portal.accounts.passwords import password_expired

VERIFY, CHANGE_PASSWORD, ENROL = "accounts.verify_second_factor", "accounts.change_password", "accounts.enrol_second_factor"


def next_step(user: User, session: UserSession | None, now: datetime) -> str | None:
    """The endpoint of the step this sign-in must take next, or None when it is complete.

    The code comes before a password change, so that a password alone never changes the password; enrolling
    comes after it, so that a temporary password issued by a manager never binds an authenticator."""
    needs_code = second_factor.required(user)
    if needs_code and second_factor.enrolled(user) and (session is None or session.second_factor_at is None):
        return VERIFY
    if user.must_change_password or password_expired(user, now):
        return CHANGE_PASSWORD
    if needs_code and not second_factor.enrolled(user):
        return ENROL
    return None
