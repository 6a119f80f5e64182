"""Create, verify and restore a backup archive.

The archive's plaintext is a tar stream, encrypted by `container`:

    meta.json          format, app version, database vendor, applied migrations, row counts,
                       organisation key ids and the master key ids they need (never a key)
    database.sqlite3   or database.pgdump (pg_dump -Fc)
    files/ab/ab...     every encrypted file a row names, as it is on disk (already encrypted)
    erased-keys.jsonl  the erasure ledger (see `ledger`)
    manifest.json      size and SHA-256 of every member above

A backup is written to a hidden temporary file in the output folder and renamed to its final
name only when complete and synced to disk, so a failure (a full disk) never leaves a file that
looks like a backup. A restore unpacks and checks everything into a staging folder first and
only then replaces the live database (one transaction) and the files folder (a rename).
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django_scopes import scopes_disabled

from panah.core import audit
from panah.core.crypto.keys import (
    NONCE_BYTES,
    clear_key_caches,
    current_keyring,
    share_path,
    shares_dir,
)
from panah.core.crypto.rotation import data_key_holders

from . import database, ledger
from .container import (
    BackupError,
    DamagedArchiveError,
    DecryptingReader,
    EncryptingWriter,
    Secret,
)
from .files import files_dir, stored_files

ARCHIVE_FORMAT = "panah-backup-content"
ARCHIVE_VERSION = 1
SUFFIX = ".panah"
NAME_PATTERN = re.compile(r"^panah-backup-\d{8}-\d{6}\.panah$")
DB_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
LEDGER_MEMBER = "erased-keys.jsonl"
_FILE_MEMBER = re.compile(r"^files/([0-9a-f]{2})/([0-9a-f]{32})$")


def app_version() -> str:
    try:
        return metadata.version("panah")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- progress -----------------------------------------------------------------------------------


class Progress:
    """Prints how far a long run has come: on a terminal one updating line, else every 10%."""

    def __init__(self, label: str, total: int, stream=None, *, min_interval: float = 0.5):
        self.label = label
        self.total = max(total, 1)
        self.stream = stream
        self.done = 0
        self.started = time.monotonic()
        self._last = 0.0
        self._last_tenth = -1
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.min_interval = min_interval

    def add(self, n: int) -> None:
        self.done += n
        if self.stream is None:
            return
        now = time.monotonic()
        tenth = min(10, self.done * 10 // self.total)
        if self.tty and now - self._last >= self.min_interval:
            self._last = now
            self.stream.write(f"\r{self.line()}")
            self.stream.flush()
        elif not self.tty and tenth > self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def line(self) -> str:
        seconds = max(time.monotonic() - self.started, 1e-6)
        percent = min(100, self.done * 100 // self.total)
        return (
            f"{self.label}: {percent:3d}%  {_mb(self.done)} of ~{_mb(self.total)}  "
            f"{_mb(self.done / seconds)}/s"
        )

    def close(self) -> None:
        if self.stream is not None and self.tty:
            self.stream.write(f"\r{self.line()}\n")
            self.stream.flush()


def _mb(n: float) -> str:
    return f"{n / 1_000_000:.1f} MB"


class _HashingReader(io.RawIOBase):
    """Reads through a file, hashing what passes and counting it for the progress display."""

    def __init__(self, source: BinaryIO, progress: Progress | None):
        super().__init__()
        self.source = source
        self.sha256 = hashlib.sha256()
        self.progress = progress
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        self.sha256.update(data)
        self.size += len(data)
        if self.progress is not None:
            self.progress.add(len(data))
        return data


# --- creating -----------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    size: int
    files: int
    missing_files: list[str]
    tables: dict[str, int]
    seconds: float
    erasures: int


def backup_name(now) -> str:
    return f"panah-backup-{now:%Y%m%d-%H%M%S}{SUFFIX}"


def create_backup(
    output_dir: str | os.PathLike,
    secret: Secret,
    *,
    stream=None,
    argon2: dict[str, int] | None = None,
    using: str = "default",
    now=None,
) -> BackupResult:
    """Write one encrypted archive of the database and the encrypted files into `output_dir`."""
    started = time.monotonic()
    now = now or timezone.now()
    output = Path(output_dir)
    try:
        output.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise BackupError(
            f"The output folder {output} cannot be created: {exc.strerror}."
        ) from None
    final = output / backup_name(now)
    if final.exists():
        raise BackupError(f"{final} already exists; wait a second and run the backup again.")
    # Erasures already done in the database are written to the ledger before anything else.
    ledger.sync_from_database(using)
    vendor = database.vendor(using)
    if vendor not in DB_MEMBERS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    work = Path(tempfile.mkdtemp(dir=output, prefix=".panah-backup-work-"))
    try:
        dump = work / DB_MEMBERS[vendor]
        if stream is not None:
            stream.write(f"Taking a consistent snapshot of the {vendor} database ...\n")
        facts = (
            database.sqlite_snapshot(dump, using)
            if vendor == "sqlite"
            else database.pg_snapshot(dump, using)
        )
        on_disk = stored_files()
        present = [n for n in facts.files if n in on_disk]
        missing = [n for n in facts.files if n not in on_disk]
        erased_text = "".join(e.as_json() + "\n" for e in ledger.read())
        meta = {
            "format": ARCHIVE_FORMAT,
            "version": ARCHIVE_VERSION,
            "app_version": app_version(),
            "created": now.isoformat(),
            "database": {
                "vendor": vendor,
                "server_version": facts.server_version,
                "member": DB_MEMBERS[vendor],
            },
            "migrations": [list(m) for m in facts.migrations],
            "tables": facts.tables,
            "organisation_keys": facts.organisation_keys,
            "master_key_ids": sorted({k["master_key_id"] for k in facts.organisation_keys}),
            "files": len(present),
            "missing_files": missing,
            "erased_in_database": len(facts.erased),
        }
        total = dump.stat().st_size + sum(on_disk[n].stat().st_size for n in present)

        def add_members(tar, members, progress) -> None:
            _add_bytes(tar, "meta.json", _json_bytes(meta), members)
            _add_path(tar, DB_MEMBERS[vendor], dump, members, progress)
            for name in present:
                _add_path(tar, f"files/{name[:2]}/{name}", on_disk[name], members, progress)
            _add_bytes(tar, LEDGER_MEMBER, erased_text.encode(), members)

        _write_archive(output, final, secret, add_members, total, stream, argon2, now)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    audit.record(
        "backup.created",
        organisation=None,
        data={"archive": final.name, "files": len(present), "missing_files": len(missing)},
    )
    return BackupResult(
        final,
        final.stat().st_size,
        len(present),
        missing,
        facts.tables,
        time.monotonic() - started,
        len(ledger.read()),
    )


def _write_archive(
    output: Path,
    final: Path,
    secret: Secret,
    add_members: Callable,
    total: int,
    stream,
    argon2: dict[str, int] | None,
    now,
) -> None:
    """Encrypt the members into a hidden temporary file, then give it its final name."""
    tmp_path: Path | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(dir=output, prefix=".panah-backup-", suffix=".partial")
        tmp_path = Path(tmp_name)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as sink:
            writer = EncryptingWriter(sink, secret, argon2=argon2, created=now.isoformat())
            progress = Progress("Backing up", total, stream)
            members: list[dict[str, Any]] = []
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                add_members(tar, members, progress)
                manifest = {"members": members, "archive_id": writer.archive_id.hex()}
                _add_bytes(tar, "manifest.json", _json_bytes(manifest), None)
            writer.finish()
            sink.flush()
            os.fsync(sink.fileno())
        progress.close()
        # A hard link cannot replace an existing file: two backups never overwrite each other.
        os.link(tmp_path, final)
        tmp_path.unlink()
        tmp_path = None
        _fsync_dir(output)
    except OSError as exc:
        raise BackupError(_disk_message(exc, output)) from None
    finally:
        if tmp_path is not None:
            tmp_path.unlink(missing_ok=True)


# --- the key shares -----------------------------------------------------------------------------

SHARES_FORMAT = "panah-key-shares"
_SHARE_MEMBER = re.compile(r"^shares/([0-9a-f]{2})/([0-9a-f]{16})$")


def shares_name(now) -> str:
    return f"panah-keyshares-{now:%Y%m%d-%H%M%S}{SUFFIX}"


def current_shares() -> dict[str, Path]:
    """The data key shares in the share folder (panah.core.crypto.keys), by data key id."""

    location = shares_dir()
    found = {}
    if location.is_dir():
        for path in location.glob("??/*"):
            if re.fullmatch(r"[0-9a-f]{16}", path.name) and path.parent.name == path.name[:2]:
                found[path.name] = path
    return found


def create_key_shares_backup(
    output_dir: str | os.PathLike,
    secret: Secret,
    *,
    stream=None,
    argon2: dict[str, int] | None = None,
    now=None,
) -> BackupResult:
    """Write the data key shares (and the erasure ledger) into their own encrypted archive.

    Kept apart from the database archives on purpose: a database archive can be kept for years,
    while only the newest shares archive is needed to read it (a share never changes; erasure
    deletes it). Keep shares archives briefly: once every shares archive older than an erasure is
    gone, the erased person is unreadable in every backup, whatever key is held.
    """
    started = time.monotonic()
    now = now or timezone.now()
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = output / shares_name(now)
    if final.exists():
        raise BackupError(f"{final} already exists; wait a second and run the backup again.")
    erased = {e.data_key_id for e in ledger.read() if e.data_key_id}
    shares = {k: p for k, p in sorted(current_shares().items()) if k not in erased}
    erased_text = "".join(e.as_json() + "\n" for e in ledger.read())
    meta = {
        "format": SHARES_FORMAT,
        "version": ARCHIVE_VERSION,
        "app_version": app_version(),
        "created": now.isoformat(),
        "shares": len(shares),
    }

    def add_members(tar, members, progress) -> None:
        _add_bytes(tar, "meta.json", _json_bytes(meta), members)
        for key_id, path in shares.items():
            _add_path(tar, f"shares/{key_id[:2]}/{key_id}", path, members, progress)
        _add_bytes(tar, LEDGER_MEMBER, erased_text.encode(), members)

    _write_archive(output, final, secret, add_members, 32 * len(shares), stream, argon2, now)
    return BackupResult(
        final, final.stat().st_size, len(shares), [], {}, time.monotonic() - started, len(erased)
    )


def restore_key_shares(shares: dict[str, bytes], erasures: list[ledger.Erasure]) -> tuple[int, int]:
    """Write the shares not already in the share folder, never one the ledger says was erased.

    Returns (written, refused because erased).
    """

    erased = {e.data_key_id for e in erasures if e.data_key_id}
    written = refused = 0
    for key_id, share in sorted(shares.items()):
        if key_id in erased:
            refused += 1
            continue
        path = share_path(key_id)
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, share)
            os.fsync(fd)
        finally:
            os.close(fd)
        written += 1
    return written, refused


def missing_shares(using: str = "default") -> int:
    """Live records whose data key needs a share the share folder does not have."""

    # A key with a share is wrapped as 1 version byte + 32 bytes: 12 + 33 + 16 bytes sealed.
    with_share = NONCE_BYTES + 33 + 16
    missing = 0
    with scopes_disabled():
        for model in data_key_holders():
            rows = (
                model._base_manager.using(using)
                .exclude(data_key_wrapped__isnull=True)
                .values_list("data_key_id", "data_key_wrapped")
            )
            for key_id, wrapped in rows.iterator():
                if len(bytes(wrapped)) == with_share and not share_path(key_id).exists():
                    missing += 1
    return missing


def _disk_message(exc: OSError, output: Path) -> str:
    if exc.errno == errno.ENOSPC:
        reason = "the disk is full"
    elif exc.errno == errno.EFBIG:
        reason = "the file grew beyond what the system allows"
    else:
        reason = exc.strerror or str(exc)
    return f"The backup could not be written to {output}: {reason}. No archive was kept."


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True).encode()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, members: list | None) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))
    if members is not None:
        members.append(
            {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        )


def _add_path(
    tar: tarfile.TarFile, name: str, path: Path, members: list, progress: Progress | None
) -> None:
    with open(path, "rb") as fh:
        info = tarfile.TarInfo(name)
        info.size = os.fstat(fh.fileno()).st_size
        info.mode = 0o600
        info.mtime = int(time.time())
        reader = _HashingReader(fh, progress)
        tar.addfile(info, reader)
    members.append({"name": name, "size": reader.size, "sha256": reader.sha256.hexdigest()})


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading an archive -------------------------------------------------------------------------


@dataclass
class Unpacked:
    """What reading an archive found; files and database are written to `staging` if given."""

    header: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)
    database: Path | None = None
    files: list[str] = field(default_factory=list)
    erasures: list[ledger.Erasure] = field(default_factory=list)
    shares: dict[str, bytes] = field(default_factory=dict)
    size: int = 0


def _read_meta(data: bytes, name: str) -> dict[str, Any]:
    try:
        meta = json.loads(data)
    except ValueError:
        raise DamagedArchiveError(f"{name}: meta.json is not JSON.") from None
    if not isinstance(meta, dict) or meta.get("format") not in (ARCHIVE_FORMAT, SHARES_FORMAT):
        raise DamagedArchiveError(f"{name}: meta.json is not a Panah backup description.")
    if meta.get("version") != ARCHIVE_VERSION:
        raise BackupError(
            f"{name} holds content version {meta.get('version')}; this Panah reads version "
            f"{ARCHIVE_VERSION}. Use the Panah version that made it ({meta.get('app_version')})."
        )
    return meta


def unknown_migrations(meta: dict[str, Any]) -> list[str]:
    """Migrations the archive's database has applied that this code does not know."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return sorted(f"{a}.{n}" for a, n in meta.get("migrations", []) if (a, n) not in known)


