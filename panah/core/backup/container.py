"""The encrypted backup file: AES-256-GCM in authenticated chunks.

Layout::

    b"PANAHBAK" | header length (4 bytes, big-endian) | header (JSON) | chunk | chunk | ...
    chunk = ciphertext length (4 bytes) | AES-GCM ciphertext and tag

- The header says how the key is made: from a passphrase with Argon2id (its salt and cost are
  in the header), or from a backup key file (its id is in the header, never the key). The
  archive key is then derived with HKDF bound to the archive's random id, so no two archives
  share a key and the nonce can simply be the chunk's index.
- A key-check value (an HMAC under a separately derived key) tells a wrong passphrase apart from
  a damaged archive before any chunk is opened.
- Each chunk's associated data is the SHA-256 of the magic and header, the chunk's index and a
  "last chunk" flag: a changed header, a flipped byte, chunks swapped, dropped or repeated, and
  an archive cut short (no chunk carries the flag) all fail with a message saying which.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"PANAHBAK"
FORMAT = "panah-backup"
VERSION = 1
CHUNK_SIZE = 1024 * 1024
TAG_BYTES = 16
MAX_HEADER_BYTES = 64 * 1024
KEY_FILE_FORMAT = "panah-backup-key"
MIN_PASSPHRASE_CHARS = 12
# Argon2id at 64 MiB and 3 passes: about a second on a small server, per archive.
ARGON2_DEFAULTS = {"time_cost": 3, "memory_kib": 64 * 1024, "parallelism": 2}


class BackupError(Exception):
    """A backup, verification or restore that cannot go on; the message says why."""


class WrongKeyError(BackupError):
    """The passphrase or key file does not open the archive."""


class DamagedArchiveError(BackupError):
    """The archive was altered, cut short or is not a Panah backup."""


# --- keys -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """What opens archives: a passphrase or the 32 bytes of a backup key file."""

    passphrase: str | None = field(default=None, repr=False)
    key_file_key: bytes | None = field(default=None, repr=False)
    source: str = ""

    def kdf_header(self, argon2: dict[str, int] | None = None) -> dict[str, Any]:
        if self.key_file_key is not None:
            return {"name": "key-file", "key_id": key_file_id(self.key_file_key)}
        params = {**ARGON2_DEFAULTS, **(argon2 or {})}
        return {"name": "argon2id", **params, "salt": os.urandom(16).hex()}

    def root_key(self, kdf: dict[str, Any]) -> bytes:
        """The 32-byte root key the header's KDF describes, or WrongKeyError."""
        name = kdf.get("name")
        if name == "key-file":
            if self.key_file_key is None:
                raise WrongKeyError(
                    "This archive was made with a backup key file (id "
                    f"{kdf.get('key_id')}); give it with --key-file, not a passphrase."
                )
            if key_file_id(self.key_file_key) != kdf.get("key_id"):
                raise WrongKeyError(
                    f"The key file {self.source} (id {key_file_id(self.key_file_key)}) is not the "
                    f"one this archive was made with (id {kdf.get('key_id')})."
                )
            return self.key_file_key
        if name == "argon2id":
            if self.passphrase is None:
                raise WrongKeyError(
                    "This archive was made with a passphrase; give it with --passphrase-file."
                )
            from argon2.low_level import Type, hash_secret_raw  # noqa: PLC0415 (argon2 is slow to import; only this path needs it)

            try:
                return hash_secret_raw(
                    self.passphrase.encode("utf-8"),
                    bytes.fromhex(kdf["salt"]),
                    time_cost=int(kdf["time_cost"]),
                    memory_cost=int(kdf["memory_kib"]),
                    parallelism=int(kdf["parallelism"]),
                    hash_len=32,
                    type=Type.ID,
                )
            except (KeyError, ValueError, TypeError) as exc:
                raise DamagedArchiveError(
                    f"The archive's header is damaged (key derivation: {exc})."
                ) from None
        raise DamagedArchiveError(f"The archive's header names an unknown key derivation {name!r}.")


