"""The login with the keyboard alone: no mouse click anywhere, the skip link first."""

from __future__ import annotations

import pytest

from conftest import PASSWORD

from .conftest import current_code

pytestmark = pytest.mark.browser

ACTIVE = """() => {
  const e = document.activeElement;
  return e === document.body || e === null ? "body" : (e.id || e.name || e.className || e.tagName);
}"""


def focused(page) -> str:
    return page.evaluate(ACTIVE)


def tab_until(page, target: str, limit: int = 15) -> list[str]:
    """Press Tab until `target` has the focus; the elements passed on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(focused(page))
        if seen[-1] == target:
            return seen
    raise AssertionError(f"Tab never reached {target}; it went through {seen}")


def test_a_member_logs_in_with_the_keyboard_alone(page, member):
    page.goto("/login/")
    # Back to the top of the page with Shift+Tab, out of the autofocused email field.
    for _ in range(15):
        page.keyboard.press("Shift+Tab")
        if focused(page) == "body":
            break
    assert focused(page) == "body"

    path = tab_until(page, "id_username")
    assert path[0] == "skip-link"
    page.keyboard.type(member.email)
    page.keyboard.press("Tab")
    assert focused(page) == "id_password"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "/login/second-factor/" in page.url
    if focused(page) != "id_code":
        tab_until(page, "id_code")
    page.keyboard.type(current_code(member))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.endswith("/")
    assert page.locator("h1").inner_text() == "Dashboard"


def test_the_skip_link_is_the_first_thing_tab_reaches_and_jumps_to_the_content(log_in, member):
    page = log_in(member)  # the dashboard has no autofocus: focus starts at the top

    page.keyboard.press("Tab")
    assert focused(page) == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert focused(page) == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")
