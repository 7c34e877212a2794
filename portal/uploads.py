"""Uploaded files waiting between preview and confirmation, kept in the instance folder per user.
A token names the file; only the user who uploaded it can confirm or discard it."""
import os
import re
import secrets
import time

from flask import current_app

ALLOWED_EXTENSIONS = (".xlsx", ".xls", ".ods", ".csv")
MAX_AGE_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[a-f0-9]{32}$")


class UploadError(Exception):
    """A refusal with a Chinese message for the user."""


def _folder(user_id: int | None) -> str:
    folder = os.path.join(current_app.instance_path, "uploads", str(user_id or "cli"))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def stage(file_storage, user_id: int | None) -> tuple[str, str]:
    """Save an uploaded file; return (token, original filename)."""
    filename = os.path.basename(getattr(file_storage, "filename", None) or "")  # None: the form had no file
    if not filename:
        raise UploadError("请选择要上传的文件")
    extension = os.path.splitext(filename)[1].lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise UploadError("只能上传 Excel（.xlsx、.xls）、.ods 或 CSV 文件")
    _sweep(_folder(user_id))
    token = secrets.token_hex(16)
    file_storage.save(os.path.join(_folder(user_id), token + extension))
    with open(os.path.join(_folder(user_id), token + ".name"), "w", encoding="utf-8") as handle:
        handle.write(filename)
    return token, filename


def staged(token: str, user_id: int | None) -> tuple[str, str]:
    """(path, original filename) of a staged upload, or UploadError if it is gone or not this user's."""
    if not TOKEN.match(token or ""):
        raise UploadError("上传的文件已失效，请重新上传")
    folder = _folder(user_id)
    for extension in ALLOWED_EXTENSIONS:
        path = os.path.join(folder, token + extension)
        if os.path.exists(path):
            with open(os.path.join(folder, token + ".name"), encoding="utf-8") as handle:
                return path, handle.read()
    raise UploadError("上传的文件已失效，请重新上传")


def discard(token: str, user_id: int | None) -> None:
    if not TOKEN.match(token or ""):
        return
    folder = _folder(user_id)
    for name in os.listdir(folder):
        if name.startswith(token + "."):
            os.remove(os.path.join(folder, name))


def _sweep(folder: str) -> None:
    """Forget uploads that were never confirmed."""
    cutoff = time.time() - MAX_AGE_SECONDS
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.getmtime(path) < cutoff:
            os.remove(path)
