"""Protected storage of sensitive numbers (ID numbers, bank cards): AES-GCM ciphertext for showing them again,
beside a keyed HMAC-SHA256 digest that matching, duplicate checks and look-ups join on."""
from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import stat
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:  # Flask is imported lazily, so this module also works in scripts and tests without an app
    from flask import Flask

__all__ = [
    "KEY_ENV_VAR",
    "KEY_FILE_NAME",
    "DIGEST_SIZE",
    "KeyConfigError",
    "ProtectedDataError",
    "Protector",
    "decode_key",
    "load_key",
    "init_protector",
    "protector",
]

KEY_ENV_VAR = "PORTAL_DATA_KEY"
KEY_FILE_ENV_VAR = "PORTAL_DATA_KEY_FILE"  # production: a key file outside the data folder (and its backups)
KEY_FILE_NAME = "data.key"
DIGEST_PREFIX = "digest:"
RELOAD_SECONDS = 2.0  # how often a running process looks whether its key file was replaced (rotate-key)
MASTER_KEY_SIZE = 32
# 16 bytes (128 bits) of HMAC-SHA256: with a few million numbers the chance of any two colliding is about
# n²/2¹²⁹ ≈ 10⁻²⁶, and halving the stored size keeps the index on every joined column small. Guessing
# resistance comes from the secret key, not the digest length: without the key no one can even start to
# enumerate the ~10¹¹ plausible ID numbers, and with it any length would be enumerable.
DIGEST_SIZE = 16

_ENCRYPTION_INFO = b"portal-enc-v1"
_HASHING_INFO = b"portal-hash-v1"
_FINGERPRINT_INFO = b"portal-keycheck-v1"
_FORMAT_VERSION = 2  # version (1) | key id (4) | nonce | ciphertext + tag
_VERSION_BYTE = bytes([_FORMAT_VERSION])
_LEGACY_VERSION = 1  # version (1) | nonce | ciphertext + tag, before key ids: tried under every key of the ring
_KEY_ID_INFO = b"portal-keyid-v1"
_KEY_ID_SIZE = 4
_NONCE_SIZE = 12
_TAG_SIZE = 16

log = logging.getLogger(__name__)


class KeyConfigError(RuntimeError):
    """The data key is missing, malformed or unreadable. The app must not start with it."""


class ProtectedDataError(ValueError):
    """A stored blob is damaged, tampered with, or was encrypted under another key."""


def _derive(master_key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master_key)


