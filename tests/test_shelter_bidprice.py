"""Bid prices: a placement pays for the place-nights it holds that others want, not for the
nights after the place closes; every rule holds; a full place is never proposed."""

from __future__ import annotations

from bench import shelter_bidprice as bidprice
from panah.shelter import safeguarding
from panah.shelter.matching import NeedRow, OfferRow


def man(i, stay=None, **kw) -> NeedRow:
    return NeedRow(id=i, women=0, men=1, children=0, area="bru", expected_nights=stay, **kw)


def offer(i, beds=1, **kw) -> OfferRow:
    return OfferRow(id=i, beds=beds, area="bru", **kw)


def pairs(result) -> set:
    return {(p.need_id, p.offer_id) for p in result.proposals}


def test_the_shorter_stay_goes_first_when_others_want_the_place_after_it():
    # Three alike men, one place: the one who leaves in two weeks frees it for the next.
    waiting = [man("long", 42), man("short", 14), man("next", 28)]
    result = bidprice.propose_bid(waiting, [offer("one")], closes_in={"one": 80})
    assert pairs(result) == {("short", "one")}
    assert result.unhoused["long"] == [safeguarding.SHORTAGE]


def test_nights_after_a_place_closes_cost_nothing():
    # A man with a vulnerability who will stay six weeks, and men alike who stay two: in a place
    # open for months his long stay pays for the place-nights the others want, and one of them
    # goes first; in a place closing in six days his nights after the close cost nothing, and
    # his priority decides.
    waiting = [man("long", 42, vulnerabilities=1), *(man(f"short{k}", 14) for k in range(3))]
    lasting = bidprice.propose_bid(waiting, [offer("place")], closes_in={"place": 80})
    assert [p.need_id for p in lasting.proposals] != ["long"]
    assert len(lasting.proposals) == 1
    closing = bidprice.propose_bid(waiting, [offer("place")], closes_in={"place": 6})
    assert pairs(closing) == {("long", "place")}


def test_a_place_still_held_by_a_planned_stay_is_not_proposed():
    result = bidprice.propose_bid(
        [man("m", 14)], [offer("busy"), offer("free")], held={"busy": [(3, 1)]}
    )
    assert pairs(result) == {("m", "free")}


def test_every_rule_holds_and_likely_arrivals_never_take_a_place_today():
    mother = NeedRow(id="mother", women=1, men=0, children=1, area="bru", expected_nights=14)
    host = offer("host", beds=3, host_single_man=True)
    history = [man(f"h{k}", 28) for k in range(10)]
    result = bidprice.propose_bid([mother], [host], history=history, per_day=4)
    assert result.proposals == []
    assert "no_women_children_with_single_man" in result.unhoused["mother"]
    # The man is proposed; the look-alikes of the history only price the future.
    result = bidprice.propose_bid([man("m", 14)], [host], history=history, per_day=4)
    assert pairs(result) == {("m", "host")}


def test_a_shelter_takes_households_up_to_its_beds():
    shelter = offer("shelter", beds=3, max_households=10, accepts_families=True)
    waiting = [man(k, 21) for k in "abcde"]
    result = bidprice.propose_bid(waiting, [shelter], closes_in={"shelter": 60})
    assert len(result.proposals) == 3