def check_schema(meta: dict[str, Any], name: str) -> None:
    unknown = unknown_migrations(meta)
    if unknown:
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise BackupError(
            f"{name} was made by a newer Panah ({meta.get('app_version')}, this is "
            f"{app_version()}): its database has {len(unknown)} migration(s) this code does not "
            f"know ({shown}). Install that version or a later one, then restore. Nothing was "
            "changed."
        )


def read_archive(
    path: Path,
    secret: Secret,
    *,
    staging: Path | None,
    stream=None,
    on_meta: Callable[[dict[str, Any]], None] | None = None,
) -> Unpacked:
    """Decrypt and check every member of the archive against its manifest.

    With `staging`, the database and files are written there (files under staging/files);
    `on_meta` sees meta.json before anything else is unpacked and may refuse it.
    """
    name = path.name
    try:
        size = path.stat().st_size
        source = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise BackupError(f"{path} cannot be read: {exc.strerror}.") from None
    progress = Progress("Reading", size, stream)
    computed: dict[str, dict[str, Any]] = {}
    manifest = None
    try:
        reader = DecryptingReader(source, secret, name=name)
        result = Unpacked(reader.header, size=size)
        try:
            tar = tarfile.open(fileobj=reader, mode="r|")  # noqa: SIM115 (closed below)
        except tarfile.TarError:
            raise DamagedArchiveError(f"{name} does not hold a Panah backup inside.") from None
        with tar:
            for number, member in enumerate(tar):
                if manifest is not None:
                    raise DamagedArchiveError(f"{name}: there is content after the manifest.")
                if not member.isfile():
                    raise DamagedArchiveError(f"{name}: unexpected entry {member.name!r}.")
                handle = tar.extractfile(member)
                if member.name == "manifest.json":
                    manifest = _read_json(handle.read(), name, "manifest.json")
                    continue
                digest, data = _consume(member, handle, result, staging, name)
                computed[member.name] = {"name": member.name, "size": member.size,
                                         "sha256": digest}  # fmt: skip
                if member.name == "meta.json":
                    if number != 0:
                        raise DamagedArchiveError(f"{name}: meta.json is not first.")
                    result.meta = _read_meta(data, name)
                    if on_meta is not None:
                        on_meta(result.meta)
                elif member.name == LEDGER_MEMBER:
                    result.erasures = ledger.parse(data.decode("utf-8", errors="replace"))
                progress.add(member.size)
        # The tar stream can end before its container does (the last chunk may hold only the
        # tar's closing blocks): read on to the chunk flagged as last, so that a copy cut short
        # inside it is refused instead of passing for whole.
        while reader.read(1 << 20):
            pass
    except (tarfile.TarError, EOFError) as exc:
        raise DamagedArchiveError(f"{name}: its content is damaged ({exc}).") from None
    finally:
        source.close()
    progress.close()
    if manifest is None:
        raise DamagedArchiveError(f"{name} has no manifest: it is incomplete.")
    expected = {m["name"]: m for m in manifest.get("members", [])}
    if manifest.get("archive_id") != result.header.get("archive_id"):
        raise DamagedArchiveError(f"{name}: the manifest belongs to another archive.")
    for member_name, entry in expected.items():
        got = computed.get(member_name)
        if got is None:
            raise DamagedArchiveError(f"{name}: {member_name} is listed but missing.")
        if got["sha256"] != entry["sha256"] or got["size"] != entry["size"]:
            raise DamagedArchiveError(f"{name}: {member_name} does not match its SHA-256.")
    extra = set(computed) - set(expected)
    if extra:
        raise DamagedArchiveError(f"{name}: unlisted content {sorted(extra)[:3]}.")
    if not result.meta:
        raise DamagedArchiveError(f"{name} has no meta.json.")
    return result


