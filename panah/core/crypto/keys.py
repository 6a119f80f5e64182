"""Envelope keys: master keyring (outside the database) -> organisation keys -> data keys.

- The master keyring is a JSON file at settings.MASTER_KEY_FILE holding one or more 256-bit
  master keys with ids; the last one is active (new wrappings use it), older ones stay so rows
  and backups wrapped under them still open. Demo mode creates the file (mode 0600) on first
  use; production refuses to start without it.
- Each organisation has one active 256-bit key (core.OrganisationKey), stored wrapped by a
  master key with AES-GCM; the associated data binds organisation id, key id and master key id.
- Each record that owns personal data (a Person) has a random 256-bit data key wrapped by the
  organisation key; the associated data binds organisation, table, row and both key ids.

Rotation is a rewrap: the master key wraps only organisation keys and an organisation key wraps
only data keys, so rotating either never re-encrypts a field.

Caching: the keyring is read once per process and re-read when a key id is not in it (a rotation
by another process). Unwrapped organisation keys are kept per process by key id (a key id's
material never changes). Unwrapped data keys are kept in a bounded per-process cache addressed by
the wrapped bytes *and* their associated data, so a wrapped key copied to another row misses the
cache and fails, and a destroyed wrapped key can no longer be found in it. The organisation's
*active* key is looked up in the database each time a record is created, except inside
`batch()` (an import creating thousands of records), which reads it once and locks it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from panah.core.models import OrganisationKey

from .errors import DecryptionError, MasterKeyError

# Sent with `action`, `organisation`, `obj` and `data` when a key is created or rotated, inside
# the transaction that makes the change. The audit trail listens (panah.core.signals): the
# crypto package writes no audit entry of its own, so it stays below the audit trail.
key_event = Signal()

KEY_BYTES = 32
NONCE_BYTES = 12
KEYRING_FORMAT = "panah-master-keyring"
KEYRING_VERSION = 1
DATA_KEY_CACHE_SIZE = 20_000


# --- Primitive wrapping -----------------------------------------------------------------------


def seal(aead: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    """nonce || AES-GCM(plaintext) with a fresh random 96-bit nonce."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plaintext, aad)


def unseal(aead: AESGCM, blob: bytes, aad: bytes) -> bytes:
    """The plaintext of `seal`; raises InvalidTag when anything was altered or moved."""
    if len(blob) < NONCE_BYTES + 16:
        raise InvalidTag
    return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)


# --- Master keyring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MasterKey:
    key_id: str
    created: str
    material: bytes = field(repr=False)

    @property
    def aead(self) -> AESGCM:
        return AESGCM(self.material)


@dataclass(frozen=True)
class Keyring:
    """The master keys of one keyring file, oldest first; the last is active."""

    path: str
    keys: tuple[MasterKey, ...]

    @property
    def active(self) -> MasterKey:
        return self.keys[-1]

    def get(self, key_id: str) -> MasterKey | None:
        return next((k for k in self.keys if k.key_id == key_id), None)

    def require(self, key_id: str) -> MasterKey:
        key = self.get(key_id)
        if key is None:
            raise MasterKeyError(
                f"The master key file {self.path} does not hold master key {key_id!r} "
                f"(it holds {', '.join(k.key_id for k in self.keys)}). Use the keyring that "
                "was in service when this database was written."
            )
        return key


def new_master_key() -> MasterKey:
    """A fresh random master key with a new id."""
    now = timezone.now()
    return MasterKey(
        key_id=f"mk-{now:%Y%m%d}-{secrets.token_hex(4)}",
        created=now.isoformat(),
        material=os.urandom(KEY_BYTES),
    )


def _keyring_json(keys: tuple[MasterKey, ...]) -> str:
    return json.dumps(
        {
            "format": KEYRING_FORMAT,
            "version": KEYRING_VERSION,
            "keys": [
                {
                    "id": k.key_id,
                    "created": k.created,
                    "key": base64.b64encode(k.material).decode(),
                }
                for k in keys
            ],
        },
        indent=2,
    )


