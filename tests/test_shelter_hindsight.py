"""The shelter bench's hindsight optimum (bench/shelter.py): reduced-cost fixing proves the same
optimum as the whole integer program, and no policy's schedule beats it (docs/shelter.md)."""

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from bench.shelter import hindsight_model, hindsight_optimum, make_world, simulate


def whole_program(days: int, world: dict) -> int:
    """People-nights of the whole integer program, solved by HiGHS without any fixing."""
    m = hindsight_model(days, world)
    result = milp(
        -m["gain"],
        constraints=LinearConstraint(m["matrix"], m["lower"], m["upper"]),
        integrality=m["integrality"],
        bounds=Bounds(np.zeros(len(m["gain"])), m["ub"]),
        options={"mip_rel_gap": 0, "disp": False},
    )
    assert result.status == 0
    return m["worst"] - round(-result.fun)


def test_fixing_proves_the_whole_programs_optimum():
    for seed in (3, 4, 5):
        world = make_world(21, rate=3, offers_count=10, seed=seed)
        nights, schedule, _ = simulate(21, "estimate-today", world)
        best = hindsight_optimum(
            21, world, time_limit=60, known=[(nights, "policy")], schedules=[schedule]
        )
        assert best["proven"]
        assert best["nights"] == best["bound"] == whole_program(21, world)
        assert best["relaxation"] <= best["nights"] <= nights
        if best["by"] == "HiGHS":
            # The schedule returned is worth what is reported, counted from the world itself.
            counted = sum(
                n.size * (best["schedule"].get(n.id, (None, 21))[1] - day)
                for day, batch in world["arrivals"].items()
                for n in batch
            )
            assert counted == best["nights"]


def _one_guest_world(second_offer: bool) -> dict:
    """A man alone who needs 10 nights, a host closing on day 4 and perhaps one opening on 6."""
    from panah.shelter.matching import NeedRow, OfferRow

    man = NeedRow(id=1, women=0, men=1, children=0, area="brussels")
    offers = [OfferRow(id="a", beds=1, area="brussels")]
    offers[0].opens, offers[0].closes = 0, 4
    if second_offer:
        offers.append(OfferRow(id="b", beds=1, area="brussels"))
        offers[1].opens, offers[1].closes = 6, 20
    return {"arrivals": {0: [man]}, "offers": offers, "stays": {1: 10}, "refuses": {},
            "estimates": {1: None}, "estimates_all": {1: 10}}  # fmt: skip


def test_as_the_product_a_guest_is_back_without_a_roof_when_the_place_closes():
    world = _one_guest_world(second_offer=False)
    # The bench's world: housed from day 0 for all 10 nights, although the host closes on day 4.
    assert simulate(20, "greedy", world)[0] == 0
    # The product's: the placement ends on day 4; without a roof until day 10, then no need.
    assert simulate(20, "greedy", world, product_closes=True)[0] == 6
    assert hindsight_optimum(20, world, cut_at_close=True)["nights"] == 6
    assert hindsight_optimum(20, world)["nights"] == 0
    # Placed again on day 6 when another place opens: two nights without a roof.
    world = _one_guest_world(second_offer=True)
    later = []
    assert simulate(20, "greedy", world, product_closes=True, later=later)[0] == 2
    assert later == [(1, "b", 6)]


def test_the_product_world_lies_between_its_two_hindsight_bounds():
    for seed in (3, 4):
        world = make_world(21, rate=3, offers_count=10, seed=seed)
        nights = simulate(21, "estimate-today", world, product_closes=True)[0]
        lower = hindsight_optimum(21, world, time_limit=60)
        upper = hindsight_optimum(21, world, time_limit=60, cut_at_close=True)
        assert lower["proven"] and upper["proven"]
        assert lower["nights"] <= upper["nights"]
        assert lower["nights"] <= nights


def test_a_dated_need_ends_on_its_date_housed_or_not():
    from panah.shelter.matching import NeedRow, OfferRow

    man = NeedRow(id=1, women=0, men=1, children=0, area="brussels")
    late = OfferRow(id="a", beds=1, area="brussels")
    late.opens, late.closes = 12, 20
    world = {"arrivals": {0: [man]}, "offers": [late], "stays": {1: 10}, "refuses": {},
             "estimates": {1: None}, "estimates_all": {1: 10}}  # fmt: skip
    # The bench's first world: the stay counts from the placement, so he waits for the place.
    assert simulate(20, "greedy", world)[0] == 12
    assert hindsight_optimum(20, world)["nights"] == 12
    # As the product records it: his need ends on day 10, before the place opens.
    world["dated"] = True
    assert simulate(20, "greedy", world)[0] == 10
    assert hindsight_optimum(20, world)["nights"] == 10


def test_in_a_dated_world_no_policy_beats_the_hindsight_optimum():
    for seed in (3, 4):
        world = make_world(21, rate=3, offers_count=10, seed=seed, dated=True)
        best = hindsight_optimum(21, world, time_limit=60)
        assert best["proven"]
        for policy in ("greedy", "estimate-today"):
            assert simulate(21, policy, world)[0] >= best["nights"]


def test_the_product_world_solved_with_second_stays():
    # Dated: the man needs a place until day 10; host a closes on day 4, host b opens on 6.
    world = {**_one_guest_world(second_offer=True), "dated": True}
    later = []
    assert simulate(20, "greedy", world, product_closes=True, later=later)[0] == 2
    best = hindsight_optimum(20, world, again=True)
    assert (best["nights"], best["proven"]) == (2, True)
    assert best["schedule"] == {1: ("a", 0)} and best["again"] == [(1, "b", 6)]
    # The two programs that bracket it: the stay past the close, and no second stay.
    assert hindsight_optimum(20, world)["nights"] == 0
    assert hindsight_optimum(20, world, cut_at_close=True)["nights"] == 6
    for seed in (3, 4):
        world = make_world(21, rate=3, offers_count=10, seed=seed, dated=True)
        exact = hindsight_optimum(21, world, time_limit=60, again=True)
        assert exact["proven"]
        assert hindsight_optimum(21, world, time_limit=60)["nights"] <= exact["nights"]
        assert exact["nights"] <= hindsight_optimum(21, world, 60, cut_at_close=True)["nights"]
        assert exact["nights"] <= simulate(21, "estimate-today", world, product_closes=True)[0]
