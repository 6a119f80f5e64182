"""The bench's worlds run by the product's rule for a closing offer: how far is the policy then?

Usage: PYTHONPATH=. python -m bench.shelter_product [--seeds 8,10,12] [--seconds 300]

In `bench.shelter`'s world a guest stays its whole stay after the offer closes, holding no
place; the product ends the placement on the offer's close (`services._planned_end`), and a
guest still in need is back without a roof. Here `simulate(..., product_closes=True)` runs the
production policy and greedy by the product's rule (a guest back in the queue until the day
the stay would have ended, and perhaps placed again), and the hindsight optimum of that world
is bracketed by two proven optima: the bench's own program (a stay runs past the close, so no
schedule of the product's world does better: a lower bound) and the program where a stay ends
at the close and its guest is never placed again (a restriction: an upper bound). A policy more
than 5% above the upper bound is more than 5% above the optimum; one within 5% of the lower
bound is within 5% of it (docs/shelter.md, "A closing offer").
"""

from __future__ import annotations

import argparse
import time

from bench.shelter import hindsight_optimum, make_world, simulate, violations

DAYS = 90


def run(seed: int, seconds: float) -> None:
    """One world: the policies' people-nights against the bracket of the optimum."""
    world = make_world(DAYS, rate=4, offers_count=70, seed=seed)
    everyone = [n for batch in world["arrivals"].values() for n in batch]
    found = {}
    for policy in ("estimate-today", "greedy"):
        later: list = []
        nights, schedule, _ = simulate(DAYS, policy, world, product_closes=True, later=later)
        pairs = [(nid, oid) for nid, (oid, _) in schedule.items()]
        pairs += [(nid, oid) for nid, oid, _ in later]
        bad = sum(len(violations(everyone, world["offers"], [pair])) for pair in pairs)
        found[policy] = (nights, len(later), bad)
    started = time.process_time()
    lower = hindsight_optimum(DAYS, world, time_limit=seconds)
    upper = hindsight_optimum(DAYS, world, time_limit=seconds, cut_at_close=True)
    cpu = time.process_time() - started
    lo, hi = lower["bound"], upper["nights"]

    def apart(nights: int) -> str:
        return f"{100 * (nights - hi) / hi:+.2f}..{100 * (nights - lo) / lo:+.2f}%"

    production, second, bad = found["estimate-today"]
    greedy, _, bad_greedy = found["greedy"]
    print(
        f"world {seed:>2}: production {production} ({apart(production)}; {second} second "
        f"stays), greedy {greedy} ({apart(greedy)}); optimum between {lo} (proven "
        f"{lower['proven']}) and {hi} (proven {upper['proven']}); violations {bad}/{bad_greedy}; "
        f"hindsight CPU {cpu:.0f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="8,10,12", help="world seeds (8,10,12)")
    parser.add_argument("--seconds", type=float, default=300.0, help="HiGHS limit per optimum")
    args = parser.parse_args()
    for seed in args.seeds.split(","):
        run(int(seed), args.seconds)


if __name__ == "__main__":
    main()
