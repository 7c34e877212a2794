"""Settings, read from the environment once, with defaults that are safe for a demo on one machine."""
import os


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")  # None → a per-instance key file is created (see create_app)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None → SQLite under instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    PORTAL_DATA_KEY = os.environ.get("PORTAL_DATA_KEY")
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "60")) * 1024 * 1024
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_MB", "50")) * 1024 * 1024
    PASSWORD_HASH_METHOD = "scrypt"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime already bounds the token
    PROVINCE_CODE = os.environ.get("PROVINCE_CODE", "32")
    PAGE_SIZE = 50
