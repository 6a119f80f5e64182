"""Backups: what goes in, what comes back after a restore, and every way an archive is refused.

These run on the suite's database (SQLite, or PostgreSQL when PANAH_DATABASE_URL names one):
the restore replaces that database's content, so every test is transactional.
"""

from __future__ import annotations

import base64
import datetime as dt
import errno
import io
import json
import os
import struct
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django_scopes import scope, scopes_disabled

from panah.core import audit
from panah.core.backup import container, ledger
from panah.core.backup.container import (
    BackupError,
    DamagedArchiveError,
    DecryptingReader,
    Secret,
    WrongKeyError,
)
from panah.core.backup.files import orphaned_files, stored_files
from panah.core.backup.service import (
    create_backup,
    create_key_shares_backup,
    restore_backup,
    verify_backup,
)
from panah.core.crypto import DecryptionError
from panah.core.crypto.keys import clear_key_caches, current_keyring, shares_dir
from panah.core.models import Organisation, User
from panah.people.models import Person, PersonDocument
from panah.people.services import add_document, create_person, open_document

pytestmark = pytest.mark.django_db(transaction=True)

FAST = {"time_cost": 1, "memory_kib": 1024, "parallelism": 1}  # Argon2id kept cheap in tests
SECRET = Secret(passphrase="a long test passphrase 2026", source="test")
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
NARGES = {
    "given_name_latin": "Narges",
    "family_name_latin": "Hosseini",
    "given_name_fa": "نرگس",
    "family_name_fa": "حسینی",
    "date_of_birth": dt.date(1988, 3, 21),
    "phone": "+32 470 12 34 56",
    "address": "Rue de la Loi 16, 1000 Bruxelles",
}
REZA = {"given_name_latin": "Reza", "family_name_latin": "Karimi", "phone": "+32 488 00 11 22"}


@pytest.fixture(autouse=True)
def _fresh_keys():
    clear_key_caches()
    yield
    clear_key_caches()


@pytest.fixture
def instance(org_a):
    """Two people, one with a scanned passport; returns (narges, reza, document)."""
    with scope(organisation=org_a):
        narges = create_person(organisation=org_a, by=None, **NARGES)
        reza = create_person(organisation=org_a, by=None, **REZA)
        document = add_document(
            person=narges,
            kind="passport",
            by=None,
            document_number="P1234567",
            upload=SimpleUploadedFile("passport.pdf", PDF, content_type="application/pdf"),
        )
    return narges, reza, document


def backup(tmp_path: Path, secret: Secret = SECRET, folder: str = "backups") -> Path:
    return create_backup(tmp_path / folder, secret, argon2=FAST).path


def wipe(files_dir: Path) -> None:
    """Empty the instance: the database flushed, the files folder gone (a new, empty server)."""
    call_command("flush", interactive=False, verbosity=0)
    for path in sorted(files_dir.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    clear_key_caches()


def person(pk) -> Person:
    with scopes_disabled():
        return Person.objects.get(pk=pk)


def live_rows() -> tuple[int, int]:
    with scopes_disabled():
        return Person.objects.count(), Organisation.objects.count()


def erase(target: Person) -> None:
    """Erase through the people app's service: key share, wrapped key, ledger entry."""
    from panah.people.erasure import ErasureReason, erase_person

    erase_person(target, by=None, reason=ErasureReason.values[0])


# --- the round trip -----------------------------------------------------------------------------


def test_a_backup_restored_into_an_emptied_instance_reads_the_person_and_the_document(
    instance, tmp_path, settings
):
    narges, reza, document = instance
    archive = backup(tmp_path)
    assert archive.name.startswith("panah-backup-") and archive.suffix == ".panah"
    wipe(Path(settings.ENCRYPTED_FILES_DIR))
    assert live_rows() == (0, 0)

    report = restore_backup(archive, SECRET)

    assert report.files == 1
    if connection.vendor == "postgresql":
        # The planner's statistics come back too, not only the rows.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'people_person'"
            )
            assert cursor.fetchone()[0] is not None
    restored = person(narges.pk)
    assert (restored.given_name_latin, restored.family_name_latin) == ("Narges", "Hosseini")
    assert restored.family_name_fa == "حسینی"
    assert restored.date_of_birth == dt.date(1988, 3, 21)
    assert person(reza.pk).phone == "+32 488 00 11 22"
    with scopes_disabled():
        again = PersonDocument.objects.select_related("person").get(pk=document.pk)
    assert again.document_number == "P1234567"
    opened = open_document(document=again, by=None)
    assert (opened.data, opened.name, opened.content_type) == (
        PDF,
        "passport.pdf",
        "application/pdf",
    )
    assert audit.verify_chain(audit.chain_name(narges.organisation_id)) is None
    assert orphaned_files() == []


