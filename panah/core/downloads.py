"""Downloads of what the server holds about people (a decrypted document, an export): one way
to send them, as an attachment under a safe name that no cache keeps."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header


def private_file(
    content: bytes | str | Iterable[bytes | str], content_type: str, filename: str
) -> HttpResponseBase:
    """`content` (streamed when it is an iterator of rows) as a download named `filename`
    (quoted, or encoded when not ASCII), marked no-store: a shared computer's browser cache
    must not keep a refugee's file."""
    if isinstance(content, bytes | str):
        response: HttpResponseBase = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response
