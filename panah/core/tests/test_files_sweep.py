"""`panah files sweep`: what an operator's timer removes, what it keeps, and when it refuses.

The evidence app's uploads are swept by the same command: panah/evidence/tests/test_upload_sweep.py.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django_scopes import scope, scopes_disabled

from panah.core.backup.files import SweepRefused, stored_files, sweep_orphaned_files
from panah.core.crypto.keys import clear_key_caches
from panah.core.models import AuditEntry
from panah.people.services import add_document, create_person

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fresh_keys():
    clear_key_caches()
    yield
    clear_key_caches()


@pytest.fixture
def document(org_a):
    """A person's scanned passport: one encrypted file a row names."""
    with scope(organisation=org_a):
        person = create_person(organisation=org_a, by=None, given_name_latin="Narges")
        return add_document(
            person=person,
            kind="passport",
            by=None,
            upload=SimpleUploadedFile("passport.pdf", PDF, content_type="application/pdf"),
        )


def files_dir(settings) -> Path:
    return Path(settings.ENCRYPTED_FILES_DIR)


def leftover(settings, name: str, *, minutes_old: float, size: int = 100) -> Path:
    """An encrypted file no row names, as an interrupted write leaves it."""
    path = files_dir(settings) / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    then = time.time() - minutes_old * 60
    os.utime(path, (then, then))
    return path


OLD = "ab" + "0" * 30
OLDER = "cd" + "1" * 30
YOUNG = "ef" + "2" * 30


def sweep(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("files", "sweep", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def swept_entries() -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action="files.swept"))


def test_a_sweep_removes_old_leftovers_and_keeps_named_and_young_files(document, settings):
    old = leftover(settings, OLD, minutes_old=61, size=1500)
    older = leftover(settings, OLDER, minutes_old=3 * 24 * 60, size=500)
    young = leftover(settings, YOUNG, minutes_old=5)  # being written right now, perhaps

    out, err = sweep()

    assert not old.exists() and not older.exists()
    assert young.exists()
    assert document.stored_file in stored_files()
    assert out == (
        "Removed 2 file(s), 2.0 kB (orphaned-files: 2). Kept 1 file(s) no record names yet, "
        "younger than 60 minutes (they may be being saved).\n"
    )
    assert err == ""
    [entry] = swept_entries()
    assert (entry.chain, entry.actor_id) == ("system", None)
    assert entry.data == {"removed": {"orphaned-files": 2}, "grace_minutes": 60}


def test_a_dry_run_lists_what_would_go_and_removes_nothing(document, settings):
    old = leftover(settings, OLD, minutes_old=90, size=100)
    leftover(settings, YOUNG, minutes_old=1)

    out, _err = sweep("--dry-run")

    assert old.exists()
    assert out.splitlines() == [
        "encrypted files no record names (an interrupted write):",
        f"  {old}  100 bytes, 90 min old",
        "Dry run: 1 file(s), 100 bytes, would be removed (orphaned-files: 1); nothing was "
        "removed. Kept 1 file(s) no record names yet, younger than 60 minutes "
        "(they may be being saved).",
    ]
    assert swept_entries() == []


def test_the_grace_period_can_be_longer(document, settings):
    old = leftover(settings, OLD, minutes_old=90)

    out, _err = sweep("--grace-minutes", "120")

    assert old.exists()
    assert out == (
        "Nothing to remove. Kept 1 file(s) no record names yet, younger than 120 minutes "
        "(they may be being saved).\n"
    )


def test_nothing_to_remove_says_so_and_writes_no_audit_entry(document, settings):
    assert sweep() == ("Nothing to remove.\n", "")
    assert swept_entries() == []


def test_a_timer_run_lists_the_files_only_when_asked(document, settings):
    old = leftover(settings, OLD, minutes_old=61)

    out, _err = sweep("--verbosity", "2")

    assert out.splitlines()[:2] == [
        "encrypted files no record names (an interrupted write):",
        f"  {old}  100 bytes, 61 min old",
    ]
    leftover(settings, OLDER, minutes_old=61)
    assert sweep("--verbosity", "0") == ("", "")
    assert stored_files().keys() == {document.stored_file}


