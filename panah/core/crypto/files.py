"""Uploaded files: checked, stripped of metadata, encrypted on disk under random names.

- `clean_upload` refuses files over the size limit and types other than JPEG, PNG and PDF
  (decided by the content, not the name); images are decoded and re-encoded with Pillow, which
  drops EXIF (GPS position, camera serial), XMP, ICC and text chunks, after turning the picture
  upright; a truncated or damaged image or PDF is refused with a clear message.
- `EncryptedFileStore` writes the cleaned bytes encrypted exactly like a field (same format,
  the owner's data key, associated data binding table, column and row) to
  `<files dir>/<2 hex>/<32 random hex>`, mode 0600: the name on disk says nothing, and a file
  moved to another record fails to decrypt. The original name lives in an encrypted field.
- Files are encrypted in one piece in memory, which the size limit keeps small.
- `TemporaryFileStore` keeps an organisation's short-lived files (an evidence upload between
  its dry run and its import) the same way, under a key derived from the organisation key,
  since no record owns them yet.
- `EncryptedFileStore.sweep` is the one place that removes files nothing needs any more: files
  no row names (`panah.core.backup.files.sweep_orphaned_files`) and expired temporary files
  (`TemporaryFileStore.remove_expired`), for `panah files sweep` and gunicorn's start hook.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import time
import warnings
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .errors import DecryptionError
from .fields import decrypt_bytes, encrypt_bytes
from .keys import DataKey, active_organisation_key, organisation_key

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# The content types accepted, and the extension a download gets.
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
_NAME = re.compile(r"^[0-9a-f]{32}$")


def max_upload_bytes() -> int:
    return getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


@dataclass(frozen=True)
class CleanFile:
    """An upload that passed the checks, its metadata already removed."""

    data: bytes
    content_type: str
    original_name: str


def sniff(data: bytes) -> str | None:
    """The content type from the file's first bytes, or None when not an accepted type."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def clean_upload(uploaded, *, name: str | None = None) -> CleanFile:
    """Check and clean an uploaded file (a Django UploadedFile or bytes); ValidationError if refused."""
    limit = max_upload_bytes()
    size = getattr(uploaded, "size", None)
    # A file over the request's memory limit arrives empty (panah.core.uploads).
    if getattr(uploaded, "refused", False) or (size is not None and size > limit):
        raise _too_big(size, min(limit, settings.FILE_UPLOAD_MAX_MEMORY_SIZE))
    if isinstance(uploaded, bytes | bytearray):
        data = bytes(uploaded)
    else:
        uploaded.seek(0)
        data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise _too_big(len(data), limit)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    original_name = name or getattr(uploaded, "name", "") or "file"
    content_type = sniff(data)
    if content_type is None:
        raise ValidationError(
            _("Only JPEG and PNG images and PDF documents can be uploaded."), code="type"
        )
    if content_type == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(
                _("The PDF is incomplete (it does not end properly). Upload it again."),
                code="truncated",
            )
        return CleanFile(data, content_type, original_name)
    return CleanFile(strip_image_metadata(data, content_type), content_type, original_name)


def _too_big(size: int, limit: int) -> ValidationError:
    return ValidationError(
        _("The file is %(size)s; files may be at most %(limit)s.")
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        code="size",
    )


