"""In a real browser, on a 390 px phone in Persian: a researcher finds a pair the model was sure
of but which carries a contradiction at the top of the review queue, with the reason, and the
spreadsheet download and upload beside it; then the same page in French."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django_scopes import scope

from panah.evidence.linkage_runs import run_linkage
from panah.evidence.tests.linking_fixtures import (  # noqa: F401
    _linkage_settings,
    add_reports,
    researcher,
    starter_model,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TWICE = dict(
    name_as_written="Ali Rahimi", father_name="Hassan", age="30", gender="male",
    province="Tehran", charge_category="drugs", date_as_written="2024-02-01",
)  # fmt: skip


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PANAH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fits(page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide on a {widths[1]}px phone"


def test_the_queue_shows_why_each_pair_is_there(
    page, log_in, live_server, org_a, researcher, tmp_path
):
    # One source reports the same execution twice: the model is sure, the queue still asks.
    add_reports(org_a, "Kurdpa", [dict(source_reference="K-1", **TWICE)], by=researcher)
    add_reports(org_a, "Kurdpa", [dict(source_reference="K-2", **TWICE)], by=researcher)
    add_reports(
        org_a, "Hengaw",
        [dict(TWICE, source_reference="H-1", name_as_written="علی رحیمی", father_name="رضا",
              age="45")],
        by=researcher,
    )  # fmt: skip
    with scope(organisation=org_a):
        run_linkage(organisation=org_a, review_band=(1e-9, 0.9))
    shots = _shots(tmp_path)
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    page.set_viewport_size(PHONE)
    log_in(researcher)
    page.goto("/evidence/review/")
    body = page.locator("main").inner_text()
    assert "تناقض" in body and "دو گزارش از یک منبع در یک روز" in body
    assert "نام پدرها متفاوت است" in body
    assert page.locator("a[href*='review/export/?fmt=xlsx']").is_visible()
    assert page.locator("input[type=file][name=sheet]").count() == 1
    _fits(page)
    page.screenshot(path=str(shots / "review-queue-fa-390.png"), full_page=True)

    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/evidence/review/")
    body = page.locator("main").inner_text()
    assert "Contradiction" in body and "deux rapports de la même source le même jour" in body
    page.screenshot(path=str(shots / "review-queue-fr.png"), full_page=True)
