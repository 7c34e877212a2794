"""Settings, read from the environment once, with defaults that are safe for a demo on one machine."""
import os


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")  # None → a per-instance key file is created (see create_app)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None → SQLite under instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # The data key (ring): from the environment, or a file outside the data folder in production
    # (PORTAL_DATA_KEY_FILE); neither set → instance/data.key, created for the one-command demo.
    PORTAL_DATA_KEY = os.environ.get("PORTAL_DATA_KEY")
    PORTAL_DATA_KEY_FILE = os.environ.get("PORTAL_DATA_KEY_FILE")
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "60")) * 1024 * 1024
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_MB", "50")) * 1024 * 1024
    PASSWORD_HASH_METHOD = "scrypt"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # PORTAL_HTTPS=1 when the portal is reached over HTTPS (directly or behind a TLS proxy): every cookie is Secure
    # and __Host- prefixed (so Path=/ and no Domain: no other host or path can set or read it), and HSTS is sent.
    # See https_cookies() below.
    HTTPS = os.environ.get("PORTAL_HTTPS", "") not in ("", "0")
    # Sign-in sessions live in the database (portal/accounts/sessions.py): logout, a password change, a disable or
    # a reset ends them at once. Idle and absolute limits, in minutes and hours.
    SESSION_IDLE_MINUTES = int(os.environ.get("PORTAL_SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("PORTAL_SESSION_MAX_HOURS", "8"))
    PERMANENT_SESSION_LIFETIME = SESSION_MAX_HOURS * 3600
    # A form's CSRF token expires: a page left open longer answers "页面已过期，请刷新页面".
    WTF_CSRF_TIME_LIMIT = int(os.environ.get("PORTAL_CSRF_MINUTES", "60")) * 60
    # Password guessing: an account (any name typed, known or not) locks after LOGIN_LOCK_FAILURES failures for
    # LOGIN_LOCK_MINUTES; one address may fail LOGIN_ADDRESS_FAILURES times in that window, whatever the names.
    LOGIN_LOCK_FAILURES = int(os.environ.get("PORTAL_LOGIN_LOCK_FAILURES", "5"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("PORTAL_LOGIN_LOCK_MINUTES", "15"))
    LOGIN_ADDRESS_FAILURES = int(os.environ.get("PORTAL_LOGIN_ADDRESS_FAILURES", "30"))
    PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PORTAL_PASSWORD_MAX_AGE_DAYS", "90"))  # bureau and department accounts
    PASSWORD_HISTORY = 5  # a new password may not be any of the last five
    TOTP_ISSUER = os.environ.get("PORTAL_TOTP_ISSUER", "就学信息库")  # the name authenticator apps show
    # Background jobs' queue (portal/jobs): unset = SQLite at instance/jobs.db; redis://… in production.
    JOBS_URL = os.environ.get("PORTAL_JOBS_URL")
    # A job's file (an export, a PDF of notices) is kept this many days (at least one) after the job finished.
    JOB_FILE_DAYS = max(1, int(os.environ.get("PORTAL_JOB_FILE_DAYS", "7")))
    PROVINCE_CODE = os.environ.get("PROVINCE_CODE", "32")
    PAGE_SIZE = 50


def https_cookies(config: dict) -> None:
    """With HTTPS on, the cookie settings that go with it (create_app applies them after any test config)."""
    if config.get("HTTPS"):
        config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_NAME="__Host-session", SESSION_COOKIE_PATH="/",
                      SESSION_COOKIE_DOMAIN=None, REMEMBER_COOKIE_SECURE=True,
                      REMEMBER_COOKIE_NAME="__Host-remember_token", REMEMBER_COOKIE_PATH="/",
                      REMEMBER_COOKIE_DOMAIN=None)
