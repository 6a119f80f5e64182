"""The master keyring file: created in demo mode, required in production, errors that name it."""

import base64
import json
import os
import stat

import pytest

from panah.core.crypto import MasterKeyError
from panah.core.crypto.keys import (
    add_master_key,
    clear_key_caches,
    current_keyring,
    read_keyring,
)


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_key_caches()
    yield
    clear_key_caches()


def test_demo_mode_creates_the_keyring_with_mode_0600(settings, tmp_path):
    settings.DEMO = True
    settings.MASTER_KEY_FILE = str(tmp_path / "var" / "demo-master.key")
    keyring = current_keyring()
    assert len(keyring.keys) == 1
    assert stat.S_IMODE(os.stat(settings.MASTER_KEY_FILE).st_mode) == 0o600
    data = json.loads((tmp_path / "var" / "demo-master.key").read_text())
    assert data["format"] == "panah-master-keyring"
    assert data["keys"][0]["id"] == keyring.active.key_id


def test_demo_mode_reuses_an_existing_keyring(settings, tmp_path):
    settings.DEMO = True
    settings.MASTER_KEY_FILE = str(tmp_path / "master.key")
    first = current_keyring().active
    clear_key_caches()
    assert current_keyring().active == first


def test_production_refuses_a_missing_keyring_and_names_the_file(settings, tmp_path):
    settings.DEMO = False
    settings.MASTER_KEY_FILE = str(tmp_path / "missing.key")
    with pytest.raises(MasterKeyError) as exc:
        current_keyring()
    assert f"The master key file {tmp_path / 'missing.key'} does not exist" in str(exc.value)
    assert not (tmp_path / "missing.key").exists()


def test_an_unreadable_keyring_is_a_clear_error(settings, tmp_path):
    settings.DEMO = False
    (tmp_path / "a-directory").mkdir()
    settings.MASTER_KEY_FILE = str(tmp_path / "a-directory")
    with pytest.raises(MasterKeyError, match="cannot be read: Is a directory"):
        current_keyring()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("not json at all", "it is not JSON"),
        ('{"format": "something-else"}', "'format' must be 'panah-master-keyring'"),
        ('{"format": "panah-master-keyring", "version": 9, "keys": []}', "unknown version 9"),
        ('{"format": "panah-master-keyring", "version": 1, "keys": []}', "it holds no keys"),
        (
            '{"format": "panah-master-keyring", "version": 1, "keys": [{"id": "k", "key": "%%%"}]}',
            "key 'k' is not base64",
        ),
        (
            json.dumps(
                {
                    "format": "panah-master-keyring",
                    "version": 1,
                    "keys": [{"id": "k", "key": base64.b64encode(b"short").decode()}],
                }
            ),
            "key 'k' is 5 bytes, not 32",
        ),
    ],
)
def test_a_malformed_keyring_is_refused_with_the_reason(tmp_path, content, reason):
    path = tmp_path / "master.key"
    path.write_text(content)
    with pytest.raises(MasterKeyError) as exc:
        read_keyring(path)
    assert str(exc.value) == f"The master key file {path} is not a valid Panah keyring: {reason}."


def test_adding_a_master_key_keeps_the_old_ones_and_activates_the_new(settings, tmp_path):
    settings.MASTER_KEY_FILE = str(tmp_path / "master.key")
    old = current_keyring().active
    keyring, new = add_master_key()
    assert [k.key_id for k in keyring.keys] == [old.key_id, new.key_id]
    assert current_keyring().active == new
    assert read_keyring(tmp_path / "master.key").get(old.key_id) == old
    assert stat.S_IMODE(os.stat(tmp_path / "master.key").st_mode) == 0o600


def test_a_key_missing_from_the_keyring_is_named(settings, tmp_path):
    settings.MASTER_KEY_FILE = str(tmp_path / "master.key")
    keyring = current_keyring()
    with pytest.raises(MasterKeyError, match="does not hold master key 'mk-gone'"):
        keyring.require("mk-gone")
