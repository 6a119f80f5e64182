"""The shelter services: every hard rule refuses by name, nothing is half-saved, all is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scope, scopes_disabled

from panah.core.audit import AuditEntry
from panah.core.crypto.errors import DecryptionError
from panah.shelter import queries, safeguarding, services
from panah.shelter.models import Episode, Host, Placement, PlacementStatus

pytestmark = pytest.mark.django_db


def test_a_need_is_encrypted_at_rest_and_opens_a_street_episode(org_a, need_for, today):
    need = need_for(
        "Sara", adult_women=1, sleeping_now="Under the Gare du Nord bridge",
        vulnerabilities=["pregnancy"], languages=["fa"],
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT sleeping_now, vulnerabilities FROM shelter_need")
        raw = b"".join(bytes(col) for col in cursor.fetchone())
    assert b"Gare du Nord" not in raw and b"pregnancy" not in raw
    with scope(organisation=org_a):
        episode = Episode.objects.get(person=need.person)
        assert (episode.kind, episode.started_on, episode.ended_on) == (
            "street",
            need.without_roof_since,
            None,
        )
        assert need.vulnerability_count == 1
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="shelter.need_registered").count() == 1


def test_a_host_address_is_encrypted_and_a_swapped_ciphertext_fails(org_a, host_for):
    host, _ = host_for(address="Rue de la Loi 16, 1000 Bruxelles")
    other, _ = host_for(address="Elsewhere 1", name="Other", kind="couple")
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM shelter_host WHERE id = %s", [host.pk.hex])
        row = cursor.fetchone()
        if row is None:  # PostgreSQL stores the uuid natively
            cursor.execute("SELECT address FROM shelter_host WHERE id = %s", [str(host.pk)])
            row = cursor.fetchone()
    assert b"Rue de la Loi" not in bytes(row[0])
    with scopes_disabled():
        Host.objects.filter(pk=other.pk).update(address=None)  # not a plaintext write
    with connection.cursor() as cursor:
        cursor.execute("UPDATE shelter_host SET address = %s", [bytes(row[0])])
    with scope(organisation=org_a):
        moved = Host.objects.get(name__isnull=False, pk=other.pk)
        with pytest.raises(DecryptionError):
            _ = moved.address


@pytest.mark.parametrize(
    ("household", "host", "rule"),
    [
        ({"adult_women": 1, "children": 2}, {"kind": "single_man"},
         "Women and children are never placed with a man living alone"),
        ({"children": 1, "unaccompanied_minor": True}, {"kind": "family"},
         "A minor is never placed without a guardian, except in a minors' house"),
        ({"adult_men": 1, "safety_alert": True}, {"kind": "family"},
         "A guest under a safety alert goes only to a host cleared for it"),
        ({"adult_men": 1}, {"kind": "family", "vetted": False}, "Only vetted hosts receive guests"),
        ({"adult_women": 2, "adult_men": 2, "children": 3}, {"kind": "family", "beds": 4},
         "The whole household fits in one offer"),
        ({"adult_men": 1, "area": "liege", "area_required": True}, {"kind": "family"},
         "Stays in the area they must stay in"),
    ],
)  # fmt: skip
def test_a_placement_breaking_a_rule_is_refused_by_its_name(
    org_a, need_for, host_for, household, host, rule
):
    need = need_for(**household)
    _, offer = host_for(**host)
    with scope(organisation=org_a):
        with pytest.raises(services.SafeguardingRefusal) as refused:
            services.propose_placement(need=need, offer=offer, by=None)
        assert any(rule in message for message in refused.value.messages)
        assert Placement.objects.count() == 0


def test_a_cleared_host_receives_a_guest_under_a_safety_alert(org_a, need_for, host_for):
    need = need_for(adult_men=1, safety_alert=True)
    _, offer = host_for(kind="couple", cleared=True)
    with scope(organisation=org_a):
        placement = services.propose_placement(need=need, offer=offer, by=None)
    assert placement.status == PlacementStatus.PROPOSED


def test_a_household_is_never_placed_twice(org_a, need_for, host_for):
    need = need_for(adult_men=1)
    _, first = host_for(kind="couple")
    _, second = host_for(kind="family", name="Second")
    with scope(organisation=org_a):
        services.propose_placement(need=need, offer=first, by=None)
        with pytest.raises(ValidationError, match="already has a place"):
            services.propose_placement(need=need, offer=second, by=None)
        assert Placement.objects.count() == 1


def test_the_same_beds_are_never_offered_twice(org_a, host_for, today):
    host, _ = host_for(kind="couple")
    with scope(organisation=org_a):
        with pytest.raises(ValidationError, match="already offers beds"):
            services.add_offer(host=host, by=None, beds=1, available_from=today + dt.timedelta(5))
        assert host.offers.count() == 1


def test_a_full_offer_takes_no_one_more(org_a, need_for, host_for):
    _, offer = host_for(kind="couple", beds=2)
    first, second = need_for("One", adult_men=1), need_for("Two", adult_men=1)
    with scope(organisation=org_a):
        services.propose_placement(need=first, offer=offer, by=None)
        with pytest.raises(services.SafeguardingRefusal) as refused:
            services.propose_placement(need=second, offer=offer, by=None)
    assert "offer_open" in refused.value.codes


def test_confirming_checks_the_rules_again(org_a, need_for, host_for, today):
    need = need_for(adult_women=1)
    host, offer = host_for(kind="couple")
    with scope(organisation=org_a):
        placement = services.propose_placement(need=need, offer=offer, by=None)
        host.vetting_renewal_on = today - dt.timedelta(days=1)
        host.save()
        with pytest.raises(services.SafeguardingRefusal) as refused:
            services.confirm_placement(placement=placement, by=None)
        placement.refresh_from_db()
    assert refused.value.codes == ["host_vetted"]
    assert placement.status == PlacementStatus.PROPOSED


def test_the_matcher_houses_by_priority_and_says_why_the_rest_wait(
    org_a, need_for, host_for, shelter_a
):
    mother = need_for("Mother", adult_women=1, children=2, vulnerabilities=["minors"])
    family = need_for("Family", adult_women=1, adult_men=1, children=1)
    single = need_for("Single", adult_men=1)
    large = need_for("Large", adult_women=2, adult_men=2, children=4)
    host_for(kind="family", beds=3, accepts_single_men=False)
    host_for(kind="single_man", beds=1, name="Alone")
    with scope(organisation=org_a):
        run = services.run_matcher(organisation=org_a, by=shelter_a)
        proposed = {p.need_id for p in run.proposals.all()}
    assert run.proven_optimal
    assert mother.pk in proposed and single.pk in proposed
    assert run.unhoused[str(large.pk)] == ["whole_household_fits"]
    assert run.unhoused[str(family.pk)] in (["shortage"], ["no_women_children_with_single_man"])
    assert run.people_housed == 4


def test_a_refusal_never_lowers_priority(org_a, need_for, host_for, shelter_a):
    need = need_for(adult_men=1, vulnerabilities=["medical"])
    host_for(kind="couple")
    host_for(kind="couple", name="Other host")
    with scope(organisation=org_a):
        first = services.run_matcher(organisation=org_a, by=shelter_a).proposals.get()
        services.confirm_placement(placement=first, by=shelter_a)
        services.record_guest_decision(placement=first, accepted=False, by=shelter_a)
        again = services.run_matcher(organisation=org_a, by=shelter_a).proposals.get()
    assert again.need_id == need.pk
    assert again.explanation["parts"] == first.explanation["parts"]
    assert again.explanation["parts"]["vulnerability"] == 2.0
    # Free choice: the place they refused is not proposed to them again; the other one is.
    assert again.offer_id != first.offer_id


def test_a_household_that_refused_every_place_is_told_why_and_may_be_proposed_by_hand(
    org_a, need_for, host_for, shelter_a
):
    need = need_for("Refuses", adult_men=1, vulnerabilities=["medical"])
    _, offer = host_for(kind="couple")
    with scope(organisation=org_a):
        first = services.run_matcher(organisation=org_a, by=shelter_a).proposals.get()
        services.confirm_placement(placement=first, by=shelter_a)
        services.record_guest_decision(placement=first, accepted=False, by=shelter_a)
        alone = services.run_matcher(organisation=org_a, by=shelter_a)
        assert not alone.proposals.exists()
        assert alone.unhoused[str(need.pk)] == [safeguarding.REFUSED_PLACES]
        # The coordinator may still propose it by hand, if the guest changes their mind.
        by_hand = services.propose_placement(need=need, offer=offer, by=shelter_a)
    assert (by_hand.need_id, by_hand.offer_id) == (need.pk, offer.pk)


def test_a_refused_place_goes_to_another_household(org_a, need_for, host_for, shelter_a):
    need_for("Refuses", adult_men=1, vulnerabilities=["medical"])
    _, offer = host_for(kind="couple")
    with scope(organisation=org_a):
        first = services.run_matcher(organisation=org_a, by=shelter_a).proposals.get()
        services.confirm_placement(placement=first, by=shelter_a)
        services.record_guest_decision(placement=first, accepted=False, by=shelter_a)
        other = need_for("Other", adult_men=1)
        for policy in ("optimal", "dynamic"):
            run = services.run_matcher(organisation=org_a, by=shelter_a, policy=policy)
            assert [(p.need_id, p.offer_id) for p in run.proposals.all()] == [(other.pk, offer.pk)]


def test_nights_without_shelter_count_from_the_episodes(org_a, need_for, today, shelter_membership):
    need_for("Long", adult_men=1, without_roof_since=today - dt.timedelta(days=30))
    need_for("Short", adult_women=1, children=1, without_roof_since=today - dt.timedelta(days=2))
    with scope(organisation=org_a):
        figures = queries.figures(membership=shelter_membership, today=today)
    assert (figures.people_without_shelter, figures.households_without_shelter) == (3, 2)
    assert (figures.nights_longest, figures.nights_median) == (31, 17)
    assert figures.over_time[-1] == (today, 3)
    assert figures.over_time[-4] == (today - dt.timedelta(days=3), 1)
    cells = queries.disclosed_figures(figures)
    assert str(cells["households_without_shelter"]).startswith("<")


def test_accepting_moves_the_guest_and_ending_without_next_place_alerts(
    org_a, need_for, host_for, shelter_a, today, shelter_membership
):
    need = need_for(adult_women=1)
    _, offer = host_for(kind="couple", stay_days=5)
    with scope(organisation=org_a):
        placement = services.propose_placement(need=need, offer=offer, by=None)
        services.confirm_placement(placement=placement, by=shelter_a)
        placement = services.record_guest_decision(placement=placement, accepted=True, by=shelter_a)
        kinds = list(Episode.objects.filter(person=need.person).values_list("kind", "ended_on"))
        figures = queries.figures(membership=shelter_membership, today=today)
        services.record_check_in(placement=placement, by=shelter_a, occurred_on=today)
        services.end_placement(
            placement=placement, by=shelter_a, ended_on=today, reason="host moves",
            next_place="street", broken_down=True,
        )  # fmt: skip
        after = queries.figures(membership=shelter_membership, today=today)
    assert kinds[-1] == ("host", None)
    assert [p.pk for p in figures.ending_without_next_place] == [placement.pk]
    assert figures.people_without_shelter == 0
    assert after.people_without_shelter == 1


def test_bad_vetting_and_bad_households_save_nothing(org_a, need_for, host_for, today):
    host, _ = host_for(kind="couple", vetted=False)
    with scope(organisation=org_a):
        with pytest.raises(ValidationError):
            services.record_vetting(
                host=host, by=None, home_visit_on=today, home_visit_by=None,
                references_checked=True, charter_signed_on=today, vetting_renewal_on=today,
            )  # fmt: skip
        host.refresh_from_db()
        assert host.home_visit_on is None
    with pytest.raises(ValidationError):
        need_for(adult_women=1, children=1, unaccompanied_minor=True)


def test_erasing_the_guest_and_the_host_contact_leaves_no_readable_shelter_record(
    org_a, need_for, host_for, shelter_a, today
):
    from panah.people.erasure import erase_person

    need = need_for(adult_men=1, sleeping_now="Behind the Gare du Midi")
    host, offer = host_for(kind="couple", address="Rue des Tanneurs 58")
    with scope(organisation=org_a):
        placement = services.propose_placement(need=need, offer=offer, by=None)
        services.confirm_placement(placement=placement, by=shelter_a)
        placement.refresh_from_db()
        services.record_check_in(
            placement=placement, by=shelter_a, occurred_on=today, note="Host calls him Reza"
        )
    erase_person(need.person, by=shelter_a, reason="subject_request")
    erase_person(host.person, by=shelter_a, reason="subject_request")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sleeping_now FROM shelter_need")
        assert cursor.fetchone() == (None,)
        cursor.execute("SELECT note FROM shelter_checkin")
        assert cursor.fetchone() == (None,)
        cursor.execute("SELECT address, name FROM shelter_host")
        assert cursor.fetchone() == (None, None)


@pytest.mark.parametrize("field", ["fedasil_status", "area"])
def test_a_need_with_a_value_outside_its_choices_is_refused_by_name_and_nothing_is_saved(
    org_a, need_for, field
):
    with pytest.raises(ValidationError) as refused:
        need_for("Reza", adult_men=1, **{field: "on_the_moon"})
    assert field in refused.value.message_dict
    with scopes_disabled():
        assert not Episode.objects.exists()


def test_a_households_composition_reads_with_plurals_in_each_language(need_for):
    from django.utils import translation

    mother = need_for("Mother", adult_women=1, children=2)
    with translation.override("en"):
        assert mother.composition == "1 woman, 2 children"
    with translation.override("fr"):
        assert mother.composition == "1 femme, 2 enfants"
    with translation.override("nl"):
        assert need_for("Men", adult_men=2).composition == "2 mannen"
    with translation.override("fa"):
        # The Arabic comma, not the Latin one, between the parts of a Persian list.
        assert mother.composition == "1 زن، 2 کودک"
