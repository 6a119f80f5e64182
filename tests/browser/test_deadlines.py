"""In a real browser, on a 390 px phone in Persian: a caseworker records a CGRS refusal, is
warned about a notification date in the future, and finds the CALL appeal marked binding above
every indicative time limit; the coordinator's deadlines view shows it too (then in French)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import jdatetime
import pytest
from django.utils import timezone
from django_scopes import scope

from panah.cases import services
from panah.core.dates import PERSIAN_DIGITS
from panah.core.models import Role
from panah.people.services import create_person

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _jalali(value: dt.date) -> str:
    j = jdatetime.date.fromgregorian(date=value)
    return f"{j.year}/{j.month:02d}/{j.day:02d}".translate(PERSIAN_DIGITS)


def _shots(tmp_path: Path) -> Path:
    # PANAH_SCREENSHOTS keeps them for a person to look at; otherwise they go with the test.
    folder = Path(os.environ.get("PANAH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fits(page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide on a {widths[1]}px phone"


def _language(page, live_server, code: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


@pytest.fixture
def waiting_case(org_a, make_member):
    """Two cases lodged 200 days ago: the CGRS's indicative six months are exceeded."""
    caseworker = make_member(org_a, [Role.CASEWORKER], email="caseworker-a@example.org")
    today = timezone.localdate()
    with scope(organisation=org_a):
        person = create_person(
            organisation=org_a, by=None, given_name_fa="نرگس", family_name_fa="حسینی",
            given_name_latin="Narges", family_name_latin="Hosseini", nationality="Iranian",
        )  # fmt: skip
        case = services.open_case(
            organisation=org_a, person=person, by=None, caseworkers=[caseworker],
            registered_on=today - dt.timedelta(days=210),
        )  # fmt: skip
        # Another case still waiting for the CGRS: its indicative time limit stays open.
        other = services.open_case(
            organisation=org_a, by=None, caseworkers=[caseworker],
            person=create_person(organisation=org_a, by=None, given_name_latin="Reza",
                                 family_name_latin="Karimi", nationality="Iranian"),
            registered_on=today - dt.timedelta(days=210),
        )  # fmt: skip
        for followed in (case, other):
            services.record_step(
                case=followed,
                by=None,
                step=services.StepInput("application_lodged", today - dt.timedelta(days=200)),
            )
    return caseworker, case


def test_a_refusal_recorded_on_a_phone_in_persian_puts_the_binding_appeal_first(
    page, log_in, live_server, waiting_case, org_a, make_member, tmp_path
):
    caseworker, case = waiting_case
    shots = _shots(tmp_path)
    today = timezone.localdate()
    decided = today - dt.timedelta(days=3)
    page.set_viewport_size(PHONE)
    _language(page, live_server, "fa")
    log_in(caseworker)

    page.goto(f"/cases/{case.pk}/steps/new/?code=cgrs_decision")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.select_option("select[name=outcome]", "refusal")
    page.fill("input[name=occurred_on]", _jalali(decided))
    page.select_option("select[name=notification_mode]", "registered_letter")
    page.fill("input[name=sent_on]", _jalali(decided))
    page.fill("input[name=received_on]", _jalali(today + dt.timedelta(days=10)))
    page.fill("input[name=document_reference]", "CGRS 24/0815")
    with page.expect_navigation():
        page.click("form:has(input[name=occurred_on]) button[type=submit]")

    # Warned, nothing saved, everything typed still there, each date read in both calendars.
    warning = page.locator("#warnings")
    assert warning.is_visible()
    assert "آینده" in warning.inner_text()  # "in the future"
    # Dates in the Persian message are written out: an ISO date would read backwards there.
    future = today + dt.timedelta(days=10)
    assert str(future.year).translate(PERSIAN_DIGITS) in warning.inner_text()  # one digit set
    assert future.isoformat() not in warning.inner_text()
    assert page.input_value("input[name=occurred_on]") == _jalali(decided)
    assert page.input_value("input[name=document_reference]") == "CGRS 24/0815"
    hint = page.locator("#id_occurred_on-hint").inner_text()
    assert str(decided.year).translate(PERSIAN_DIGITS) in hint
    _fits(page)
    page.screenshot(path=str(shots / "step-warning-fa-390.png"), full_page=True)

    page.check("input[name=confirm]")
    with page.expect_navigation():
        page.click("form:has(input[name=occurred_on]) button[type=submit]")
    assert page.url.endswith(f"/cases/{case.pk}/")

    page.goto("/cases/deadlines/")
    _fits(page)
    page.screenshot(path=str(shots / "deadlines-fa-390.png"), full_page=True)
    binding = page.locator(".deadline-group.binding li.binding")
    indicative = page.locator("li.indicative")
    assert binding.count() == 1 and indicative.count() >= 1
    assert "CALL" in binding.first.inner_text() or "شورای" in binding.first.inner_text()
    appeal_bottom = binding.first.bounding_box()["y"] + binding.first.bounding_box()["height"]
    assert all(
        indicative.nth(i).bounding_box()["y"] > appeal_bottom for i in range(indicative.count())
    )
    # Never alike: the binding one is edged in the danger colour, the indicative one is not.
    colour = "el => getComputedStyle(el).borderInlineStartColor"
    assert binding.first.evaluate(colour) != indicative.first.evaluate(colour)
    assert binding.first.locator(".kind.binding").is_visible()
    assert indicative.first.locator(".kind.indicative").is_visible()

    # The coordinator follows no case, and still sees it, as their dashboard counts it.
    coordinator = make_member(org_a, [Role.COORDINATOR], email="coordinator-a@example.org")
    page.context.clear_cookies()
    _language(page, live_server, "fr")
    log_in(coordinator)
    page.goto("/cases/deadlines/")
    assert page.locator('.scope-tabs a[aria-current="page"]').inner_text() == "Toute l’organisation"
    assert page.locator(".deadline-group.binding li.binding").count() == 1
    assert "Narges" in page.locator(".deadline-group.binding").inner_text()
    page.set_viewport_size({"width": 1024, "height": 900})
    page.screenshot(path=str(shots / "deadlines-fr.png"), full_page=True)
    assert not page.evaluate("window.__cspViolations")


