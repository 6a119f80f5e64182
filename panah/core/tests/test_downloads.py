"""A download of personal data is an attachment under a safe name that no cache keeps."""

from __future__ import annotations

from django.http import HttpResponse

from panah.core.downloads import private_attachment


def test_a_download_is_an_attachment_that_no_cache_keeps():
    response = private_attachment(HttpResponse(b"%PDF", content_type="application/pdf"), "a.pdf")
    assert response["Content-Disposition"] == 'attachment; filename="a.pdf"'
    assert response["Cache-Control"] == "no-store"


def test_a_name_cannot_break_out_of_the_header():
    quoted = private_attachment(HttpResponse(b""), 'x"; filename="evil.html')
    assert quoted["Content-Disposition"] == r'attachment; filename="x\"; filename=\"evil.html"'
    persian = private_attachment(HttpResponse(b""), "سند.pdf")
    assert persian["Content-Disposition"] == "attachment; filename*=utf-8''%D8%B3%D9%86%D8%AF.pdf"
