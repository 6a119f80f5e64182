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
"""

from __future__ import annotations

import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .errors import DecryptionError
from .fields import decrypt_bytes, encrypt_bytes
from .keys import DataKey

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
    if size is not None and size > limit:
        raise _too_big(size, limit)
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
    from PIL import Image, ImageOps, UnidentifiedImageError

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

    def save(self, data: bytes, *, key: DataKey, context: bytes) -> str:
        """Encrypt and write `data`; returns the random name to keep in the record."""
        name = secrets.token_hex(16)
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(encrypt_bytes(key, data, context))
            fh.flush()
            os.fsync(fh.fileno())
        return name

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
