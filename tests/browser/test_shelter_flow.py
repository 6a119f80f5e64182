"""In a real browser, on a phone: the shelter coordinator's whole round, then the caseworker's view.

A coordinator registers three households without a roof and two vetted hosts, runs the matcher,
reads the proposals with their reasons (and why a fourth household stays unhoused), confirms
one; the guest's caseworker then sees the placement and its check-in schedule in Persian.
Screenshots go to $PANAH_SCREENSHOTS when set (for looking at them), else to a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from panah.cases import services as cases
from panah.core.models import Role
from panah.people.services import create_person
from panah.shelter import services
from panah.shelter.models import Need, Placement

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PANAH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fits_the_phone(page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide on a {widths[1]}px phone"


def _submit(page) -> None:
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def _register_household(page, name: str, women: int, men: int, children: int, area: str):
    page.goto("/shelter/needs/new/")
    page.fill("input[name=given_name_latin]", name)
    page.fill("input[name=email]", f"{name.lower()}@example.org")
    page.fill("input[name=family_name_latin]", "Rahimi")
    page.fill(
        "input[name=without_roof_since]", (timezone.localdate() - dt.timedelta(12)).isoformat()
    )
    page.fill("input[name=adult_women]", str(women))
    page.fill("input[name=adult_men]", str(men))
    page.fill("input[name=children]", str(children))
    page.select_option("select[name=area]", area)
    page.check("input[name=languages][value=fa]")
    _submit(page)
    assert "/shelter/needs/" in page.url


def _register_vetted_host(page, name: str, kind: str, beds: int, single_men: bool, coordinator):
    page.goto("/shelter/hosts/new/")
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", f"host-{beds}@example.org")
    page.check("input[name=languages][value=fr]")
    page.fill("textarea[name=address]", f"{name} street 1")
    page.select_option("select[name=area]", "brussels")
    _submit(page)
    host_url = page.url
    page.goto(host_url + "vetting/")
    today = timezone.localdate().isoformat()
    page.fill("input[name=home_visit_on]", today)
    page.select_option("select[name=home_visit_by]", str(coordinator.pk))
    page.check("input[name=references_checked]")
    page.fill("input[name=charter_signed_on]", today)
    page.fill(
        "input[name=vetting_renewal_on]", (timezone.localdate() + dt.timedelta(365)).isoformat()
    )
    _submit(page)
    page.goto(host_url + "offers/new/")
    page.fill("input[name=beds]", str(beds))
    if single_men:
        page.check("input[name=accepts_single_men]")
    _submit(page)


def test_a_coordinator_matches_on_a_phone_and_the_caseworker_reads_it_in_persian(
    browser, live_server, log_in, page, org_a, make_member, tmp_path
):
    shots = _shots(tmp_path)
    coordinator = make_member(org_a, [Role.SHELTER_COORDINATOR], email="sc@example.org")
    caseworker = make_member(org_a, [Role.CASEWORKER], email="cw@example.org", language="fa")
    lead = make_member(org_a, [Role.COORDINATOR], email="lead@example.org")
    with scope(organisation=org_a):
        # The fourth household, registered earlier: eight people, more than any offer.
        person = create_person(
            organisation=org_a, by=None, given_name_latin="Large", family_name_latin="Family"
        )
        services.register_need(
            organisation=org_a, person=person, by=None, adult_women=2, adult_men=2, children=4,
            area="brussels", without_roof_since=timezone.localdate() - dt.timedelta(3),
        )  # fmt: skip
    page.set_viewport_size(PHONE)
    log_in(coordinator)
    _register_household(page, "Shirin", women=1, men=0, children=2, area="brussels")
    _register_household(page, "Reza", women=0, men=1, children=0, area="brussels")
    _register_household(page, "Amir", women=0, men=1, children=0, area="brussels")
    _register_vetted_host(page, "Famille Dubois", "family", 3, False, coordinator)
    _register_vetted_host(page, "Jan Peeters", "couple", 1, True, coordinator)

    page.goto("/shelter/match/")
    _submit(page)
    proposals = page.locator(".proposal")
    assert proposals.count() == 2
    text = page.locator("main").inner_text()
    assert "Shirin Rahimi" in text and "Famille Dubois" in text
    assert "The whole household fits in one offer" in text  # why the large family waits
    assert "Not enough suitable beds" in text  # why one single man waits
    page.locator(".proposal details").first.click()
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "shelter-proposals-en-390.png"), full_page=True)

    for language, name in (
        ("fr", "shelter-proposals-fr-390.png"),
        ("fa", "shelter-proposals-fa-390.png"),
    ):
        page.select_option("#language-select", language)
        with page.expect_navigation():
            page.click(".language-form button[type=submit]")
        page.goto("/shelter/match/")
        page.locator(".proposal details").first.click()
        _fits_the_phone(page)
        page.screenshot(path=str(shots / name), full_page=True)
    assert page.evaluate("document.documentElement.dir") == "rtl"

    # Proposals tell no one: nothing is mailed before the coordinator confirms.
    assert mail.outbox == []
    shirin = page.locator(".proposal", has_text="Shirin")
    with page.expect_navigation():
        shirin.locator("button[type=submit]").click()
    # Confirmed: the guest is told in Persian, with the address; the host in French, without.
    guest_mail = next(m for m in mail.outbox if m.to == ["shirin@example.org"])
    host_mail = next(m for m in mail.outbox if m.to == ["host-3@example.org"])
    assert "Famille Dubois street 1" in guest_mail.body and "میزبان" in guest_mail.body
    assert "Famille Dubois street 1" not in host_mail.body and "ménage" in host_mail.body
    assert "Shirin" not in host_mail.body
    # The coordinator's placement page in French on a desktop: the messages sent, and to whom.
    page.select_option("#language-select", "fr")
    with page.expect_navigation():
        page.click(".language-form button[type=submit]")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.url)
    assert "envoyé par e-mail" in page.locator("main").inner_text()
    page.screenshot(
        path=str(shots / "shelter-placement-coordinator-fr-desktop.png"), full_page=True
    )
    with scope(organisation=org_a):
        placement = Placement.objects.get(status="confirmed")
        need = Need.objects.get(pk=placement.need_id)
        case = cases.open_case(
            organisation=org_a, person=need.person, by=lead,
            registered_on=timezone.localdate() - dt.timedelta(40),
        )  # fmt: skip
        cases.assign_case(case=case, caseworkers=[caseworker], by=lead)

    other = browser.new_context(base_url=live_server.url, locale="fa-IR", viewport=PHONE)
    try:
        guest_page = other.new_page()
        from conftest import PASSWORD
        from tests.browser.conftest import current_code

        guest_page.goto("/login/")
        guest_page.fill("input[name=username]", caseworker.email)
        guest_page.fill("input[name=password]", PASSWORD)
        with guest_page.expect_navigation():
            guest_page.click("form:has(input[name=password]) button[type=submit]")
        guest_page.fill("input[name=code]", current_code(caseworker))
        with guest_page.expect_navigation():
            guest_page.click("form:has(input[name=code]) button[type=submit]")
        guest_page.goto(f"/shelter/placements/{placement.pk}/")
        assert guest_page.evaluate("document.documentElement.dir") == "rtl"
        body = guest_page.locator("main").inner_text()
        assert "برنامه پیگیری" in body  # the check-in schedule
        assert "Famille Dubois street 1" in body  # the address, now the match is confirmed
        assert guest_page.locator("time .jalali").count() >= 3
        _fits_the_phone(guest_page)
        guest_page.screenshot(
            path=str(shots / "shelter-placement-caseworker-fa-390.png"), full_page=True
        )
    finally:
        other.close()


def test_a_safety_alert_is_named_and_the_edit_page_keeps_what_was_typed_in_persian(
    live_server, log_in, page, org_a, make_member, tmp_path
):
    from panah.safety import services as safety

    shots = _shots(tmp_path)
    coordinator = make_member(
        org_a, [Role.SHELTER_COORDINATOR], email="sc-fa@example.org", language="fa"
    )
    officer = make_member(org_a, [Role.SAFETY_OFFICER], email="so@example.org")
    today = timezone.localdate()
    with scope(organisation=org_a):
        person = create_person(
            organisation=org_a, by=None, given_name_latin="Leila", family_name_latin="Ahmadi"
        )
        need = services.register_need(
            organisation=org_a, person=person, by=None, adult_women=1, area="brussels",
            without_roof_since=today - dt.timedelta(5), languages=["fa"],
        )  # fmt: skip
        safety.assess_risk(
            person=person, level="critical", assessed_on=today,
            next_review_on=today + dt.timedelta(14), reviewer=officer, by=officer,
        )  # fmt: skip
        host = services.register_host(
            organisation=org_a, by=None, kind="family", name="Famille Lambert",
            area="brussels", address="Rue Lambert 3",
        )  # fmt: skip
        services.record_vetting(
            host=host, by=None, home_visit_on=today, home_visit_by=coordinator,
            references_checked=True, charter_signed_on=today,
            vetting_renewal_on=today + dt.timedelta(365),
        )  # fmt: skip
        services.add_offer(host=host, by=None, beds=2, available_from=today)
    page.set_viewport_size(PHONE)
    log_in(coordinator)
    page.goto("/shelter/match/")
    _submit(page)
    text = page.locator("main").inner_text()
    assert page.locator(".proposal").count() == 0
    rule = "مهمانی که هشدار امنیتی دارد"  # the rule's name, in Persian
    assert rule in text
    page.goto(f"/shelter/needs/{need.pk}/")
    assert "هشدار امنیتی" in page.locator("main").inner_text()
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "shelter-need-alert-fa-390.png"), full_page=True)

    page.goto(f"/shelter/needs/{need.pk}/edit/")
    page.fill("textarea[name=notes]", "نزدیک بیمارستان سن‌پیر")
    page.fill("input[name=adult_women]", "0")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.input_value("textarea[name=notes]") == "نزدیک بیمارستان سن‌پیر"
    assert page.locator(".errorlist").count() >= 1
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "shelter-need-edit-error-fa-390.png"), full_page=True)
    with scope(organisation=org_a):
        assert Need.objects.get(pk=need.pk).notes == ""
