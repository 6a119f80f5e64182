"""PDFs written with WeasyPrint from our own HTML: the vendored Vazirmatn font is the only file
they may load (no network, no other file), so Persian is shaped and nothing leaves the server.
Every PDF goes through here: the subject-access export, the advocacy brief, the estimate files.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

FONT_FILE = Path(settings.BASE_DIR) / "static/vendor/vazirmatn/Vazirmatn-wght.woff2"


def only_the_font():
    """A WeasyPrint URL fetcher that serves the bundled font and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: PLC0415 (weasyprint is slow to import; only this path needs it)

    class OnlyTheFont(URLFetcher):
        def fetch(self, url, headers=None):
            if url == FONT_FILE.as_uri():
                return URLFetcherResponse(
                    url, FONT_FILE.read_bytes(), {"Content-Type": "font/woff2"}
                )
            raise ValueError(f"A PDF may not load {url!r}.")

    return OnlyTheFont(allowed_protocols=("file",))


def render_pdf(html: str) -> bytes:
    """The HTML as a PDF; its only outside file is the font at FONT_FILE.as_uri()."""
    from weasyprint import HTML  # noqa: PLC0415 (weasyprint is slow to import; only this path needs it)

    return HTML(string=html, url_fetcher=only_the_font()).write_pdf()
