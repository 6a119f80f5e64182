"""A coordinator proposes a place by hand: the same safeguarding rules as the matcher's, refused
by rule name, nothing saved on a refusal, audited, and kept when the matcher runs again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope

from conftest import verified_client
from panah.core.models import AuditEntry, Role
from panah.shelter import services
from panah.shelter.models import Placement

pytestmark = pytest.mark.django_db


def test_a_coordinator_proposes_the_offer_they_chose(org_a, shelter_a, need_for, host_for, today):
    need = need_for("Maryam", adult_women=1, children=1, vulnerabilities=["medical"])
    _, offer = host_for(name="Chosen host", beds=2)
    client = verified_client(shelter_a)
    url = reverse("shelter:propose", args=[need.pk])
    host_for(name="Small host", beds=1)
    page = client.get(url).content.decode()
    assert "Chosen host — 2 beds" in page and "Maryam" in page
    assert "Small host — 1 bed," in page
    done = client.post(url, {"offer": offer.pk, "starts_on": today.isoformat()})
    assert done.status_code == 302
    with scope(organisation=org_a):
        placement = Placement.objects.get(need=need)
        assert placement.status == "proposed" and placement.offer_id == offer.pk
        assert placement.explanation["by_hand"] is True
        assert placement.explanation["parts"]["vulnerability"] == 4.0
        entry = AuditEntry.objects.get(action="shelter.placement_proposed")
    assert entry.actor_id == shelter_a.pk and entry.data == {
        "need": str(need.pk),
        "offer": str(offer.pk),
    }
    shown = client.get(done["Location"]).content.decode()
    assert "Proposed by hand by a coordinator." in shown


def test_a_place_breaking_a_rule_is_refused_by_the_rule_name_and_nothing_is_saved(
    org_a, shelter_a, need_for, host_for, today
):
    need = need_for("Mother", adult_women=1, children=2)
    _, single_man = host_for("single_man", name="Alone", beds=4)
    _, small = host_for(name="Small", beds=1)
    client = verified_client(shelter_a)
    url = reverse("shelter:propose", args=[need.pk])
    refused = client.post(url, {"offer": single_man.pk, "starts_on": today.isoformat()})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Women and children are never placed with a man living alone" in text
    refused = client.post(url, {"offer": small.pk, "starts_on": today.isoformat()})
    assert "The whole household fits in one offer" in refused.content.decode()
    # A date before today is refused by the form, and what was typed stays.
    past = (today - dt.timedelta(days=2)).isoformat()
    refused = client.post(url, {"offer": small.pk, "starts_on": past})
    assert refused.status_code == 400
    assert "A proposal starts today or later." in refused.content.decode()
    with scope(organisation=org_a):
        assert not Placement.objects.exists()
        assert not AuditEntry.objects.filter(action="shelter.placement_proposed").exists()


def test_an_unvetted_host_and_a_household_already_placed_are_refused(
    org_a, shelter_a, need_for, host_for, today
):
    need = need_for("Reza", adult_men=1)
    _, unvetted = host_for(name="New", vetted=False)
    _, vetted = host_for(name="Vetted")
    client = verified_client(shelter_a)
    url = reverse("shelter:propose", args=[need.pk])
    refused = client.post(url, {"offer": unvetted.pk, "starts_on": today.isoformat()})
    assert "Only vetted hosts receive guests" in refused.content.decode()
    assert client.post(url, {"offer": vetted.pk, "starts_on": today.isoformat()}).status_code == 302
    again = client.post(url, {"offer": vetted.pk, "starts_on": today.isoformat()})
    assert again.status_code == 400
    assert "already has a place proposed or confirmed" in again.content.decode()


def test_the_matcher_keeps_a_proposal_made_by_hand(org_a, shelter_a, need_for, host_for):
    need = need_for("Reza", adult_men=1)
    _, offer = host_for(name="Vetted")
    need_for("Other", adult_men=1)
    with scope(organisation=org_a):
        mine = services.propose_placement(need=need, offer=offer, by=shelter_a)
        services.run_matcher(organisation=org_a, by=shelter_a)
        mine.refresh_from_db()
        assert mine.status == "proposed"
        # The beds it holds go to no one else.
        assert Placement.objects.filter(offer=offer, status="proposed").count() == 1


def test_only_managers_may_propose_and_another_organisation_is_refused(
    org_a, org_b, make_member, need_for, host_for, today
):
    need = need_for("Reza", adult_men=1)
    caseworker = make_member(org_a, [Role.CASEWORKER], email="cw@example.org")
    url = reverse("shelter:propose", args=[need.pk])
    assert verified_client(caseworker).get(url).status_code == 403
    outsider = make_member(org_b, Role.values, email="b@example.org")
    assert verified_client(outsider).get(url).status_code == 404
    # An offer of another organisation is not among the choices, and the service refuses it.
    _, theirs = host_for(name="Theirs", org=org_b)
    shelter = make_member(org_a, [Role.SHELTER_COORDINATOR], email="sc2@example.org")
    response = verified_client(shelter).post(
        url, {"offer": theirs.pk, "starts_on": today.isoformat()}
    )
    assert response.status_code == 400
    assert "Theirs" not in response.content.decode()
    with scope(organisation=org_a), pytest.raises(Exception, match="another organisation"):
        services.propose_placement(need=need, offer=theirs, by=None)