class _HmacSha256:
    """HMAC-SHA256 (RFC 2104) under one fixed key, with the key's inner and outer pad states hashed once.

    Equal to hmac.digest(key, message, "sha256") (the tests check this), but each call only copies two
    prepared hash states, where hmac.digest()/hmac.new() have OpenSSL 3 look the algorithm up anew on every
    call, and an import digests every row. Keys here are 32 bytes, below SHA-256's 64-byte block.
    """

    def __init__(self, key: bytes):
        padded = key.ljust(hashlib.sha256().block_size, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in padded))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in padded))

    def __call__(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


class Protector:
    """Encrypts and digests sensitive values under subkeys derived from 32-byte master keys (a key ring).

    The ring's first key encrypts; every key of the ring decrypts, so `flask rotate-key` can re-encrypt the
    stored values while the portal keeps running. Digests use one digest key that rotation keeps: every
    table joins on them. Callers pass canonical values (e.g. idcard.validate() output), so the same person
    always gets the same digest. Ciphertext layout: version byte (2) | key id (4) | random nonce (12) |
    AES-256-GCM ciphertext + tag (16); version and key id are the associated data, so neither can be altered
    unnoticed. Blobs of version 1 (no key id) are still read.
    """

    def __init__(self, master_key: bytes | list[bytes], digest_key: bytes | None = None):
        keys = list(master_key) if isinstance(master_key, (list, tuple)) else [master_key]
        if not keys:
            raise KeyConfigError("没有配置数据密钥")
        for key in keys:
            if not isinstance(key, (bytes, bytearray)) or len(key) != MASTER_KEY_SIZE:
                raise KeyConfigError(f"数据密钥应为 {MASTER_KEY_SIZE} 字节")
        keys = [bytes(key) for key in keys]
        if digest_key is None:
            if len(keys) > 1:
                raise KeyConfigError("密钥环中有多把数据密钥时，须同时给出 digest: 摘要密钥")
            digest_key = _derive(keys[0], _HASHING_INFO)
        if len(digest_key) != MASTER_KEY_SIZE:
            raise KeyConfigError(f"摘要密钥应为 {MASTER_KEY_SIZE} 字节")
        self.digest_key = bytes(digest_key)  # kept by rotation; it cannot decrypt anything
        self._ring = {_key_id(key): AESGCM(_derive(key, _ENCRYPTION_INFO)) for key in keys}
        self.key_id = _key_id(keys[0])
        self.key_ids = list(self._ring)
        self._aead = self._ring[self.key_id]
        self._prefix = _VERSION_BYTE + self.key_id
        self._keyed_hash = _HmacSha256(self.digest_key)
        # Safe to show and store: tells whether two deployments (or a restored backup) use the same key.
        self.fingerprint = _derive(keys[0], _FINGERPRINT_INFO)[:8].hex()

    def __repr__(self) -> str:  # never show key material in logs or tracebacks
        return f"<Protector key {self.fingerprint}>"

    def digest(self, value: str) -> bytes:
        """Deterministic 16-byte keyed digest: equal values give equal digests, so SQL can join on it."""
        return self._keyed_hash(value.encode("utf-8"))[:DIGEST_SIZE]

    def digest_many(self, values: Iterable[str]) -> list[bytes]:
        """digest() for a whole import batch, without per-call attribute look-ups."""
        keyed_hash, size = self._keyed_hash, DIGEST_SIZE
        return [keyed_hash(value.encode("utf-8"))[:size] for value in values]

    def encrypt(self, value: str) -> bytes:
        """Randomised: the same value encrypts differently every time (look it up by digest, not ciphertext)."""
        # Random 96-bit nonces stay safe far beyond the province's scale (the limit is ~2³² per key).
        nonce = os.urandom(_NONCE_SIZE)
        return self._prefix + nonce + self._aead.encrypt(nonce, value.encode("utf-8"), self._prefix)

    def encrypt_many(self, values: Iterable[str]) -> list[bytes]:
        """encrypt() for a whole import batch; draws all nonces with one call to the OS random source."""
        values = values if isinstance(values, (list, tuple)) else list(values)
        nonces = os.urandom(_NONCE_SIZE * len(values))
        seal, prefix = self._aead.encrypt, self._prefix
        blobs = []
        for start, value in zip(range(0, len(nonces), _NONCE_SIZE), values):
            nonce = nonces[start:start + _NONCE_SIZE]
            blobs.append(prefix + nonce + seal(nonce, value.encode("utf-8"), prefix))
        return blobs

    def decrypt(self, blob: bytes | bytearray | memoryview) -> str:
        """The original value; ProtectedDataError if the blob was altered or belongs to no key of the ring."""
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            raise ProtectedDataError("加密数据格式不正确")
        blob = bytes(blob)
        if len(blob) >= 1 + _NONCE_SIZE + _TAG_SIZE and blob[0] == _LEGACY_VERSION:
            nonce, sealed, version = blob[1:1 + _NONCE_SIZE], blob[1 + _NONCE_SIZE:], blob[:1]
            for aead in self._ring.values():  # no key id: the current key first, then the older ones
                try:
                    return aead.decrypt(nonce, sealed, version).decode("utf-8")
                except InvalidTag:
                    continue
            raise ProtectedDataError("加密数据已损坏，或不是用当前密钥加密的")
        return self._open(blob, b"", "数据").decode("utf-8")

    def _open(self, blob: bytes, extra_data: bytes, what: str) -> bytes:
        """A version-2 blob (version | key id | nonce | sealed) opened under its key of the ring; `extra_data` is
        the associated data beyond the header (a file's), `what` names it in the refusal (数据 / 文件)."""
        header = 1 + _KEY_ID_SIZE
        if len(blob) < header + _NONCE_SIZE + _TAG_SIZE or blob[0] != _FORMAT_VERSION:
            raise ProtectedDataError(f"加密{what}格式不正确或版本不受支持")
        aead = self._ring.get(blob[1:header])
        if aead is None:
            raise ProtectedDataError(f"加密{what}是用另一把密钥加密的（密钥环中没有这把密钥）")
        try:
            return aead.decrypt(blob[header:header + _NONCE_SIZE], blob[header + _NONCE_SIZE:], blob[:header] + extra_data)
        except InvalidTag:
            raise ProtectedDataError(f"加密{what}已损坏，或不是用当前密钥加密的") from None

    def is_current(self, blob: bytes | bytearray | memoryview | None) -> bool:
        """Whether a stored blob is already under the ring's first key (rotate-key skips those)."""
        if blob is None:
            return True
        blob = bytes(blob)
        return blob[:1] == _VERSION_BYTE and blob[1:1 + _KEY_ID_SIZE] == self.key_id

    # Whole files (an upload held between preview and confirmation): the same ring and layout, and associated data
    # of their own, so a sealed file can never be passed off as a sealed value or the other way round.
    def seal_file(self, content: bytes) -> bytes:
        nonce = os.urandom(_NONCE_SIZE)
        return self._prefix + nonce + self._aead.encrypt(nonce, content, self._prefix + _FILE_AD)

    def open_file(self, blob: bytes) -> bytes:
        """The sealed file's bytes; ProtectedDataError if it was altered or sealed under a key not in the ring."""
        return self._open(bytes(blob), _FILE_AD, "文件")


_FILE_AD = b"staged-file"


def _key_id(master_key: bytes) -> bytes:
    return _derive(master_key, _KEY_ID_INFO)[:_KEY_ID_SIZE]


def decode_key(text: str | bytes, source: str) -> bytes:
    """A master key from its configured form: base64 text of 32 bytes (raw 32 bytes are accepted too)."""
    if isinstance(text, (bytes, bytearray)) and len(text) == MASTER_KEY_SIZE:
        return bytes(text)
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError, TypeError, AttributeError):
        raise KeyConfigError(f"{source} 中的数据密钥不是有效的 base64 文本") from None
    if len(key) != MASTER_KEY_SIZE:
        raise KeyConfigError(f"{source} 中的数据密钥应为 {MASTER_KEY_SIZE} 字节（base64 编码），现在是 {len(key)} 字节")
    return key