def strip_image_metadata(data: bytes, content_type: str) -> bytes:
    """The image re-encoded without any metadata (EXIF, GPS, XMP, ICC, text chunks)."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # noqa: PLC0415 (PIL is slow to import; only this path needs it)

    damaged = ValidationError(
        _("The image is damaged or incomplete. Upload it again."), code="damaged"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise damaged from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("The image is too large to process."), code="size") from None
    out = io.BytesIO()
    if content_type == "image/jpeg":
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(out, "JPEG", quality=90)
    else:
        clean = upright.copy()
        # PNG's writer falls back to im.info (ICC profile...): keep only transparency.
        clean.info = {k: v for k, v in upright.info.items() if k == "transparency"}
        clean.save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class SweptFile:
    """A file a sweep removed (or, in a dry run, would remove)."""

    path: Path
    size: int
    age_seconds: float


@dataclass
class SweepResult:
    """What a sweep removed (or would remove), kept for being young, or could not remove."""

    removed: list[SweptFile] = field(default_factory=list)
    kept_young: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)  # (file, the system's reason)

    @property
    def size(self) -> int:
        """Bytes removed (or that would be)."""
        return sum(f.size for f in self.removed)


def _nothing_in_use() -> Container[str]:
    return frozenset()


class EncryptedFileStore:
    """Encrypted files on disk under random names (settings.ENCRYPTED_FILES_DIR)."""

    def __init__(self, location: str | os.PathLike | None = None) -> None:
        self.location = Path(
            location
            or getattr(settings, "ENCRYPTED_FILES_DIR", None)
            or Path(settings.VAR_DIR) / "files"
        )

    def path(self, name: str) -> Path:
        if not _NAME.match(name or ""):
            raise DecryptionError(f"{name!r} is not the name of an encrypted file.")
        return self.location / name[:2] / name

    def save(self, data: bytes, *, key: DataKey, context: bytes, name: str | None = None) -> str:
        """Encrypt and write `data`; returns the random name to keep in the record.

        A caller whose associated data names the file chooses the name first (`new_name()`).
        """
        name = name or self.new_name()
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(encrypt_bytes(key, data, context))
            fh.flush()
            os.fsync(fh.fileno())
        return name

    @staticmethod
    def new_name() -> str:
        """A fresh random file name (128 bits: it says nothing and is never guessed)."""
        return secrets.token_hex(16)

    def open(self, name: str, *, key: DataKey, context: bytes, where: str) -> bytes:
        """The decrypted content; DecryptionError when missing, truncated or altered."""
        try:
            blob = self.path(name).read_bytes()
        except FileNotFoundError:
            raise DecryptionError(f"The encrypted file of {where} is missing ({name}).") from None
        except OSError as exc:
            raise DecryptionError(
                f"The encrypted file of {where} cannot be read: {exc.strerror}."
            ) from None
        return decrypt_bytes(key, blob, context, where=f"the encrypted file of {where}")

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def stored(self) -> dict[str, Path]:
        """Every encrypted file in the store, by its random name (other files are ignored)."""
        found = {}
        if self.location.is_dir():
            for path in self.location.glob("??/*"):
                if _NAME.match(path.name) and path.parent.name == path.name[:2] and path.is_file():
                    found[path.name] = path
        return found

    def sweep(
        self,
        *,
        older_than: float,
        in_use: Callable[[], Container[str]] = _nothing_in_use,
        dry_run: bool = False,
    ) -> SweepResult:
        """Remove the files written at least `older_than` seconds ago whose names are not in use.

        `in_use` is asked only after the folder is listed: a file written (and its row
        committed) after the listing is not seen at all, rather than seen without its row.
        Files younger than `older_than` are kept whatever they are: a file is written before
        the row that names it commits, so a young unnamed file may be one being saved right now.
        With `dry_run`, nothing is removed and the result says what would be.
        """
        on_disk = self.stored()
        used = in_use()
        now = time.time()
        result = SweepResult()
        for name, path in sorted(on_disk.items()):
            if name in used:
                continue
            try:
                stat = path.stat()
                age = now - stat.st_mtime
                if age < older_than:
                    result.kept_young += 1
                    continue
                if not dry_run:
                    path.unlink()
            except FileNotFoundError:
                continue  # removed meanwhile (the file's owner, or another sweep)
            except OSError as exc:
                # One file that cannot go (owned by another user) must not keep the rest.
                result.failed.append((path, exc.strerror or type(exc).__name__))
                continue
            result.removed.append(SweptFile(path, stat.st_size, age))
        return result


@dataclass(frozen=True)
class TemporaryFile:
    """What to remember (in a session) to read a temporary file back. Holds no secret."""

    name: str
    org_key_id: str


class TemporaryFileStore:
    """An organisation's files kept for hours, not for good, encrypted like record files.

    No row owns such a file, so none has a data key: each is encrypted under a key derived
    (HKDF-SHA256) from the organisation's key and the store's `purpose`, and its associated data
    binds organisation, purpose and file name, so a file renamed, or moved to another
    organisation or purpose, does not decrypt. The organisation key itself only ever wraps data
    keys; the derived key is used for these files alone. Without the master key (outside the
    database) the files are noise. Callers delete a file once used; `remove_expired` sweeps
    the ones abandoned.
    """

    def __init__(self, location: str | os.PathLike, *, purpose: str) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9-]*", purpose):
            raise ValueError(f"{purpose!r} is not a purpose name (lower-case letters, digits, -).")
        self.files = EncryptedFileStore(location)
        self.purpose = purpose

    def save(self, data: bytes, *, organisation_id: int) -> TemporaryFile:
        """Encrypt and write `data` under the organisation's active key; returns its reference."""
        org_key = active_organisation_key(organisation_id)
        name = self.files.new_name()
        self.files.save(
            data,
            key=self._key(org_key),
            context=self._context(organisation_id, name),
            name=name,
        )
        return TemporaryFile(name, org_key.key_id)

    def open(self, file: TemporaryFile, *, organisation_id: int) -> bytes:
        """The decrypted content; DecryptionError when missing, altered, moved or keyless."""
        # The key the file was written under, even if the organisation's key rotated since.
        org_key = organisation_key(file.org_key_id, organisation_id=organisation_id)
        return self.files.open(
            file.name,
            key=self._key(org_key),
            context=self._context(organisation_id, file.name),
            where=f"temporary {self.purpose} file",
        )

    def exists(self, name: str) -> bool:
        """Whether the file is still on disk (False for a name that is not one of ours)."""
        try:
            return self.files.path(name).is_file()
        except DecryptionError:
            return False

    def delete(self, name: str) -> None:
        """Remove the file (nothing happens when it is already gone)."""
        self.files.delete(name)

    def remove_expired(self, *, max_age_seconds: float, dry_run: bool = False) -> SweepResult:
        """Remove the files written at least `max_age_seconds` ago (a dry run only lists them)."""
        return self.files.sweep(older_than=max_age_seconds, dry_run=dry_run)

    def _key(self, org_key) -> DataKey:
        return purpose_key(org_key, self.purpose)

    def _context(self, organisation_id: int, name: str) -> bytes:
        return f"temporary-file|{self.purpose}|org={organisation_id}|{name}".encode()