def _read_json(data: bytes, name: str, member: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        raise DamagedArchiveError(f"{name}: {member} is not JSON.") from None
    if not isinstance(value, dict):
        raise DamagedArchiveError(f"{name}: {member} is damaged.")
    return value


def _consume(
    member: tarfile.TarInfo, handle, result: Unpacked, staging: Path | None, name: str
) -> tuple[str, bytes]:
    """Hash a member, keeping small ones in memory and writing big ones to staging."""
    sha = hashlib.sha256()
    if member.name in ("meta.json", LEDGER_MEMBER):
        data = handle.read()
        sha.update(data)
        return sha.hexdigest(), data
    share = _SHARE_MEMBER.match(member.name)
    if share and share.group(1) == share.group(2)[:2]:
        data = handle.read(65)
        if len(data) != 32:
            raise DamagedArchiveError(f"{name}: the key share {member.name} is damaged.")
        result.shares[share.group(2)] = data
        sha.update(data)
        return sha.hexdigest(), b""
    match = _FILE_MEMBER.match(member.name)
    if member.name in DB_MEMBERS.values():
        target = (staging / member.name) if staging else None
        if staging is None:
            target = Path(tempfile.mkdtemp(prefix=".panah-verify-", dir=_scratch())) / member.name
        result.database = target
    elif match and match.group(1) == match.group(2)[:2]:
        result.files.append(match.group(2))
        target = (staging / member.name) if staging else None
    else:
        raise DamagedArchiveError(f"{name}: unexpected entry {member.name!r}.")
    out = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        out = os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    try:
        while chunk := handle.read(1024 * 1024):
            sha.update(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    return sha.hexdigest(), b""


def _scratch() -> Path:
    # Plaintext of the database (ciphertext fields, but the audit trail in clear) stays on the
    # server's own disk, under the var folder, never in a shared /tmp.
    path = Path(settings.VAR_DIR) / "tmp"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def open_secret_check(path: Path, secret: Secret) -> dict[str, Any]:
    """Read the header and check the key, without reading the content (fast refusal)."""
    try:
        with open(path, "rb") as source:
            return DecryptingReader(source, secret, name=path.name).header
    except OSError as exc:
        raise BackupError(f"{path} cannot be read: {exc.strerror}.") from None


# --- verifying ----------------------------------------------------------------------------------


@dataclass
class VerifyReport:
    path: Path
    meta: dict[str, Any]
    files: int
    size: int
    erasures: int
    lines: list[str]
    warnings: list[str]


def verify_backup(path: str | os.PathLike, secret: Secret, *, stream=None) -> VerifyReport:
    """Check an archive completely (key, every chunk, every SHA-256, the database) without restoring."""
    path = Path(path)
    unpacked = read_archive(path, secret, staging=None, stream=stream)
    meta = unpacked.meta
    lines, warnings = [], []
    if meta["format"] == SHARES_FORMAT:
        if len(unpacked.shares) != meta.get("shares"):
            raise DamagedArchiveError(f"{path.name}: it holds fewer key shares than it says.")
        lines.append(f"key shares: {len(unpacked.shares)}, each matching its SHA-256")
        return VerifyReport(
            path, meta, len(unpacked.shares), unpacked.size, len(unpacked.erasures), lines, []
        )
    db = unpacked.database
    try:
        vendor = meta["database"]["vendor"]
        if db is None:
            raise DamagedArchiveError(f"{path.name} holds no database.")
        if vendor == "sqlite":
            facts = database.sqlite_facts(db)
            if facts.tables != meta["tables"]:
                raise DamagedArchiveError(
                    f"{path.name}: the database's row counts differ from those in meta.json."
                )
            if sorted(facts.files) != sorted(unpacked.files + meta.get("missing_files", [])):
                raise DamagedArchiveError(
                    f"{path.name}: the files in the archive are not the ones the database names."
                )
            lines.append("database: SQLite integrity check ok, row counts match")
        else:
            entries = database.pg_check_dump(db)
            lines.append(f"database: pg_restore reads the dump ({entries} entries)")
    finally:
        if db is not None:
            shutil.rmtree(db.parent, ignore_errors=True)
    lines.append(f"files: {len(unpacked.files)} encrypted file(s), each matching its SHA-256")
    if meta.get("missing_files"):
        warnings.append(
            f"{len(meta['missing_files'])} file(s) named by rows were already missing on disk "
            "when the backup was made."
        )
    unknown = unknown_migrations(meta)
    if unknown:
        warnings.append(
            f"made by a newer Panah: {len(unknown)} migration(s) unknown here; restore it with "
            f"Panah {meta.get('app_version')} or later"
        )
    else:
        lines.append("schema: this Panah can restore it")

    try:
        held = {k.key_id for k in current_keyring(refresh=True).keys}
        absent = [k for k in meta.get("master_key_ids", []) if k not in held]
        if absent:
            warnings.append(
                f"the keyring here lacks master key(s) {', '.join(absent)}: restored records "
                "could not be decrypted with it"
            )
        elif meta.get("master_key_ids"):
            lines.append(
                f"keys: the keyring here holds master key(s) {', '.join(meta['master_key_ids'])}"
            )
    except Exception as exc:  # noqa: BLE001 (a keyring problem is a warning here, not a failure)
        warnings.append(f"the keyring could not be read: {exc}")
    return VerifyReport(
        path, meta, len(unpacked.files), unpacked.size, len(unpacked.erasures), lines, warnings
    )


# --- restoring ----------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    path: Path
    meta: dict[str, Any]
    files: int
    erasures_reapplied: int
    migrated: bool
    seconds: float
    shares_written: int = 0
    shares_refused: int = 0
    records_without_share: int = 0


def instance_contents(using: str = "default") -> dict[str, int]:
    counts = database.live_counts(using)
    return {
        "organisations": counts["core_organisation"],
        "users": counts["core_user"],
        "files": len(stored_files()),
    }


def restore_backup(
    path: str | os.PathLike,
    secret: Secret,
    *,
    force: bool = False,
    key_shares: str | os.PathLike | None = None,
    stream=None,
    using: str = "default",
) -> RestoreReport:
    """Restore an archive into this instance: refused if not empty unless `force`.

    With `key_shares` (a shares archive, normally the newest), the data key shares the share
    folder lacks are written too, except those of keys the erasure ledger lists.
    """
    started = time.monotonic()
    path = Path(path)
    contents = instance_contents(using)
    if any(contents.values()) and not force:
        raise BackupError(
            "This instance is not empty ({organisations} organisation(s), {users} user(s), "
            "{files} encrypted file(s)). Restoring would replace all of it; run the restore "
            "again with --force if that is what you want (take a backup first).".format(**contents)
        )
    header = open_secret_check(path, secret)  # a wrong key is refused before any work
    shares_archive = None
    if key_shares is not None:
        shares_archive = read_archive(Path(key_shares), secret, staging=None, stream=stream)
        if shares_archive.meta.get("format") != SHARES_FORMAT:
            raise BackupError(f"{Path(key_shares).name} is not a key shares archive.")
    if any(contents.values()):
        # Erasures done here since the backup must survive it: write them to the ledger first.
        ledger.sync_from_database(using)
    vendor = database.vendor(using)
    live_files = files_dir()
    live_files.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=live_files.parent, prefix=".panah-restore-"))
    aside: Path | None = None
    try:

        def accept(meta: dict[str, Any]) -> None:
            if meta.get("format") == SHARES_FORMAT:
                raise BackupError(
                    f"{path.name} holds key shares, not a database: give it with --key-shares "
                    "beside a database archive."
                )
            archived = meta.get("database", {}).get("vendor")
            if archived != vendor:
                raise BackupError(
                    f"{path.name} holds a {archived} database but this instance uses {vendor}; "
                    "restore it into an instance configured with the same database kind."
                )
            check_schema(meta, path.name)

        unpacked = read_archive(path, secret, staging=staging, stream=stream, on_meta=accept)
        if unpacked.database is None:
            raise DamagedArchiveError(f"{path.name} holds no database.")
        # Everything is read and checked; now the erasures, then the swap.
        erasures = _merge(
            ledger.read(), unpacked.erasures, shares_archive.erasures if shares_archive else []
        )
        ledger.append(erasures)
        all_erasures = erasures
        # Tables the archive does not have cannot hold the rows (they come with a later migration).
        erasures = [e for e in erasures if e.table in unpacked.meta.get("tables", {})]
        staged_files = staging / "files"
        staged_files.mkdir(exist_ok=True, mode=0o700)
        if vendor == "sqlite":
            reapplied = database.sqlite_apply_erasures(unpacked.database, erasures)
            database.sqlite_facts(unpacked.database)  # integrity check of the staged copy
        aside = _swap_in_files(staged_files, live_files)
        try:
            if vendor == "sqlite":
                database.sqlite_swap_in(unpacked.database, using)
            else:
                reapplied = database.pg_restore_into_live(
                    unpacked.database, erasures, staging, using
                )
        except BaseException:
            _swap_back_files(live_files, aside)
            aside = None
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    connections[using].close()

    clear_key_caches()
    shares_written = shares_refused = 0
    if shares_archive is not None:
        shares_written, shares_refused = restore_key_shares(shares_archive.shares, all_erasures)
    migrated = _migrate_if_needed(using, stream)
    _refresh_planner_statistics(using, stream)
    without_share = missing_shares(using)

    audit.record(
        "backup.restored",
        organisation=None,
        data={
            "archive": path.name,
            "archive_id": header.get("archive_id"),
            "created": unpacked.meta.get("created"),
            "erasures_reapplied": reapplied,
            "shares_written": shares_written,
            "records_without_share": without_share,
        },
    )
    return RestoreReport(
        path,
        unpacked.meta,
        len(unpacked.files),
        reapplied,
        migrated,
        time.monotonic() - started,
        shares_written,
        shares_refused,
        without_share,
    )


