"""The first production master keyring (`panah keys init`), and what it needs beside it.

Outside the database, the key layout (panah.core.crypto.keys) needs:

- the keyring file at settings.MASTER_KEY_FILE: one master key to begin with, mode 0600;
- the data key share folder (keys.shares_dir(), `data-key-shares/` beside the keyring unless
  settings.DATA_KEY_SHARES_DIR says otherwise), mode 0700: each new person's share goes there;
- the erasure ledger beside the keyring (panah.core.backup.ledger), which the first erasure
  creates on its own: nothing to do for it here.

Creating a keyring is refused whenever one may already exist somewhere: the file is there, or
the database already holds organisation keys (wrapped by a keyring that is missing, not new),
or the share folder holds shares, or an erasure ledger exists. A new keyring in any of those
cases would not open the existing data, and would hide the real problem (a keyring to restore
from escrow) behind a working-looking installation.

This lives apart from keys.py, which owns reading and rotating the keyring; it uses only its
public functions (`new_master_key`, `write_keyring`, `read_keyring`, `shares_dir`).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from .errors import MasterKeyError
from .keys import Keyring, key_event, new_master_key, read_keyring, shares_dir, write_keyring


class KeyringInitRefused(MasterKeyError):
    """`panah keys init` created nothing, and says why."""


@dataclass
class InitialKeyring:
    """What `create_first_keyring` made."""

    keyring: Keyring
    shares_dir: Path
    shares_dir_created: bool
    warnings: list[str] = field(default_factory=list)


def create_first_keyring(*, erasure_ledger: Path | None = None) -> InitialKeyring:
    """Create the production master keyring at settings.MASTER_KEY_FILE, once.

    The file is written to a temporary name, synced, and given its name by a hard link, which
    fails if the name exists: a keyring is never overwritten, even by two runs at once, and
    nobody ever sees half a file. The creation is written to the audit trail (system chain).
    KeyringInitRefused, with the reason, when anything suggests a keyring already exists,
    `erasure_ledger` included (the backup package's ledger, which the caller names).
    """

    if getattr(settings, "DEMO", False):
        raise KeyringInitRefused(
            "Panah is in demo mode (PANAH_MODE is not 'production'): the demo keyring is "
            f"created on its own, at {settings.MASTER_KEY_FILE}. For a server, load its "
            "environment first (set -a; . /etc/panah/panah.env) and run this again."
        )
    path = Path(settings.MASTER_KEY_FILE)
    if os.path.lexists(path):
        raise KeyringInitRefused(
            f"The master key file {path} already exists; it is never overwritten: it may be "
            "the only key to this installation's data and backups. `panah keys status` shows "
            "what it holds; `panah keys rotate --master` adds a new key to it."
        )
    _refuse_if_in_use(path, erasure_ledger)
    folder = path.parent
    _refuse_another_owner(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise KeyringInitRefused(
            f"The folder {folder} cannot be created: {exc.strerror}. Nothing was changed."
        ) from None
    shares = shares_dir()
    shares_created = not shares.exists()
    keyring = _create_exclusively(path)
    try:
        if shares_created:
            try:
                shares.mkdir(parents=True, mode=0o700)
            except OSError as exc:
                raise KeyringInitRefused(
                    f"The key share folder {shares} cannot be created: {exc.strerror}. "
                    "Nothing was changed."
                ) from None
        with transaction.atomic():
            key_event.send(
                sender=None,
                action="keys.master_keyring_created",
                organisation=None,
                data={"key_id": keyring.active.key_id},
            )
    except BaseException:
        # Leave no keyring the audit trail does not know of: nothing is wrapped with it yet,
        # so removing it loses nothing, and the next run starts clean.
        path.unlink(missing_ok=True)
        if shares_created:
            with contextlib.suppress(OSError):
                shares.rmdir()
        raise
    return InitialKeyring(
        keyring=keyring,
        shares_dir=shares,
        shares_dir_created=shares_created,
        warnings=[w for w in (_too_open(folder), _too_open(shares)) if w],
    )


def _refuse_if_in_use(path: Path, ledger: Path | None) -> None:
    """Refuse when the database, the share folder or the ledger show an earlier keyring."""
    from panah.core.models import OrganisationKey  # noqa: PLC0415 (crypto loads before models)

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise KeyringInitRefused(
                f"The database is not migrated ({len(pending)} migration(s) to apply). Run "
                "`panah migrate` first: the creation of the keyring is written to the audit "
                "trail, and the database must show that no keyring was used before."
            )
        used = sorted(set(OrganisationKey.objects.values_list("master_key_id", flat=True)))
    except DatabaseError as exc:
        raise KeyringInitRefused(
            f"The database cannot be read ({exc}). Check PANAH_DATABASE_URL and that the "
            "database server runs: the keyring is created only once the database shows that "
            "none was used before."
        ) from None
    if used:
        raise KeyringInitRefused(
            f"The database already holds organisation keys wrapped by master key(s) "
            f"{', '.join(used)}, which only the keyring they were made with opens: {path} is "
            "missing, not new. Put that keyring back (from the escrow, docs/operations.md) "
            "rather than creating another."
        )
    shares = shares_dir()
    if shares.is_dir() and any(p.is_file() for p in shares.glob("??/*")):
        raise KeyringInitRefused(
            f"The key share folder {shares} already holds data key shares: this installation "
            f"had a keyring. Put it back at {path} (from the escrow) rather than creating another."
        )
    if ledger is not None and ledger.exists():
        raise KeyringInitRefused(
            f"The erasure ledger {ledger} exists: this installation had a keyring. Put it back "
            f"at {path} (from the escrow) rather than creating another."
        )


def _refuse_another_owner(folder: Path) -> None:
    """Refuse when the keys folder belongs to another user than the one running this.

    The keyring is readable by its owner alone (0600): created by root in the folder of the
    `panah` user, the server could not read it, and would fail at the first record.
    """
    try:
        owner = folder.stat().st_uid
    except FileNotFoundError:
        return  # created below, by whoever runs this
    me = os.geteuid()
    if owner != me:
        raise KeyringInitRefused(
            f"The folder {folder} belongs to {_user_name(owner)}, but this command runs as "
            f"{_user_name(me)}: the keyring (readable by its owner alone) would be unreadable "
            f"to Panah. Run it as the user Panah runs as: sudo -u {_user_name(owner)} ..."
        )


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"user {uid}"


def _create_exclusively(path: Path) -> Keyring:
    """Write a one-key keyring at `path`, atomically, failing if the name exists."""
    staged = path.with_name(f".{path.name}.new-{secrets.token_hex(6)}")
    try:
        write_keyring(staged, (new_master_key(),))  # mode 0600, synced, complete
        os.link(staged, path)  # atomic create-if-absent: never replaces a file
    except FileExistsError:
        raise KeyringInitRefused(
            f"The master key file {path} was created by someone else meanwhile; it is never "
            "overwritten. Nothing was changed."
        ) from None
    except OSError as exc:
        raise KeyringInitRefused(
            f"The master key file {path} cannot be created: {exc.strerror}. Nothing was changed."
        ) from None
    finally:
        staged.unlink(missing_ok=True)
    _fsync_dir(path.parent)  # the new name survives a power cut
    return read_keyring(path)  # what was written reads back as a keyring


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _too_open(folder: Path) -> str:
    """A warning when others than the owner may enter or list the folder (else "")."""
    try:
        mode = stat.S_IMODE(folder.stat().st_mode)
    except OSError:
        return ""
    if mode & 0o077:
        return (
            f"{folder} has mode {mode:04o}: other users of this machine may list it. "
            f"Make it 0700: chmod 700 {folder}"
        )
    return ""
