"""Oracle rolling horizon: could any lookahead policy come within 5% of the hindsight optimum?

Usage: PYTHONPATH=. python -m bench.shelter_oracle [--seeds 10,12,13] [--horizons 21,42,90]
       [--count window,quarter] [--integer today|all] [--seconds 60]
       [--blind arrivals,refusals]

A diagnostic, not a policy (issue #12, docs/shelter.md "Oracle lookahead"). Each day d it
solves the hindsight's time-indexed program (`bench.shelter.hindsight_model`) restricted to the
window [d, min(d + H, 90)) from the simulation's state: the households waiting with their
arrival days, the offers held until their TRUE ends, and the TRUE arrivals, stays and refusals
inside the window (perfect foresight over H days, nothing beyond). It carries out only the
stays of that solution starting today; `bench.shelter.simulate` then moves the world one day.
A stay's gain is its people times the nights to the window's end ("window") or to day 90
("quarter", so the window's end is not an end of the world). HiGHS (scipy `milp`) solves each
day's program with today's stays integer and the later ones linear (`--integer today`) or all
integer (`--integer all`). With H = 90 the first day's program is the hindsight program itself,
so the oracle must land within the hindsight's optimality gap: the check of the state handling.
`--blind` takes away part of the foresight (the future arrivals, the refusals, the true stays:
then the noisy estimates the production policy reads) to see which part of it pays; blind to
all three it is a causal policy.

Nothing here is a test: it prints figures for docs/shelter.md.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from bench.shelter import make_world, simulate, violations

DAYS = 90

# Hindsight optima from docs/shelter.md (best schedule known, proven lower bound), as
# bench/shelter_information.py proved them on 2026-12-06.
HINDSIGHT = {
    7: (15283, 15283),
    8: (17512, 17512),
    9: (21721, 21721),
    10: (13384, 13384),
    11: (17760, 17760),
    12: (17978, 17978),
    13: (14189, 14189),
    14: (14531, 14517),
    # The fresh worlds (docs/shelter.md: "What the stay dates are worth", "Bid prices").
    15: (15785, 15785),
    16: (12637, 12637),
    17: (16061, 16061),
    18: (15881, 15881),
    19: (13685, 13685),
    20: (13526, 13526),
    21: (17221, 17221),
    22: (19447, 19447),
    23: (13653, 13653),
    24: (12471, 12471),
}
PRODUCTION = {7: 16427, 8: 18333, 9: 22578, 10: 14480, 11: 18913, 12: 18900, 13: 15327, 14: 15647,
              15: 16722, 16: 13333, 17: 17230, 18: 17259, 19: 14455, 20: 14296, 21: 18153,
              22: 20625, 23: 14533, 24: 13168}  # fmt: skip


class Oracle:
    """A `simulate` policy that solves the windowed hindsight program each day (see module)."""

    def __init__(self, world: dict, horizon: int, count: str = "window", integer: str = "today",
                 seconds: float = 60.0, days: int = DAYS, blind=()):  # fmt: skip
        self.world, self.horizon, self.days = world, horizon, days
        self.blind = set(blind)
        self.count, self.integer, self.seconds = count, integer, seconds
        self.needs = [n for d in range(days) for n in world["arrivals"].get(d, [])]
        self.index = {n.id: g for g, n in enumerate(self.needs)}
        self.arrival = np.array(
            [d for d in range(days) for _ in world["arrivals"].get(d, [])], dtype=np.int64
        )
        self.size = np.array([n.size for n in self.needs], dtype=np.int64)
        self.stay = np.array([world["stays"][n.id] for n in self.needs], dtype=np.int64)
        self.offers = world["offers"]
        self.opens = np.array([o.opens for o in self.offers], dtype=np.int64)
        self.closes = np.array([o.closes for o in self.offers], dtype=np.int64)
        self.refused = np.zeros((len(self.needs), days), dtype=bool)
        for (nid, d), yes in world["refuses"].items():
            if yes and d < days:
                self.refused[self.index[nid], d] = True
        # The compatible pairs, once per world, by the same checker the hindsight uses.
        pairs = [
            (g, j)
            for g, n in enumerate(self.needs)
            for j, o in enumerate(self.offers)
            if not violations([n], [o], [(n.id, o.id)])
        ]
        self.pair_g = np.array([g for g, _ in pairs], dtype=np.int64)
        self.pair_j = np.array([j for _, j in pairs], dtype=np.int64)
        # Blind to stays: the noisy estimates a coordinator has (`world["estimates"]`), else the
        # median of those known so far, and the stays it started with their planned ends.
        self.estimate = np.array(
            [
                -1 if world["estimates"][n.id] is None else world["estimates"][n.id]
                for n in self.needs
            ],
            dtype=np.int64,
        )
        self.started: dict = {}  # offer id -> [(true end, beds, planned end)]
        self.cpu = 0.0
        self.solves = 0
        self.unsolved = 0

    def __call__(self, day: int, waiting, free, occupied) -> list[tuple]:
        started = time.process_time()
        try:
            pairs = self._today(day, waiting, occupied)
            for nid, oid in pairs:
                g = self.index[nid]
                if not self.refused[g, day]:
                    plan = day + self.seen_stay[g]
                    self.started.setdefault(oid, []).append(
                        (day + self.stay[g], self.size[g], plan)
                    )
            return pairs
        finally:
            self.cpu += time.process_time() - started

    def _today(self, day: int, waiting, occupied) -> list[tuple]:
        end = min(day + self.horizon, self.days)
        self.seen_stay = self.stay
        if "stays" in self.blind:
            known = np.sort(self.estimate[(self.arrival <= day) & (self.estimate >= 0)])
            typical = known[len(known) // 2] if len(known) else 28
            self.seen_stay = np.where(self.estimate >= 0, self.estimate, typical)
            # The stays in progress as a coordinator sees them: held until the planned end
            # (at least tomorrow while the household is still there).
            occupied = {
                oid: [(max(plan, day + 1), b, plan) for e, b, plan in held if e > day]
                for oid, held in self.started.items()
            }
        goal = end if self.count == "window" else self.days
        # Households: those waiting now, and those arriving inside the window.
        here = np.zeros(len(self.needs), dtype=bool)
        here[[self.index[n.id] for n in waiting]] = True
        if "arrivals" not in self.blind:
            here |= (self.arrival > day) & (self.arrival < end)
        local = np.full(len(self.needs), -1, dtype=np.int64)
        members = np.flatnonzero(here)
        local[members] = np.arange(len(members))
        # Offers open some day of the window: timeline nodes first .. last (last = close or end).
        first = np.maximum(self.opens, day)
        last = np.minimum(self.closes, end)
        live = first < last
        base = np.full(len(self.offers), -1, dtype=np.int64)
        row = len(members)
        for j in np.flatnonzero(live):
            base[j] = row
            row += last[j] - first[j] + 1
        # Stay columns: (household, offer, start) with start in [max(arrival, opens, day), last).
        keep = here[self.pair_g] & live[self.pair_j]
        g, j = self.pair_g[keep], self.pair_j[keep]
        lo = np.maximum(np.maximum(self.arrival[g], first[j]), day)
        hi = last[j]
        span = np.maximum(hi - lo, 0)
        g, j = np.repeat(g, span), np.repeat(j, span)
        offset = np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span)
        t = np.repeat(lo, span) + offset
        # Blind to refusals, it proposes and `simulate` skips the refused pairs (the place
        # stays free that day), as production lives them.
        ok = ~self.refused[g, t] if "refusals" not in self.blind else np.ones(len(g), bool)
        g, j, t = g[ok], j[ok], t[ok]
        stays = len(g)
        arc_end = np.minimum(t + self.seen_stay[g], last[j])
        # Idle arcs t -> t + 1 on every live offer's timeline.
        idle_j = np.repeat(np.flatnonzero(live), (last - first)[live])
        idle_span = (last - first)[live]
        idle_t = np.repeat(first[live], idle_span) + (
            np.arange(idle_span.sum()) - np.repeat(np.cumsum(idle_span) - idle_span, idle_span)
        )
        n_cols = stays + len(idle_j)
        k = np.arange(stays)
        ki = stays + np.arange(len(idle_j))
        rows = [local[g], base[j] + t - first[j], base[j] + arc_end - first[j]]
        cols = [k, k, k]
        vals = [np.ones(stays), -np.ones(stays), np.ones(stays)]
        rows += [base[idle_j] + idle_t - first[idle_j], base[idle_j] + idle_t + 1 - first[idle_j]]
        cols += [ki, ki]
        vals += [-np.ones(len(ki)), np.ones(len(ki))]
        lower = np.zeros(row)
        upper = np.zeros(row)
        upper[: len(members)] = 1.0
        # Node balances: free places at the first node, those of stays in progress released on
        # their true ends, all the offer's places (but those still held) absorbed at the last.
        for jj in np.flatnonzero(live):
            o = self.offers[jj]
            held = occupied.get(o.id, [])
            b = np.zeros(last[jj] - first[jj] + 1)
            b[0] = -(o.max_households - len(held))
            for e, _beds, _plan in held:
                if e < last[jj]:
                    b[e - first[jj]] -= 1
            b[-1] += o.max_households - sum(1 for e, _, _ in held if e >= last[jj])
            lower[base[jj] : base[jj] + len(b)] = b
            upper[base[jj] : base[jj] + len(b)] = b
        # A shelter's beds on each day of the window, less the beds still held that day.
        extra_lower, extra_upper = [], []
        shelter = np.array([o.max_households > 1 for o in self.offers])
        for jj in np.flatnonzero(live & shelter):
            o = self.offers[jj]
            mine = np.flatnonzero(j == jj)
            length = np.minimum(t[mine] + self.seen_stay[g[mine]], last[jj]) - t[mine]
            cover_k = np.repeat(mine, length)
            cover_t = np.repeat(t[mine], length) + (
                np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
            )
            held = occupied.get(o.id, [])
            for day_t in range(first[jj], last[jj]):
                extra_lower.append(0.0)
                extra_upper.append(float(o.beds - sum(b for e, b, _ in held if e > day_t)))
            rows.append(row + cover_t - first[jj])
            cols.append(cover_k)
            vals.append(self.size[g[cover_k]].astype(float))
            row += last[jj] - first[jj]
        lower = np.concatenate([lower, extra_lower])
        upper = np.concatenate([upper, extra_upper])
        matrix = coo_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(row, n_cols),
        ).tocsr()
        gain = np.zeros(n_cols)
        gain[:stays] = self.size[g] * (goal - t)
        integrality = np.zeros(n_cols)
        integrality[:stays] = 1.0 if self.integer == "all" else (t == day)
        ub = np.concatenate([np.ones(stays), [self.offers[x].max_households for x in idle_j]])
        x = self._solve(gain, matrix, lower, upper, integrality, ub)
        if x is None:
            return []
        today = np.flatnonzero((t == day) & (x[:stays] > 0.5))
        return [(self.needs[g[x]].id, self.offers[j[x]].id) for x in today]

    def _solve(self, gain, matrix, lower, upper, integrality, ub) -> np.ndarray | None:
        """The day's program (maximise `gain`) by HiGHS, counted; None when it has no solution."""
        result = milp(
            -gain, constraints=LinearConstraint(matrix, lower, upper),
            integrality=integrality, bounds=Bounds(np.zeros(len(gain)), ub),
            options={"time_limit": self.seconds, "mip_rel_gap": 1e-6, "disp": False},
        )  # fmt: skip
        self.solves += 1
        if result.status != 0:
            self.unsolved += 1
        return result.x