def _hkdf(root: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(root)


def key_file_id(key: bytes) -> str:
    """A short public id of a backup key (it reveals nothing about the key)."""
    return _hkdf(key, b"", b"panah-backup key id")[:8].hex()


def new_key_file(path: str | os.PathLike) -> str:
    """Write a new random backup key file (mode 0600, refusing to overwrite); returns its id."""
    key = os.urandom(32)
    text = json.dumps(
        {
            "format": KEY_FILE_FORMAT,
            "version": VERSION,
            "id": key_file_id(key),
            "key": base64.b64encode(key).decode(),
        },
        indent=2,
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} already exists; a key file is never overwritten.") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    return key_file_id(key)


def read_key_file(path: str | os.PathLike) -> Secret:
    """The secret in a backup key file, or BackupError naming what is wrong with the file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != KEY_FILE_FORMAT:
            raise ValueError(f"'format' is not {KEY_FILE_FORMAT!r}")
        key = base64.b64decode(data["key"], validate=True)
        if len(key) != 32:
            raise ValueError("the key is not 32 bytes")
    except OSError as exc:
        raise BackupError(f"The key file {path} cannot be read: {exc.strerror}.") from None
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise BackupError(f"{path} is not a Panah backup key file: {exc}.") from None
    return Secret(key_file_key=key, source=str(path))


def read_passphrase_file(path: str | os.PathLike, *, creating: bool = False) -> Secret:
    """The passphrase on the first line of a file; a new archive needs at least 12 characters."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BackupError(f"The passphrase file {path} cannot be read: {exc.strerror}.") from None
    passphrase = text.splitlines()[0].strip() if text.strip() else ""
    if not passphrase:
        raise BackupError(f"The passphrase file {path} is empty.")
    if creating and len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise BackupError(
            f"The passphrase in {path} has {len(passphrase)} characters; a backup passphrase "
            f"needs at least {MIN_PASSPHRASE_CHARS} (better: five or more random words)."
        )
    return Secret(passphrase=passphrase, source=str(path))


@dataclass(frozen=True)
class ArchiveKeys:
    aead: AESGCM = field(repr=False)
    check: bytes = field(repr=False)


def archive_keys(root: bytes, archive_id: bytes) -> ArchiveKeys:
    chunk_key = _hkdf(root, archive_id, b"panah-backup v1 chunk key")
    check_key = _hkdf(root, archive_id, b"panah-backup v1 key check")
    return ArchiveKeys(
        AESGCM(chunk_key), hmac.new(check_key, b"key check", hashlib.sha256).digest()[:16]
    )


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


def _aad(header_digest: bytes, index: int, final: bool) -> bytes:
    return header_digest + struct.pack(">QB", index, 1 if final else 0)


# --- writing ----------------------------------------------------------------------------------


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that encrypts into `sink` chunk by chunk; `finish()` seals the end."""

    def __init__(
        self,
        sink: BinaryIO,
        secret: Secret,
        *,
        chunk_size: int = CHUNK_SIZE,
        argon2: dict[str, int] | None = None,
        created: str = "",
    ) -> None:
        super().__init__()
        self.sink = sink
        self.chunk_size = chunk_size
        self.archive_id = os.urandom(16)
        kdf = secret.kdf_header(argon2)
        keys = archive_keys(secret.root_key(kdf), self.archive_id)
        self.header = {
            "format": FORMAT,
            "version": VERSION,
            "archive_id": self.archive_id.hex(),
            "created": created,
            "chunk_size": chunk_size,
            "kdf": kdf,
            "key_check": keys.check.hex(),
        }
        header_bytes = json.dumps(self.header, sort_keys=True).encode()
        prefix = MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
        self._digest = hashlib.sha256(prefix).digest()
        self._aead = keys.aead
        self._buffer = bytearray()
        self._index = 0
        self.plaintext_bytes = 0
        self.sink.write(prefix)
        self.finished = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.finished:
            raise ValueError("The archive is already sealed.")
        self._buffer += data
        self.plaintext_bytes += len(data)
        # Keep at least one byte back, so the last chunk (flagged) is never empty by accident.
        while len(self._buffer) > self.chunk_size:
            self._emit(bytes(self._buffer[: self.chunk_size]), final=False)
            del self._buffer[: self.chunk_size]
        return len(data)

    def _emit(self, plaintext: bytes, *, final: bool) -> None:
        ciphertext = self._aead.encrypt(
            _nonce(self._index), plaintext, _aad(self._digest, self._index, final)
        )
        self.sink.write(struct.pack(">I", len(ciphertext)) + ciphertext)
        self._index += 1

    def finish(self) -> None:
        """Write the last chunk (flagged as last): without it the archive reads as truncated."""
        if not self.finished:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
            self.finished = True


# --- reading ----------------------------------------------------------------------------------


def read_header(source: BinaryIO, name: str) -> tuple[dict[str, Any], bytes]:
    """The archive's header and the digest its chunks are bound to; DamagedArchiveError if not one."""
    magic = source.read(len(MAGIC))
    if magic != MAGIC:
        raise DamagedArchiveError(
            f"{name} is not a Panah backup (it does not start with PANAHBAK)."
        )
    raw_length = source.read(4)
    if len(raw_length) != 4:
        raise DamagedArchiveError(f"{name} is truncated: it ends inside its header.")
    (length,) = struct.unpack(">I", raw_length)
    if length > MAX_HEADER_BYTES:
        raise DamagedArchiveError(f"{name} has a damaged header (length {length}).")
    header_bytes = source.read(length)
    if len(header_bytes) != length:
        raise DamagedArchiveError(f"{name} is truncated: it ends inside its header.")
    try:
        header = json.loads(header_bytes)
    except ValueError:
        raise DamagedArchiveError(f"{name} has a damaged header (not JSON).") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DamagedArchiveError(f"{name} has a damaged header (unknown format).")
    if header.get("version") != VERSION:
        raise BackupError(
            f"{name} is a version {header.get('version')} archive; this Panah reads version "
            f"{VERSION}. Use the Panah version that made it."
        )
    digest = hashlib.sha256(MAGIC + raw_length + header_bytes).digest()
    return header, digest


class DecryptingReader(io.RawIOBase):
    """Reads the plaintext of an archive, checking every chunk; errors say what is wrong."""

    def __init__(self, source: BinaryIO, secret: Secret, *, name: str = "the archive") -> None:
        super().__init__()
        self.source = source
        self.name = name
        self.header, self._digest = read_header(source, name)
        try:
            archive_id = bytes.fromhex(self.header["archive_id"])
            expected_check = bytes.fromhex(self.header["key_check"])
            self.chunk_size = int(self.header["chunk_size"])
        except (KeyError, ValueError, TypeError):
            raise DamagedArchiveError(f"{name} has a damaged header.") from None
        keys = archive_keys(secret.root_key(self.header.get("kdf") or {}), archive_id)
        if not hmac.compare_digest(keys.check, expected_check):
            what = "key file" if secret.key_file_key is not None else "passphrase"
            raise WrongKeyError(
                f"The {what} does not open {name}: it is wrong (or the archive's header was "
                "altered)."
            )
        self._aead = keys.aead
        self._index = 0
        self._pending = b""
        self._ended = False
        self.plaintext_bytes = 0

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        raw_length = self.source.read(4)
        if not raw_length:
            raise DamagedArchiveError(
                f"{self.name} is truncated: it ends after chunk {self._index} without its last "
                "chunk. The copy is incomplete; use another one."
            )
        if len(raw_length) != 4:
            raise DamagedArchiveError(f"{self.name} is truncated inside chunk {self._index}.")
        (length,) = struct.unpack(">I", raw_length)
        if length < TAG_BYTES or length > self.chunk_size + TAG_BYTES:
            raise DamagedArchiveError(
                f"{self.name} is damaged at chunk {self._index} (impossible length {length})."
            )
        ciphertext = self.source.read(length)
        if len(ciphertext) != length:
            raise DamagedArchiveError(f"{self.name} is truncated inside chunk {self._index}.")
        nonce = _nonce(self._index)
        for final in (False, True):
            try:
                plaintext = self._aead.decrypt(
                    nonce, ciphertext, _aad(self._digest, self._index, final)
                )
            except InvalidTag:
                continue
            break
        else:
            raise DamagedArchiveError(
                f"{self.name} is damaged: chunk {self._index} (bytes near "
                f"{self._index * (self.chunk_size + TAG_BYTES + 4)}) does not authenticate. It "
                "was altered, or chunks were reordered; nothing from it can be trusted."
            )
        self._index += 1
        self.plaintext_bytes += len(plaintext)
        self._pending = plaintext
        if final:
            self._ended = True
            if self.source.read(1):
                raise DamagedArchiveError(
                    f"{self.name} has data after its last chunk: it was altered or two files "
                    "were joined."
                )

    def readinto(self, buffer) -> int:
        while not self._pending:
            if self._ended:
                return 0
            self._next_chunk()
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n