def test_the_archive_holds_no_plaintext_and_never_the_master_key(instance, tmp_path):
    archive = backup(tmp_path)
    raw = archive.read_bytes()
    with open(archive, "rb") as fh:
        plain = DecryptingReader(fh, SECRET).read()
    master = current_keyring().active.material
    for blob in (raw, plain):
        assert master not in blob
        assert base64.b64encode(master) not in blob
    for secret_text in ("Hosseini", "حسینی", "+32 470 12 34 56", "Rue de la Loi", "P1234567"):
        assert secret_text.encode() not in raw
        assert secret_text.encode() not in plain  # the fields are ciphertext inside, too
    members = _tar(plain).getnames()
    assert members[0] == "meta.json" and members[-1] == "manifest.json"
    assert members[2].startswith("files/") and "erased-keys.jsonl" in members


def test_the_manifest_records_schema_version_counts_and_files(instance, tmp_path):
    narges, _reza, document = instance
    archive = backup(tmp_path)
    with open(archive, "rb") as fh:
        tar = _tar(DecryptingReader(fh, SECRET).read())
    meta = json.load(tar.extractfile("meta.json"))
    manifest = json.load(tar.extractfile("manifest.json"))
    assert meta["app_version"] == "0.1.0"
    assert ["people", "0001_person_household_documents"] in meta["migrations"]
    assert meta["tables"]["people_person"] == 2
    assert meta["tables"]["people_persondocument"] == 1
    assert meta["files"] == 1 and meta["missing_files"] == []
    assert meta["master_key_ids"] == [current_keyring().active.key_id]
    names = [m["name"] for m in manifest["members"]]
    assert f"files/{document.stored_file[:2]}/{document.stored_file}" in names
    assert all(len(m["sha256"]) == 64 for m in manifest["members"])


def test_verify_checks_everything_and_changes_nothing(instance, tmp_path):
    archive = backup(tmp_path)
    before = live_rows()
    report = verify_backup(archive, SECRET)
    assert report.files == 1
    assert report.warnings == []
    assert "schema: this Panah can restore it" in report.lines
    assert live_rows() == before


def test_a_backup_key_file_opens_its_archive_and_another_key_file_does_not(instance, tmp_path):
    container.new_key_file(tmp_path / "backup.key")
    container.new_key_file(tmp_path / "other.key")
    archive = backup(tmp_path, container.read_key_file(tmp_path / "backup.key"))
    assert verify_backup(archive, container.read_key_file(tmp_path / "backup.key")).files == 1
    with pytest.raises(WrongKeyError, match="is not the one this archive was made with"):
        verify_backup(archive, container.read_key_file(tmp_path / "other.key"))
    with pytest.raises(WrongKeyError, match="made with a backup key file"):
        verify_backup(archive, SECRET)


# --- crypto-shredding across backups ------------------------------------------------------------


