"""In a real browser: the statistics page's estimate, each model beside its interval allowing
for linkage uncertainty, on a 390 px phone in Persian and then in French."""

# ruff: noqa: F811 (fixtures imported from shared modules are test parameters)

from __future__ import annotations

import os
from pathlib import Path

import pytest

from panah.evidence.tests.linking_fixtures import (  # noqa: F401
    _linkage_settings,
    researcher,
    starter_model,
)
from panah.evidence.tests.test_review import linked  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PANAH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_estimate_shows_the_linkage_interval_in_persian_on_a_phone_and_in_french(
    page, log_in, live_server, linked, researcher, tmp_path
):
    shots = _shots(tmp_path)
    page.set_viewport_size(PHONE)
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    page.set_default_timeout(180_000)  # the estimate is computed on request
    log_in(researcher)
    page.goto("/evidence/statistics/?estimate=all")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    box = page.locator(".estimate-box")
    assert "با در نظر گرفتن عدم قطعیت پیوند" in box.inner_text()
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "estimate-linkage-fa-390.png"), full_page=True)

    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/evidence/statistics/?estimate=all")
    text = page.locator(".estimate-box").inner_text()
    assert "En tenant compte de l'incertitude de liaison" in text
    assert "Incertitude de liaison" in text
    page.locator(".estimate-box").screenshot(path=str(shots / "estimate-linkage-fr.png"))
