"""Deadlines that cannot be misread: binding above indicative, the coordinator's view agrees with
the dashboard, and the two kinds never look alike."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from panah.cases import queries
from panah.core.models import Membership

from .conftest import lodged, refusal

pytestmark = pytest.mark.django_db


def _binding_section(html: str) -> str:
    start = html.index('id="binding-heading"')
    return html[start : html.index('id="indicative-heading"')]


@pytest.fixture
def two_kinds(make_case, make_person, caseworker_a, today):
    """An indicative CGRS time limit overdue for weeks, and a missed appeal overdue for days."""
    waiting = make_case(
        caseworkers=[caseworker_a],
        person=make_person(given_name_latin="Waiting", family_name_latin="Case"),
        registered_on=today - dt.timedelta(days=400),
        steps=[lodged(today - dt.timedelta(days=390))],
    )
    refused = make_case(
        caseworkers=[caseworker_a],
        person=make_person(given_name_latin="Refused", family_name_latin="Case"),
        steps=[lodged(today - dt.timedelta(days=100)), refusal(today - dt.timedelta(days=40))],
    )
    return waiting, refused


def test_a_missed_appeal_is_listed_above_an_older_indicative_deadline(
    two_kinds, caseworker_a, login_as, org_a, today
):
    with scope(organisation=org_a):
        membership = Membership.objects.get(user=caseworker_a, organisation=org_a)
        board = queries.deadline_board(membership, today=today)
    assert [d.rule_code for d in board.binding.overdue] == ["call_appeal"]
    # The indicative one is older, yet comes after, apart.
    assert board.indicative.overdue[0].due_on < board.binding.overdue[0].due_on
    assert all(not d.binding for d in board.indicative.overdue)

    html = login_as(caseworker_a).get(reverse("cases:deadlines")).text
    assert html.index("Refused") < html.index("Waiting")
    items = re.findall(r'<li class="(\w+) (\w+)">', html)
    assert items[0] == ("binding", "overdue")
    assert ("indicative", "overdue") in items
    assert items.index(("indicative", "overdue")) > max(
        i for i, item in enumerate(items) if item[0] == "binding"
    )
    assert "Binding legal deadline: a late appeal is lost" in html
    assert "Indicative time limit: no sanction if exceeded" in html
    indicative = html[html.index('id="indicative-heading"') :]
    assert "exceeded by" in indicative and "late" not in indicative
    assert "days late" in _binding_section(html)


def test_the_case_page_puts_the_binding_deadline_first(two_kinds, caseworker_a, login_as):
    _, refused = two_kinds
    html = login_as(caseworker_a).get(reverse("cases:detail", args=[refused.pk])).text
    section = html[html.index("Open deadlines") : html.index("<h2>History")]
    kinds = re.findall(r'<li class="(binding|indicative) ', section)
    assert kinds and kinds == sorted(kinds)  # "binding" sorts before "indicative"


def test_the_coordinators_deadlines_agree_with_their_dashboard(
    two_kinds, coordinator_a, login_as, org_a
):
    # The coordinator follows no case: the dashboard counted the organisation while the
    # deadlines tab showed only their own cases ("Nothing overdue").
    client = login_as(coordinator_a)
    dashboard = client.get(reverse("core:dashboard")).text
    assert "1 binding deadline overdue" in dashboard
    page = client.get(reverse("cases:deadlines")).text
    assert "1 binding deadline overdue" in page
    assert "Refused" in _binding_section(page)
    assert 'aria-current="page">Whole organisation' in page
    mine = client.get(reverse("cases:deadlines") + "?mine=1").text
    assert "Nothing overdue." in mine and "Refused" not in mine


def test_the_dashboard_count_and_the_board_are_one_query(two_kinds, coordinator_a, org_a):
    today = timezone.localdate()
    with scope(organisation=org_a):
        membership = Membership.objects.get(user=coordinator_a, organisation=org_a)
        counts = queries.deadline_counts(membership, today=today, everyone=True)
        board = queries.deadline_board(membership, today=today, everyone=True)
    assert counts["overdue"] == board.binding_overdue == 1
    assert counts["soon"] == len(board.binding.soon)


def test_another_organisations_missed_appeal_is_not_on_the_board(
    make_case, make_member, org_b, coordinator_a, login_as, today
):
    from panah.core.models import Role

    other = make_member(org_b, [Role.CASEWORKER], email="cw-b@example.org")
    make_case(
        org=org_b,
        caseworkers=[other],
        steps=[lodged(today - dt.timedelta(days=100)), refusal(today - dt.timedelta(days=40))],
    )
    page = login_as(coordinator_a).get(reverse("cases:deadlines")).text
    assert "Narges" not in page and "Nothing overdue." in page
    assert "0 binding deadlines overdue" in page


def test_the_board_pages_on_with_the_most_urgent_first_and_says_nothing_untrue(
    two_kinds, caseworker_a, login_as, monkeypatch
):
    # One row a page: the missed appeal alone on the first, the indicative limits after it.
    monkeypatch.setattr(queries, "BOARD_PAGE_ROWS", 1)
    client = login_as(caseworker_a)
    first = client.get(reverse("cases:deadlines")).text
    assert "Refused" in first and "Waiting" not in first
    # No "None." under the indicative heading: they are on the next page.
    assert 'id="indicative-heading"' not in first
    assert "?page=2" in first and "Previous" not in first
    second = client.get(reverse("cases:deadlines") + "?page=2").text
    assert "Waiting" in second and "Refused" not in second
    # The appeal is on another page, not missing: the count says so, and no "Nothing overdue".
    assert "1 binding deadline overdue" in second
    assert "Nothing overdue." not in second and "Exceeded" in second
    assert "?page=1" in second
    # A page past the end shows the first, whatever the number typed.
    for page in ("99", "99999999999999999999999", "-3", "x"):
        assert "Refused" in client.get(reverse("cases:deadlines") + f"?page={page}").text


def test_the_count_line_counts_every_page_not_only_the_one_shown(
    two_kinds, caseworker_a, org_a, today, monkeypatch
):
    monkeypatch.setattr(queries, "BOARD_PAGE_ROWS", 1)
    with scope(organisation=org_a):
        membership = Membership.objects.get(user=caseworker_a, organisation=org_a)
        first = queries.deadline_board(membership, today=today, page=1)
        second = queries.deadline_board(membership, today=today, page=2)
        counts = queries.deadline_counts(membership, today=today, everyone=False)
    assert second.binding.overdue == [] and second.binding_overdue == counts["overdue"] == 1
    # Page 1 ends inside the binding deadlines: nothing after it may be called empty; the due
    # soon and later binding parts lie before page 2's first row, so page 2 says nothing of them.
    assert first.binding.empty == set() and first.indicative.empty == set()
    assert second.binding.empty == set()
