"""The strict Content-Security-Policy holds on the dashboard and nothing comes from elsewhere."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_the_dashboard_breaks_no_rule_of_the_policy_and_asks_only_its_own_server(
    log_in, member, traffic, live_server
):
    page = log_in(member)
    page.wait_for_load_state("networkidle")

    assert page.evaluate("window.__cspViolations") == []
    assert [m for m in traffic.console if m.startswith(("error", "warning"))] == []
    assert traffic.foreign == []
    assert traffic.failed == []
    origin = urlsplit(live_server.url).netloc
    assert {urlsplit(url).netloc for url in traffic.requests} == {origin}
    # A script is loaded only where a page uses it: the passkey script on the second-factor
    # page, which offers a passkey; none on the dashboard.
    scripts = {urlsplit(url).path for url in traffic.requests if url.endswith(".js")}
    assert scripts <= {"/static/panah/passkeys.js"}


def test_the_policy_recorder_sees_a_refused_image_and_an_inline_script(log_in, member):
    """A test of the test: the recorder above would notice a violation."""
    page = log_in(member)

    page.evaluate(
        """() => {
          const img = document.createElement("img");
          img.src = "https://example.invalid/tracker.png";
          document.body.append(img);
          const s = document.createElement("script");
          s.textContent = "window.__inlineRan = true";
          document.body.append(s);
        }"""
    )
    page.wait_for_function("window.__cspViolations.length >= 2")

    violations = page.evaluate("window.__cspViolations")
    assert any(v.startswith("img-src") for v in violations)
    assert any(v.startswith("script-src") for v in violations)
    assert page.evaluate("window.__inlineRan === undefined")
