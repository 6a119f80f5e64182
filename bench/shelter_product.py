"""The bench's worlds run by the product's rule for a closing offer: how far is the policy then?

Usage: PYTHONPATH=. python -m bench.shelter_product [--seeds 8,10,12] [--seconds 300] [--dated]

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

`--dated`: the product's other rule too: a need ends on its date ("needs a place until"),
housed or not, and the policy is told the nights left until the estimated date
(`make_world(dated=True)`). There the optimum needs no bracket: `hindsight_optimum(again=True)`
solves the product's world itself, second stays included (docs/shelter.md, "A need ends on its
date").
"""

from __future__ import annotations

import argparse
import time

from bench.shelter import hindsight_optimum, make_world, simulate, violations

DAYS = 90


def run(seed: int, seconds: float, dated: bool = False) -> None:
    """One world: the policies' people-nights against the bracket of the optimum."""
    world = make_world(DAYS, rate=4, offers_count=70, seed=seed, dated=dated)
    everyone = [n for batch in world["arrivals"].values() for n in batch]
    found = {}
    for policy in ("estimate-today", "matcher", "greedy"):
        later: list = []
        nights, schedule, _ = simulate(DAYS, policy, world, product_closes=True, later=later)
        pairs = [(nid, oid) for nid, (oid, _) in schedule.items()]
        pairs += [(nid, oid) for nid, oid, _ in later]
        bad = sum(len(violations(everyone, world["offers"], [pair])) for pair in pairs)
        found[policy] = (nights, len(later), bad)
    started = time.process_time()
    if dated:
        lower = upper = hindsight_optimum(DAYS, world, time_limit=seconds, again=True)
    else:
        lower = hindsight_optimum(DAYS, world, time_limit=seconds)
        upper = hindsight_optimum(DAYS, world, time_limit=seconds, cut_at_close=True)
    cpu = time.process_time() - started
    lo, hi = lower["bound"], upper["nights"]

    def apart(nights: int) -> str:
        return f"{100 * (nights - hi) / hi:+.2f}..{100 * (nights - lo) / lo:+.2f}%"

    production, second, bad = found["estimate-today"]
    matcher, _, bad_matcher = found["matcher"]
    greedy, _, bad_greedy = found["greedy"]
    print(
        f"world {seed:>2}{' (dated)' if dated else ''}: production {production} "
        f"({apart(production)}; {second} second stays), one-day matcher {matcher} "
        f"({apart(matcher)}), greedy {greedy} ({apart(greedy)}); optimum between {lo} (proven "
        f"{lower['proven']}) and {hi} (proven {upper['proven']}); violations "
        f"{bad}/{bad_matcher}/{bad_greedy}; hindsight CPU {cpu:.0f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="8,10,12", help="world seeds (8,10,12)")
    parser.add_argument("--seconds", type=float, default=300.0, help="HiGHS limit per optimum")
    parser.add_argument("--dated", action="store_true", help="a need ends on its date too")
    args = parser.parse_args()
    for seed in args.seeds.split(","):
        run(int(seed), args.seconds, args.dated)


if __name__ == "__main__":
    main()
