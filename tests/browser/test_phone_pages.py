"""In a real browser, the pages a caseworker lives in: on a 390 px phone in Persian the header
takes at most a fifth of the screen, nothing is wider than the phone, every number is in
Persian digits, and a person's page and their case page link to each other; the same pages on a
French desktop. Screenshots go to PANAH_SCREENSHOTS when it is set (for a person to look at)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scope

from panah.cases import services
from panah.core.models import Role
from panah.people.services import create_person

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def followed_case(org_a, make_member):
    """A coordinator who also follows a case refused by the CGRS (an appeal deadline open)."""
    member = make_member(
        org_a, [Role.COORDINATOR, Role.CASEWORKER], email="coordinator-a@example.org"
    )
    today = timezone.localdate()
    with scope(organisation=org_a):
        person = create_person(
            organisation=org_a, by=None, given_name_fa="نرگس", family_name_fa="حسینی",
            given_name_latin="Narges", family_name_latin="Hosseini", nationality="Iranian",
            phone="+32 470 12 34 56", email="narges@example.org", languages=["fa", "fr"],
        )  # fmt: skip
        case = services.open_case(
            organisation=org_a, person=person, by=None, caseworkers=[member],
            registered_on=today - dt.timedelta(days=240),
        )  # fmt: skip
        for step in (
            services.StepInput("application_lodged", today - dt.timedelta(days=230)),
            services.StepInput(
                "cgrs_decision", today - dt.timedelta(days=5), outcome="refusal",
                notification_mode="hand_delivery",
                received_on=today - dt.timedelta(days=5),
            ),
        ):  # fmt: skip
            services.record_step(case=case, by=None, step=step)
    return member, person, case


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PANAH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _visible_latin_digits(page) -> list[str]:
    """Latin digits in the text a Persian reader sees, outside codes kept as written."""
    return page.evaluate(
        """() => {
          const found = [];
          const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
          while (walk.nextNode()) {
            const node = walk.currentNode;
            if (node.parentElement.closest('[translate=no], script, style, textarea, code')) continue;
            const text = node.textContent.replace(/\\S*@\\S*|https?:\\/\\/\\S*/g, '');
            if (/[0-9]/.test(text)) found.push(text.trim());
          }
          return found;
        }"""
    )


def test_the_caseworkers_pages_on_a_persian_phone_and_a_french_desktop(
    page, log_in, live_server, followed_case, tmp_path
):
    member, person, case = followed_case
    shots = _shots(tmp_path)
    pages = {
        "dashboard": "/",
        "case": f"/cases/{case.pk}/",
        "person": f"/people/{person.pk}/",
        "deadlines": "/cases/deadlines/",
        "statistics": "/cases/statistics/",
    }
    page.set_viewport_size(PHONE)
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    log_in(member)
    for name, url in pages.items():
        page.goto(url)
        assert page.evaluate("document.documentElement.dir") == "rtl"
        header = page.locator(".site-header").bounding_box()["height"]
        assert header <= PHONE["height"] / 5, f"{name}: the header takes {header}px"
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{name}: {widths[0]}px wide on a {widths[1]}px phone"
        assert _visible_latin_digits(page) == [], name
        page.screenshot(path=str(shots / f"{name}-fa-390.png"), full_page=True)

    # Navigation both ways, and the contact details on the case page.
    page.goto(pages["case"])
    assert page.locator(".contact").inner_text().count("+۳۲ ۴۷۰ ۱۲ ۳۴ ۵۶") == 1
    with page.expect_navigation():
        page.click(f"a[href='/people/{person.pk}/']")
    with page.expect_navigation():
        page.click(f"main a[href='/cases/{case.pk}/']")
    assert page.url.endswith(pages["case"])

    page.set_viewport_size(DESKTOP)
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    for name, url in pages.items():
        page.goto(url)
        assert page.evaluate("document.documentElement.lang") == "fr"
        page.screenshot(path=str(shots / f"{name}-fr-desktop.png"), full_page=True)