def outcome(seed: int, world: dict, policy) -> str:
    """Run `policy` (an Oracle) through the world's quarter; its people-nights, distance to the
    hindsight and production, violations found by the independent checker, solves and CPU."""
    started = time.process_time()
    nights, schedule, _ = simulate(DAYS, policy, world)
    cpu = time.process_time() - started
    everyone = [n for batch in world["arrivals"].values() for n in batch]
    bad = sum(
        len(violations(everyone, world["offers"], [(nid, oid)]))
        for nid, (oid, _) in schedule.items()
    )
    best, bound = HINDSIGHT.get(seed, (None, None))
    if best is None:
        against = "hindsight not in the doc"
    elif best == bound:
        against = f"{100 * (nights - best) / best:+.1f}% vs hindsight {best} (proven)"
    else:
        against = (f"{100 * (nights - best) / best:+.1f}..{100 * (nights - bound) / bound:+.1f}% "
                   f"vs hindsight {best}/{bound}")  # fmt: skip
    production = PRODUCTION.get(seed)
    versus = f", production {production}" if production else ""
    return (f"people-nights {nights:>6} ({against}{versus}); violations {bad}; "
            f"{policy.solves} solves ({policy.unsolved} not optimal); "
            f"CPU {cpu:.0f} s (solves {policy.cpu:.0f} s)")  # fmt: skip


