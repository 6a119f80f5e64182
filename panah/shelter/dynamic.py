"""The dynamic policy: what to propose today, given who is likely to arrive in the next days.

`match` places today's households as well as today allows; it does not see that a five-bed
offer given to a man alone today is missing for a family of five arriving on Thursday. This
module re-solves each day a two-stage stochastic program by sample average approximation
(docs/shelter.md, "The dynamic policy"):

* first stage, integer: today's proposals x[n, o] (waiting households, offers free today);
* second stage, for each of K sampled futures s (likely arrivals over the next `horizon`
  days, drawn from the organisation's own recent households): y_s[n, o] places the waiting
  households and the sampled ones into what is left and into the offers that free up within
  the horizon (a placement's planned end), each on the first day both are there.

A placement starting d days from now is worth w[n] x (value_nights - d): the nights without
shelter it saves, weighted like the matcher's priority (people, vulnerability, nights already
waited) or by people only. Leaving an offer empty today for a larger household tomorrow is
therefore chosen only when, on average over the sampled futures, it saves more than the day
lost. Every pair in the model passes every safeguarding rule (the same table as `match`); a
refusal is not an input, so it never lowers anyone's priority. HiGHS (through SciPy) solves
the model with x integer and the second stage as its linear relaxation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from . import safeguarding
from .matching import (
    SAME_AREA,
    SHARED_LANGUAGE,
    NeedRow,
    OfferRow,
    Proposal,
    Result,
    _as_cols,
    _as_rows,
    _need_columns,
    _offer_columns,
    _shares_language,
    explain_blocked,
    match,
    priority,
    priority_parts,
    refused_pairs,
)

# Days ahead the sampled futures cover (shorter than the shortest usual stay, so an offer is
# used at most once within it), futures sampled, and the nights a placement is counted to save.
HORIZON = 7
SCENARIOS = 8
VALUE_NIGHTS = 30
# Likely arrivals are drawn from the households that came in this many past days.
HISTORY_DAYS = 90
# Whether a coordinator's run samples likely arrivals. Off: on the bench's 90-day worlds, with
# stay estimates, today's households and the places freeing up within the horizon did better
# without them in every world (docs/shelter.md, "Bench figures"); `propose_today` still takes
# futures, and the bench measures both.
SAMPLE_ARRIVALS = False
# Beyond this many pair variables the model is too large for a daily run: `match` is used.
MAX_VARIABLES = 400_000
WEIGHTS = ("priority", "people")
# A place is counted as held at least this many nights, however short the expected stay: an
# estimate that short is the least sure, and one short stay must not outweigh a family.
MIN_HELD = HORIZON


@dataclass
class Upcoming:
    """An offer that is full today and frees up `in_days` days from now (a planned end)."""

    in_days: int
    offer: OfferRow


def sample_arrivals(
    history: Sequence[NeedRow],
    per_day: float,
    *,
    horizon: int = HORIZON,
    scenarios: int = SCENARIOS,
    seed: int = 0,
) -> list[list[tuple[int, NeedRow]]]:
    """Likely futures: each day a Poisson number of households drawn from `history`.

    `history` is the organisation's own recent households (who arrives, not who they are);
    `per_day` their rate. Each future is a list of (day from today, household) with day >= 1.
    """
    rng = np.random.default_rng(seed)
    futures: list[list[tuple[int, NeedRow]]] = []
    if not history or per_day <= 0:
        return [[] for _ in range(scenarios)]
    for s in range(scenarios):
        future = []
        for day in range(1, horizon + 1):
            for k in range(int(rng.poisson(per_day))):
                like = history[int(rng.integers(len(history)))]
                like = replace(like, id=("likely", s, day, k), nights=0, refused=frozenset())
                future.append((day, like))
        futures.append(future)
    return futures


def propose_today(
    needs: Sequence[NeedRow],
    offers: Sequence[OfferRow],
    futures: Sequence[Sequence[tuple[int, NeedRow]]],
    *,
    upcoming: Sequence[Upcoming] = (),
    weights: str | Callable[[NeedRow], float] = "priority",
    value_nights: float = VALUE_NIGHTS,
    closes_in: dict | None = None,
    time_limit: float = 10.0,
    stays: bool = True,
    typical_nights: float | None = None,
    unknown_nights: float | None = None,
) -> Result:
    """Today's proposals that do best on average over the sampled `futures` (see the module).

    `upcoming`: offers freeing up within the horizon; `closes_in`: offer id -> days until it
    stops receiving. `weights`: "priority" (the matcher's: people, vulnerability, nights) or
    "people" (or a function of the household). `stays`: when some households have an expected
    stay (`NeedRow.expected_nights`), a placement's value is per night of the place it holds
    (the stay, or until the offer closes), relative to `typical_nights` (default: the median
    expected stay known); those without an estimate count `unknown_nights` (default: the
    typical stay). With no future given, this is a one-day match by the same values.
    """
    if not callable(weights) and weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}")
    started = time.perf_counter()
    closes_in = closes_in or {}
    today = [o for o in offers if o.available and o.vetted and o.beds > 0]
    if not needs or not today:
        return _result(needs, today, [], started, True, {"method": "nothing to place"})
    futures = [list(f) for f in futures] or [[]]
    slots = today + [u.offer for u in upcoming]
    free_day = np.array([0] * len(today) + [max(1, u.in_days) for u in upcoming])
    closes = np.array([closes_in.get(o.id, 10**6) for o in slots])
    areas: dict = {}
    langs: dict = {}
    o_cols = _offer_columns(slots, areas, langs)
    n_today = len(today)
    K = len(futures)

    def worth(rows: Sequence[NeedRow]) -> np.ndarray:
        if callable(weights):
            return np.array([float(weights(n)) for n in rows])
        if weights == "people":
            return np.array([float(n.size) for n in rows])
        return np.array([priority(n) for n in rows])

    def pairs(rows: Sequence[NeedRow]) -> tuple[np.ndarray, np.ndarray, dict]:
        cols = _need_columns(rows, areas, langs)
        ok = np.array(safeguarding.passes(_as_rows(cols), _as_cols(o_cols)))
        ok[refused_pairs(rows, slots)] = False
        r, c = np.nonzero(ok)
        return r, c, cols

    known = [n.expected_nights for n in needs if n.expected_nights is not None]
    known += [n.expected_nights for f in futures for _, n in f if n.expected_nights is not None]
    use_stays = stays and bool(known)
    typical = float(typical_nights or (np.median(known) if known else VALUE_NIGHTS))
    unknown = float(unknown_nights or typical)

    def per_night_held(rows: Sequence[NeedRow], r: np.ndarray, c: np.ndarray) -> np.ndarray:
        # Smith's rule: nights saved per night of the place held, so a short stay that frees
        # the place for the next household weighs more (docs/shelter.md, "Expected stays").
        if not use_stays:
            return np.ones(len(r))
        expected = np.array(
            [unknown if n.expected_nights is None else n.expected_nights for n in rows], float
        )
        held = np.minimum(expected[r], np.maximum(closes[c], 1))
        return typical / np.maximum(held, MIN_HELD)

    real_r, real_c, real_cols = pairs(needs)
    if len(real_r) * (K + 1) + sum(len(f) for f in futures) * len(slots) > MAX_VARIABLES:
        # Too large for a daily stochastic model: the one-day matcher, which scales.
        result = match(needs, offers, time_limit=time_limit)
        result.stats = {**result.stats, "policy": "one-day matcher (model too large)"}
        return result
    w_real = worth(needs)
    f_real = per_night_held(needs, real_r, real_c)
    soft_real = real_cols["size"][real_r] * (
        SHARED_LANGUAGE * _shares_language(real_cols["lang"][real_r], o_cols["lang"][real_c])
        + SAME_AREA * (real_cols["area"][real_r] == o_cols["area"][real_c])
    )

    # Columns: x (today, real households, offers free today), then for each future: y (real
    # households) and z (likely arrivals). Gains are maximised; milp minimises their negative.
    blocks_gain, blocks_need, blocks_slot, blocks_size, blocks_row_of = [], [], [], [], []
    today_pair = real_c < n_today
    x_r, x_c = real_r[today_pair], real_c[today_pair]
    blocks_gain.append(
        w_real[x_r] * f_real[today_pair] * value_nights + soft_real[today_pair] / value_nights
    )
    blocks_need.append(x_r)
    blocks_slot.append(x_c)
    blocks_size.append(real_cols["size"][x_r])
    blocks_row_of.append(("x", None))
    n_x = len(x_r)
    if n_x == 0:  # no waiting household passes every rule with an offer free today
        return _result(needs, today, [], started, True, {"method": "no pair passes the rules"})
    for s, future in enumerate(futures):
        start = np.maximum(1, free_day[real_c])
        keep = start < np.minimum(closes[real_c], value_nights)
        yr, yc = real_r[keep], real_c[keep]
        blocks_gain.append(w_real[yr] * f_real[keep] * (value_nights - start[keep]) / K)
        blocks_need.append(yr)
        blocks_slot.append(yc)
        blocks_size.append(real_cols["size"][yr])
        blocks_row_of.append(("y", s))
        if future:
            likely = [n for _, n in future]
            arrive = np.array([d for d, _ in future])
            gr, gc, g_cols = pairs(likely)
            start = np.maximum(arrive[gr], free_day[gc])
            keep = start < np.minimum(closes[gc], value_nights)
            f_likely = per_night_held(likely, gr, gc)[keep]
            gr, gc = gr[keep], gc[keep]
            blocks_gain.append(worth(likely)[gr] * f_likely * (value_nights - start[keep]) / K)
            blocks_need.append(gr)
            blocks_slot.append(gc)
            blocks_size.append(g_cols["size"][gr])
            blocks_row_of.append(("z", s))
    gain = np.concatenate(blocks_gain)
    n_var = len(gain)
    # Rows: each real household once per future (today's x counted in every future); each
    # likely household once; each offer's households and beds per future.
    rows, cols, vals, upper = [], [], [], []
    row = 0
    R, S = len(needs), len(slots)
    offset = 0
    x_cols = np.arange(n_x)
    offsets = []
    for b in blocks_need:
        offsets.append(offset)
        offset += len(b)
    for s in range(K):
        real_row = row
        row += R
        slot_hh = row
        row += S
        slot_beds = row
        row += S
        for (kind, fs), need_idx, slot_idx, size, off in zip(
            blocks_row_of, blocks_need, blocks_slot, blocks_size, offsets, strict=True
        ):
            if kind == "x" or fs == s:
                idx = off + np.arange(len(need_idx))
                if kind == "z":
                    # Each likely household once, in its own rows.
                    z_rows = row + need_idx
                    rows.append(z_rows)
                    cols.append(idx)
                    vals.append(np.ones(len(idx)))
                else:
                    rows.append(real_row + need_idx)
                    cols.append(idx)
                    vals.append(np.ones(len(idx)))
                rows += [slot_hh + slot_idx, slot_beds + slot_idx]
                cols += [idx, idx]
                vals += [np.ones(len(idx)), size.astype(float)]
        upper += [np.ones(R), o_cols_households(slots), o_cols["beds"].astype(float)]
        n_likely = len(futures[s])
        upper.append(np.ones(n_likely))
        row += n_likely
    matrix = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(row, n_var)
    )
    integrality = np.zeros(n_var)
    integrality[x_cols] = 1
    solved = milp(
        -gain,
        constraints=LinearConstraint(matrix, -np.inf, np.concatenate(upper)),
        integrality=integrality,
        bounds=Bounds(np.zeros(n_var), np.ones(n_var)),
        options={"time_limit": time_limit, "mip_rel_gap": 1e-4, "disp": False},
    )
    stats = {
        "method": "HiGHS, sample average over likely arrivals",
        "policy": "dynamic",
        "futures": K,
        "expected_stays": use_stays,
        "variables": n_var,
        "message": solved.message,
    }
    if solved.x is None:
        result = match(needs, offers, time_limit=time_limit)
        result.stats = {**result.stats, "policy": "one-day matcher (no dynamic solution)"}
        return result
    chosen = np.nonzero(np.round(solved.x[:n_x]) > 0)[0]
    placed = [(int(x_r[k]), int(x_c[k])) for k in chosen]
    stats["objective"] = -float(solved.fun)
    # The score is the matcher's (priority and preferences); the model's own bound is on its
    # objective (nights saved over the futures), so it is kept in the stats, not as `bound`.
    dual = getattr(solved, "mip_dual_bound", None)
    stats["objective_bound"] = -float(solved.fun if dual is None else dual)
    stay = {"typical": round(typical)} if use_stays else None
    return _result(needs, today, placed, started, solved.status == 0, stats, areas, langs, stay)


def o_cols_households(slots: Sequence[OfferRow]) -> np.ndarray:
    """How many households each offer still takes."""
    return np.array([float(o.max_households) for o in slots])


def _result(needs, offers, placed, started, proven, stats, areas=None, langs=None, stay=None):
    """Proposals with their parts (and, when the stays weighed, each household's expected
    stay beside the `stay` given); anyone not proposed is explained as `match` explains."""
    proposals = []
    housed = set()
    for i, j in placed:
        n, o = needs[i], offers[j]
        parts = priority_parts(n)
        parts["language"] = SHARED_LANGUAGE * n.size * bool(set(n.languages) & set(o.languages))
        parts["area"] = SAME_AREA * n.size * (n.area == o.area)
        proposals.append(
            Proposal(
                n.id,
                o.id,
                round(sum(parts.values()), 3),
                parts,
                stay={**stay, "expected": n.expected_nights} if stay else None,
            )
        )
        housed.add(i)
    unhoused: dict = {}
    if needs:
        areas, langs = areas if areas is not None else {}, langs if langs is not None else {}
        cols_n = _need_columns(needs, areas, langs)
        blocked = np.ones(len(needs), dtype=bool)
        if offers:
            o_cols = _offer_columns(offers, areas, langs)
            by_rules = safeguarding.passes(_as_rows(cols_n), _as_cols(o_cols))
            allowed = np.array(by_rules)
            allowed[refused_pairs(needs, offers)] = False
            blocked = ~allowed.any(axis=1)
        for i, n in enumerate(needs):
            if i in housed:
                continue
            if blocked[i] and offers:
                unhoused[n.id] = explain_blocked(
                    by_rules[i : i + 1], np.array([i]), cols_n, o_cols
                )[0]
            elif blocked[i]:
                unhoused[n.id] = ["whole_household_fits"]
            else:
                shortage = safeguarding.SHORTAGE_STAYS_WEIGHED if stay else safeguarding.SHORTAGE
                unhoused[n.id] = [shortage]
    score = float(sum(p.score for p in proposals))
    return Result(
        proposals=proposals,
        unhoused=unhoused,
        people_housed=sum(needs[i].size for i in housed),
        score=score,
        bound=score,
        proven_optimal=proven,
        seconds=time.perf_counter() - started,
        variables=stats.get("variables", 0),
        stats=stats,
    )
