"""In a real browser: logging in with password and second factor, then reading Panah in Persian."""

from __future__ import annotations

import pytest
from django.utils import timezone

from panah.core import dates

pytestmark = pytest.mark.browser


def test_a_member_logs_in_with_password_and_code_and_lands_on_the_dashboard(log_in, member):
    page = log_in(member)

    assert page.url.endswith("/")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.locator(".org-name").inner_text() == "Organisation A"
    assert page.locator("#panel-welcome").inner_text() == "Your roles"


def test_switching_to_persian_turns_the_page_right_to_left_with_a_jalali_date(
    log_in, member, tmp_path
):
    page = log_in(member)

    page.select_option("#language-select", "fa")
    with page.expect_navigation():
        page.click(".language-form button[type=submit]")

    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "fa"
    assert page.locator("time .jalali").first.inner_text() == dates.jalali_text(
        timezone.localdate()
    )
    assert page.locator("time .gregorian").first.is_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    # The stylesheet applies (a missing one would make any layout check meaningless).
    assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == (
        "absolute"
    )
    shot = tmp_path / "dashboard-fa-390.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide on a {widths[1]}px phone"