def _merge(*lists: list[ledger.Erasure]) -> list[ledger.Erasure]:
    merged: dict[tuple[str, str], ledger.Erasure] = {}
    for erasures in lists:
        for erasure in erasures:
            merged.setdefault(erasure.key(), erasure)
    return list(merged.values())


def _swap_in_files(staged: Path, live: Path) -> Path | None:
    """Put the restored files in place of the live folder; returns where the old one went."""
    aside = None
    if live.exists():
        aside = live.with_name(f".{live.name}.before-restore-{os.getpid()}-{int(time.time())}")
        live.rename(aside)
    staged.rename(live)
    return aside


def _swap_back_files(live: Path, aside: Path | None) -> None:
    shutil.rmtree(live, ignore_errors=True)
    if aside is not None:
        aside.rename(live)


def _refresh_planner_statistics(using: str, stream) -> None:
    """Gather PostgreSQL's planner statistics for the restored tables.

    pg_restore brings the rows back but not the statistics, and until autovacuum gets to the
    tables PostgreSQL plans every list as if they were nearly empty (walking all cases for
    one caseworker's). SQLite keeps its statistics inside the restored file.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    if stream is not None:
        stream.write("Gathering the database's planner statistics (ANALYZE) ...\n")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _migrate_if_needed(using: str, stream) -> bool:

    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return False
    if stream is not None:
        stream.write(f"The backup predates {len(plan)} migration(s) of this code; applying them.\n")
    call_command("migrate", database=using, interactive=False, verbosity=0)
    return True
