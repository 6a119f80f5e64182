"""Stochastic rolling horizon: does a program over several sampled futures recover the oracle's gain?

Usage: PYTHONPATH=. python -m bench.shelter_stochastic [--seeds 10,12] [--horizon 42] [--futures 4]

A diagnostic, not a policy (issue #12, docs/shelter.md "Oracle lookahead"). Each day d it solves
one program over [d, min(d + H, 90)): today's stays (integer), shared by K sampled futures, and
for each future its own later stays (linear), the objective the average over the futures. A
future is look-alike arrivals as `panah.shelter.dynamic.sample_arrivals` draws them: a Poisson
count per day at the rate observed so far, households copied from those arrived so far. It sees
only what the production policy sees: the waiting households with their noisy estimates
(`world["estimates"]`, None -> the median known estimate), the places held until their planned
ends, the offers' dates; never the future arrivals, anyone's true stay or the refusals (it
proposes, `simulate` skips the refused, and it learns who started from who left the queue).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.sparse import coo_array

from bench.shelter import make_world
from bench.shelter_oracle import DAYS, Oracle, outcome


class Stochastic(Oracle):
    """A `simulate` policy: one program over K look-alike futures each day (see module)."""

    def __init__(self, world: dict, horizon: int, futures: int = 4, seconds: float = 60.0,
                 days: int = DAYS):  # fmt: skip
        super().__init__(world, horizon, seconds=seconds, days=days,
                         blind=("arrivals", "stays", "refusals"))  # fmt: skip
        self.futures = futures
        # Compatible offers of each household (its copies share them).
        order = np.argsort(self.pair_g, kind="stable")
        self.pair_g, self.pair_j = self.pair_g[order], self.pair_j[order]
        self.pair_start = np.searchsorted(self.pair_g, np.arange(len(self.needs) + 1))
        self.proposed: list[tuple] = []

    def __call__(self, day: int, waiting, free, occupied) -> list[tuple]:
        started = time.process_time()
        try:
            # Who started yesterday: the proposed households no longer waiting (the refused
            # ones are still in the queue), as a coordinator sees it.
            still = {n.id for n in waiting}
            for nid, oid, prev in self.proposed:
                if nid not in still:
                    g = self.index[nid]
                    self.started.setdefault(oid, []).append(
                        (prev + self.stay[g], self.size[g], prev + self.seen_stay[g])
                    )
            pairs = self._today(day, waiting, occupied)
            self.proposed = [(nid, oid, day) for nid, oid in pairs]
            return pairs
        finally:
            self.cpu += time.process_time() - started

    def _today(self, day: int, waiting, occupied) -> list[tuple]:
        end = min(day + self.horizon, self.days)
        arrived = self.arrival <= day
        known = np.sort(self.estimate[arrived & (self.estimate >= 0)])
        typical = known[len(known) // 2] if len(known) else 28
        self.seen_stay = np.where(self.estimate >= 0, self.estimate, typical)
        # The stays in progress at their planned ends (at least tomorrow while still there);
        # `e > day` is only whether the household has left, which anyone sees.
        occupied = {
            oid: [(max(plan, day + 1), b, plan) for e, b, plan in held if e > day]
            for oid, held in self.started.items()
        }
        # Look-alike arrivals: the households arrived so far, at their observed rate.
        rng = np.random.default_rng(day)
        history = np.flatnonzero(arrived)
        rate = len(history) / (day + 1) if len(history) else 0.0
        waiting_g = np.array([self.index[n.id] for n in waiting], dtype=np.int64)
        first = np.maximum(self.opens, day)
        last = np.minimum(self.closes, end)
        live = first < last
        live_j = np.flatnonzero(live)
        shelter = np.array([o.max_households > 1 for o in self.offers])
        blocks = []
        for _ in range(self.futures):
            src, arr = [waiting_g], [np.full(len(waiting_g), day)]
            for s in range(day + 1, end):
                count = int(rng.poisson(rate))
                src.append(history[rng.integers(len(history), size=count)])
                arr.append(np.full(count, s))
            blocks.append((np.concatenate(src), np.concatenate(arr)))
        # Today's stays (waiting household, offer) are columns shared by every future.
        today_m, today_j = self._columns(
            waiting_g, np.full(len(waiting_g), day), live, day, day + 1
        )
        n_today = len(today_m)
        rows, cols, vals, lower, upper = [], [], [], [], []
        gain = [self.size[waiting_g[today_m]] * float(end - day)]
        ubs = [np.ones(n_today)]
        n_cols, row = n_today, 0
        for src, arr in blocks:
            m, j = self._columns(src, arr, live, day + 1, end)
            m_t, j_t, t_ = self._expand(src, arr, m, j, first, last, day + 1)
            k = n_cols + np.arange(len(m_t))
            n_cols += len(m_t)
            gain.append(self.size[src[m_t]] * (end - t_) / self.futures)
            ubs.append(np.ones(len(m_t)))
            # One future's columns: today's shared ones, then its own later ones.
            all_m = np.concatenate([today_m, m_t])
            all_j = np.concatenate([today_j, j_t])
            all_t = np.concatenate([np.full(n_today, day), t_])
            all_k = np.concatenate([np.arange(n_today), k])
            base = np.full(len(self.offers), -1, dtype=np.int64)
            node = row + len(src)
            for jj in live_j:
                base[jj] = node
                node += last[jj] - first[jj] + 1
            arc_end = np.minimum(all_t + self.seen_stay[src[all_m]], last[all_j])
            rows += [row + all_m, base[all_j] + all_t - first[all_j],
                     base[all_j] + arc_end - first[all_j]]  # fmt: skip
            cols += [all_k, all_k, all_k]
            vals += [np.ones(len(all_k)), -np.ones(len(all_k)), np.ones(len(all_k))]
            lower.append(np.zeros(len(src)))
            upper.append(np.ones(len(src)))
            idle_span = (last - first)[live]
            idle_j = np.repeat(live_j, idle_span)
            idle_t = np.repeat(first[live], idle_span) + (
                np.arange(idle_span.sum()) - np.repeat(np.cumsum(idle_span) - idle_span, idle_span)
            )
            ki = n_cols + np.arange(len(idle_j))
            n_cols += len(idle_j)
            gain.append(np.zeros(len(idle_j)))
            ubs.append(np.array([self.offers[x].max_households for x in idle_j], dtype=float))
            rows += [
                base[idle_j] + idle_t - first[idle_j],
                base[idle_j] + idle_t + 1 - first[idle_j],
            ]
            cols += [ki, ki]
            vals += [-np.ones(len(ki)), np.ones(len(ki))]
            balance = np.zeros(node - row - len(src))
            for jj in live_j:
                o = self.offers[jj]
                held = occupied.get(o.id, [])
                at = base[jj] - row - len(src)
                b = balance[at : at + last[jj] - first[jj] + 1]
                b[0] = -(o.max_households - len(held))
                for e, _beds, _plan in held:
                    if e < last[jj]:
                        b[e - first[jj]] -= 1
                b[-1] += o.max_households - sum(1 for e, _, _ in held if e >= last[jj])
            lower.append(balance)
            upper.append(balance)
            row = node
            # A shelter's beds each day of the window, less those still held.
            for jj in np.flatnonzero(live & shelter):
                o = self.offers[jj]
                mine = np.flatnonzero(all_j == jj)
                length = np.minimum(all_t[mine] + self.seen_stay[src[all_m[mine]]], last[jj])
                length = length - all_t[mine]
                cover = np.repeat(mine, length)
                cover_t = np.repeat(all_t[mine], length) + (
                    np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
                )
                held = occupied.get(o.id, [])
                cap = [
                    o.beds - sum(b for e, b, _ in held if e > x) for x in range(first[jj], last[jj])
                ]
                lower.append(np.zeros(len(cap)))
                upper.append(np.array(cap, dtype=float))
                rows.append(row + cover_t - first[jj])
                cols.append(all_k[cover])
                vals.append(self.size[src[all_m[cover]]].astype(float))
                row += last[jj] - first[jj]
        matrix = coo_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(row, n_cols),
        ).tocsr()
        integrality = np.zeros(n_cols)
        integrality[:n_today] = 1.0
        x = self._solve(
            np.concatenate(gain), matrix, np.concatenate(lower), np.concatenate(upper),
            integrality, np.concatenate(ubs),
        )  # fmt: skip
        if x is None:
            return []
        chosen = np.flatnonzero(x[:n_today] > 0.5)
        return [(self.needs[waiting_g[today_m[x]]].id, self.offers[today_j[x]].id) for x in chosen]

    def _columns(self, src, arr, live, lo_day, hi_day):
        """(member, offer) pairs compatible and live with some start in [lo_day, hi_day)."""
        count = self.pair_start[src + 1] - self.pair_start[src]
        m = np.repeat(np.arange(len(src)), count)
        at = np.repeat(self.pair_start[src], count) + (
            np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        )
        j = self.pair_j[at]
        lo = np.maximum(np.maximum(arr[m], self.opens[j]), lo_day)
        hi = np.minimum(np.minimum(self.closes[j], self.days), hi_day)
        ok = live[j] & (lo < hi)
        return m[ok], j[ok]

    def _expand(self, src, arr, m, j, first, last, lo_day):
        """One column per start day in [max(arrival, opens, lo_day), last) of each pair."""
        lo = np.maximum(np.maximum(arr[m], first[j]), lo_day)
        span = np.maximum(last[j] - lo, 0)
        offset = np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span)
        return np.repeat(m, span), np.repeat(j, span), np.repeat(lo, span) + offset


def run(seed: int, horizon: int, futures: int, seconds: float) -> None:
    """One world: the policy's people-nights, distance to the hindsight, CPU."""
    world = make_world(DAYS, rate=4, offers_count=70, seed=seed)
    policy = Stochastic(world, horizon, futures=futures, seconds=seconds)
    print(f"world {seed:>2} H={horizon:>2} K={futures} {outcome(seed, world, policy)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="10,12", help="world seeds (10,12)")
    parser.add_argument("--horizon", type=int, default=42, help="days of the view (42)")
    parser.add_argument("--futures", type=int, default=4, help="sampled futures K (4)")
    parser.add_argument("--seconds", type=float, default=60.0, help="HiGHS limit per day (60)")
    args = parser.parse_args()
    for seed in args.seeds.split(","):
        run(int(seed), args.horizon, args.futures, args.seconds)


if __name__ == "__main__":
    main()