@pytest.mark.parametrize("minutes", ["0", "-5"])
def test_a_grace_period_under_a_minute_is_refused(document, settings, minutes):
    old = leftover(settings, OLD, minutes_old=61)

    with pytest.raises(
        CommandError, match=rf"--grace-minutes must be at least 1 \(not {minutes}\)"
    ):
        sweep("--grace-minutes", minutes)

    assert old.exists()


def test_a_grace_period_that_is_not_a_number_is_refused(db):
    with pytest.raises(CommandError, match="invalid int value: 'an hour'"):
        sweep("--grace-minutes", "an hour")


def test_nothing_is_swept_while_a_restore_is_under_way(document, settings):
    old = leftover(settings, OLD, minutes_old=61)
    staging = files_dir(settings).parent / ".panah-restore-x1y2"
    staging.mkdir()

    with pytest.raises(CommandError) as exc:
        sweep()

    assert str(exc.value).startswith(
        f"A restore is under way ({staging} exists): nothing was swept"
    )
    assert old.exists()
    staging.rmdir()
    sweep()
    assert not old.exists()


def test_a_database_that_names_no_file_is_not_trusted_with_the_folder(org_a, settings):
    # The wrong PANAH_DATABASE_URL (or a fresh database) beside a real files folder.
    files = [leftover(settings, name, minutes_old=61) for name in (OLD, OLDER)]

    with pytest.raises(CommandError, match=r"Part of the sweep was refused"):
        sweep()

    assert all(path.exists() for path in files)
    with pytest.raises(SweepRefused, match="The database names no encrypted file, yet 2 file"):
        sweep_orphaned_files(min_age_seconds=0)
    assert all(path.exists() for path in files)


def test_the_refusal_is_explained_on_stderr(org_a, settings):
    leftover(settings, OLD, minutes_old=61)
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("files", "sweep", stdout=io.StringIO(), stderr=err)

    assert "orphaned-files: The database names no encrypted file, yet 1 file(s)" in err.getvalue()
    assert "is PANAH_DATABASE_URL the database these files belong to?" in err.getvalue()


def test_a_file_that_cannot_be_removed_is_named_and_the_rest_still_goes(
    document, settings, monkeypatch
):
    stuck = leftover(settings, OLD, minutes_old=61)
    other = leftover(settings, OLDER, minutes_old=61)
    unlink = Path.unlink

    def refuse(path, *args, **kwargs):
        if path == stuck:
            raise PermissionError(13, "Permission denied", str(path))
        return unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", refuse)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match=r"1 file\(s\) could not be removed"):
        call_command("files", "sweep", stdout=out, stderr=err)

    assert stuck.exists() and not other.exists()
    assert err.getvalue() == f"orphaned-files: could not remove {stuck}: Permission denied.\n"
    assert out.getvalue() == "Removed 1 file(s), 100 bytes (orphaned-files: 1).\n"
    assert swept_entries()[0].data["removed"] == {"orphaned-files": 1}


def test_the_server_start_hook_still_removes_every_leftover_at_once(document, settings):
    young = leftover(settings, YOUNG, minutes_old=0)

    result = sweep_orphaned_files(min_age_seconds=0)

    assert [f.path for f in result.removed] == [young]
    assert stored_files().keys() == {document.stored_file}


def test_a_database_that_cannot_be_read_removes_nothing(document, settings, monkeypatch):
    from django.db import OperationalError

    from panah.core.backup import files

    old = leftover(settings, OLD, minutes_old=61)

    def unreachable(using="default"):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(files, "referenced_files", unreachable)
    err = io.StringIO()

    with pytest.raises(CommandError, match="Part of the sweep was refused"):
        call_command("files", "sweep", stdout=io.StringIO(), stderr=err)

    assert old.exists()
    assert err.getvalue() == (
        "orphaned-files: the database cannot say which files it names (could not connect to "
        "server); none was removed.\n"
    )
