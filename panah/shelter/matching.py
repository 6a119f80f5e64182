"""The matcher: every current need against every current offer at once, solved by HiGHS.

Formulation (docs/shelter.md has the long version). Households that are identical for every
rule and preference (same composition, flags, area, languages) form a *need type*; host offers
that are identical form an *offer type* with a count, while each collective shelter stays its
own type because several households share its beds. Within a need type the households differ
only by priority, so whichever k of them are housed, the best k are. The model is then

    maximise  sum_t sum_j w[t, j] y[t, j] + sum_(t,u) s[t, u] x[t, u]
    s.t.      sum_u x[t, u] = sum_j y[t, j]               for every need type t
              sum_t x[t, u] <= count[u]                   for every host offer type u
              sum_t size[t] x[t, c] <= beds[c]            for every collective shelter c
              sum_t x[t, c] <= households[c]
              x integer >= 0, 0 <= y <= 1, x[t, u] only where every safeguarding rule passes

with w[t, j] the j-th highest priority in type t (sorted, so the LP fills them in order) and
s the soft preferences. The host part is a transportation problem (integral by itself); only
the collective shelters' bed budgets make it a packing problem, and those are few. HiGHS
(through SciPy) solves the linear relaxation first, which gives the bound every run reports,
then the integer model within a time limit; the gap to the bound is reported, never hidden.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from . import safeguarding

# Priority of a household = its people x (PER_PERSON + vulnerability + nights without shelter).
PER_PERSON = 10.0
PER_VULNERABILITY = 2.0
MAX_VULNERABILITIES = 3
NIGHTS_WEIGHT = 4.0
NIGHTS_CAP = 180
# Soft preferences, per person.
SHARED_LANGUAGE = 1.0
SAME_AREA = 1.0
# Up to this many (need type, offer type) pairs the integer model goes to HiGHS and is proven
# optimal; beyond, min-cost flows with Lagrange multipliers on the collective shelters' beds.
EXACT_VARIABLES = 30_000
# Flow costs are integers: values are scaled by this much (priorities have three decimals).
SCALE = 1000
# Priced flows tried at most (each is one or two flows); the gap is reported either way.
LAGRANGE_ROUNDS = 6


@dataclass
class NeedRow:
    """What the matcher knows about one household (no names, no addresses)."""

    id: object
    women: int
    men: int
    children: int
    area: str
    unaccompanied: bool = False
    alert: bool = False
    accessible: bool = False
    area_required: bool = False
    languages: Sequence[str] = ()
    vulnerabilities: int = 0
    nights: int = 0
    # Nights they are expected to need a place, when a coordinator knows (e.g. until a Fedasil
    # invitation); None when no one does. Only the dynamic policy reads it.
    expected_nights: int | None = None
    # Offers this household refused: never proposed to them again by a run (free choice; a
    # coordinator may still propose one by hand). Their priority is untouched.
    refused: frozenset = frozenset()

    @property
    def size(self) -> int:
        return self.women + self.men + self.children


@dataclass
class OfferRow:
    """What the matcher knows about one offer, on the day it matches for."""

    id: object
    beds: int
    area: str
    max_households: int = 1
    max_men: int = 99
    host_single_man: bool = False
    accepts_families: bool = True
    accepts_women_children: bool = True
    accepts_single_men: bool = True
    accepts_single_women: bool = True
    accepts_minors: bool = False
    accessible: bool = False
    cleared: bool = False
    shares: bool = False
    languages: Sequence[str] = ()
    vetted: bool = True
    available: bool = True


def priority_parts(need: NeedRow) -> dict[str, float]:
    """The parts of a household's priority: per person, vulnerability, nights without shelter."""
    size = need.size
    return {
        "people": PER_PERSON * size,
        "vulnerability": PER_VULNERABILITY * min(need.vulnerabilities, MAX_VULNERABILITIES) * size,
        "nights": round(NIGHTS_WEIGHT * min(need.nights, NIGHTS_CAP) / NIGHTS_CAP * size, 3),
    }


def priority(need: NeedRow) -> float:
    """A household's priority: never lowered by a refusal (refusals are not an input)."""
    return sum(priority_parts(need).values())