def parse_keyring(path: str, text: str) -> Keyring:
    """The keyring in `text`, or MasterKeyError saying what is wrong with the file."""

    def bad(reason: str) -> MasterKeyError:
        return MasterKeyError(f"The master key file {path} is not a valid Panah keyring: {reason}.")

    try:
        data = json.loads(text)
    except ValueError:
        raise bad("it is not JSON") from None
    if not isinstance(data, dict) or data.get("format") != KEYRING_FORMAT:
        raise bad(f"'format' must be {KEYRING_FORMAT!r}")
    if data.get("version") != KEYRING_VERSION:
        raise bad(f"unknown version {data.get('version')!r}")
    entries = data.get("keys")
    if not isinstance(entries, list) or not entries:
        raise bad("it holds no keys")
    keys = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            raise bad(f"key {n} has no id")
        try:
            material = base64.b64decode(entry.get("key", ""), validate=True)
        except (binascii.Error, TypeError):
            raise bad(f"key {entry['id']!r} is not base64") from None
        if len(material) != KEY_BYTES:
            raise bad(f"key {entry['id']!r} is {len(material)} bytes, not {KEY_BYTES}")
        keys.append(MasterKey(entry["id"], str(entry.get("created", "")), material))
    if len({k.key_id for k in keys}) != len(keys):
        raise bad("two keys share an id")
    return Keyring(path, tuple(keys))


