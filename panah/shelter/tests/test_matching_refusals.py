"""A run never proposes a household a place it refused, in either of the matcher's solvers,
and says so when nothing else is left to them."""

from __future__ import annotations

import random

import pytest

from panah.shelter import matching, safeguarding
from panah.shelter.matching import NeedRow, OfferRow


def man(i, area="bru", **kw) -> NeedRow:
    return NeedRow(id=i, women=0, men=1, children=0, area=area, **kw)


def host(i, area="bru", **kw) -> OfferRow:
    return OfferRow(id=i, beds=1, area=area, **kw)


@pytest.fixture(params=["exact", "network"])
def solver(request, monkeypatch):
    if request.param == "network":
        monkeypatch.setattr(matching, "EXACT_VARIABLES", 0)
    return request.param


def pairs(result) -> set:
    return {(p.need_id, p.offer_id) for p in result.proposals}


def test_the_refused_place_goes_to_the_other_household(solver):
    needs = [man("a", vulnerabilities=2, refused=frozenset({"h1"})), man("b")]
    result = matching.match(needs, [host("h1"), host("h2")])
    assert pairs(result) == {("a", "h2"), ("b", "h1")}


def test_a_household_free_to_move_goes_elsewhere_rather_than_to_the_refused_place(solver):
    needs = [man("a", refused=frozenset({"near"}))]
    result = matching.match(needs, [host("near"), host("far", area="ant")])
    assert pairs(result) == {("a", "far")}


def test_refused_every_place_the_rules_allow_is_the_reason_given(solver):
    needs = [man("a", refused=frozenset({"h1"})), man("b", area_required=True)]
    offers = [host("h1"), host("women", area="bru", accepts_single_men=False)]
    result = matching.match(needs, offers)
    assert pairs(result) == {("b", "h1")}
    assert result.unhoused == {"a": [safeguarding.REFUSED_PLACES]}
    assert "refused" in safeguarding.rule_name(safeguarding.REFUSED_PLACES)


def test_random_refusals_are_never_proposed_and_every_rule_holds(solver):
    rng = random.Random(7)
    for _ in range(20):
        offers = [
            OfferRow(id=f"o{j}", beds=rng.randint(1, 4), area=rng.choice(["bru", "ant"]),
                     accepts_single_men=rng.random() < 0.7)
            for j in range(12)
        ]  # fmt: skip
        needs = [
            NeedRow(
                id=f"n{i}", women=rng.randint(0, 1), men=rng.randint(0, 1) or 1,
                children=rng.randint(0, 2), area=rng.choice(["bru", "ant"]),
                area_required=rng.random() < 0.3, vulnerabilities=rng.randint(0, 3),
                refused=frozenset(o.id for o in offers if rng.random() < 0.25),
            )
            for i in range(15)
        ]  # fmt: skip
        result = matching.match(needs, offers)
        by_id = {n.id: n for n in needs}
        offer_by_id = {o.id: o for o in offers}
        placed = [p.need_id for p in result.proposals]
        assert len(placed) == len(set(placed))
        areas, languages = {}, {}  # one coding for both sides, as the matcher's
        for p in result.proposals:
            assert p.offer_id not in by_id[p.need_id].refused
            need = matching._need_columns([by_id[p.need_id]], areas, languages)
            offer = matching._offer_columns([offer_by_id[p.offer_id]], areas, languages)
            assert not safeguarding.blocking_rules(
                matching._as_rows(need), matching._as_cols(offer)
            )


def test_the_dynamic_policy_leaves_the_refused_place_out_and_says_why():
    from panah.shelter import dynamic

    needs = [man("a", vulnerabilities=2, refused=frozenset({"h1"})), man("b")]
    result = dynamic.propose_today(needs, [host("h1")], [[]])
    assert pairs(result) == {("b", "h1")}
    alone = dynamic.propose_today(needs[:1], [host("h1")], [[]])
    assert not alone.proposals
    assert alone.unhoused == {"a": [safeguarding.REFUSED_PLACES]}