@dataclass
class Proposal:
    need_id: object
    offer_id: object
    score: float
    parts: dict[str, float]
    # A dynamic run's view of the stay ({"expected": nights or None, "typical": nights}), which
    # weighs beside the score (panah.shelter.dynamic); None from the one-day matcher.
    stay: dict | None = None


@dataclass
class Result:
    """The matcher's answer, with what it proved and how long it took."""

    proposals: list[Proposal]
    unhoused: dict[object, list[str]]
    people_housed: int
    score: float
    bound: float
    proven_optimal: bool
    seconds: float
    need_types: int = 0
    offer_types: int = 0
    variables: int = 0
    stats: dict = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative distance of the score below the linear relaxation's bound."""
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.score) / self.bound)


_NEED_INT = ("size", "women", "men", "children", "area")
_NEED_BOOL = ("unaccompanied", "alert", "accessible", "area_required")
_OFFER_INT = ("beds", "max_men", "area")
_OFFER_BOOL = (
    "host_single_man", "accepts_families", "accepts_women_children", "accepts_single_men",
    "accepts_single_women", "accepts_minors", "accessible", "cleared", "shares", "vetted",
    "available",
)  # fmt: skip


def _codes(values: Sequence, table: dict) -> np.ndarray:
    return np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int64)


def _language_masks(rows, table: dict) -> np.ndarray:
    out = np.zeros(len(rows), dtype=np.int64)
    for i, row in enumerate(rows):
        mask = 0
        for code in row.languages:
            mask |= 1 << table.setdefault(code, len(table))
        out[i] = mask
    return out


def _need_columns(needs: Sequence[NeedRow], areas: dict, languages: dict) -> dict:
    return {
        "size": np.fromiter((n.size for n in needs), dtype=np.int64),
        "women": np.fromiter((n.women for n in needs), dtype=np.int64),
        "men": np.fromiter((n.men for n in needs), dtype=np.int64),
        "children": np.fromiter((n.children for n in needs), dtype=np.int64),
        "area": _codes([n.area for n in needs], areas),
        "lang": _language_masks(needs, languages),
        **{k: np.fromiter((getattr(n, k) for n in needs), dtype=bool) for k in _NEED_BOOL},
    }


def _offer_columns(offers: Sequence[OfferRow], areas: dict, languages: dict) -> dict:
    return {
        "beds": np.fromiter((o.beds for o in offers), dtype=np.int64),
        "max_men": np.fromiter((o.max_men for o in offers), dtype=np.int64),
        "area": _codes([o.area for o in offers], areas),
        "lang": _language_masks(offers, languages),
        "collective": np.fromiter((o.max_households > 1 for o in offers), dtype=bool),
        **{k: np.fromiter((getattr(o, k) for o in offers), dtype=bool) for k in _OFFER_BOOL},
    }


def _types(columns: dict, keys: Sequence[str], unique_rows: np.ndarray | None = None):
    """Group rows identical on `keys` (plus `unique_rows` ids, kept apart): representatives."""
    stacked = np.stack([columns[k].astype(np.int64) for k in keys], axis=1)
    if unique_rows is not None:
        stacked = np.concatenate([stacked, unique_rows[:, None]], axis=1)
    reps, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    rep_columns = {k: v[first] for k, v in columns.items()}
    return rep_columns, inverse.ravel(), len(reps)


def _as_rows(columns: dict) -> dict:
    return {k: v[:, None] for k, v in columns.items()}


def _as_cols(columns: dict) -> dict:
    return {k: v[None, :] for k, v in columns.items()}


def _shares_language(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a & b) != 0


def refused_pairs(
    needs: Sequence[NeedRow], offers: Sequence[OfferRow]
) -> tuple[np.ndarray, np.ndarray]:
    """(need index, offer index) of the pairs a household refused, not to be proposed again."""
    found: list[tuple[int, int]] = []
    if any(n.refused for n in needs):
        index = {o.id: j for j, o in enumerate(offers)}
        found = [
            (i, index[o]) for i, n in enumerate(needs) for o in n.refused if o in index
        ]  # fmt: skip
    rows, cols = zip(*found, strict=True) if found else ((), ())
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


