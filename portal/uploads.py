"""Uploaded files waiting between preview and confirmation (or the refused-rows download), kept in the instance
folder per user. A token names the file; only the user who uploaded it can read, confirm or discard it.

The files hold full ID numbers, so while staged they are sealed with the data key (AES-GCM, portal.protect) in
files only the portal's own user can read (0600, folders 0700); they go at confirmation or discard, and whatever
is older than an hour is swept: on every upload, at start and by `flask --app wsgi sweep-uploads`."""
import os
import re
import secrets
import time

import click
from flask import current_app

from portal.errors import DomainError
from portal.protect import ProtectedDataError, protector

ALLOWED_EXTENSIONS = (".xlsx", ".xls", ".ods", ".csv")
MAX_AGE_SECONDS = 3600
TOKEN = re.compile(r"^[a-f0-9]{32}$")
SEALED = ".sealed"  # token.sealed = sealed(original filename, NUL, the file's bytes)
GONE = "上传的文件已失效（超过一小时或已处理），请重新上传"


class UploadError(DomainError):
    """A refusal with a Chinese message for the user."""


def _root(instance_path: str) -> str:
    root = os.path.join(instance_path, "uploads")
    os.makedirs(root, mode=0o700, exist_ok=True)
    os.chmod(root, 0o700)  # a folder made by an older portal may have been left readable by others
    return root


def _folder(user_id: int | None) -> str:
    folder = os.path.join(_root(current_app.instance_path), str(user_id or "cli"))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def _path(token: str, user_id: int | None) -> str:
    return os.path.join(_folder(user_id), token + SEALED)


def stage(file_storage, user_id: int | None) -> tuple[str, str]:
    """Seal an uploaded file away; return (token, original filename)."""
    filename = os.path.basename(getattr(file_storage, "filename", None) or "")  # None: the form had no file
    if not filename:
        raise UploadError("请选择要上传的文件")
    extension = os.path.splitext(filename)[1].lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise UploadError("只能上传 Excel（.xlsx、.xls）、.ods 或 CSV 文件")
    sweep(current_app.instance_path)
    token = secrets.token_hex(16)
    sealed = protector().seal_file(filename.replace("\0", "").encode("utf-8") + b"\0" + file_storage.read())
    descriptor = os.open(_path(token, user_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(sealed)
    return token, filename


def staged(token: str, user_id: int | None) -> tuple[bytes, str]:
    """(the file's bytes, original filename) of a staged upload — what every importer reads as its source — or
    UploadError if it is gone, swept, not this user's, or no longer opens under the data key."""
    if not TOKEN.match(token or ""):
        raise UploadError(GONE)
    try:
        with open(_path(token, user_id), "rb") as handle:
            plain = protector().open_file(handle.read())
    except (FileNotFoundError, ProtectedDataError):
        raise UploadError(GONE) from None
    name, _, content = plain.partition(b"\0")
    return content, name.decode("utf-8")


def discard(token: str, user_id: int | None) -> None:
    if not TOKEN.match(token or ""):
        return
    folder = _folder(user_id)
    for name in os.listdir(folder):
        if name.startswith(token + "."):
            os.remove(os.path.join(folder, name))


def sweep(instance_path: str, max_age: float = MAX_AGE_SECONDS, now: float | None = None) -> int:
    """Remove every user's staged files older than max_age seconds, and at once any file an older portal left
    unsealed; returns how many went."""
    cutoff, removed = (now or time.time()) - max_age, 0
    root = _root(instance_path)
    for folder in (os.path.join(root, entry) for entry in os.listdir(root)):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            try:
                if not name.endswith(SEALED) or os.path.getmtime(path) < cutoff:
                    os.remove(path)
                    removed += 1
            except FileNotFoundError:  # another worker swept it first
                pass
    return removed


@click.command("sweep-uploads")
def sweep_uploads_command():
    """删除超过一小时仍未确认的上传文件（启动时也会清理）。"""
    removed = sweep(current_app.instance_path)
    click.echo(f"已删除 {removed} 个过期的上传文件")
