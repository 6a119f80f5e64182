"""Bid prices: today's proposals valued against a price per place-night (issue #12).

Each day a longer-view linear program (`horizon` days in periods of `step` days) places
today's waiting households, with their expected stays, and the expected arrivals (fractional
"average" households drawn from the organisation's recent history at its own rate) into the
offers, each over the periods it would hold the place, within the offers' open windows and the
planned ends of current stays. The duals of its capacity rows (households and beds of an offer
in a period) are a price per place-night. Today's integer decision then values a placement as
w x value_nights minus the priced place-nights it holds (at `PRICE_SCALE`): a long stay in a place that is wanted
later pays for it, and nights after a place closes cost nothing (docs/shelter.md, "Bid prices").
Every pair passes the same safeguarding table as `match`; a refusal is not an input.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from panah.shelter import safeguarding
from panah.shelter.dynamic import _result
from panah.shelter.matching import (
    SAME_AREA,
    SHARED_LANGUAGE,
    NeedRow,
    OfferRow,
    Result,
    _as_cols,
    _as_rows,
    _need_columns,
    _offer_columns,
    _shares_language,
    priority,
)

# The longer view: days ahead, days per period, and the nights a placement today is counted
# to save (a placement starting d days from now saves value_nights - d).
HORIZON = 42
STEP = 3
VALUE_NIGHTS = 42
# Expected arrivals: this many look-alikes of recent households per period, each a fraction of
# a household so that together they arrive at the organisation's rate.
LOOKALIKES = 12
# Prices count at this share in today's decision: at 1 the program's full prices left places
# empty that a waiting household could take (worlds 7-14: 0.5 did best of 0.25, 0.5, 1, 2;
# docs/shelter.md, "Bid prices").
PRICE_SCALE = 0.5


def propose_bid(
    needs: Sequence[NeedRow],
    offers: Sequence[OfferRow],
    *,
    held: dict | None = None,
    closes_in: dict | None = None,
    history: Sequence[NeedRow] = (),
    per_day: float = 0.0,
    horizon: int = HORIZON,
    step: int = STEP,
    value_nights: float = VALUE_NIGHTS,
    lookalikes: int = LOOKALIKES,
    typical_nights: float | None = None,
    seed: int = 0,
    price_scale: float = PRICE_SCALE,
    time_limit: float = 10.0,
) -> Result:
    """Today's proposals valued by bid prices from a longer-view linear program (see module).

    `offers`: every open, vetted offer with its full beds and households; `held`: offer id ->
    list of (planned end in days, people) of the stays it holds now; `closes_in`: offer id ->
    days until it stops receiving; `history`/`per_day`: recent households and their daily rate.
    """
    started = time.perf_counter()
    held = held or {}
    closes_in = closes_in or {}
    slots = [o for o in offers if o.available and o.vetted and o.beds > 0]
    known = [n.expected_nights for n in (*needs, *history) if n.expected_nights is not None]
    typical = float(typical_nights or (np.median(known) if known else 28))
    periods = max(1, horizon // step)
    areas: dict = {}
    langs: dict = {}
    if not needs or not slots:
        return _result(needs, slots, [], started, True, {"method": "nothing to place"})
    o_cols = _offer_columns(slots, areas, langs)
    S = len(slots)
    # Capacity left in each offer and period (at the period's start): households and beds
    # minus the current stays still planned there; none once the offer closes.
    cap_hh = np.zeros((S, periods))
    cap_beds = np.zeros((S, periods))
    for j, o in enumerate(slots):
        stays = held.get(o.id, [])
        for p in range(periods):
            day = p * step
            if day >= closes_in.get(o.id, 10**6):
                continue
            here = [b for end, b in stays if end > day]
            cap_hh[j, p] = max(0, o.max_households - len(here))
            cap_beds[j, p] = max(0, o.beds - sum(here))
    collective = np.array([o.max_households > 1 for o in slots])

    def stay_of(n: NeedRow) -> float:
        return typical if n.expected_nights is None else max(1, n.expected_nights)

    # Rows of households: today's waiting, then lookalikes per arrival period.
    rng = np.random.default_rng(seed)
    pool = list(history)
    drawn = [pool[int(k)] for k in rng.integers(len(pool), size=lookalikes)] if pool else []
    each = per_day * step / max(1, len(drawn))
    people = list(needs) + drawn
    cols_n = _need_columns(people, areas, langs)
    ok = safeguarding.passes(_as_rows(cols_n), _as_cols(o_cols))
    worth = np.array([priority(n) for n in people])
    length = np.array([stay_of(n) for n in people])
    size = cols_n["size"].astype(float)
    R = len(needs)

    var_need, var_slot, var_start, var_gain, var_row = [], [], [], [], []
    cover_rows, cover_cols, cover_vals = [], [], []
    n_hh_rows = R + len(drawn) * (periods - 1)
    hh_upper = [1.0] * R + [each] * (len(drawn) * (periods - 1))

    def add(i: int, row: int, first: int) -> None:
        js = np.flatnonzero(ok[i])
        for p in range(first, periods):
            for j in js:
                if cap_hh[j, p] <= 0:
                    continue
                k = len(var_need)
                var_need.append(i)
                var_slot.append(j)
                var_start.append(p)
                var_gain.append(worth[i] * (value_nights - p * step))
                var_row.append(row)
                last = min(periods, p + int(np.ceil(length[i] / step)))
                for q in range(p, last):
                    if cap_hh[j, q] <= 0 and q > p:
                        break  # closed (or full of planned stays): no capacity is priced
                    cover_rows.append(q * S + j)
                    cover_cols.append(k)
                    cover_vals.append(size[i] if collective[j] else 1.0)

    for i in range(R):
        add(i, i, 0)
    for a in range(len(drawn)):
        for p in range(1, periods):
            add(R + a, R + a * (periods - 1) + (p - 1), p)
    n_var = len(var_need)
    if n_var == 0:
        return _result(needs, slots, [], started, True, {"method": "no pair passes the rules"})
    var_need, var_slot, var_start = map(np.array, (var_need, var_slot, var_start))
    gain = np.array(var_gain)
    choose = sparse.csr_matrix(
        (np.ones(n_var), (np.array(var_row), np.arange(n_var))), shape=(n_hh_rows, n_var)
    )
    # One capacity row per offer and period: households for a host (one at a time), beds for
    # a collective shelter (its household count is rarely binding: left out of the price).
    capacity = np.where(collective[:, None], cap_beds, cap_hh).T.reshape(-1)
    cover = sparse.csr_matrix((cover_vals, (cover_rows, cover_cols)), shape=(periods * S, n_var))
    lp = linprog(
        -gain,
        A_ub=sparse.vstack([choose, cover]).tocsr(),
        b_ub=np.concatenate([hh_upper, capacity]),
        bounds=(0, 1),
        method="highs",
        options={"time_limit": time_limit},
    )
    if lp.status != 0 or lp.ineqlin is None:
        price = np.zeros((periods, S))
    else:
        price = -price_scale * np.asarray(lp.ineqlin.marginals[n_hh_rows:]).reshape(periods, S)

    # Today's integer decision: each placement's value (the program's, from today) minus the
    # priced place-nights it holds, here and beyond today, while the place is open.
    net = gain - cover.T @ price.reshape(-1)
    now = (var_start == 0) & (var_need < R)
    values = net[now]
    keep = values > 1e-6
    today = list(zip(var_need[now][keep], var_slot[now][keep], strict=True))
    values = values[keep]
    stats = {"method": "HiGHS, bid prices", "policy": "bid", "variables": n_var}
    if not today:
        return _result(needs, slots, [], started, True, stats, areas, langs)
    t_r = np.array([i for i, _ in today])
    t_c = np.array([j for _, j in today])
    soft = size[t_r] * (
        SHARED_LANGUAGE * _shares_language(cols_n["lang"][t_r], o_cols["lang"][t_c])
        + SAME_AREA * (cols_n["area"][t_r] == o_cols["area"][t_c])
    )
    m = len(today)
    rows = np.concatenate([t_r, R + t_c, R + S + t_c])
    vals = np.concatenate([np.ones(m), np.ones(m), size[t_r]])
    a = sparse.csr_matrix((vals, (rows, np.tile(np.arange(m), 3))), shape=(R + 2 * S, m))
    upper = np.concatenate(
        [np.ones(R), cap_hh[:, 0], np.where(cap_beds[:, 0] > 0, cap_beds[:, 0], 0)]
    )
    solved = milp(
        -(values + soft / value_nights),
        constraints=LinearConstraint(a, -np.inf, upper),
        integrality=np.ones(m),
        bounds=Bounds(np.zeros(m), np.ones(m)),
        options={"time_limit": time_limit, "disp": False},
    )
    if solved.x is None:
        return _result(needs, slots, [], started, False, stats, areas, langs)
    placed = [(int(t_r[k]), int(t_c[k])) for k in np.flatnonzero(np.round(solved.x) > 0)]
    stats["lp_objective"] = -float(lp.fun) if lp.status == 0 else None
    stats["free_today"] = int((cap_hh[:, 0] > 0).sum())
    stats["placed"] = len(placed)
    return _result(needs, slots, placed, started, solved.status == 0, stats, areas, langs)