def explain_blocked(
    rows_by_rules: np.ndarray, which: np.ndarray, n: dict, o: dict
) -> list[list[str]]:
    """For households with no offer left (rows `which` of the columns `n`): the rules in their
    way, or that they refused every offer the rules allow. `rows_by_rules`: their rows of the
    rules' matrix against the offers `o`."""
    refused_only = rows_by_rules.any(axis=1)
    out: list[list[str]] = [[safeguarding.REFUSED_PLACES] for _ in range(len(which))]
    ruled = np.nonzero(~refused_only)[0]
    if len(ruled):
        sub = {k: v[which[ruled]][:, None] for k, v in n.items()}
        for k, codes in zip(ruled, safeguarding.blockers_for(sub, _as_cols(o)), strict=True):
            out[k] = codes
    return out


def match(
    needs: Sequence[NeedRow], offers: Sequence[OfferRow], *, time_limit: float = 30.0
) -> Result:
    """Propose places for as many households as possible, by priority, under every rule."""
    started = time.perf_counter()
    if not needs:
        return Result([], {}, 0, 0.0, 0.0, True, 0.0)
    areas: dict = {}
    languages: dict = {}
    n_cols = _need_columns(needs, areas, languages)
    o_cols = _offer_columns(offers, areas, languages) if offers else None
    weights = np.array([priority(n) for n in needs])
    if o_cols is None:
        unhoused = {n.id: ["whole_household_fits"] for n in needs}
        return Result([], unhoused, 0, 0.0, 0.0, True, time.perf_counter() - started)

    need_keys = (*_NEED_INT, *_NEED_BOOL, "lang")
    offer_keys = (*_OFFER_INT, *_OFFER_BOOL, "lang", "collective")
    # Collective shelters stay one type each: their beds are shared by several households. A
    # household that refused an offer, and that offer, are kept apart too, so the refused pair
    # can be left out.
    refused_needs, refused_offers = refused_pairs(needs, offers)
    refusing = np.zeros(len(needs), dtype=bool)
    refusing[refused_needs] = True
    apart_offers = o_cols["collective"].copy()
    apart_offers[refused_offers] = True
    unique = np.where(apart_offers, np.arange(len(offers)), -1)
    unique_needs = np.where(refusing, np.arange(len(needs)), -1) if refusing.any() else None
    nt, need_type, n_types = _types(n_cols, need_keys, unique_needs)
    ot, offer_type, o_types = _types(o_cols, offer_keys, unique)
    type_count = np.bincount(offer_type, minlength=o_types)
    capacity_beds = np.zeros(o_types, dtype=np.int64)
    capacity_households = np.zeros(o_types, dtype=np.int64)
    for i, o in enumerate(offers):
        capacity_beds[offer_type[i]] = o.beds
        capacity_households[offer_type[i]] = o.max_households

    by_rules = safeguarding.passes(_as_rows(nt), _as_cols(ot))
    ok = by_rules
    apart = np.zeros(n_types, dtype=bool)
    if refusing.any():
        ok = np.array(by_rules)
        ok[need_type[refused_needs], offer_type[refused_offers]] = False
        apart[need_type[refused_needs]] = True
    rows, cols = np.nonzero(ok)
    size_t = nt["size"]
    soft = size_t[rows] * (
        SHARED_LANGUAGE * _shares_language(nt["lang"][rows], ot["lang"][cols])
        + SAME_AREA * (nt["area"][rows] == ot["area"][cols])
    )

    # The priority ladder of each need type: its households, best first.
    members: list[list[int]] = [[] for _ in range(n_types)]
    for i in np.argsort(-weights, kind="stable"):
        members[need_type[i]].append(int(i))
    ladder_type = np.concatenate([np.full(len(m), t) for t, m in enumerate(members)])
    ladder_need = np.concatenate([np.array(m, dtype=np.int64) for m in members])
    household_limit = np.where(ot["collective"], capacity_households, type_count)
    model = _Model(
        rows=rows, cols=cols, soft=soft.astype(float), size=size_t,
        ladder_type=ladder_type, ladder_weight=weights[ladder_need],
        household_limit=household_limit, collective=ot["collective"], beds=capacity_beds,
        n_types=n_types, apart=apart,
    )  # fmt: skip
    if len(rows) <= EXACT_VARIABLES:
        triples, bound, proven = model.solve_exact(time_limit)
    else:
        triples, bound, proven = model.solve_network(nt, ot, started + time_limit)

    # Back from types to households and offers: the best k of each need type are housed.
    pools: dict[int, list[int]] = defaultdict(list)
    for i in range(len(offers) - 1, -1, -1):
        pools[int(offer_type[i])].append(i)
    taken = np.zeros(n_types, dtype=np.int64)
    proposals: list[Proposal] = []
    housed = np.zeros(len(needs), dtype=bool)
    for t, u, count in triples:
        for _ in range(count):
            i = members[t][taken[t]]
            taken[t] += 1
            # A collective shelter is one offer that stays in its pool; a host offer is used up.
            j = pools[u][-1] if ot["collective"][u] else pools[u].pop()
            parts = priority_parts(needs[i])
            shared = bool(_shares_language(n_cols["lang"][i], o_cols["lang"][j]))
            same_area = bool(n_cols["area"][i] == o_cols["area"][j])
            parts["language"] = SHARED_LANGUAGE * needs[i].size * shared
            parts["area"] = SAME_AREA * needs[i].size * same_area
            proposals.append(
                Proposal(needs[i].id, offers[j].id, round(sum(parts.values()), 3), parts)
            )
            housed[i] = True

    _fill_spare_places(needs, offers, weights, housed, need_type, offer_type, ok, proposals,
                       n_cols, o_cols)  # fmt: skip
    unhoused = _explain_unhoused(needs, housed, need_type, nt, ot, ok, by_rules)
    score = float(sum(p.score for p in proposals))
    return Result(
        proposals=proposals,
        unhoused=unhoused,
        people_housed=int(sum(needs[i].size for i in np.nonzero(housed)[0])),
        score=score,
        bound=max(bound, score),
        proven_optimal=proven,
        seconds=time.perf_counter() - started,
        need_types=n_types,
        offer_types=o_types,
        variables=len(rows) + len(ladder_type),
        stats=model.stats,
    )


