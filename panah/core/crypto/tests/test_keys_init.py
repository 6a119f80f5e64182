"""`panah keys init`: a new server's first master keyring, created once and never overwritten."""

from __future__ import annotations

import io
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope, scopes_disabled

from panah.core.crypto import keyring_init
from panah.core.crypto.keys import (
    active_organisation_key,
    clear_key_caches,
    current_keyring,
    new_master_key,
    read_keyring,
    write_keyring,
)
from panah.core.models import AuditEntry

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture(autouse=True)
def _production(settings, tmp_path):
    """Production mode, with the keys folder of docs/deploy.md (mode 0700) and no keyring yet."""
    clear_key_caches()
    settings.DEMO = False
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    settings.MASTER_KEY_FILE = str(keys / "master.key")
    yield
    clear_key_caches()


def keyring_path(settings) -> Path:
    return Path(settings.MASTER_KEY_FILE)


def init() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("keys", "init", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(match: str) -> CommandError:
    with pytest.raises(CommandError, match=match) as exc:
        init()
    return exc.value


def test_init_creates_a_one_key_keyring_with_mode_0600_and_the_share_folder(db, settings):
    out, err = init()

    path = keyring_path(settings)
    keyring = read_keyring(path)
    assert len(keyring.keys) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    shares = path.parent / "data-key-shares"
    assert stat.S_IMODE(shares.stat().st_mode) == 0o700
    # Written under a temporary name and linked: nothing else is left in the folder.
    assert sorted(p.name for p in path.parent.iterdir()) == ["data-key-shares", "master.key"]
    assert out.splitlines()[:2] == [
        f"Created the master keyring {path} (mode 0600) with master key {keyring.active.key_id}.",
        f"Created the key share folder {shares} (mode 0700).",
    ]
    assert err == ""


def test_init_says_what_to_escrow_and_what_not(db, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("PANAH_SECRET_KEY_FILE", str(tmp_path / "secret_key"))

    out, _err = init()

    assert 'escrow it\nbetween two administrators (docs/operations.md, "Key escrow' in out
    assert f"  {keyring_path(settings)}  the master keyring\n" in out
    assert f"  {tmp_path / 'secret_key'} (PANAH_SECRET_KEY_FILE)  the secret key" in out
    assert "the backup key file (panah backup new-key)" in out
    assert f"Not the key share folder {keyring_path(settings).parent / 'data-key-shares'}" in out
    assert "`panah keys rotate --master`" in out
    key = current_keyring().active.material
    assert key.hex() not in out and str(key) not in out  # names files, never a key


def test_init_is_written_to_the_audit_trail(db, settings):
    init()

    with scopes_disabled():
        entry = AuditEntry.objects.get(action="keys.master_keyring_created")
    assert (entry.chain, entry.actor_id) == ("system", None)
    assert entry.data == {"key_id": current_keyring().active.key_id}


def test_the_new_keyring_encrypts_a_first_organisation_key(db, settings, org_a):
    init()

    with scope(organisation=org_a):
        key = active_organisation_key(org_a.pk)

    assert org_a.keys.get().master_key_id == current_keyring().active.key_id
    assert key.organisation_id == org_a.pk


def test_an_existing_keyring_is_never_overwritten(db, settings):
    init()
    path = keyring_path(settings)
    before = path.read_bytes()

    error = refused("already exists; it is never overwritten")

    assert str(error).startswith(f"The master key file {path} already exists")
    assert path.read_bytes() == before


def test_a_dangling_link_where_the_keyring_goes_counts_as_a_keyring(db, settings, tmp_path):
    path = keyring_path(settings)
    path.symlink_to(tmp_path / "unmounted" / "master.key")

    refused("already exists; it is never overwritten")

    assert path.is_symlink()


def test_a_keyring_created_by_someone_else_meanwhile_is_kept(db, settings, monkeypatch):
    path = keyring_path(settings)
    link = os.link

    def racing_link(src, dst):
        Path(dst).write_text("theirs")  # another `keys init` won the race
        link(src, dst)

    monkeypatch.setattr(keyring_init.os, "link", racing_link)

    refused("was created by someone else meanwhile; it is never overwritten")

    assert path.read_text() == "theirs"
    assert sorted(p.name for p in path.parent.iterdir()) == ["master.key"]
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="keys.master_keyring_created").exists()


def test_demo_mode_is_refused_since_the_environment_is_probably_not_loaded(db, settings):
    settings.DEMO = True

    refused("Panah is in demo mode")

    assert not keyring_path(settings).exists()


def test_organisation_keys_in_the_database_mean_the_keyring_is_missing_not_new(
    db, settings, org_a, tmp_path
):
    settings.MASTER_KEY_FILE = str(tmp_path / "old" / "master.key")
    write_keyring(settings.MASTER_KEY_FILE, (new_master_key(),))
    with scope(organisation=org_a):
        active_organisation_key(org_a.pk)
    old_id = current_keyring().active.key_id
    settings.MASTER_KEY_FILE = str(tmp_path / "keys" / "master.key")  # the keyring is lost

    error = refused("already holds organisation keys wrapped by master key")

    assert old_id in str(error)
    assert "from the escrow" in str(error)
    assert not keyring_path(settings).exists()


def test_key_shares_without_a_keyring_are_refused(db, settings):
    share = keyring_path(settings).parent / "data-key-shares" / "ab" / ("ab" + "0" * 14)
    share.parent.mkdir(parents=True)
    share.write_bytes(os.urandom(32))

    refused("already holds data key shares: this installation had a keyring")

    assert not keyring_path(settings).exists()


def test_an_erasure_ledger_without_a_keyring_is_refused(db, settings):
    (keyring_path(settings).parent / "erased-keys.jsonl").write_text("")

    refused("The erasure ledger .* exists: this installation had a keyring")

    assert not keyring_path(settings).exists()


def test_a_keys_folder_others_can_list_is_warned_about(db, settings):
    keyring_path(settings).parent.chmod(0o755)

    _out, err = init()

    folder = keyring_path(settings).parent
    assert err == (
        f"Warning: {folder} has mode 0755: other users of this machine may list it. "
        f"Make it 0700: chmod 700 {folder}\n"
    )


def test_a_keys_folder_of_another_user_is_refused(db, settings, monkeypatch):
    # Root running it in the folder of `panah`: the server could not read a root-owned keyring.
    folder = keyring_path(settings).parent
    monkeypatch.setattr(keyring_init.os, "geteuid", lambda: folder.stat().st_uid + 1)

    refused(f"The folder {folder} belongs to .*, but this command runs as .*: sudo -u ")

    assert list(folder.iterdir()) == []


def test_a_share_folder_that_cannot_be_made_leaves_no_keyring_behind(db, settings, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    settings.DATA_KEY_SHARES_DIR = str(tmp_path / "a-file" / "shares")

    refused(f"The key share folder {tmp_path / 'a-file' / 'shares'} cannot be created: Not a")

    assert list(keyring_path(settings).parent.iterdir()) == []


def test_a_failed_audit_entry_leaves_no_keyring_behind(db, settings, monkeypatch):
    from panah.core import audit

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(audit, "record", broken)

    with pytest.raises(RuntimeError):
        init()

    assert list(keyring_path(settings).parent.iterdir()) == []


def _panah(tmp_path, *args: str, database: str) -> subprocess.CompletedProcess:
    """The real command line, in production mode, as an operator runs it."""
    secret = tmp_path / "secret_key"
    # Production refuses a weak secret key (panah.settings): give it a real one.
    secret.write_text(secrets.token_urlsafe(50))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PANAH_MODE": "production",
        "PANAH_SECRET_KEY_FILE": str(secret),
        "PANAH_ALLOWED_HOSTS": "panah.example.org",
        "PANAH_DATABASE_URL": database,
        "PANAH_MASTER_KEY_FILE": str(tmp_path / "keys" / "master.key"),
        "PANAH_VAR_DIR": str(tmp_path / "var"),
    }
    command = [str(Path(sys.executable).parent / "panah"), *args]
    return subprocess.run(  # noqa: S603 (our own command, fixed arguments)
        command, env=env, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )


def test_from_the_command_line_a_refusal_exits_non_zero(tmp_path):
    (tmp_path / "keys" / "master.key").write_text("the keyring in service")

    done = _panah(tmp_path, "keys", "init", database=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    assert done.returncode == 1
    assert done.stdout == ""
    assert "CommandError: The master key file" in done.stderr
    assert "already exists; it is never overwritten" in done.stderr
    assert (tmp_path / "keys" / "master.key").read_text() == "the keyring in service"


def test_from_the_command_line_an_unmigrated_database_is_refused(tmp_path):
    done = _panah(tmp_path, "keys", "init", database=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    assert done.returncode == 1
    assert "The database is not migrated" in done.stderr
    assert "Run `panah migrate` first" in done.stderr
    assert not (tmp_path / "keys" / "master.key").exists()
