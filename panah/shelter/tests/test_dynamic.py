"""The dynamic policy: holds a place for a likely larger household only when the sampled
futures make it worth the night lost, never breaks a rule, never reads a refusal."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from django_scopes import scope

from panah.shelter import dynamic, safeguarding, services
from panah.shelter.matching import (
    NeedRow,
    OfferRow,
    _as_cols,
    _as_rows,
    _need_columns,
    _offer_columns,
)


def man(i, **kw) -> NeedRow:
    return NeedRow(id=i, women=0, men=1, children=0, area="bru", **kw)


def family(i, children=2, **kw) -> NeedRow:
    return NeedRow(id=i, women=1, men=1, children=children, area="bru", **kw)


def offer(i, beds, **kw) -> OfferRow:
    return OfferRow(id=i, beds=beds, area="bru", **kw)


def futures_with(households, scenarios=4):
    return [[(1, h) for h in households] for _ in range(scenarios)]


def test_a_family_place_is_held_when_families_are_likely_tomorrow():
    waiting = [man("m")]
    big = offer("big", 4)
    today_only = dynamic.propose_today(waiting, [big], [[]], weights="people")
    assert [(p.need_id, p.offer_id) for p in today_only.proposals] == [("m", "big")]
    # Every sampled future brings a family of four tomorrow, and a one-bed place frees up in
    # two days for the man: holding the four beds one night saves more nights.
    small = dynamic.Upcoming(2, offer("small", 1))
    held = dynamic.propose_today(
        waiting, [big], futures_with([family("f")]), upcoming=[small], weights="people"
    )
    assert held.proposals == []
    assert held.unhoused == {"m": [safeguarding.SHORTAGE]}
    # When families are unlikely (no future brings one), the man is housed today.
    calm = dynamic.propose_today(
        waiting, [big], futures_with([man("other")]), upcoming=[small], weights="people"
    )
    assert [p.need_id for p in calm.proposals] == ["m"]


def test_a_waiting_family_is_never_held_back_for_a_likely_one():
    waiting = [family("here")]
    result = dynamic.propose_today(
        waiting, [offer("big", 4)], futures_with([family("f")]), weights="people"
    )
    assert [p.need_id for p in result.proposals] == ["here"]


def test_the_longer_wait_and_vulnerability_go_first_with_priority_weights():
    waiting = [man("new", nights=0), man("long", nights=90), man("fragile", vulnerabilities=2)]
    result = dynamic.propose_today(waiting, [offer("one", 1), offer("two", 1)], [[]])
    assert {p.need_id for p in result.proposals} == {"long", "fragile"}
    # With people only, all three weigh the same: two of them are housed either way.
    assert (
        len(dynamic.propose_today(waiting, [offer("a", 1)], [[]], weights="people").proposals) == 1
    )


def test_an_offer_closing_before_the_likely_family_arrives_is_not_held():
    waiting = [man("m")]
    result = dynamic.propose_today(
        waiting, [offer("big", 4)], futures_with([family("f")]), closes_in={"big": 1},
        weights="people",
    )  # fmt: skip
    assert [p.need_id for p in result.proposals] == ["m"]


def test_no_proposal_ever_breaks_a_safeguarding_rule_or_overfills_a_shelter():
    rng = random.Random(3)
    needs = []
    for i in range(60):
        men, women, children = rng.choice([(1, 0, 0), (0, 1, 0), (0, 1, 2), (1, 1, 3), (0, 0, 1)])
        needs.append(
            NeedRow(
                id=i,
                women=women,
                men=men,
                children=children,
                area=rng.choice("ab"),
                unaccompanied=men + women == 0,
                alert=rng.random() < 0.2,
                accessible=rng.random() < 0.1,
                area_required=rng.random() < 0.3,
                vulnerabilities=rng.randint(0, 3),
                nights=rng.randint(0, 60),
            )  # fmt: skip
        )
    offers = [
        OfferRow(
            id=f"o{j}",
            beds=rng.randint(1, 5),
            area=rng.choice("ab"),
            host_single_man=rng.random() < 0.3,
            accepts_families=rng.random() < 0.6,
            accepts_minors=rng.random() < 0.1,
            cleared=rng.random() < 0.3,
            accessible=rng.random() < 0.3,
            max_men=rng.choice([0, 1, 99]),
        )  # fmt: skip
        for j in range(25)
    ]
    offers.append(OfferRow(id="shelter", beds=6, area="a", max_households=4, shares=True))
    history = needs[:30]
    futures = dynamic.sample_arrivals(history, 3.0, scenarios=3, seed=5)
    result = dynamic.propose_today(needs, offers, futures)
    assert result.proposals
    need = {n.id: n for n in needs}
    off = {o.id: o for o in offers}
    areas, langs = {}, {}
    beds: dict = {}
    for p in result.proposals:
        n, o = need[p.need_id], off[p.offer_id]
        ok = safeguarding.passes(
            _as_rows(_need_columns([n], areas, langs)), _as_cols(_offer_columns([o], areas, langs))
        )
        assert bool(ok[0, 0]), (n, o)
        beds.setdefault(o.id, []).append(n.size)
    assert all(len(v) == 1 for k, v in beds.items() if k != "shelter")
    assert sum(beds.get("shelter", [])) <= 6 and len(beds.get("shelter", [])) <= 4
    assert len({p.need_id for p in result.proposals}) == len(result.proposals)
    # Everyone not proposed is explained.
    assert set(result.unhoused) == set(need) - {p.need_id for p in result.proposals}


def test_likely_arrivals_are_drawn_from_history_reproducibly():
    history = [man("a"), family("b")]
    one = dynamic.sample_arrivals(history, 2.0, horizon=5, scenarios=3, seed=1)
    two = dynamic.sample_arrivals(history, 2.0, horizon=5, scenarios=3, seed=1)
    assert one == two and len(one) == 3
    days = [d for future in one for d, _ in future]
    assert days and min(days) >= 1 and max(days) <= 5
    assert all(n.nights == 0 and n.size in (1, 4) for f in one for _, n in f)
    ids = [n.id for f in one for _, n in f]
    assert len(set(ids)) == len(ids) and not {"a", "b"} & set(ids)
    assert dynamic.sample_arrivals([], 2.0, scenarios=2) == [[], []]


def test_an_unknown_weighting_is_refused():
    with pytest.raises(ValueError):
        dynamic.propose_today([man("m")], [offer("o", 1)], [[]], weights="age")


@pytest.mark.django_db
def test_the_coordinators_run_uses_the_dynamic_policy_and_a_refusal_keeps_priority(
    org_a, need_for, host_for, shelter_a
):
    need = need_for(adult_men=1, vulnerabilities=["medical"])
    host_for(kind="couple")
    host_for(kind="couple", name="Other host")
    with scope(organisation=org_a):
        run = services.run_matcher(organisation=org_a, by=shelter_a, policy="dynamic")
        first = run.proposals.get()
        services.confirm_placement(placement=first, by=shelter_a)
        services.record_guest_decision(placement=first, accepted=False, by=shelter_a)
        again = services.run_matcher(organisation=org_a, by=shelter_a, policy="dynamic")
        second = again.proposals.get()
    assert second.need_id == need.pk
    assert second.explanation["parts"] == first.explanation["parts"]
    assert second.offer_id != first.offer_id  # the refused place is not proposed again
    with pytest.raises(ValueError):
        services.run_matcher(organisation=org_a, by=shelter_a, policy="guess")


def test_the_model_gives_way_to_the_one_day_matcher_when_too_large(monkeypatch):
    monkeypatch.setattr(dynamic, "MAX_VARIABLES", 1)
    result = dynamic.propose_today([man("m")], [offer("o", 1)], futures_with([family("f")]))
    assert [p.need_id for p in result.proposals] == ["m"]
    assert "too large" in result.stats["policy"]
    assert np.isfinite(result.score)


@pytest.mark.django_db
def test_a_run_too_large_for_the_model_is_recorded_as_the_one_day_matchers(
    org_a, need_for, host_for, shelter_a, monkeypatch
):
    need_for(adult_men=1)
    host_for(kind="couple")
    monkeypatch.setattr(dynamic, "MAX_VARIABLES", 1)
    with scope(organisation=org_a):
        run = services.run_matcher(organisation=org_a, by=shelter_a, policy="dynamic")
    assert (run.policy, run.without_stay_date) == ("optimal", 0)


def test_a_short_expected_stay_goes_first_when_places_are_few():
    # Two men alike but for the stay: the one who needs the place 14 nights frees it sooner.
    waiting = [man("long", expected_nights=42), man("short", expected_nights=14)]
    result = dynamic.propose_today(waiting, [offer("one", 1)], [[]])
    assert [p.need_id for p in result.proposals] == ["short"]
    assert result.stats["expected_stays"]
    # Ignored on request, and a stay no one knows counts as the typical one (here 28 nights).
    waiting = [man("unknown"), man("long", expected_nights=42), man("short", expected_nights=14)]
    two = dynamic.propose_today(waiting, [offer("a", 1), offer("b", 1)], [[]])
    assert {p.need_id for p in two.proposals} == {"short", "unknown"}
    off = dynamic.propose_today(waiting[1:], [offer("one", 1)], [[]], stays=False)
    assert not off.stats["expected_stays"]


def test_vulnerability_still_outweighs_a_somewhat_longer_stay():
    waiting = [
        man("fragile", vulnerabilities=3, expected_nights=28),
        man("short", expected_nights=21),
    ]
    result = dynamic.propose_today(waiting, [offer("one", 1)], [[]])
    assert [p.need_id for p in result.proposals] == ["fragile"]


@pytest.mark.django_db
def test_the_date_a_place_is_needed_until_reaches_the_dynamic_run(
    org_a, need_for, host_for, shelter_a, today
):
    long = need_for("Long", adult_men=1, place_needed_until=today + dt.timedelta(days=60))
    short = need_for("Short", adult_men=1, place_needed_until=today + dt.timedelta(days=10))
    past = need_for("Past", adult_men=1, place_needed_until=today - dt.timedelta(days=1))
    host_for(kind="couple")
    with scope(organisation=org_a):
        assert services.need_row(short, on=today).expected_nights == 10
        assert services.need_row(past, on=today).expected_nights is None
        run = services.run_matcher(organisation=org_a, by=shelter_a, policy="dynamic")
        assert run.proposals.get().need_id == short.pk
        # The coordinator learns the short stay is longer after all: the other goes first.
        changed = services.update_need(
            need=short, by=shelter_a, place_needed_until=today + dt.timedelta(days=90)
        )
        assert changed == ["place_needed_until"]
        again = services.run_matcher(organisation=org_a, by=shelter_a, policy="dynamic")
        assert again.proposals.get().need_id == long.pk


@pytest.mark.django_db
def test_the_run_may_sample_likely_arrivals_from_the_recent_households(
    org_a, need_for, host_for, shelter_a, monkeypatch
):
    monkeypatch.setattr(dynamic, "SAMPLE_ARRIVALS", True)
    sampled = []
    real = dynamic.sample_arrivals
    monkeypatch.setattr(
        dynamic, "sample_arrivals", lambda *a, **kw: sampled.append(a[0]) or real(*a, **kw)
    )
    need = need_for(adult_men=1)
    host_for(kind="couple")
    with scope(organisation=org_a):
        run = services.run_matcher(organisation=org_a, by=shelter_a, policy="dynamic")
        assert run.proposals.get().need_id == need.pk
    assert [n.id for n in sampled[0]] == [need.pk]


@pytest.mark.django_db
def test_a_host_frees_up_on_the_day_the_guest_needs_a_place_until(
    org_a, need_for, host_for, shelter_a, today, monkeypatch
):
    # The guest's need ends in 3 days (a Fedasil place, say); the host has no end date, so
    # only the guest's date says the place will be free for the next household then.
    guest = need_for("Guest", adult_men=1, place_needed_until=today + dt.timedelta(days=3))
    _, host_offer = host_for(kind="couple")
    need_for("Next", adult_men=1, place_needed_until=today + dt.timedelta(days=60))
    seen = []
    real = dynamic.propose_today
    monkeypatch.setattr(
        dynamic, "propose_today", lambda *a, **kw: seen.append(kw["upcoming"]) or real(*a, **kw)
    )
    with scope(organisation=org_a):
        first = services.run_matcher(organisation=org_a, by=shelter_a, policy="dynamic")
        placement = first.proposals.get()
        assert placement.need_id == guest.pk  # the shorter stay goes first
        services.confirm_placement(placement=placement, by=shelter_a)
        services.record_guest_decision(placement=placement, accepted=True, by=shelter_a)
        services.run_matcher(organisation=org_a, by=shelter_a, policy="dynamic")
    assert [(u.in_days, u.offer.id) for u in seen[-1]] == [(3, host_offer.pk)]