def _fill_spare_places(
    needs, offers, weights, housed, need_type, offer_type, ok, proposals, n_cols, o_cols
) -> None:
    """Give places left over (beds a shelter's repair freed, unused offers) to those left out.

    Highest priority first, into any offer every rule allows that still has room.
    """
    beds_left = np.array([o.beds for o in offers], dtype=np.int64)
    slots_left = np.array([o.max_households for o in offers], dtype=np.int64)
    index = {o.id: j for j, o in enumerate(offers)}
    position = {n.id: i for i, n in enumerate(needs)}
    size = n_cols["size"]
    for p in proposals:
        j = index[p.offer_id]
        slots_left[j] -= 1
        beds_left[j] -= size[position[p.need_id]]
    room = slots_left > 0
    if not room.any():
        return
    for i in np.argsort(-weights, kind="stable"):
        if housed[i]:
            continue
        candidates = np.nonzero(room & ok[need_type[i]][offer_type] & (beds_left >= size[i]))[0]
        if not len(candidates):
            continue
        j = int(candidates[0])
        parts = priority_parts(needs[i])
        parts["language"] = (
            SHARED_LANGUAGE
            * needs[i].size
            * bool(_shares_language(n_cols["lang"][i], o_cols["lang"][j]))
        )
        parts["area"] = SAME_AREA * needs[i].size * bool(n_cols["area"][i] == o_cols["area"][j])
        proposals.append(Proposal(needs[i].id, offers[j].id, round(sum(parts.values()), 3), parts))
        housed[i] = True
        slots_left[j] -= 1
        beds_left[j] -= size[i]
        room[j] = slots_left[j] > 0


