"""Shelter follows the person compartments: a restricted case closes its household and its host
to every shelter coordinator not named on it, on every page, list, proposal and figure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from conftest import verified_client
from panah.cases import services as cases
from panah.core.models import Membership, Role
from panah.people.models import Person
from panah.people.rules import people_open_to
from panah.people.services import create_person
from panah.shelter import services

pytestmark = pytest.mark.django_db

HIDDEN = "Shirin Hidden"  # the household behind a restricted case
SEEN = "Visible Test"
HIDDEN_HOST = "Secret Host Family"


@pytest.fixture
def world(org_a, make_member, need_for, host_for, today):
    """A restricted household and a restricted host contact, both named to `named` only; an
    open household; an active placement of the restricted household ending unresolved."""
    coordinator = make_member(org_a, [Role.COORDINATOR], email="coord@example.org")
    # Only a caseworker, coordinator or admin may be named on a case: the named shelter
    # coordinator is also a caseworker (not assigned, so it is shelter that opens it to them).
    named = make_member(
        org_a, [Role.SHELTER_COORDINATOR, Role.CASEWORKER], email="named@example.org"
    )
    unnamed = make_member(org_a, [Role.SHELTER_COORDINATOR], email="unnamed@example.org")
    hidden = need_for("Shirin", adult_women=1, without_roof_since=today - dt.timedelta(days=20))
    with scope(organisation=org_a):
        hidden.person.family_name_latin = "Hidden"
        hidden.person.save()
    seen = need_for("Visible", adult_men=1)
    host, offer = host_for(name=HIDDEN_HOST, address="Rue Cachée 3", stay_days=3, beds=1)
    open_host, _ = host_for(name="Open Host", address="Rue Ouverte 1")
    with scope(organisation=org_a):
        for person in (hidden.person, host.person):
            case = cases.open_case(
                organisation=org_a, person=person, by=coordinator, registered_on=today
            )
            cases.restrict_case(case=case, restricted=True, members=[named], by=coordinator)
        placement = services.propose_placement(need=hidden, offer=offer, by=None)
        services.confirm_placement(placement=placement, by=named)
        placement = services.record_guest_decision(placement=placement, accepted=True, by=named)
    return {
        "named": named, "unnamed": unnamed, "coordinator": coordinator, "hidden": hidden,
        "seen": seen, "host": host, "open_host": open_host, "placement": placement,
    }  # fmt: skip


def _pages(w) -> dict[str, str]:
    return {
        "need": reverse("shelter:need", args=[w["hidden"].pk]),
        "placement": reverse("shelter:placement", args=[w["placement"].pk]),
        "host": reverse("shelter:host", args=[w["host"].pk]),
        "vet_host": reverse("shelter:vet_host", args=[w["host"].pk]),
        "offer_new": reverse("shelter:offer_new", args=[w["host"].pk]),
        "check_in": reverse("shelter:check_in", args=[w["placement"].pk]),
        "end": reverse("shelter:end", args=[w["placement"].pk]),
    }


def test_a_shelter_coordinator_not_named_gets_404_on_the_need_placement_and_host(world):
    client = verified_client(world["unnamed"])
    for name, url in _pages(world).items():
        response = client.get(url)
        assert response.status_code == 404, name
        body = response.content.decode()
        assert HIDDEN not in body and HIDDEN_HOST not in body and "Rue Cachée" not in body
    for name in ("confirm", "decision"):
        url = reverse(f"shelter:{name}", args=[world["placement"].pk])
        assert client.post(url, {"accepted": "1"}).status_code == 404, name


def test_the_named_shelter_coordinator_sees_them(world):
    client = verified_client(world["named"])
    for name, url in _pages(world).items():
        assert client.get(url).status_code == 200, name
    assert HIDDEN in client.get(_pages(world)["need"]).content.decode()
    host_page = client.get(_pages(world)["host"]).content.decode()
    assert HIDDEN_HOST in host_page and "Rue Cachée 3" in host_page


def test_the_lists_leave_out_what_a_restricted_case_closes(world):
    lists = [reverse(f"shelter:{n}") for n in ("needs", "hosts", "placements")]
    unnamed = verified_client(world["unnamed"])
    bodies = [unnamed.get(url).content.decode() for url in lists]
    assert SEEN in bodies[0] and "Open Host" in bodies[1]
    for body in bodies:
        assert HIDDEN not in body and HIDDEN_HOST not in body
        assert str(world["hidden"].pk) not in body and str(world["placement"].pk) not in body
    named = verified_client(world["named"])
    bodies = [named.get(url).content.decode() for url in lists]
    assert HIDDEN in bodies[0] and HIDDEN_HOST in bodies[1] and HIDDEN in bodies[2]


def test_the_figures_count_everyone_but_link_only_what_the_member_may_see(world):
    url = reverse("shelter:index")
    unnamed = verified_client(world["unnamed"]).get(url).content.decode()
    named = verified_client(world["named"]).get(url).content.decode()
    link = reverse("shelter:placement", args=[world["placement"].pk])
    assert link in named and world["hidden"].short_ref in named
    assert link not in unnamed and world["hidden"].short_ref not in unnamed
    dashboard = verified_client(world["unnamed"]).get(reverse("core:dashboard"))
    assert link not in dashboard.content.decode()


def test_the_matcher_weighs_every_household_but_names_only_those_the_member_may_see(
    org_a, world, host_for
):
    # A second restricted household waits; two beds are offered: the run considers both.
    with scope(organisation=org_a):
        other = create_person(
            organisation=org_a, by=None, given_name_latin="Shirin", family_name_latin="Hidden"
        )
        need = services.register_need(
            organisation=org_a, person=other, by=None, adult_women=1, area="brussels",
            without_roof_since=dt.date.today() - dt.timedelta(days=40),
        )  # fmt: skip
        case = cases.open_case(
            organisation=org_a, person=other, by=world["coordinator"],
            registered_on=dt.date.today(),
        )  # fmt: skip
        cases.restrict_case(
            case=case, restricted=True, members=[world["named"]], by=world["coordinator"]
        )
    host_for(name="Open Host Two", beds=2)
    with scope(organisation=org_a):
        run = services.run_matcher(organisation=org_a, by=world["named"])
        proposed = set(run.proposals.values_list("need_id", flat=True))
    assert need.pk in proposed
    url = reverse("shelter:match")
    unnamed = verified_client(world["unnamed"]).get(url).content.decode()
    assert HIDDEN not in unnamed and str(need.pk) not in unnamed
    assert "a restricted case" in unnamed
    named = verified_client(world["named"]).get(url).content.decode()
    assert HIDDEN in named and "a restricted case" not in named


def test_the_people_rule_and_the_shelter_pages_agree(org_a, world, make_member):
    """`people_open_to` opens need leads and host contacts to shelter coordinators, except what a
    restricted case closes; a caseworker's own registration stops being theirs once shelter
    follows it."""
    caseworker = make_member(org_a, [Role.CASEWORKER], email="cw@example.org")
    with scopes_disabled():
        unnamed = Membership.objects.get(user=world["unnamed"], organisation=org_a)
        named = Membership.objects.get(user=world["named"], organisation=org_a)
        worker = Membership.objects.get(user=caseworker, organisation=org_a)
    with scope(organisation=org_a):
        own = create_person(organisation=org_a, by=caseworker, given_name_latin="Own")
        assert people_open_to(worker, Person.objects.filter(pk=own.pk)).exists()
        services.register_need(
            organisation=org_a, person=own, by=None, adult_men=1, area="brussels",
            without_roof_since=dt.date.today(),
        )  # fmt: skip
        assert not people_open_to(worker, Person.objects.filter(pk=own.pk)).exists()
        people = Person.objects.all()
        seen_by_unnamed = set(people_open_to(unnamed, people).values_list("pk", flat=True))
        seen_by_named = set(people_open_to(named, people).values_list("pk", flat=True))
    closed = {world["hidden"].person_id, world["host"].person_id}
    opened = {world["seen"].person_id, world["open_host"].person_id, own.pk}
    assert opened <= seen_by_unnamed and not closed & seen_by_unnamed
    assert opened | closed <= seen_by_named


def test_registering_a_need_for_a_closed_person_answers_404(world):
    url = reverse("shelter:need_new") + f"?person={world['hidden'].person_id}"
    response = verified_client(world["unnamed"]).get(url)
    assert response.status_code == 404
    assert HIDDEN not in response.content.decode()


def test_a_caseworkers_dashboard_lists_the_placements_of_the_people_they_follow_only(
    org_a, make_member, need_for, host_for, today
):
    follower = make_member(org_a, [Role.CASEWORKER], email="follower@example.org")
    stranger = make_member(org_a, [Role.CASEWORKER], email="stranger@example.org")
    need = need_for("Followed", adult_men=1)
    _, offer = host_for(name="Host Two", address="Rue Deux 2", beds=1)
    with scope(organisation=org_a):
        cases.open_case(
            organisation=org_a, person=need.person, by=None, caseworkers=[follower],
            registered_on=today,
        )  # fmt: skip
    panel = "Placements of the people I follow"
    # No one placed yet: no panel (the organisation's one look-up answers).
    assert panel not in verified_client(follower).get(reverse("core:dashboard")).text
    with scope(organisation=org_a):
        placement = services.propose_placement(need=need, offer=offer, by=None)
        services.confirm_placement(placement=placement, by=None)
    link = reverse("shelter:placement", args=[placement.pk])
    mine = verified_client(follower).get(reverse("core:dashboard")).text
    assert panel in mine and link in mine
    theirs = verified_client(stranger).get(reverse("core:dashboard")).text
    assert panel not in theirs and link not in theirs