def test_a_note_added_on_a_phone_in_persian_through_the_section_that_loads_its_form(
    page, log_in, live_server, waiting_case, tmp_path
):
    """The case page draws no blank form: opening "Add a note" loads it (htmx, under the
    page's content security policy), and the note typed there is saved."""
    caseworker, case = waiting_case
    page.set_viewport_size(PHONE)
    _language(page, live_server, "fa")
    log_in(caseworker)
    page.goto(f"/cases/{case.pk}/")
    section = page.locator(f"details[hx-get='/cases/{case.pk}/notes/']")
    assert section.locator("textarea").count() == 0
    section.locator("summary").click()
    section.locator("textarea[name=text]").wait_for()
    section.locator("textarea[name=text]").fill("وکیل دوشنبه تماس می‌گیرد")
    _fits(page)
    page.screenshot(path=str(_shots(tmp_path) / "case-note-fa-390.png"), full_page=True)
    with page.expect_navigation():
        section.locator("button[type=submit]").click()
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert "وکیل دوشنبه تماس می‌گیرد" in page.inner_text("main")
    # The same page in French on a desktop: the appointment section loads its member list.
    page.set_viewport_size({"width": 1280, "height": 900})
    _language(page, live_server, "fr")
    page.goto(f"/cases/{case.pk}/")
    appointment = page.locator(f"details[hx-get='/cases/{case.pk}/appointments/']")
    appointment.locator("summary").click()
    appointment.locator("select[name=attendee]").wait_for()
    assert caseworker.display_name in appointment.locator("select[name=attendee]").inner_text()
    page.screenshot(path=str(_shots(tmp_path) / "case-appointment-fr-desktop.png"), full_page=True)


def test_a_long_board_reads_a_page_at_a_time_on_a_phone_in_persian(
    page, log_in, live_server, org_a, make_member, tmp_path
):
    """More open deadlines than a page holds: the board shows the first page and a link to the
    next one, whose rows follow on; both fit a 390 px phone in Persian (then in French)."""
    from panah.cases.queries import BOARD_PAGE_ROWS

    caseworker = make_member(org_a, [Role.CASEWORKER], email="caseworker-a@example.org")
    today = timezone.localdate()
    with scope(organisation=org_a):
        for n in range(BOARD_PAGE_ROWS + 5):
            case = services.open_case(
                organisation=org_a, by=None, caseworkers=[caseworker],
                person=create_person(organisation=org_a, by=None, given_name_latin=f"Reza {n}",
                                     family_name_latin="Karimi", nationality="Iranian"),
                registered_on=today - dt.timedelta(days=100 + n),
            )  # fmt: skip
            services.record_step(
                case=case, by=None,
                step=services.StepInput("application_lodged", today - dt.timedelta(days=90 + n)),
            )  # fmt: skip
    shots = _shots(tmp_path)
    page.set_viewport_size(PHONE)
    _language(page, live_server, "fa")
    log_in(caseworker)

    page.goto("/cases/deadlines/")
    _fits(page)
    first = page.locator("li.indicative").count()
    assert first == BOARD_PAGE_ROWS
    pages = page.locator("nav.actions a")
    assert pages.count() == 1  # no "previous" on the first page
    page.screenshot(path=str(shots / "deadlines-page1-fa-390.png"), full_page=True)
    with page.expect_navigation():
        pages.first.click()
    assert "page=2" in page.url
    _fits(page)
    assert page.locator("li.indicative").count() >= 5
    assert page.locator("nav.actions a").count() == 1  # back to the first page, no further
    page.screenshot(path=str(shots / "deadlines-page2-fa-390.png"), full_page=True)

    _language(page, live_server, "fr")
    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto("/cases/deadlines/?page=2")
    assert page.locator("nav.actions a").inner_text() == "Précédent"
    assert page.locator("nav.actions span").inner_text() == "Page 2"
    page.screenshot(path=str(shots / "deadlines-page2-fr.png"), full_page=True)
    assert not page.evaluate("window.__cspViolations")
