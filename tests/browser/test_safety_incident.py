"""In a real browser: a safety officer unlocks their key and reads a sealed incident, in Persian
on a phone and in French; nothing leaves the server and the page fits the screen."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django_scopes import scope

from panah.core.models import Role
from panah.people.services import create_person
from panah.safety import services

pytestmark = pytest.mark.browser

PASSPHRASE = "a long walk to Tabriz at dawn"  # noqa: S105 (test passphrase)


@pytest.fixture
def sealed_incident(org_a, make_member, settings):
    settings.SAFETY_KDF_MEMORY_KIB = 1024
    officer = make_member(org_a, [Role.SAFETY_OFFICER], email="officer-browser@example.org")
    with scope(organisation=org_a):
        key = services.set_up_officer_key(organisation=org_a, user=officer, passphrase=PASSPHRASE)
        person = create_person(
            organisation=org_a, by=None, given_name_latin="Reza", family_name_latin="Karimi",
            given_name_fa="رضا", family_name_fa="کریمی",
        )  # fmt: skip
        incident = services.record_incident(
            organisation=org_a, person=person, by=officer, category="coercion_relatives",
            occurred_on=dt.date.today() - dt.timedelta(days=3), country="IR",
            confidence="likely", reported_by="the_person", place="تبریز",
            indicators=["summons_of_relatives", "knew_private_facts"],
            sealed=services.SealedFacts(
                narrative="برادرش را وزارت اطلاعات احضار کرد و گفتند خانواده آسیب می‌بیند.",
                sources="پسرعمو، با پیام صوتی", relatives="برادر: حمید، تبریز",
            ),
            unlocked=True,
        )  # fmt: skip
    del key
    return officer, incident


def _shots() -> Path:
    folder = Path(os.environ.get("PANAH_SCREENSHOTS", "/tmp/panah-screenshots"))  # noqa: S108
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _switch(page, language: str) -> None:
    page.select_option("#language-select", language)
    with page.expect_navigation():
        page.click(".language-form button[type=submit]")


def test_the_officer_reads_the_sealed_incident_in_persian_on_a_phone_and_in_french(
    log_in, sealed_incident, traffic
):
    officer, incident = sealed_incident
    page = log_in(officer)
    page.goto("/safety/key/")
    page.fill("input[name=passphrase]", PASSPHRASE)
    with page.expect_navigation():
        page.click("form:has(input[name=passphrase]) button[type=submit]")
    _switch(page, "fa")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/safety/incidents/{incident.pk}/")

    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert "وزارت اطلاعات احضار" in page.locator("#sealed-heading + h3 + p").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(_shots() / "safety-incident-fa-390.png"), full_page=True)

    _switch(page, "fr")
    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto(f"/safety/incidents/{incident.pk}/")
    assert page.locator("h1").inner_text().startswith("Pressions via les proches en Iran")
    page.screenshot(path=str(_shots() / "safety-incident-fr.png"), full_page=True)

    assert traffic.foreign == []
    assert page.evaluate("window.__cspViolations") == []


def test_the_officer_corrects_the_incident_in_persian_on_a_phone(log_in, sealed_incident, traffic):
    officer, incident = sealed_incident
    page = log_in(officer)
    _switch(page, "fa")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/safety/incidents/{incident.pk}/edit/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("input[name=place]", "")
    page.fill("input[name=occurred_on]", "1499/01/01")  # a Solar Hijri date in the future
    with page.expect_navigation():
        page.click("form:has(input[name=place]) button[type=submit]")
    # Refused beside the field; what was typed is still there.
    assert page.input_value("input[name=occurred_on]") == "1499/01/01"
    page.screenshot(path=str(_shots() / "safety-incident-edit-fa-390.png"), full_page=True)
    page.fill("input[name=occurred_on]", "1403/12/15")
    page.fill("input[name=place]", "مشهد")
    with page.expect_navigation():
        page.click("form:has(input[name=place]) button[type=submit]")
    assert page.url.endswith(f"/safety/incidents/{incident.pk}/")
    assert "مشهد" in page.locator("dl.details").inner_text()

    _switch(page, "fr")
    page.goto(f"/safety/incidents/{incident.pk}/edit/")
    page.screenshot(path=str(_shots() / "safety-incident-edit-fr.png"), full_page=True)
    assert page.locator("h1").inner_text() == "Corriger l'incident"
    assert traffic.foreign == []
