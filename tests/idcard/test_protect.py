"""Tests for portal.protect: AES-GCM encryption beside keyed digests, key loading, and the Flask accessor."""
import base64
import hashlib
import hmac
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal import protect
from portal.protect import KeyConfigError, ProtectedDataError, Protector

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
ID_NUMBER = "11010519491231002X"


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture
def protector():
    return Protector(KEY)


# ---------------------------------------------------------------- Protector

def test_round_trip(protector):
    for value in (ID_NUMBER, "6222021234567891234", "", "张三 身份证 ＸＸ"):
        assert protector.decrypt(protector.encrypt(value)) == value


def test_ciphertext_layout_and_randomness(protector):
    first, second = protector.encrypt(ID_NUMBER), protector.encrypt(ID_NUMBER)
    assert first != second
    assert first[0] == 2  # version byte
    assert first[1:5] == protector.key_id  # the key id, so a rotated ring knows which key to read it with
    assert len(first) == 1 + 4 + 12 + len(ID_NUMBER) + 16
    assert ID_NUMBER.encode() not in first


def test_decrypt_accepts_memoryview_and_bytearray(protector):
    blob = protector.encrypt(ID_NUMBER)
    assert protector.decrypt(memoryview(blob)) == ID_NUMBER
    assert protector.decrypt(bytearray(blob)) == ID_NUMBER


@pytest.mark.parametrize("position", [0, 1, 5, 16, 17, 25, -1])  # version, key id, nonce, ciphertext, tag
def test_tampered_blob_is_refused(protector, position):
    blob = bytearray(protector.encrypt(ID_NUMBER))
    blob[position] ^= 0x01
    with pytest.raises(ProtectedDataError):
        protector.decrypt(bytes(blob))


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x01" + bytes(28), "not bytes", None])
def test_malformed_blob_is_refused(protector, blob):
    with pytest.raises(ProtectedDataError):
        protector.decrypt(blob)


def test_blob_from_another_key_is_refused(protector):
    with pytest.raises(ProtectedDataError, match="密钥"):
        Protector(OTHER_KEY).decrypt(protector.encrypt(ID_NUMBER))


def test_digest_is_deterministic_and_short(protector):
    digest = protector.digest(ID_NUMBER)
    assert isinstance(digest, bytes) and len(digest) == 16
    assert digest == protector.digest(ID_NUMBER) == Protector(KEY).digest(ID_NUMBER)
    assert digest != protector.digest("110105194912310029")


def test_different_keys_give_different_digests(protector):
    assert protector.digest(ID_NUMBER) != Protector(OTHER_KEY).digest(ID_NUMBER)
    assert protector.fingerprint != Protector(OTHER_KEY).fingerprint


def test_digest_is_truncated_hmac_sha256_under_hkdf_subkey(protector):
    hash_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal-hash-v1").derive(KEY)
    expected = hmac.new(hash_key, ID_NUMBER.encode(), hashlib.sha256).digest()[:16]
    assert protector.digest(ID_NUMBER) == expected


def test_digest_is_not_a_plain_hash(protector):
    assert protector.digest(ID_NUMBER) != hashlib.sha256(ID_NUMBER.encode()).digest()[:16]


def test_prepared_hmac_equals_standard_hmac():
    for key in (KEY, OTHER_KEY, os.urandom(32), b"k"):
        keyed_hash = protect._HmacSha256(key)
        for message in (b"", b"x", ID_NUMBER.encode(), os.urandom(200)):
            assert keyed_hash(message) == hmac.digest(key, message, "sha256")
            assert keyed_hash(message) == hmac.digest(key, message, "sha256")  # prepared states are not consumed


def test_bulk_helpers_match_single_calls(protector):
    values = [ID_NUMBER, "320102200901011233", "6222021234567891234"]
    assert protector.digest_many(values) == [protector.digest(value) for value in values]
    assert protector.digest_many(iter(values)) == [protector.digest(value) for value in values]
    blobs = protector.encrypt_many(value for value in values)
    assert [protector.decrypt(blob) for blob in blobs] == values
    assert len({blob[5:17] for blob in blobs}) == 3  # distinct nonces
    assert protector.encrypt_many([]) == [] and protector.digest_many([]) == []


@pytest.mark.parametrize("bad_key", [b"", bytes(16), bytes(31), bytes(33), b64(KEY)])
def test_master_key_must_be_32_bytes(bad_key):
    with pytest.raises(KeyConfigError):
        Protector(bad_key)