def parse_ring(text: str | bytes, source: str) -> tuple[list[bytes], bytes | None]:
    """A key ring from its text: base64 master keys separated by blanks or lines, the encrypting key first,
    then older keys still read during a rotation; optionally `digest:<base64>`, the digest key that a
    rotation keeps. Lines starting with # are comments. One key alone is the ordinary case."""
    if isinstance(text, (bytes, bytearray)):
        if len(text) == MASTER_KEY_SIZE:
            return [bytes(text)], None
        text = text.decode("ascii", errors="replace")
    masters, digest_key = [], None
    for line in text.splitlines():
        if line.strip().startswith("#"):
            continue
        for token in line.split():
            if token.startswith(DIGEST_PREFIX):
                digest_key = decode_key(token[len(DIGEST_PREFIX):], source)
            else:
                masters.append(decode_key(token, source))
    if not masters:
        raise KeyConfigError(f"{source} 中没有数据密钥")
    return masters, digest_key


def format_ring(masters: list[bytes], digest_key: bytes | None) -> str:
    lines = ["# 数据密钥环：第一行加密，其余行仅用于读取轮换前的数据；digest: 为摘要密钥（轮换时保持不变）"]
    lines += [base64.b64encode(key).decode() for key in masters]
    if digest_key is not None:
        lines.append(DIGEST_PREFIX + base64.b64encode(digest_key).decode())
    return "\n".join(lines) + "\n"


def key_file_path(instance_path: str, environ: Mapping[str, str] = os.environ, configured: str | None = None) -> str | None:
    """Where the key ring is read from: None when it comes from the environment itself."""
    value = environ.get(KEY_ENV_VAR)
    if value and value.strip():
        return None
    path = configured or environ.get(KEY_FILE_ENV_VAR)
    if path and path.strip():
        return os.path.abspath(path.strip())
    return os.path.join(instance_path, KEY_FILE_NAME)


def load_key(instance_path: str, environ: Mapping[str, str] = os.environ) -> bytes:
    """The encrypting master key (see load_ring)."""
    return load_ring(instance_path, environ)[0][0]


def load_ring(instance_path: str, environ: Mapping[str, str] = os.environ,
              key_file: str | None = None) -> tuple[list[bytes], bytes | None]:
    """The key ring: $PORTAL_DATA_KEY if set; else the file $PORTAL_DATA_KEY_FILE names (it must exist: in
    production it lives outside the data folder, apart from the backups); else `data.key` in the instance
    folder, created on first use (the one-command demo).

    The instance folder is git-ignored, so the key never lands in the repository. An existing file that
    cannot be decoded is an error, never overwritten: replacing it would orphan every encrypted record.
    """
    configured = environ.get(KEY_ENV_VAR)
    if configured and configured.strip():
        return parse_ring(configured, f"环境变量 {KEY_ENV_VAR}")
    path = key_file_path(instance_path, environ, key_file)
    if path != os.path.join(instance_path, KEY_FILE_NAME):
        if not os.path.exists(path):
            raise KeyConfigError(f"{KEY_FILE_ENV_VAR} 指定的密钥文件 {path} 不存在")
        return _read_key_file(path)
    if not os.path.exists(path):
        _create_key_file(instance_path, path)
    return _read_key_file(path)


