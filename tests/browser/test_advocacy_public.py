"""The public event page on a phone, in Persian, with JavaScript switched off."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django_scopes import scope

from panah.advocacy.tests.scenario import typical_year
from panah.core.models import Role

from .conftest import TIMEOUT_MS, _origin

pytestmark = pytest.mark.browser


def test_a_visitor_reads_the_rally_in_persian_on_a_phone_and_says_they_will_come(
    browser, live_server, org_a, make_member
):
    coordinator = make_member(org_a, [Role.COORDINATOR])
    with scope(organisation=org_a):
        year = typical_year(org_a, coordinator)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844},
        java_script_enabled=False, locale="fa-IR",
    )  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    foreign: list[str] = []
    origin = _origin(live_server.url)

    def guard(route):
        if _origin(route.request.url) == origin:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.goto(f"/e/{org_a.slug}/events/{year.rally.pk}/?lang=fa")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "اعدام‌ها در ایران" in page.locator("h1").inner_text()
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if os.environ.get("PANAH_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["PANAH_SCREENSHOTS"]) / "event-fa-390.png"),
                        full_page=True)  # fmt: skip
    page.get_by_role("button", name="می‌آیم").click()
    assert page.locator(".rsvp-count").inner_text().startswith("۱ نفر")
    assert foreign == []
    context.close()