def test_repr_does_not_show_key_material(protector):
    text = repr(protector)
    assert KEY.hex() not in text and b64(KEY) not in text
    assert protector.fingerprint in text


# ---------------------------------------------------------------- load_key

def test_load_key_creates_private_file_and_reuses_it(tmp_path):
    instance = tmp_path / "instance"
    key = protect.load_key(str(instance), environ={})
    key_file = instance / "data.key"
    assert len(key) == 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert base64.b64decode(key_file.read_text().strip()) == key
    assert protect.load_key(str(instance), environ={}) == key
    assert [path.name for path in instance.iterdir()] == ["data.key"]  # no temporary files left behind


def test_each_instance_gets_its_own_key(tmp_path):
    assert protect.load_key(str(tmp_path / "a"), environ={}) != protect.load_key(str(tmp_path / "b"), environ={})


def test_environment_takes_precedence_over_file(tmp_path):
    file_key = protect.load_key(str(tmp_path), environ={})
    assert protect.load_key(str(tmp_path), environ={"PORTAL_DATA_KEY": b64(KEY)}) == KEY != file_key


def test_environment_key_does_not_create_a_file(tmp_path):
    assert protect.load_key(str(tmp_path), environ={"PORTAL_DATA_KEY": b64(KEY) + "\n"}) == KEY
    assert not (tmp_path / "data.key").exists()


def test_blank_environment_variable_falls_back_to_file(tmp_path):
    key = protect.load_key(str(tmp_path), environ={"PORTAL_DATA_KEY": "  "})
    assert (tmp_path / "data.key").exists() and len(key) == 32


@pytest.mark.parametrize("value", ["not base64!", b64(bytes(16)), b64(bytes(64))])
def test_bad_environment_key_is_an_error(tmp_path, value):
    with pytest.raises(KeyConfigError, match="PORTAL_DATA_KEY"):
        protect.load_key(str(tmp_path), environ={"PORTAL_DATA_KEY": value})


def test_corrupt_key_file_is_an_error_and_is_kept(tmp_path):
    key_file = tmp_path / "data.key"
    key_file.write_text("garbage")
    with pytest.raises(KeyConfigError, match="data.key"):
        protect.load_key(str(tmp_path), environ={})
    assert key_file.read_text() == "garbage"


def test_concurrent_first_use_agrees_on_one_key(tmp_path):
    keys, barrier = [], threading.Barrier(8)

    def start_worker():
        barrier.wait()
        keys.append(protect.load_key(str(tmp_path), environ={}))

    threads = [threading.Thread(target=start_worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert [path.name for path in tmp_path.iterdir()] == ["data.key"]


# ---------------------------------------------------------------- Flask wiring

def make_app(tmp_path, **config):
    from flask import Flask

    app = Flask("protect_test", instance_path=str(tmp_path / "instance"))
    app.config.update(config)
    return app


def test_app_config_key_comes_first(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATA_KEY", b64(OTHER_KEY))
    app = make_app(tmp_path, PORTAL_DATA_KEY=b64(KEY))
    protect.init_protector(app)
    with app.app_context():
        assert protect.protector() is app.extensions["protector"]
        assert protect.protector().digest(ID_NUMBER) == Protector(KEY).digest(ID_NUMBER)
    assert not (tmp_path / "instance" / "data.key").exists()


def test_environment_used_when_config_is_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATA_KEY", b64(OTHER_KEY))
    app = make_app(tmp_path, PORTAL_DATA_KEY=None)
    assert protect.init_protector(app).fingerprint == Protector(OTHER_KEY).fingerprint


def test_instance_file_used_last(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_DATA_KEY", raising=False)
    app = make_app(tmp_path)
    first = protect.init_protector(app)
    assert (tmp_path / "instance" / "data.key").exists()
    again = protect.init_protector(make_app(tmp_path))
    assert again.digest(ID_NUMBER) == first.digest(ID_NUMBER)
    assert again.decrypt(first.encrypt(ID_NUMBER)) == ID_NUMBER


def test_bad_config_key_stops_the_app(tmp_path):
    with pytest.raises(KeyConfigError):
        protect.init_protector(make_app(tmp_path, PORTAL_DATA_KEY="short"))


def test_protector_without_init_is_a_clear_error(tmp_path):
    with make_app(tmp_path).app_context():
        with pytest.raises(RuntimeError, match="init_protector"):
            protect.protector()


def test_module_does_not_import_flask():
    module_path = Path(protect.__file__)
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('protect_alone', {str(module_path)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "module.Protector(bytes(32)).digest('x')\n"
        "assert 'flask' not in sys.modules, 'flask was imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