def _read_key_file(path: str) -> bytes:
    try:
        with open(path, "rb") as key_file:
            mode = os.fstat(key_file.fileno()).st_mode
            text = key_file.read()
    except OSError as error:
        raise KeyConfigError(f"无法读取数据密钥文件 {path}：{error}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("Data key file %s is readable by other users; run: chmod 600 %s", path, path)
    return parse_ring(text, f"密钥文件 {path}")


def _create_key_file(instance_path: str, path: str) -> None:
    """Write a fresh key to a private temporary file, then link it into place.

    os.link fails if data.key already exists, so when several workers start at once exactly one key wins
    and nobody ever reads a half-written file; the losers simply read the winner's key.
    """
    os.makedirs(instance_path, exist_ok=True)
    temporary = os.path.join(instance_path, f".{KEY_FILE_NAME}.{os.getpid()}.{os.urandom(4).hex()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as key_file:
            key_file.write(base64.b64encode(os.urandom(MASTER_KEY_SIZE)) + b"\n")
            key_file.flush()
            os.fsync(key_file.fileno())  # losing the key in a crash would lose the data
        try:
            os.link(temporary, path)
        except FileExistsError:
            return  # another worker won the race; its key is used
        _fsync_directory(instance_path)
        log.warning("Created a new data key at %s. Back it up: encrypted records cannot be read without it.", path)
    finally:
        os.unlink(temporary)


def _fsync_directory(directory: str) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible on every platform; the file itself is already synced
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write_ring(path: str, masters: list[bytes], digest_key: bytes | None) -> None:
    """Replace a key file at once (a private temporary file renamed over it): a reader sees the old ring or
    the new one, never half of one. Running processes notice the new file within RELOAD_SECONDS."""
    directory = os.path.dirname(path) or "."
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(4).hex()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as key_file:
            key_file.write(format_ring(masters, digest_key))
            key_file.flush()
            os.fsync(key_file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _signature(path: str) -> tuple | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


def init_protector(app: Flask) -> Protector:
    """Bind a Protector to the app. Key: app.config["PORTAL_DATA_KEY"], else the environment, else the file
    app.config["PORTAL_DATA_KEY_FILE"] / $PORTAL_DATA_KEY_FILE names, else instance/data.key."""
    configured = app.config.get(KEY_ENV_VAR)
    if configured and (not isinstance(configured, str) or configured.strip()):
        masters, digest_key = parse_ring(configured, f"配置项 {KEY_ENV_VAR}")
        app.extensions["protector_file"] = None
    else:
        key_file = app.config.get(KEY_FILE_ENV_VAR)
        masters, digest_key = load_ring(app.instance_path, key_file=key_file)
        path = key_file_path(app.instance_path, configured=key_file)  # None: the ring is in the environment
        app.extensions["protector_file"] = [path, _signature(path), time.monotonic()] if path else None
    app.extensions["protector"] = Protector(masters, digest_key)
    return app.extensions["protector"]


def key_source(app: Flask) -> str | None:
    """The key file this app reads its ring from; None when the ring comes from the configuration/environment."""
    found = app.extensions.get("protector_file")
    return found[0] if found else None


def protector() -> Protector:
    """The current app's Protector (inside a request, CLI command or app context). When the key file was
    replaced (rotate-key), the new ring is read: every process then encrypts under the new key."""
    from flask import current_app

    try:
        current = current_app.extensions["protector"]
    except KeyError:
        raise RuntimeError("Protector is not set up: call portal.protect.init_protector(app) in create_app()") from None
    watched = current_app.extensions.get("protector_file")
    if watched and time.monotonic() - watched[2] >= RELOAD_SECONDS:
        watched[2] = time.monotonic()
        signature = _signature(watched[0])
        if signature is not None and signature != watched[1]:
            current = reload_protector(current_app._get_current_object())
    return current


def reload_protector(app: Flask) -> Protector:
    watched = app.extensions["protector_file"]
    masters, digest_key = _read_key_file(watched[0])
    watched[1], watched[2] = _signature(watched[0]), time.monotonic()
    app.extensions["protector"] = Protector(masters, digest_key)
    return app.extensions["protector"]