def test_a_person_erased_after_the_backup_stays_unreadable_when_that_backup_is_restored(
    instance, tmp_path, settings
):
    narges, reza, _document = instance
    archive = backup(tmp_path)  # Narges is readable in this archive
    erase(narges)
    # The server is lost: a new, empty instance gets the escrowed keyring and the old backup.
    wipe(Path(settings.ENCRYPTED_FILES_DIR))

    report = restore_backup(archive, SECRET)

    assert report.erasures_reapplied == 1
    with pytest.raises(DecryptionError, match="has no data key: its data was erased"):
        person(narges.pk).family_name_latin  # noqa: B018
    assert person(reza.pk).family_name_latin == "Karimi"
    assert live_rows() == (2, 1)  # counts survive without the person


def test_an_erasure_missing_from_the_ledger_is_still_kept_by_a_forced_restore(instance, tmp_path):
    narges, reza, _document = instance
    archive = backup(tmp_path)
    # An erasure written only to the database (no ledger entry): restore finds it there first.
    with scopes_disabled():
        Person.objects.filter(pk=narges.pk).update(data_key_wrapped=None)
    assert ledger.read() == []

    report = restore_backup(archive, SECRET, force=True)

    assert report.erasures_reapplied == 1
    assert [e.pk for e in ledger.read()] == [str(narges.pk)]
    with pytest.raises(DecryptionError):
        person(narges.pk).given_name_latin  # noqa: B018
    assert person(reza.pk).given_name_latin == "Reza"


def test_a_newer_backup_carries_the_ledger_so_an_older_one_restored_after_it_stays_erased(
    instance, tmp_path, settings
):
    narges, _reza, _document = instance
    old = backup(tmp_path)
    erase(narges)
    # The newer archive holds the ledger entry.
    with open(backup(tmp_path, folder="newer"), "rb") as fh:
        tar = _tar(DecryptingReader(fh, SECRET).read())
    assert str(narges.pk) in tar.extractfile("erased-keys.jsonl").read().decode()
    # Even with the ledger file lost, restoring the newer archive's ledger re-erases: here the
    # old archive is restored after the ledger file was recovered from the newer one.
    Path(ledger.ledger_path()).unlink()
    wipe(Path(settings.ENCRYPTED_FILES_DIR))
    ledger.append(ledger.parse(tar.extractfile("erased-keys.jsonl").read().decode()))
    restore_backup(old, SECRET)
    with pytest.raises(DecryptionError):
        person(narges.pk).family_name_latin  # noqa: B018


