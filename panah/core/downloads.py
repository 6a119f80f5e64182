"""Downloads of what the server holds about people (a decrypted document, an export): one way
to send them, as an attachment under a safe name that no cache keeps."""

from __future__ import annotations

from typing import TypeVar

from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

R = TypeVar("R", bound=HttpResponseBase)


def private_attachment(response: R, filename: str) -> R:
    """`response` as a download named `filename` (quoted, or encoded when not ASCII), marked
    no-store: a shared computer's browser cache must not keep a refugee's file."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response
