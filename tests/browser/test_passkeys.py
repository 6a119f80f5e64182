"""In a real browser: a safety officer registers a passkey, then signs in with it.

Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain) stands in for a
security key or a phone: the page's own script, the browser's WebAuthn and the server's checks
all run as they would for a member.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from conftest import PASSWORD
from panah.core.models import AuditEntry, Passkey, Role

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("PANAH_SCREENSHOTS", "/tmp/panah-screenshots"))  # noqa: S108


@pytest.fixture
def officer(org_a, make_member, settings):
    settings.PASSKEY_ROLES = ["admin", "safety_officer"]
    return make_member(org_a, [Role.SAFETY_OFFICER], email="officer-a@example.org")


def _virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_an_officer_registers_a_passkey_then_signs_in_with_it(page, log_in, officer, traffic):
    _virtual_authenticator(page)
    log_in(officer)

    # The authenticator app got them in, but only as far as the passkey page.
    page.wait_for_url("**/account/passkeys/")
    assert "requires a passkey" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.click("button[data-passkey=register]")
    assert page.locator("ul.codes li").count() == 10
    assert Passkey.objects.filter(user=officer).count() == 1
    page.click("text=I have kept them: continue")
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == "Dashboard"

    with page.expect_navigation():
        page.click(".logout-form button[type=submit]")
    page.fill("input[name=username]", officer.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url("**/login/second-factor/**")
    with page.expect_navigation():
        page.click("button[data-passkey=assert]")

    assert page.locator("h1").inner_text() == "Dashboard"
    with scopes_disabled():
        assert AuditEntry.objects.filter(actor=officer, action="account.passkey_added").exists()
    assert traffic.foreign == []
    assert [c for c in traffic.console if c.startswith("error")] == []


def test_the_passkey_page_in_persian_on_a_phone_and_in_french(page, log_in, officer):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _virtual_authenticator(page)
    log_in(officer)
    page.wait_for_url("**/account/passkeys/")
    page.set_viewport_size({"width": 390, "height": 844})
    for language in ("fa", "fr"):
        page.select_option("#language-select", language)
        with page.expect_navigation():
            page.click(".language-form button[type=submit]")
        page.wait_for_url("**/account/passkeys/")
        page.screenshot(path=str(SCREENSHOTS / f"passkeys-{language}.png"), full_page=True)
        assert page.locator("button[data-passkey=register]").is_visible()
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert "clé d'accès" in page.locator("main").inner_text()