def run(seed: int, horizon: int, count: str, integer: str, seconds: float, blind=()) -> None:
    """One world, one horizon: the oracle's people-nights, distance to the hindsight, CPU."""
    world = make_world(DAYS, rate=4, offers_count=70, seed=seed)
    oracle = Oracle(world, horizon, count=count, integer=integer, seconds=seconds, blind=blind)
    print(f"world {seed:>2} H={horizon:>2} count={count:<7} integer={integer:<5} "
          f"{'blind to ' + '+'.join(blind) + ' ' if blind else ''}"
          f"{outcome(seed, world, oracle)}", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="10,12,13", help="world seeds (10,12,13)")
    parser.add_argument("--horizons", default="21,42,90", help="days of foresight (21,42,90)")
    parser.add_argument(
        "--count", default="window",
        help="gain counted to the window's end, to day 90, or both: window,quarter (window)",
    )  # fmt: skip
    parser.add_argument(
        "--integer", default="today", choices=["today", "all"],
        help="stays integer: today's only (the rest linear) or all (today)",
    )  # fmt: skip
    parser.add_argument("--seconds", type=float, default=60.0, help="HiGHS limit per day (60)")
    parser.add_argument(
        "--blind", default="",
        help="what the oracle is not told: arrivals (future ones), refusals, stays (it reads "
        "the noisy estimates instead), comma-separated (none)",
    )  # fmt: skip
    args = parser.parse_args()
    for seed in args.seeds.split(","):
        for horizon in args.horizons.split(","):
            for count in args.count.split(","):
                blind = tuple(b for b in args.blind.split(",") if b)
                run(int(seed), int(horizon), count, args.integer, args.seconds, blind)


if __name__ == "__main__":
    main()
