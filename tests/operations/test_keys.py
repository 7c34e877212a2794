"""Issue 14.9: the data key outside the data folder, and rotate-key re-encrypting every encrypted column while
the portal keeps running."""
import base64
import os

import pytest
from sqlalchemy import LargeBinary, select

from factories import make_id_number, make_library_person, make_user
from portal import protect
from portal.accounts.models import User
from portal.extensions import db
from portal.keys import blobs_under_old_keys, reencrypt
from portal.library.models import LibraryRecord
from portal.models import ENCRYPTED_COLUMNS
from portal.vocab import Role

TEST_KEY = base64.b64encode(b"k" * 32).decode()  # tests/conftest.py's key


def test_every_encrypted_column_of_the_schema_is_in_the_one_registry():
    registered = {(column.table.name, column.name) for column in ENCRYPTED_COLUMNS}
    ciphers = {(table.name, column.name) for table in db.metadata.sorted_tables for column in table.columns
               if column.name.endswith("_cipher") or (isinstance(column.type, LargeBinary)
                                                      and not column.name.endswith("_hash"))}
    assert ciphers and ciphers <= registered, f"add to portal.models.ENCRYPTED_COLUMNS: {ciphers - registered}"


@pytest.fixture
def key_file_app(app, tmp_path, monkeypatch):
    """The test app reading its key ring from a file outside its instance folder (PORTAL_DATA_KEY_FILE)."""
    monkeypatch.setattr(protect, "RELOAD_SECONDS", 0)
    path = tmp_path / "keys" / "portal.key"
    path.parent.mkdir()
    path.write_text(TEST_KEY + "\n")
    path.chmod(0o600)
    saved = dict(app.config)
    app.config.update(PORTAL_DATA_KEY=None, PORTAL_DATA_KEY_FILE=str(path))
    protect.init_protector(app)
    yield app, path
    app.config.update(saved)
    protect.init_protector(app)


def test_the_key_file_named_outside_the_data_folder_is_used_and_must_exist(app, tmp_path):
    with pytest.raises(protect.KeyConfigError, match="不存在"):
        protect.load_ring(str(tmp_path), environ={"PORTAL_DATA_KEY_FILE": str(tmp_path / "missing.key")})
    assert not (tmp_path / "data.key").exists()  # never silently a new key beside the data


def test_rotation_reencrypts_everything_and_keeps_digests(key_file_app):
    app, path = key_file_app
    number = make_id_number(serial=7)
    person = make_library_person(number, "张小明")
    user = make_user(Role.COUNTY, region=None)
    db.session.commit()
    old = protect.protector()
    old_blob, old_digest = person.id_cipher, old.digest(number)
    secret = old.decrypt(user.totp_cipher)

    runner = app.test_cli_runner()
    result = runner.invoke(args=["rotate-key"])
    assert result.exit_code == 0, result.output
    assert "library_record.id_cipher：重新加密 1 条" in result.output
    assert "user_account.totp_cipher：重新加密 1 条" in result.output

    new = protect.protector()
    assert new.key_id != old.key_id and old.key_id in new.key_ids  # the old key is still readable
    db.session.expire_all()
    person, user = db.session.get(LibraryRecord, person.id), db.session.get(User, user.id)
    assert person.id_cipher != old_blob and new.is_current(person.id_cipher)
    assert new.decrypt(person.id_cipher) == number and new.decrypt(user.totp_cipher) == secret
    assert new.digest(number) == old_digest  # matching and look-ups keep working across the rotation
    assert db.session.scalar(select(LibraryRecord.id).where(LibraryRecord.id_hash == new.digest(number))) == person.id

    # a process still holding the old ring wrote meanwhile: retiring the old key is refused until --resume
    db.session.add(make_library_person(make_id_number(serial=8), "李小红"))
    db.session.flush()
    db.session.execute(LibraryRecord.__table__.update().where(LibraryRecord.name == "李小红")
                       .values(id_cipher=old.encrypt(make_id_number(serial=8))))
    db.session.commit()
    refused = runner.invoke(args=["rotate-key", "--retire-old"])
    assert refused.exit_code != 0 and "仍有数据使用旧密钥加密" in refused.output
    assert runner.invoke(args=["rotate-key", "--resume"]).exit_code == 0
    assert sum(blobs_under_old_keys().values()) == 0
    retired = runner.invoke(args=["rotate-key", "--retire-old"])
    assert retired.exit_code == 0, retired.output
    ring, digest_key = protect.parse_ring(path.read_text(), "test")
    assert len(ring) == 1 and digest_key == old.digest_key
    assert protect.protector().key_ids == [new.key_id]
    with pytest.raises(protect.ProtectedDataError):
        protect.protector().decrypt(old_blob)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_other_processes_pick_up_the_new_ring(key_file_app, tmp_path):
    """A second app (another gunicorn worker) reading the same file encrypts under the new key after a rotation."""
    from flask import Flask

    app, path = key_file_app
    other = Flask("other_worker", instance_path=str(tmp_path / "other"))
    other.config.update(PORTAL_DATA_KEY=None, PORTAL_DATA_KEY_FILE=str(path))
    protect.init_protector(other)
    with other.app_context():
        before = protect.protector().key_id
    app.test_cli_runner().invoke(args=["rotate-key"])
    os.utime(path, ns=(1, 1))  # same-second rewrite: the inode changed anyway, this only makes it explicit
    with other.app_context():
        after = protect.protector()
        assert after.key_id != before and after.key_id == protect.protector().key_id
        assert after.decrypt(app.extensions["protector"].encrypt("x")) == "x"


def test_rotation_refuses_a_key_from_the_environment(app):
    result = app.test_cli_runner().invoke(args=["rotate-key"])
    assert result.exit_code != 0 and "环境变量" in result.output


def test_legacy_blobs_without_key_id_are_read_and_rotated(key_file_app):
    """Values stored before key ids existed (version 1) are read under the ring and rewritten by the rotation."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    app, _path = key_file_app
    number = make_id_number(serial=9)
    person = make_library_person(number, "王小华")
    aead = AESGCM(protect._derive(base64.b64decode(TEST_KEY), protect._ENCRYPTION_INFO))
    nonce = os.urandom(12)
    person.id_cipher = b"\x01" + nonce + aead.encrypt(nonce, number.encode(), b"\x01")
    db.session.commit()
    assert protect.protector().decrypt(person.id_cipher) == number
    assert reencrypt()["library_record.id_cipher"] == 1
    db.session.expire_all()
    assert protect.protector().is_current(db.session.get(LibraryRecord, person.id).id_cipher)