def purpose_key(org_key, purpose: str) -> DataKey:
    """A key for short-lived data no row's data key covers, derived from the organisation's key.

    HKDF-SHA256 of the organisation key's material for `purpose` (temporary files, a background
    task's payload): the organisation key itself only ever wraps data keys.
    """
    info = f"panah/temporary-file/v1|org-key={org_key.key_id}|purpose={purpose}"
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info.encode()).derive(
        org_key.material
    )
    # The id written into each ciphertext names the organisation key and purpose, not a
    # data key: it tells which key a blob needs without saying anything secret.
    key_id = hashlib.sha256(info.encode()).digest()[:8]
    return DataKey(key_id, AESGCM(material))


@dataclass(frozen=True)
class OpenedFile:
    """A decrypted document file, ready to send."""

    data: bytes
    content_type: str
    name: str


def open_document_file(document) -> OpenedFile:
    """Decrypt the file of a document row (one with `stored_file`, `data_key()`, `file_context()`).

    The caller audits the read: what counts as a sensitive read depends on the record.
    """
    data = EncryptedFileStore().open(
        document.stored_file,
        key=document.data_key(),
        context=document.file_context(),
        where=f"{document._meta.db_table} row {document.pk}",
    )
    return OpenedFile(data, document.content_type, document.original_name or "document")
