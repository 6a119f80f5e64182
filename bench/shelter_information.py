"""What the stay dates are worth: the production dynamic policy as the coordinators know more.

Usage: PYTHONPATH=. python -m bench.shelter_information [--seeds 7,8,...,20]
       [--settings 0.6:7,1.0:3,1.0:0] [--hindsight-seconds 120]

A sensitivity of issue #12's dynamic target (docs/shelter.md "What the stay dates are worth").
The bench's worlds assume that a "needs a place until about" date is known for 60% of the
households, off by up to 7 days (`bench.shelter.ESTIMATE_SHARE`, `ESTIMATE_ERROR`). Each
setting `share:error` here gives the same world (arrivals, offers, true stays, refusals) with
dates known for `share` of the households, off by up to `error` days; the households that have a
date at a smaller share keep it at a larger one, with the same error. The production policy
(`simulate`'s "estimate-today": `propose_today` without sampled arrivals, as a coordinator's run)
runs on each, and the hindsight optimum (`hindsight_optimum`, which no date changes) is solved
once per world with every setting's schedule as a starting point.

Nothing here is a test: it prints figures for docs/shelter.md.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.shelter import ESTIMATE_ERROR, ESTIMATE_SHARE, hindsight_optimum, make_world, simulate

DAYS = 90
SETTINGS = "0.6:7,0.8:7,1.0:7,0.6:3,1.0:3,0.6:0,1.0:0"


def run_world(seed: int, settings: list[tuple[float, int]], seconds: float) -> dict:
    """The production policy's people-nights under each setting, and the hindsight optimum's
    (best schedule known, proven lower bound)."""
    nights, schedules = {}, []
    for share, error in settings:
        world = make_world(DAYS, rate=4, offers_count=70, seed=seed, share=share, error=error)
        nights[(share, error)], schedule, _weighted = simulate(DAYS, "estimate-today", world)
        schedules.append(schedule)
    best = hindsight_optimum(
        DAYS, world, time_limit=seconds,
        known=[(v, f"{s:.0%} +/-{e}") for (s, e), v in nights.items()], schedules=schedules,
    )  # fmt: skip
    return {"nights": nights, "best": best["nights"], "bound": best["bound"]}


def gap(value: int, best: int, bound: int | None) -> tuple[float, float]:
    """The distance to the hindsight optimum in %, from the best schedule known and (a range
    when the optimum is not proven) from the proven bound."""
    low = 100 * (value - best) / best
    return low, (100 * (value - bound) / bound if bound else low)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(str(s) for s in range(7, 21)))
    parser.add_argument("--settings", default=SETTINGS, help=f"share:error,... ({SETTINGS})")
    parser.add_argument("--hindsight-seconds", type=float, default=120.0)
    args = parser.parse_args()
    settings = [(float(s), int(e)) for s, e in (p.split(":") for p in args.settings.split(","))]
    print(f"production policy, {DAYS}-day worlds; the bench's assumption is dates for "
          f"{ESTIMATE_SHARE:.0%} of households, +/-{ESTIMATE_ERROR} days")  # fmt: skip
    header = " ".join(f"{f'{s:.0%} +/-{e}':>19}" for s, e in settings)
    print(f"{'world':>5} {header} {'hindsight':>15}  seconds")
    uppers: dict = {setting: [] for setting in settings}
    for seed in (int(s) for s in args.seeds.split(",")):
        started = time.process_time()
        result = run_world(seed, settings, args.hindsight_seconds)
        best, bound = result["best"], result["bound"]
        cells = []
        for setting in settings:
            value = result["nights"][setting]
            low, high = gap(value, best, bound)
            uppers[setting].append(high)
            span = f"{low:+.1f}" if abs(high - low) < 0.05 else f"{low:+.1f}..{high:+.1f}"
            cells.append(f"{value:>7,} ({span:>9})")
        proven = f"{best:,}" if bound == best else f"{best:,}/{bound:,}"
        seconds = time.process_time() - started
        print(f"{seed:>5} {' '.join(f'{c:>19}' for c in cells)} {proven:>15}  {seconds:6.0f}")
    print("% above the hindsight optimum (upper end of the range):")
    for name, summarise in (
        ("mean", lambda v: f"{statistics.mean(v):+.1f}"),
        ("largest", lambda v: f"{max(v):+.1f}"),
        ("worlds <= 5%", lambda v: f"{sum(x <= 5 for x in v)} of {len(v)}"),
    ):
        print(f"{name:>13} " + " ".join(f"{summarise(v):>19}" for v in uppers.values()))


if __name__ == "__main__":
    main()