def _explain_unhoused(needs, housed, need_type, nt, ot, ok, by_rules) -> dict[object, list[str]]:
    """For each household left out: the rules that block every offer, that they refused every
    offer left, or a shortage."""
    no_offer = np.nonzero(~ok.any(axis=1))[0]
    reasons: dict[int, list[str]] = {}
    if len(no_offer):
        explained = explain_blocked(by_rules[no_offer], no_offer, nt, ot)
        for t, codes in zip(no_offer, explained, strict=True):
            reasons[int(t)] = codes
    return {
        needs[i].id: reasons.get(int(need_type[i]), [safeguarding.SHORTAGE])
        for i in np.nonzero(~housed)[0]
    }


@dataclass
class _Model:
    """The aggregated model: pairs (need type `rows`, offer type `cols`) and the ladders."""

    rows: np.ndarray
    cols: np.ndarray
    soft: np.ndarray
    size: np.ndarray
    ladder_type: np.ndarray
    ladder_weight: np.ndarray
    household_limit: np.ndarray
    collective: np.ndarray
    beds: np.ndarray
    n_types: int
    # Need types of a household that refused an offer: only their own pairs, no shared hubs.
    apart: np.ndarray | None = None
    stats: dict = field(default_factory=dict)

    def solve_exact(self, time_limit: float) -> tuple[np.ndarray, float, bool]:
        """HiGHS on the integer model; the linear relaxation is solved first for the bound."""
        n_x, n_y = len(self.rows), len(self.ladder_type)
        o_types = len(self.household_limit)
        cost = -np.concatenate([self.soft, self.ladder_weight])
        balance = sparse.csr_matrix(
            (
                np.concatenate([np.ones(n_x), -np.ones(n_y)]),
                (np.concatenate([self.rows, self.ladder_type]), np.arange(n_x + n_y)),
            ),
            shape=(self.n_types, n_x + n_y),
        )
        households = sparse.csr_matrix(
            (np.ones(n_x), (self.cols, np.arange(n_x))), shape=(o_types, n_x + n_y)
        )
        collective_types = np.nonzero(self.collective)[0]
        index_of = np.full(o_types, -1)
        index_of[collective_types] = np.arange(len(collective_types))
        inside = index_of[self.cols] >= 0
        beds = sparse.csr_matrix(
            (
                self.size[self.rows][inside].astype(float),
                (index_of[self.cols][inside], np.arange(n_x)[inside]),
            ),
            shape=(len(collective_types), n_x + n_y),
        )
        limits = sparse.vstack([households, beds]).tocsr()
        upper = np.concatenate([self.household_limit, self.beds[collective_types]]).astype(float)
        var_upper = np.concatenate([np.full(n_x, np.inf), np.ones(n_y)])
        started = time.perf_counter()
        relaxation = linprog(
            cost, A_ub=limits, b_ub=upper, A_eq=balance, b_eq=np.zeros(self.n_types),
            bounds=np.stack([np.zeros(n_x + n_y), var_upper], axis=1), method="highs",
        )  # fmt: skip
        bound = -float(relaxation.fun) if relaxation.status == 0 else float("inf")
        remaining = max(1.0, time_limit - (time.perf_counter() - started))
        solved = milp(
            cost,
            constraints=[
                LinearConstraint(balance, 0, 0),
                LinearConstraint(limits, 0, upper),
            ],
            integrality=np.concatenate([np.ones(n_x), np.zeros(n_y)]),
            bounds=Bounds(np.zeros(n_x + n_y), var_upper),
            options={"time_limit": remaining, "mip_rel_gap": 1e-6, "disp": False},
        )
        self.stats = {"method": "HiGHS integer model", "message": solved.message}
        if solved.x is None:
            return [], bound, False
        x = np.round(solved.x[:n_x]).astype(np.int64)
        triples = [(int(self.rows[k]), int(self.cols[k]), int(x[k])) for k in np.nonzero(x)[0]]
        return triples, max(bound, -float(solved.fun)), solved.status == 0

    def solve_network(self, nt: dict, ot: dict, deadline: float) -> tuple[list, float, bool]:
        """Min-cost flows with a price on each collective shelter's beds (subgradient steps).

        Every priced flow gives an upper bound (value + sum of prices x beds), no lower than
        the linear relaxation's; the best is reported. The households a priced flow put in an
        over-full shelter are taken out, the shelters' allocations are then fixed and a last
        flow places everyone else optimally.
        """
        network = _Network(self, nt, ot)
        o_types = len(self.household_limit)
        price = np.zeros(o_types)
        best_bound, best_value, best_flows = float("inf"), -1.0, None
        collective = self.collective
        beds = self.beds.astype(float)
        step_scale = 1.0
        iterations = 0
        for iterations in range(1, LAGRANGE_ROUNDS + 1):  # noqa: B007 (reported below)
            value, flows = network.solve(price)
            used = network.beds_used(flows)
            bound = value - float(price[collective] @ (used[collective] - beds[collective]))
            best_bound = min(best_bound, bound)
            if np.any(collective & (used > beds)):
                fixed = network.repaired_capacities(flows)
                value, flows = network.solve(np.zeros(o_types), fixed)
            if value > best_value:
                best_value, best_flows = value, flows
            gradient = np.where(collective, used - beds, 0.0)
            # Projected step: a shelter with spare beds and no price stays at zero.
            gradient = np.where((collective & (price > 0)) | (gradient > 0), gradient, 0.0)
            norm = float(gradient @ gradient)
            if norm == 0 or best_bound - best_value <= 2.5e-3 * best_bound:
                break
            if time.perf_counter() > deadline:
                break
            step = step_scale * (best_bound - best_value) / norm
            price = np.maximum(0.0, price + step * gradient)
            step_scale *= 0.8
        self.stats = {
            "method": "min-cost flows with prices on collective beds",
            "iterations": iterations,
            "arcs": network.arc_count,
        }
        proven = best_bound - best_value <= 1e-6 * max(1.0, best_bound)
        return network.pairs(best_flows), max(best_bound, best_value), proven


