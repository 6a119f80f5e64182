"""Uploads are held in memory, never in a plaintext temporary file, and refused above a limit.

Django's default handlers write an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE to the
temporary folder, in clear, for the length of the request: a refugee's case spreadsheet or
passport scan would lie on disk. settings.FILE_UPLOAD_HANDLERS names only `MemoryOnlyUploadHandler`:
it keeps the files of a request in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE in all, and drops
the bytes of anything beyond as they arrive, handing the form a `RefusedUpload` that holds
nothing but its name and size, so the form says the limit (`check_size`).
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def memory_limit() -> int:
    """The most a request's uploads may hold in all (settings.FILE_UPLOAD_MAX_MEMORY_SIZE)."""
    return settings.FILE_UPLOAD_MAX_MEMORY_SIZE


class RefusedUpload(UploadedFile):
    """An upload over the memory limit: its name and the size received, no content."""

    refused = True

    def __init__(self, *, name: str, size: int, field_name: str, content_type: str | None):
        super().__init__(io.BytesIO(b""), name, content_type, size)
        self.field_name = field_name


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Every file of a request in memory, up to memory_limit() in all; beyond, a RefusedUpload."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = memory_limit()
        self.received = 0  # by the whole request, so many files cannot add up past the limit

    def new_file(self, *args, **kwargs) -> None:
        """Start a file: an empty buffer."""
        super().new_file(*args, **kwargs)
        self.buffer: io.BytesIO | None = io.BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        """Keep the chunk in memory, or drop it (and what was kept) once over the limit."""
        self.size += len(raw_data)
        self.received += len(raw_data)
        if self.received > self.limit:
            self.buffer = None
        elif self.buffer is not None:
            self.buffer.write(raw_data)
        return None  # consumed: no other handler sees the bytes

    def file_complete(self, file_size: int) -> UploadedFile:
        """The file in memory, or a RefusedUpload when it went over the limit."""
        if self.buffer is None:
            return RefusedUpload(
                name=self.file_name,
                size=self.size,
                field_name=self.field_name,
                content_type=self.content_type,
            )
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def check_size(upload: UploadedFile, limit: int) -> None:
    """ValidationError naming the limit if the upload is over `limit` or was refused on arrival."""
    limit = min(limit, memory_limit())
    if getattr(upload, "refused", False) or upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; files may be at most %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="size",
        )
