"""A download of personal data is an attachment under a safe name that no cache keeps."""

from __future__ import annotations

from django.http import StreamingHttpResponse

from panah.core.downloads import private_file


def test_a_download_is_an_attachment_that_no_cache_keeps():
    response = private_file(b"%PDF", "application/pdf", "a.pdf")
    assert response.content == b"%PDF"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="a.pdf"'
    assert response["Cache-Control"] == "no-store"


def test_rows_are_streamed():
    response = private_file(iter(["a,b\n", "1,2\n"]), "text/csv", "rows.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content) == b"a,b\n1,2\n"
    assert response["Cache-Control"] == "no-store"


def test_a_name_cannot_break_out_of_the_header():
    quoted = private_file(b"", "text/plain", 'x"; filename="evil.html')
    assert quoted["Content-Disposition"] == r'attachment; filename="x\"; filename=\"evil.html"'
    persian = private_file(b"", "text/plain", "سند.pdf")
    assert persian["Content-Disposition"] == "attachment; filename*=utf-8''%D8%B3%D9%86%D8%AF.pdf"
