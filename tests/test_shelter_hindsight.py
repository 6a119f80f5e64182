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
