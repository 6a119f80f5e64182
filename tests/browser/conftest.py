"""Playwright fixtures: one Debian Chromium for the whole session, a fresh context per test.

The browser is never downloaded (`playwright install` is not used): it is /usr/bin/chromium,
started without any of the background traffic Chromium makes by default, and every request
that does not go to the live server is aborted and recorded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django_otp.oath import totp
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import PASSWORD
from panah.core.models import AuthenticatorDevice, User

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
# Generous: the first page of a session compiles templates and imports every view, and the
# machine running the suite may be busy.
TIMEOUT_MS = 30_000

# Records what the Content-Security-Policy refused, before any script of the page runs.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make browsers` installs Debian's Chromium.")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # (fixtures, reading a TOTP device) are still synchronous and safe.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@dataclass
class Traffic:
    """What one page did: every URL it asked for, what was refused or failed, the console."""

    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def page(browser: Browser, live_server, traffic: Traffic) -> Iterator[Page]:
    """A page in a fresh context, pointed at the live server, that cannot reach anything else."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_RECORDER)
    origin = _origin(live_server.url)

    def guard(route):
        url = route.request.url
        if _origin(url) == origin:
            route.continue_()
        else:
            traffic.foreign.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", lambda request: traffic.requests.append(request.url))
    page.on("console", lambda msg: traffic.console.append(f"{msg.type}: {msg.text}"))
    page.on(
        "response",
        lambda r: traffic.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    yield page
    context.close()


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def current_code(user: User) -> str:
    """The code the user's authenticator shows now (as panah.core.demo.current_code does)."""
    device = AuthenticatorDevice.objects.get(user=user, confirmed=True)
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


@pytest.fixture
def member(admin_a) -> User:
    """An administrator of Organisation A with a confirmed authenticator."""
    return admin_a


@pytest.fixture
def log_in(page: Page):
    """log_in(user): password then second factor through the real pages; ends on the dashboard."""

    def do(user: User) -> Page:
        page.goto("/login/")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form:has(input[name=password]) button[type=submit]")
        page.wait_for_url("**/login/second-factor/**")
        page.fill("input[name=code]", current_code(user))
        with page.expect_navigation():
            page.click("form:has(input[name=code]) button[type=submit]")
        return page

    return do
