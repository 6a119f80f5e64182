"""The shelter pages as a coordinator and a caseworker use them, and what they refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope

from conftest import verified_client
from panah.cases import services as cases
from panah.core.models import Role
from panah.shelter import services
from panah.shelter.models import MatchRun, Need, Placement

pytestmark = pytest.mark.django_db


def test_a_coordinator_registers_a_household_and_bad_input_keeps_what_was_typed(
    org_a, shelter_a, today
):
    client = verified_client(shelter_a)
    url = reverse("shelter:need_new")
    form = {
        "given_name_latin": "Maryam", "family_name_latin": "Ahmadi", "without_roof_since":
        today.isoformat(), "sleeping_in": "street", "adult_women": "0", "adult_men": "0",
        "children": "0", "area": "brussels", "fedasil_status": "waiting",
        "sleeping_now": "Parc Maximilien",
    }  # fmt: skip
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "A household has at least one person." in refused.content.decode()
    assert 'value="Parc Maximilien"' in refused.content.decode()
    with scope(organisation=org_a):
        assert Need.objects.count() == 0
    done = client.post(url, {**form, "adult_women": "1", "children": "2"})
    assert done.status_code == 302
    with scope(organisation=org_a):
        need = Need.objects.get()
    assert need.size == 3 and need.person.name_latin == "Maryam Ahmadi"


def test_the_host_address_is_for_shelter_coordinators_only(org_a, make_member, host_for):
    host, _ = host_for(address="Chaussée de Gand 99")
    coordinator = make_member(org_a, [Role.COORDINATOR], email="coord@example.org")
    url = reverse("shelter:host", args=[host.pk])
    assert "Chaussée de Gand 99" not in verified_client(coordinator).get(url).content.decode()
    shelter = make_member(org_a, [Role.SHELTER_COORDINATOR], email="sc@example.org")
    assert "Chaussée de Gand 99" in verified_client(shelter).get(url).content.decode()


def test_another_organisation_gets_404_for_a_host(org_b, make_member, host_for):
    host, _ = host_for(address="Chaussée de Gand 99")
    outsider = make_member(org_b, Role.values, email="b@example.org")
    response = verified_client(outsider).get(reverse("shelter:host", args=[host.pk]))
    assert response.status_code == 404
    assert "Chaussée de Gand 99" not in response.content.decode()


def test_proposals_explain_themselves_and_say_why_a_household_waits(
    org_a, shelter_a, need_for, host_for
):
    need_for("Mother", adult_women=1, children=1)
    need_for("Large", adult_women=2, adult_men=2, children=4)
    host_for(kind="family", beds=2, name="Family Host")
    client = verified_client(shelter_a)
    assert client.post(reverse("shelter:match")).status_code == 302
    page = client.get(reverse("shelter:match")).content.decode()
    assert "Mother Test" in page and "Family Host" in page
    assert "Priority score" in page
    assert "Women and children are never placed with a man living alone" in page
    assert "The whole household fits in one offer" in page


def test_a_proposal_says_when_the_place_ends_before_the_household_needs_it_no_more(
    org_a, shelter_a, need_for, host_for, today
):
    need = need_for("Long", adult_men=1, place_needed_until=today + dt.timedelta(days=40))
    host_for(kind="couple", name="Short Host", available_until=today + dt.timedelta(days=10))
    client = verified_client(shelter_a)
    client.post(reverse("shelter:match"))
    page = client.get(reverse("shelter:match")).content.decode()
    assert "Short Host" in page
    assert "The place ends on" in page
    assert "another place will be needed then" in page
    with scope(organisation=org_a):
        placement = Placement.objects.get(need=need)
    detail = client.get(reverse("shelter:placement", args=[placement.pk])).content.decode()
    assert "another place will be needed then" in detail
    # The same place for a household that needs it no longer than it lasts: no warning.
    with scope(organisation=org_a):
        Need.objects.filter(pk=need.pk).update(place_needed_until=today + dt.timedelta(days=5))
    page = client.get(reverse("shelter:match")).content.decode()
    assert "The place ends on" in page and "another place will be needed then" not in page
    client.post("/language/", {"language": "fa", "next": "/"})
    with scope(organisation=org_a):
        Need.objects.filter(pk=need.pk).update(place_needed_until=today + dt.timedelta(days=40))
    page = client.get(reverse("shelter:match")).content.decode()
    assert "جای دیگری لازم" in page


def test_a_dynamic_run_says_how_many_households_had_no_date_to_go_by(
    org_a, shelter_a, need_for, host_for, today, settings
):
    need_for("Dated", adult_men=1, place_needed_until=today + dt.timedelta(days=20))
    need_for("Undated", adult_men=1)
    need_for("Lapsed", adult_men=1, place_needed_until=today - dt.timedelta(days=1))
    host_for(kind="couple")
    client = verified_client(shelter_a)
    client.post(reverse("shelter:match"))  # the default: today's needs and offers only
    page = client.get(reverse("shelter:match")).content.decode()
    assert "Dynamic policy" not in page and "typical stay" not in page
    settings.SHELTER_MATCH_POLICY = "dynamic"
    client.post(reverse("shelter:match"))
    with scope(organisation=org_a):
        runs = list(MatchRun.objects.values_list("policy", "without_stay_date"))
    # A date already past is no date to go by.
    assert runs == [("dynamic", 2), ("optimal", 0)]
    page = client.get(reverse("shelter:match")).content.decode()
    assert "Dynamic policy: the places freeing up soon" in page
    assert "2 households had no “needs a place until” date" in page
    client.post("/language/", {"language": "fa", "next": "/"})
    page = client.get(reverse("shelter:match")).content.decode()
    assert "سیاست پویا" in page and "تاریخ تقریبی" in page


def test_a_dynamic_proposal_shows_the_expected_stay_it_weighed(
    org_a, shelter_a, need_for, host_for, today, settings
):
    dated = need_for("Dated", adult_men=1, place_needed_until=today + dt.timedelta(days=20))
    need_for("Undated", adult_men=1)
    need_for("Long", adult_men=1, place_needed_until=today + dt.timedelta(days=60))
    host_for(kind="couple", name="Host One")
    host_for(kind="couple", name="Host Two")
    client = verified_client(shelter_a)
    client.post(reverse("shelter:match"))  # the one-day matcher does not weigh stays
    assert "Expected stay" not in client.get(reverse("shelter:match")).content.decode()
    settings.SHELTER_MATCH_POLICY = "dynamic"
    client.post(reverse("shelter:match"))
    page = client.get(reverse("shelter:match")).content.decode()
    assert "Expected stay: about 20 nights, from the “needs a place until” date" in page
    # The typical stay is the median of the dates known (20 and 60 nights).
    assert "Expected stay: no date given, so the typical stay of 40 nights was counted" in page
    # Three men alike but for the stay, two places: the longest stay waits, and is told why.
    assert (
        "Not enough suitable beds: they went to households with a higher priority or a shorter "
        "expected stay" in page
    )
    with scope(organisation=org_a):
        placement = Placement.objects.get(need=dated, status="proposed")
    detail = client.get(reverse("shelter:placement", args=[placement.pk])).content.decode()
    assert "Expected stay: about 20 nights" in detail
    client.post("/language/", {"language": "fa", "next": "/"})
    page = client.get(reverse("shelter:match")).content.decode()
    assert "اقامت مورد انتظار: حدود ۲۰ شب" in page


def test_the_guest_caseworker_sees_the_placement_in_persian_and_the_address_once_confirmed(
    org_a, make_member, shelter_a, need_for, host_for, today
):
    need = need_for("Ali", adult_men=1)
    _, offer = host_for(kind="couple", address="Rue Haute 12")
    caseworker = make_member(org_a, [Role.CASEWORKER], email="cw@example.org")
    stranger = make_member(org_a, [Role.CASEWORKER], email="cw2@example.org")
    coordinator = make_member(org_a, [Role.COORDINATOR], email="coord@example.org")
    with scope(organisation=org_a):
        case = cases.open_case(
            organisation=org_a, person=need.person, by=coordinator,
            registered_on=today - dt.timedelta(days=30),
        )  # fmt: skip
        cases.assign_case(case=case, caseworkers=[caseworker], by=coordinator)
        placement = services.propose_placement(need=need, offer=offer, by=None)
    url = reverse("shelter:placement", args=[placement.pk])
    client = verified_client(caseworker)
    client.post("/language/", {"language": "fa", "next": "/"})
    before = client.get(url).content.decode()
    assert "Rue Haute 12" not in before
    assert verified_client(stranger).get(url).status_code == 404
    with scope(organisation=org_a):
        services.confirm_placement(placement=placement, by=shelter_a)
    after = client.get(url).content.decode()
    assert "Rue Haute 12" in after
    assert '<html lang="fa" dir="rtl">' in after
    assert 'class="jalali"' in after
    dashboard = client.get("/").content.decode()
    assert reverse("shelter:placement", args=[placement.pk]) in dashboard
    with scope(organisation=org_a):
        assert Placement.objects.get().status == "confirmed"


def test_the_figures_csv_hides_counts_below_the_disclosure_threshold(
    org_a, shelter_a, need_for, today
):
    need_for("Alone", adult_men=1)
    response = verified_client(shelter_a).get(reverse("shelter:figures_csv"))
    rows = response.content.decode().splitlines()
    assert response.status_code == 200
    assert "people_without_shelter,< " in rows[1]
    assert f"{today.isoformat()},< " in rows[-1]
    assert not any(row.endswith(",1") for row in rows)


def test_a_removed_member_cannot_be_named_as_the_host_visitor(
    org_a, make_member, host_for, shelter_a
):
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from panah.core.models import Membership

    host, _ = host_for()
    gone = make_member(org_a, [Role.CASEWORKER], email="gone-visitor@example.org")
    with scopes_disabled():
        Membership.objects.filter(user=gone, organisation=org_a).update(removed_at=timezone.now())
    page = verified_client(shelter_a).get(reverse("shelter:vet_host", args=[host.pk]))
    assert page.status_code == 200
    assert f'value="{gone.pk}"' not in page.content.decode()
    assert "gone-visitor" not in page.content.decode()


def test_the_need_form_takes_the_date_a_place_is_needed_until(org_a, shelter_a, today):
    client = verified_client(shelter_a)
    until = today + dt.timedelta(days=21)
    form = {
        "given_name_latin": "Maryam", "without_roof_since": today.isoformat(),
        "sleeping_in": "street", "adult_women": "1", "adult_men": "0", "children": "0",
        "area": "brussels", "fedasil_status": "waiting", "place_needed_until": until.isoformat(),
    }  # fmt: skip
    assert client.post(reverse("shelter:need_new"), form).status_code == 302
    with scope(organisation=org_a):
        need = Need.objects.get()
    assert need.place_needed_until == until
    page = client.get(reverse("shelter:need", args=[need.pk])).content.decode()
    assert "Needs a place until about" in page


def test_the_runs_counts_agree_with_their_number_in_french(org_a, shelter_a, need_for, host_for):
    need_for("Ali", adult_men=1)
    host_for(kind="couple")
    client = verified_client(shelter_a)
    client.post("/language/", {"language": "fr", "next": "/"})
    assert client.post(reverse("shelter:match")).status_code == 302
    page = client.get(reverse("shelter:match")).content.decode()
    assert "1 personne hébergée · 1 ménage en attente · 1 offre examinée." in page
    need_for("Reza", adult_men=1)
    need_for("Omid", adult_men=1)
    client.post(reverse("shelter:match"))
    page = client.get(reverse("shelter:match")).content.decode()
    assert "3 ménages en attente" in page  # the first proposal is dropped by the new run