def read_keyring(path: str | os.PathLike) -> Keyring:
    """Read a keyring file as it is (never creating it)."""
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MasterKeyError(
            f"The master key file {path} does not exist. Set PANAH_MASTER_KEY_FILE to the "
            "keyring file (see docs/security.md); without it nothing encrypted can be read."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise MasterKeyError(f"The master key file {path} cannot be read: {reason}.") from None
    return parse_keyring(path, text)


def write_keyring(path: str | os.PathLike, keys: tuple[MasterKey, ...]) -> Keyring:
    """Replace the keyring file atomically (mode 0600): readers see the old or the new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keyring-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(_keyring_json(keys))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Keyring(str(path), keys)


def _create_demo_keyring(path: Path) -> None:
    """Create the demo keyring once; if another process wins the race, keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keyring-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(_keyring_json((new_master_key(),)))
        with contextlib.suppress(FileExistsError):  # another process created it first
            os.link(tmp, path)  # atomic create-if-absent
    finally:
        Path(tmp).unlink(missing_ok=True)


_keyrings: dict[str, tuple[tuple, Keyring]] = {}


def _signature(path: str) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def current_keyring(*, refresh: bool = False) -> Keyring:
    """The keyring at settings.MASTER_KEY_FILE, cached per process; `refresh` re-reads a changed file.

    In demo mode a missing file is created with one new key; in production it is an error.
    """
    path = str(settings.MASTER_KEY_FILE)
    cached = _keyrings.get(path)
    if cached is not None and not refresh:
        return cached[1]
    signature = _signature(path)
    if cached is not None and signature == cached[0]:
        return cached[1]
    if not signature and getattr(settings, "DEMO", False):
        _create_demo_keyring(Path(path))
        signature = _signature(path)
    keyring = read_keyring(path)
    _keyrings[path] = (signature, keyring)
    return keyring


def add_master_key() -> tuple[Keyring, MasterKey]:
    """Append a new active master key to the keyring file, keeping the older ones."""
    keyring = current_keyring(refresh=True)
    key = new_master_key()
    updated = write_keyring(keyring.path, (*keyring.keys, key))
    _keyrings.pop(keyring.path, None)
    return updated, key


# --- Organisation keys ------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgKey:
    """An unwrapped organisation key."""

    key_id: str
    organisation_id: int
    material: bytes = field(repr=False)
    aead: AESGCM = field(repr=False, compare=False)


def org_key_aad(*, organisation_id: int, key_id: str, master_key_id: str) -> bytes:
    return f"panah/organisation-key/v1|org={organisation_id}|key={key_id}|master={master_key_id}".encode()


_org_keys: dict[tuple[str, str], OrgKey] = {}


def wrap_organisation_key(
    material: bytes, *, organisation_id: int, key_id: str, master: MasterKey
) -> bytes:
    aad = org_key_aad(organisation_id=organisation_id, key_id=key_id, master_key_id=master.key_id)
    return seal(master.aead, material, aad)


def unwrap_organisation_key(
    keyring: Keyring, *, organisation_id: int, key_id: str, master_key_id: str, wrapped: bytes
) -> bytes:
    """The organisation key's material; a clear error when the master key is wrong or missing."""
    master = keyring.require(master_key_id)
    aad = org_key_aad(organisation_id=organisation_id, key_id=key_id, master_key_id=master_key_id)
    try:
        return unseal(master.aead, bytes(wrapped), aad)
    except InvalidTag:
        raise DecryptionError(
            f"Organisation key {key_id} does not open with master key {master_key_id} from "
            f"{keyring.path}: the keyring file is not the one this database was written with, "
            "or the key row was altered."
        ) from None


def _load_org_key(row) -> OrgKey:
    keyring = current_keyring()
    if keyring.get(row.master_key_id) is None:
        keyring = current_keyring(refresh=True)  # rotated by another process
    if not row.wrapped_key:
        raise DecryptionError(f"Organisation key {row.key_id} was destroyed.")
    material = unwrap_organisation_key(
        keyring,
        organisation_id=row.organisation_id,
        key_id=row.key_id,
        master_key_id=row.master_key_id,
        wrapped=row.wrapped_key,
    )
    return OrgKey(row.key_id, row.organisation_id, material, AESGCM(material))


def organisation_key(key_id: str, *, organisation_id: int) -> OrgKey:
    """The unwrapped organisation key with this id (cached per process)."""

    cache_key = (str(settings.MASTER_KEY_FILE), key_id)
    key = _org_keys.get(cache_key)
    if key is None:
        row = OrganisationKey.objects.filter(key_id=key_id).first()
        if row is None:
            raise DecryptionError(f"Organisation key {key_id} is not in the database.")
        key = _load_org_key(row)
        _org_keys[cache_key] = key
    if key.organisation_id != organisation_id:
        raise DecryptionError(
            f"Organisation key {key_id} belongs to another organisation than {organisation_id}."
        )
    return key


def create_organisation_key(organisation_id: int):
    """A new organisation key row wrapped under the active master key (not yet saved as active)."""

    master = current_keyring(refresh=True).active
    key_id = f"ok-{secrets.token_hex(8)}"
    material = os.urandom(KEY_BYTES)
    row = OrganisationKey(
        organisation_id=organisation_id,
        key_id=key_id,
        master_key_id=master.key_id,
        wrapped_key=wrap_organisation_key(
            material, organisation_id=organisation_id, key_id=key_id, master=master
        ),
    )
    _org_keys[(str(settings.MASTER_KEY_FILE), key_id)] = OrgKey(
        key_id, organisation_id, material, AESGCM(material)
    )
    return row


def active_organisation_key(organisation_id: int) -> OrgKey:
    """The organisation's active key, created (and audited) the first time it is needed."""
    current = _batch.get()
    if current is not None and current.organisation_id == organisation_id:
        return current.key
    return _active_key_from_database(organisation_id)


def _active_key_from_database(organisation_id: int) -> OrgKey:

    row = OrganisationKey.objects.filter(
        organisation_id=organisation_id, retired_at__isnull=True
    ).first()
    if row is None:
        row = create_organisation_key(organisation_id)
        try:
            with transaction.atomic():
                row.save()
                key_event.send(
                    sender=None,
                    action="keys.organisation_key_created",
                    organisation=row.organisation,
                    obj=row,
                    data={"key_id": row.key_id, "master_key_id": row.master_key_id},
                )
        except IntegrityError:
            # Another request created the organisation's first key at the same moment.
            row = OrganisationKey.objects.get(
                organisation_id=organisation_id, retired_at__isnull=True
            )
    return organisation_key(row.key_id, organisation_id=organisation_id)


# --- Many records in one transaction ---------------------------------------------------------


@dataclass
class _Batch:
    organisation_id: int
    key: OrgKey
    unsynced_shares: list[Path] = field(default_factory=list)


_batch: ContextVar[_Batch | None] = ContextVar("panah_key_batch", default=None)


@contextlib.contextmanager
def batch(organisation_id: int) -> Iterator[None]:
    """Create many records of one organisation in the current transaction (an import).

    Inside the block:
    - the organisation's active key is read once instead of once per new record (an import of
      10,000 people read it 20,000 times). Rotation (`panah keys rotate`, another process)
      retires that key and then rewraps every data key it can see; a cache held beyond one
      transaction could keep wrapping new data keys with the retired key after that pass. So
      the cache lives in this block only (a context variable, so no other request or thread
      sees it), and its key row is locked (SELECT ... FOR UPDATE) until the transaction ends:
      a rotation waits for the import to commit, then retires the key and rewraps the import's
      data keys with the rest. On SQLite the transaction holds the write lock from its start
      (transaction_mode IMMEDIATE), so no rotation can commit meanwhile either. Rather than a
      cheap validation per record, the lock: it costs one query, and leaves no window between
      a check and the commit.
    - the key shares written are made durable together at the end of the block (every file,
      then each folder once) rather than one fsync per share as it is written: still before
      the transaction can commit the rows that need them.

    Must run inside transaction.atomic(); nested calls for the same organisation share the
    outer block.
    """
    current = _batch.get()
    if current is not None and current.organisation_id == organisation_id:
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("keys.batch() locks the active key until the transaction ends: "
                           "call it inside transaction.atomic().")  # fmt: skip
    state = _Batch(organisation_id, _locked_active_key(organisation_id))
    token = _batch.set(state)
    try:
        yield
    except BaseException:
        _batch.reset(token)
        # A caller that catches the error may still commit rows that need these shares; if
        # the disk fails too, the first error is the one to see.
        with contextlib.suppress(OSError):
            _sync_shares(state.unsynced_shares)
        raise
    _batch.reset(token)
    _sync_shares(state.unsynced_shares)


def _locked_active_key(organisation_id: int) -> OrgKey:
    """The active key, its row locked for the rest of the transaction."""

    for _attempt in range(2):
        # Twice: a rotation that held the row while we waited has retired it, so the locked
        # read finds no active row; the next read sees the new key (PostgreSQL, READ COMMITTED).
        row = (
            OrganisationKey.objects.select_for_update()
            .filter(organisation_id=organisation_id, retired_at__isnull=True)
            .first()
        )
        if row is not None:
            return organisation_key(row.key_id, organisation_id=organisation_id)
    return _active_key_from_database(organisation_id)  # none yet: created in this transaction


def _sync_shares(paths: list[Path]) -> None:
    folders = {path.parent for path in paths}
    if folders:
        folders.add(shares_dir())  # a new sub-folder is an entry of the share folder
    for path in [*paths, *sorted(folders)]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- Data keys --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataKey:
    """An unwrapped per-record data key. `key_id` (8 bytes) is written into every ciphertext."""

    key_id: bytes
    aead: AESGCM = field(repr=False, compare=False)


@dataclass(frozen=True)
class WrappedDataKey:
    """What a record stores about its data key: ids and the wrapped material."""

    data_key_id: str
    org_key_id: str
    wrapped: bytes


def data_key_aad(
    *, organisation_id: int, table: str, pk: object, data_key_id: str, org_key_id: str
) -> bytes:
    return (
        f"panah/data-key/v1|org={organisation_id}|table={table}|row={pk}"
        f"|key={data_key_id}|org-key={org_key_id}"
    ).encode()


_data_keys: dict[tuple[bytes, bytes], DataKey] = {}


def _remember(cache_key: tuple[bytes, bytes], key: DataKey) -> None:
    if len(_data_keys) >= DATA_KEY_CACHE_SIZE:
        _data_keys.clear()  # crude but bounded; a listing refills what it needs
    _data_keys[cache_key] = key


# --- Data key shares (outside the database) ------------------------------------------------
#
# A data key written since shares exist is wrapped as SHARE_VERSION || 32 random bytes, and the
# key that encrypts is HKDF(those bytes, salt = a 32-byte share kept in a file outside the
# database). Erasure deletes the share file, so a copy of the database taken before the erasure
# (which still holds the wrapped key, openable with the master key) no longer yields the key.
# A wrapped key of exactly 32 bytes predates shares and is used as it is. The version byte is
# inside the authenticated wrapping, so nobody can strip it to skip the share.

SHARE_VERSION = b"\x02"
_SHARE_NAME_CHARS = frozenset("0123456789abcdef")


def shares_dir() -> Path:
    """settings.DATA_KEY_SHARES_DIR, or data-key-shares/ beside the master keyring."""
    configured = getattr(settings, "DATA_KEY_SHARES_DIR", None)
    if configured:
        return Path(configured)
    return Path(settings.MASTER_KEY_FILE).parent / "data-key-shares"


def share_path(data_key_id: str) -> Path:
    """Where the share of one data key lives (one file per key, mode 0600)."""
    if len(data_key_id) != 16 or not set(data_key_id) <= _SHARE_NAME_CHARS:
        raise DecryptionError(f"{data_key_id!r} is not a data key id.")
    return shares_dir() / data_key_id[:2] / data_key_id


def _write_share(data_key_id: str) -> bytes:
    share = os.urandom(KEY_BYTES)
    path = share_path(data_key_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    current = _batch.get()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, share)
        if current is None:
            os.fsync(fd)
    finally:
        os.close(fd)
    if current is not None:
        current.unsynced_shares.append(path)  # synced before the batch's transaction commits
    return share


def _read_share(data_key_id: str, *, table: str, pk: object) -> bytes:
    path = share_path(data_key_id)
    try:
        share = path.read_bytes()
    except FileNotFoundError:
        raise DecryptionError(
            f"The key share of {table} row {pk} (data key {data_key_id}) is not in "
            f"{shares_dir()}: the record was erased, or this is not the key share folder "
            "that belongs to this database."
        ) from None
    except OSError as exc:
        raise DecryptionError(
            f"The key share {path} cannot be read: {exc.strerror or type(exc).__name__}."
        ) from None
    if len(share) != KEY_BYTES:
        raise DecryptionError(f"The key share {path} is damaged ({len(share)} bytes).")
    return share


def _derive(material: bytes, share: bytes, data_key_id: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=share,
        info=f"panah/data-key/v2|{data_key_id}".encode(),
    ).derive(material)


def destroy_data_key_share(data_key_id: str) -> bool:
    """Delete a data key's share file and forget the key in this process (erasure).

    Returns False when there was no share (a key from before shares, or already destroyed).
    """
    marker = f"|key={data_key_id}|".encode()
    for cache_key in [k for k in _data_keys if marker in k[0]]:
        _data_keys.pop(cache_key, None)
    path = share_path(data_key_id)
    try:
        # Overwrite before unlinking: cheap, and it defeats undelete on simple filesystems.
        with open(path, "r+b") as fh:
            fh.write(os.urandom(KEY_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def new_data_key(*, organisation_id: int, table: str, pk: object) -> tuple[WrappedDataKey, DataKey]:
    """A fresh data key for one record, wrapped by the organisation's active key.

    Its share is written to the share folder first; the effective key needs both.
    """
    org_key = active_organisation_key(organisation_id)
    data_key_id = secrets.token_hex(8)
    material = os.urandom(KEY_BYTES)
    share = _write_share(data_key_id)
    aad = data_key_aad(
        organisation_id=organisation_id,
        table=table,
        pk=pk,
        data_key_id=data_key_id,
        org_key_id=org_key.key_id,
    )
    wrapped = seal(org_key.aead, SHARE_VERSION + material, aad)
    key = DataKey(bytes.fromhex(data_key_id), AESGCM(_derive(material, share, data_key_id)))
    _remember((aad, wrapped), key)
    return WrappedDataKey(data_key_id, org_key.key_id, wrapped), key


def open_data_key(
    *, organisation_id: int, table: str, pk: object, stored: WrappedDataKey
) -> DataKey:
    """Unwrap a record's data key (cached by wrapped bytes and their associated data).

    A key with a share needs its share file too: without it, DecryptionError (erased).
    """
    aad = data_key_aad(
        organisation_id=organisation_id,
        table=table,
        pk=pk,
        data_key_id=stored.data_key_id,
        org_key_id=stored.org_key_id,
    )
    wrapped = bytes(stored.wrapped)
    key = _data_keys.get((aad, wrapped))
    if key is not None:
        return key
    org_key = organisation_key(stored.org_key_id, organisation_id=organisation_id)
    try:
        material = unseal(org_key.aead, wrapped, aad)
    except InvalidTag:
        raise DecryptionError(
            f"The data key of {table} row {pk} does not open with organisation key "
            f"{stored.org_key_id}: it was altered or copied from another row."
        ) from None
    key = data_key_from_unwrapped(material, stored.data_key_id, table=table, pk=pk)
    _remember((aad, wrapped), key)
    return key


def data_key_from_unwrapped(
    material: bytes, data_key_id: str, *, table: str, pk: object
) -> DataKey:
    """The data key from its unwrapped bytes: with its share from the share folder if it has one."""
    if len(material) == KEY_BYTES + 1 and material[:1] == SHARE_VERSION:
        share = _read_share(data_key_id, table=table, pk=pk)
        material = _derive(material[1:], share, data_key_id)
    elif len(material) != KEY_BYTES:
        raise DecryptionError(f"The data key of {table} row {pk} has an unknown format.")
    return DataKey(bytes.fromhex(data_key_id), AESGCM(material))


def rewrap_data_key(
    *, organisation_id: int, table: str, pk: object, stored: WrappedDataKey, new_org_key: OrgKey
) -> WrappedDataKey:
    """The same data key wrapped by another organisation key (rotation: nothing re-encrypted)."""
    old_aad = data_key_aad(
        organisation_id=organisation_id,
        table=table,
        pk=pk,
        data_key_id=stored.data_key_id,
        org_key_id=stored.org_key_id,
    )
    old_key = organisation_key(stored.org_key_id, organisation_id=organisation_id)
    try:
        material = unseal(old_key.aead, bytes(stored.wrapped), old_aad)
    except InvalidTag:
        raise DecryptionError(
            f"The data key of {table} row {pk} does not open: it was altered."
        ) from None
    new_aad = data_key_aad(
        organisation_id=organisation_id,
        table=table,
        pk=pk,
        data_key_id=stored.data_key_id,
        org_key_id=new_org_key.key_id,
    )
    return WrappedDataKey(
        stored.data_key_id, new_org_key.key_id, seal(new_org_key.aead, material, new_aad)
    )


def clear_key_caches() -> None:
    """Forget every cached keyring and unwrapped key (tests, and after a restore)."""
    _keyrings.clear()
    _org_keys.clear()
    _data_keys.clear()