def test_on_a_new_machine_the_key_shares_archive_restores_every_share_but_the_erased_ones(
    instance, tmp_path, settings
):
    narges, reza, _document = instance
    archive = backup(tmp_path)
    shares = create_key_shares_backup(tmp_path / "backups", SECRET, argon2=FAST).path
    assert shares.name.startswith("panah-keyshares-")
    assert verify_backup(shares, SECRET).files == 2  # one share per person
    erase(narges)  # after both archives were made
    # The server is lost, its share folder with it; the ledger was kept off-site.
    wipe(Path(settings.ENCRYPTED_FILES_DIR))
    for path in sorted(shares_dir().rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()

    report = restore_backup(archive, SECRET, key_shares=shares)

    assert (report.shares_written, report.shares_refused) == (1, 1)
    assert report.records_without_share == 0
    assert person(reza.pk).family_name_latin == "Karimi"
    with pytest.raises(DecryptionError):
        person(narges.pk).family_name_latin  # noqa: B018


def test_a_restore_without_the_key_shares_says_how_many_records_cannot_be_read(
    instance, tmp_path, settings
):
    archive = backup(tmp_path)
    wipe(Path(settings.ENCRYPTED_FILES_DIR))
    for path in sorted(shares_dir().rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    report = restore_backup(archive, SECRET)
    assert report.records_without_share == 2
    with pytest.raises(DecryptionError, match="key share of people_person row"):
        person(instance[1].pk).family_name_latin  # noqa: B018


def test_a_key_shares_archive_is_not_taken_for_a_database(instance, tmp_path):
    shares = create_key_shares_backup(tmp_path / "backups", SECRET, argon2=FAST).path
    with pytest.raises(BackupError, match="holds key shares, not a database"):
        restore_backup(shares, SECRET, force=True)


# --- refusals -----------------------------------------------------------------------------------


def test_a_non_empty_instance_is_refused_without_force(instance, tmp_path):
    archive = backup(tmp_path)
    with pytest.raises(BackupError, match=r"not empty \(1 organisation\(s\), 0 user\(s\), 1 enc"):
        restore_backup(archive, SECRET)
    restore_backup(archive, SECRET, force=True)
    assert live_rows() == (2, 1)


def test_a_wrong_passphrase_is_refused_and_the_live_database_is_untouched(instance, tmp_path):
    archive = backup(tmp_path)
    before = live_rows()
    with pytest.raises(WrongKeyError, match="The passphrase does not open panah-backup-"):
        restore_backup(archive, Secret(passphrase="not the passphrase at all"), force=True)
    assert live_rows() == before
    assert_nothing_staged(tmp_path)


def test_a_truncated_archive_is_refused_by_verify_and_restore_leaving_nothing_behind(
    instance, tmp_path, settings
):
    archive = backup(tmp_path)
    data = archive.read_bytes()
    for cut in (len(data) - 1, len(data) // 2, 40):
        archive.write_bytes(data[:cut])
        with pytest.raises(DamagedArchiveError, match="truncated"):
            verify_backup(archive, SECRET)
        with pytest.raises(DamagedArchiveError, match="truncated"):
            restore_backup(archive, SECRET, force=True)
    assert person(instance[0].pk).family_name_latin == "Hosseini"
    assert len(stored_files()) == 1
    assert_nothing_staged(tmp_path)


def test_an_archive_missing_its_last_chunks_is_truncated_even_at_a_chunk_boundary(tmp_path):
    sink = io.BytesIO()
    writer = container.EncryptingWriter(sink, SECRET, chunk_size=1000, argon2=FAST)
    writer.write(os.urandom(5000))
    writer.finish()
    data = sink.getvalue()
    boundary = _chunk_offsets(data)[3]  # keep the header and three whole chunks
    with pytest.raises(DamagedArchiveError, match="truncated: it ends after chunk 3"):
        DecryptingReader(io.BytesIO(data[:boundary]), SECRET).read()


def test_chunks_swapped_in_place_do_not_authenticate(tmp_path):
    sink = io.BytesIO()
    writer = container.EncryptingWriter(sink, SECRET, chunk_size=1000, argon2=FAST)
    writer.write(os.urandom(5000))
    writer.finish()
    data = sink.getvalue()
    offsets = _chunk_offsets(data)
    first, second = data[offsets[0] : offsets[1]], data[offsets[1] : offsets[2]]
    swapped = data[: offsets[0]] + second + first + data[offsets[2] :]
    with pytest.raises(DamagedArchiveError, match="chunk 0 .* does not authenticate"):
        DecryptingReader(io.BytesIO(swapped), SECRET).read()


def test_a_flipped_byte_is_found_by_verify_and_refused_by_restore(instance, tmp_path):
    archive = backup(tmp_path)
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    with pytest.raises(DamagedArchiveError, match="does not authenticate"):
        verify_backup(archive, SECRET)
    with pytest.raises(DamagedArchiveError, match="does not authenticate"):
        restore_backup(archive, SECRET, force=True)
    assert person(instance[0].pk).family_name_latin == "Hosseini"
    assert_nothing_staged(tmp_path)


def test_a_changed_header_is_refused(instance, tmp_path):
    archive = backup(tmp_path)
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b'"chunk_size": 1048576', b'"chunk_size": 1048577', 1))
    with pytest.raises(BackupError):
        verify_backup(archive, SECRET)


def test_an_archive_from_a_newer_schema_is_refused_with_a_clear_message(instance, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
            ["people", "0999_from_the_future", dt.datetime(2030, 1, 1, tzinfo=dt.UTC)],
        )
    archive = backup(tmp_path)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE name = '0999_from_the_future'")
    report = verify_backup(archive, SECRET)
    assert any("made by a newer Panah" in w for w in report.warnings)
    with scopes_disabled():
        Person.objects.filter(pk=instance[1].pk).delete()
    with pytest.raises(BackupError, match=r"made by a newer Panah .* \(people.0999_from_the_fut"):
        restore_backup(archive, SECRET, force=True)
    assert live_rows() == (1, 1)  # untouched: the deleted person did not come back
    assert_nothing_staged(tmp_path)


def test_a_full_disk_during_the_backup_leaves_no_archive(instance, tmp_path, monkeypatch):
    output = tmp_path / "backups"
    written = {"bytes": 0}
    real_write = container.EncryptingWriter._emit

    def emit_until_full(self, plaintext, *, final):
        written["bytes"] += len(plaintext)
        if written["bytes"] > 20_000:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(self, plaintext, final=final)

    monkeypatch.setattr(container.EncryptingWriter, "_emit", emit_until_full)
    with pytest.raises(BackupError, match="the disk is full. No archive was kept."):
        create_backup(output, SECRET, argon2=FAST)
    assert list(output.iterdir()) == []  # neither a final nor a partial file, nor scratch


def test_a_write_refused_by_the_system_mid_backup_leaves_no_archive(instance, tmp_path):
    """A real failing write: the file-size limit makes the kernel refuse it (EFBIG)."""
    import resource
    import signal

    output = tmp_path / "backups"
    first = create_backup(output, SECRET, argon2=FAST).path
    # Enough for the database snapshot, not for the whole archive (it adds a 10 kB scan).
    limit = first.stat().st_size - 4_000
    first.unlink()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        with pytest.raises(BackupError, match="grew beyond what the system allows. No archive"):
            create_backup(output, SECRET, argon2=FAST)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert list(output.iterdir()) == []


def test_a_short_passphrase_is_refused_for_a_new_backup(tmp_path):
    (tmp_path / "pass").write_text("short\n")
    with pytest.raises(
        BackupError, match="has 5 characters; a backup passphrase needs at least 12"
    ):
        container.read_passphrase_file(tmp_path / "pass", creating=True)


def test_the_commands_back_up_verify_and_refuse_a_non_empty_instance(instance, tmp_path, capsys):
    (tmp_path / "pass").write_text("a long test passphrase 2026\n")
    call_command(
        "backup", "--output", str(tmp_path / "out"), "--passphrase-file", str(tmp_path / "pass")
    )
    archive = next((tmp_path / "out").glob("panah-backup-*.panah"))
    call_command("backup", "verify", str(archive), "--passphrase-file", str(tmp_path / "pass"))
    assert "The archive is intact." in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="This instance is not empty"):
        call_command("restore", str(archive), "--passphrase-file", str(tmp_path / "pass"))
    with scopes_disabled():
        assert User.objects.count() == 0 and Person.objects.count() == 2


# --- helpers ------------------------------------------------------------------------------------


def _tar(plain: bytes) -> tarfile.TarFile:
    return tarfile.open(fileobj=io.BytesIO(plain))  # noqa: SIM115 (in memory)


def _chunk_offsets(data: bytes) -> list[int]:
    (header_length,) = struct.unpack(">I", data[8:12])
    offset = 12 + header_length
    offsets = []
    while offset < len(data):
        offsets.append(offset)
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        offset += 4 + length
    return offsets


def assert_nothing_staged(tmp_path: Path) -> None:
    leftovers = [p.name for p in tmp_path.rglob(".panah-*")]
    assert leftovers == []