class _Network:
    """The flow network: source -> ladder -> need type -> offer type -> sink.

    Cross-area placements go through hubs so the arcs do not multiply: a need type that may
    leave its area also reaches its *need group* (the same type without the area), which
    reaches the *offer groups* (offer types without the area) it passes every rule with, which
    reach their offer types. Only the area rule looks at the area and only the area preference
    scores it, so a path through the hubs is exactly a placement in another area; a path that
    lands back in the same area scores less than the direct arc and is never preferred.
    Collective shelters are reached directly from need groups (their beds are priced by size).
    """

    def __init__(self, model: _Model, nt: dict, ot: dict) -> None:
        self.model = model
        same_area = nt["area"][model.rows] == ot["area"][model.cols]
        apart = model.apart if model.apart is not None else np.zeros(model.n_types, dtype=bool)
        # A household that refused an offer reaches its other offers directly, every area
        # included: through the hubs it would reach the refused one too.
        direct = np.nonzero(same_area | apart[model.rows])[0]
        free = ~nt["area_required"] & ~apart
        # Need groups: need types without the area (only those free to move).
        keys = [k for k in (*_NEED_INT, *_NEED_BOOL, "lang") if k != "area"]
        free_types = np.nonzero(free)[0]
        group_cols, group_of_free, n_groups = _types(
            {k: v[free_types] for k, v in nt.items()}, keys
        )
        need_group = np.full(model.n_types, -1)
        need_group[free_types] = group_of_free
        # Offer groups: host offer types without the area; collectives stay apart.
        host = ~model.collective
        okeys = [k for k in (*_OFFER_INT, *_OFFER_BOOL, "lang", "collective") if k != "area"]
        host_types = np.nonzero(host)[0]
        offer_group_cols, group_of_host, n_offer_groups = _types(
            {k: v[host_types] for k, v in ot.items()}, okeys
        )
        offer_group = np.full(len(host), -1)
        offer_group[host_types] = group_of_host
        collective_types = np.nonzero(model.collective)[0]
        # Group pairs pass every rule except the area one (the groups have no area).
        ignore_area = {**group_cols, "area_required": np.zeros(n_groups, dtype=bool)}
        ok_hosts = safeguarding.passes(_as_rows(ignore_area), _as_cols(offer_group_cols))
        gh_rows, gh_cols = np.nonzero(ok_hosts)
        coll_cols = {k: v[collective_types] for k, v in ot.items()}
        ok_coll = safeguarding.passes(_as_rows(ignore_area), _as_cols(coll_cols))
        gc_rows, gc_idx = np.nonzero(ok_coll)
        gc_cols = collective_types[gc_idx]
        group_size = group_cols["size"]
        shares = (
            SHARED_LANGUAGE
            * group_size[gh_rows]
            * _shares_language(group_cols["lang"][gh_rows], offer_group_cols["lang"][gh_cols])
        )
        shares_c = (
            SHARED_LANGUAGE
            * group_size[gc_rows]
            * _shares_language(group_cols["lang"][gc_rows], ot["lang"][gc_cols])
        )

        n_y, o_types = len(model.ladder_type), len(model.household_limit)
        self.source, self.sink = 0, 1
        self.t0 = 2
        self.g0 = self.t0 + model.n_types
        self.h0 = self.g0 + n_groups
        self.u0 = self.h0 + n_offer_groups
        self.n_nodes = self.u0 + o_types
        big = n_y
        parts = [
            # (name, tails, heads, capacity, value, size of the households on it)
            ("ladder", np.full(n_y, self.source), self.t0 + model.ladder_type, np.ones(n_y),
             model.ladder_weight, np.zeros(n_y)),
            ("bypass", [self.source], [self.sink], [big], [0.0], [0]),
            ("direct", self.t0 + model.rows[direct], self.u0 + model.cols[direct],
             np.full(len(direct), big), model.soft[direct], model.size[model.rows[direct]]),
            ("to_group", self.t0 + free_types, self.g0 + group_of_free,
             np.full(len(free_types), big), np.zeros(len(free_types)), nt["size"][free_types]),
            ("group_host", self.g0 + gh_rows, self.h0 + gh_cols, np.full(len(gh_rows), big),
             shares, np.zeros(len(gh_rows))),
            ("group_collective", self.g0 + gc_rows, self.u0 + gc_cols,
             np.full(len(gc_rows), big), shares_c, group_size[gc_rows]),
            ("host_group", self.h0 + group_of_host, self.u0 + host_types,
             np.full(len(host_types), big), np.zeros(len(host_types)),
             np.zeros(len(host_types))),
            ("offer", self.u0 + np.arange(o_types), np.full(o_types, self.sink),
             model.household_limit, np.zeros(o_types), np.zeros(o_types)),
        ]  # fmt: skip
        self.slices = {}
        offset = 0
        for name, tails, _heads, *_ in parts:
            self.slices[name] = slice(offset, offset + len(tails))
            offset += len(tails)
        self.tails = np.concatenate([np.asarray(p[1]) for p in parts]).astype(np.int32)
        self.heads = np.concatenate([np.asarray(p[2]) for p in parts]).astype(np.int32)
        self.caps = np.concatenate([np.asarray(p[3]) for p in parts]).astype(np.int64)
        self.values = np.concatenate([np.asarray(p[4], dtype=float) for p in parts])
        self.sizes = np.concatenate([np.asarray(p[5], dtype=np.int64) for p in parts])
        self.arc_count = len(self.tails)
        # Which collective shelter (offer type) each arc fills, or -1.
        self.fills = np.full(self.arc_count, -1)
        for name in ("direct", "group_collective"):
            sl = self.slices[name]
            target = self.heads[sl] - self.u0
            self.fills[sl] = np.where(model.collective[target], target, -1)
        self.supplies = np.zeros(self.n_nodes, dtype=np.int64)
        self.supplies[self.source], self.supplies[self.sink] = big, -big
        self.direct = direct
        self.need_group = need_group
        self.free_types = free_types
        self.group_of_host = group_of_host
        self.host_types = host_types
        self.gc_cols = gc_cols

    def solve(self, price: np.ndarray, caps: np.ndarray | None = None):
        """The best flow with beds priced; returns (value without prices, arc flows)."""
        penalty = np.where(self.fills >= 0, price[np.maximum(self.fills, 0)], 0.0) * self.sizes
        costs = np.round((penalty - self.values) * SCALE).astype(np.int64)
        solver = min_cost_flow.SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(
            self.tails, self.heads, self.caps if caps is None else caps, costs
        )
        solver.set_nodes_supplies(np.arange(self.n_nodes, dtype=np.int32), self.supplies)
        if solver.solve() != solver.OPTIMAL:
            raise RuntimeError("the min-cost flow found no optimum")
        flows = np.asarray(solver.flows(np.arange(self.arc_count, dtype=np.int32)))
        return float(flows @ self.values), flows.astype(np.int64)

    def beds_used(self, flows: np.ndarray) -> np.ndarray:
        """Beds each collective shelter (offer type) would fill under `flows`."""
        filling = self.fills >= 0
        return np.bincount(
            self.fills[filling],
            weights=(flows * self.sizes)[filling],
            minlength=len(self.model.beds),
        )

    def repaired_capacities(self, flows: np.ndarray) -> np.ndarray:
        """Arc capacities that keep collective shelters within their beds.

        Households are taken out of an over-full shelter the least valuable per bed first; the
        arcs into every shelter are then capped at what stays, so the next flow keeps them.
        """
        model = self.model
        flows = flows.copy()
        used = self.beds_used(flows)
        ladder = flows[self.slices["ladder"]]
        housed = np.bincount(model.ladder_type, weights=ladder, minlength=model.n_types)
        starts = np.searchsorted(model.ladder_type, np.arange(model.n_types))
        last = np.clip(starts + housed.astype(np.int64) - 1, 0, len(model.ladder_weight) - 1)
        marginal = model.ladder_weight[last]
        for c in np.nonzero(model.collective & (used > model.beds))[0]:
            excess = used[c] - model.beds[c]
            arcs = np.nonzero((self.fills == c) & (flows > 0))[0]
            # The value of a household on the arc: its type's last housed (or its group's).
            per_bed = (self.values[arcs] + marginal.mean()) / np.maximum(self.sizes[arcs], 1)
            for k in arcs[np.argsort(per_bed)]:
                while flows[k] > 0 and excess > 0:
                    flows[k] -= 1
                    excess -= self.sizes[k]
                if excess <= 0:
                    break
        caps = self.caps.copy()
        filling = self.fills >= 0
        caps[filling] = flows[filling]
        return caps

    def pairs(self, flows: np.ndarray) -> list[tuple[int, int, int]]:
        """(need type, offer type, households) triples, the flows through hubs taken apart."""
        model = self.model
        result: dict[tuple[int, int], int] = defaultdict(int)
        d = flows[self.slices["direct"]]
        for k in np.nonzero(d)[0]:
            idx = self.direct[k]
            result[(int(model.rows[idx]), int(model.cols[idx]))] += int(d[k])
        # Units entering each need group, by need type.
        to_group = flows[self.slices["to_group"]]
        group_units: dict[int, list[int]] = defaultdict(list)
        for k in np.nonzero(to_group)[0]:
            t = int(self.free_types[k])
            group_units[int(self.need_group[t])].extend([t] * int(to_group[k]))
        # Units leaving each offer group, by offer type.
        hg = flows[self.slices["host_group"]]
        offer_slots: dict[int, list[int]] = defaultdict(list)
        for k in np.nonzero(hg)[0]:
            offer_slots[int(self.group_of_host[k])].extend([int(self.host_types[k])] * int(hg[k]))
        sl = self.slices["group_host"]
        gh = flows[sl]
        groups = self.tails[sl] - self.g0
        hubs = self.heads[sl] - self.h0
        for k in np.nonzero(gh)[0]:
            g, h = int(groups[k]), int(hubs[k])
            for _ in range(int(gh[k])):
                result[(group_units[g].pop(), offer_slots[h].pop())] += 1
        sl = self.slices["group_collective"]
        gc = flows[sl]
        groups = self.tails[sl] - self.g0
        for k in np.nonzero(gc)[0]:
            g, u = int(groups[k]), int(self.heads[sl][k] - self.u0)
            for _ in range(int(gc[k])):
                result[(group_units[g].pop(), u)] += 1
        return [(t, u, n) for (t, u), n in result.items()]
