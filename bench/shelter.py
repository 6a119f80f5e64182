"""Shelter matcher: speed, memory, people housed, score and safeguarding violations.

Usage: PYTHONPATH=. python -m bench.shelter [--sizes 1000,5000,20000] [--days 90]
       [--seeds 7,8,9,10,11] [--hindsight-seconds 180] [--world both|first|product]

For each size it generates that many households without a roof and as many offers, with
realistic constraints, then runs the optimal matcher (panah.shelter.matching) and a greedy
first-come-first-served baseline (what a spreadsheet does: the longest waiting household takes
the first offer that fits). Every assignment is checked by `violations` below, written from the
safeguarding policy in words, sharing no code or table with the matcher. The generator has its
own constants too. Then a 90-day simulation, for each world seed, compares greedy, the one-day
matcher run daily, the dynamic policy (panah.shelter.dynamic, priority weights) without and
with a noisy expected stay (what a coordinator knows: `ESTIMATE_SHARE`, `ESTIMATE_ERROR`), with
and without sampled arrivals (production: without, `dynamic.SAMPLE_ARRIVALS`), bid prices
from a 42-day linear program (bench/shelter_bidprice.py, an option tried, not production), and the hindsight optimum on nights without shelter, in people and weighted by vulnerability; the
hindsight optimum is an integer program that HiGHS solves in three steps (relaxation, a
schedule from the relaxation's stays and the policies', reduced-cost fixing) and either proves
optimal or brackets between its best schedule and a proven bound. A sensitivity line gives every household an estimate,
and a diagnostic line (a dynamic policy told every household's true stay) shows how much of the
gap is information no policy has on the day. Worlds 7 and 8 are those the policy was designed
on, 9 to 11 new to it, and 12 to 14 new to the choice of no sampled arrivals (made after 9 to
11). A summary of every world closes the printout. Each world is run twice (`--world`): as the
bench first modelled it (a stay counts from the placement and runs past the offer's close) and
by the product's rules (a need ends on its date, housed or not; a placement ends on the offer's
close and the guest may be placed again), each against its own hindsight optimum.

Nothing here is a test: it prints figures for docs/shelter.md.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc

from panah.shelter.matching import NeedRow, OfferRow, match

PROVINCES = ["bru", "ant", "gnt", "lge", "chr", "lvn", "brg", "nam", "has", "wav", "arl"]
PROVINCE_WEIGHTS = [30, 14, 10, 10, 8, 7, 6, 5, 4, 3, 3]


def generate(n: int, seed: int = 1) -> tuple[list[NeedRow], list[OfferRow]]:
    """`n` households and `n` offers, roughly as a Brussels association sees them in a crisis."""
    rng = random.Random(seed)
    needs = []
    for i in range(n):
        r = rng.random()
        if r < 0.55:  # single men: most of those refused reception in 2023-2024
            women, men, children = 0, 1, 0
        elif r < 0.65:
            women, men, children = 1, 0, 0
        elif r < 0.78:  # a mother with children
            women, men, children = 1, 0, rng.choice([1, 1, 2, 3])
        elif r < 0.95:  # a family
            women, men, children = 1, 1, rng.choice([0, 1, 2, 2, 3, 4])
        elif r < 0.98:  # two brothers, cousins
            women, men, children = 0, 2, 0
        else:  # an unaccompanied minor
            women, men, children = 0, 0, 1
        needs.append(
            NeedRow(
                id=i,
                women=women,
                men=men,
                children=children,
                unaccompanied=(women + men == 0),
                alert=rng.random() < 0.03,
                accessible=rng.random() < 0.04,
                area=rng.choices(PROVINCES, PROVINCE_WEIGHTS)[0],
                area_required=rng.random() < 0.25,
                languages=rng.choice([("fa",), ("fa", "en"), ("fa", "ku"), ("fa", "fr")]),
                vulnerabilities=rng.choices([0, 1, 2, 3], [60, 25, 10, 5])[0],
                nights=int(rng.expovariate(1 / 40)),
            )
        )
    offers = []
    for j in range(n):
        r = rng.random()
        area = rng.choices(PROVINCES, PROVINCE_WEIGHTS)[0]
        if r < 0.03:  # a collective shelter: 28-day stays, single men or a women's house
            women_only = rng.random() < 0.3
            offers.append(
                OfferRow(
                    id=j,
                    beds=rng.randint(15, 60),
                    area=area,
                    max_households=rng.randint(10, 40),
                    host_single_man=False,
                    accepts_families=False,
                    accepts_women_children=women_only,
                    accepts_single_men=not women_only,
                    accepts_single_women=women_only,
                    max_men=0 if women_only else 99,
                    accessible=rng.random() < 0.5,
                    cleared=False,
                    shares=rng.random() < 0.5,
                    languages=("fr", "nl", "en"),
                    vetted=True,
                    available=True,
                )  # fmt: skip
            )
            continue
        if r < 0.035:  # a minors' house
            offers.append(
                OfferRow(
                    id=j,
                    beds=rng.randint(4, 10),
                    area=area,
                    max_households=8,
                    accepts_families=False,
                    accepts_women_children=False,
                    accepts_single_men=False,
                    accepts_single_women=False,
                    accepts_minors=True,
                    max_men=0,
                    accessible=True,
                    cleared=True,
                    languages=("fr", "nl", "fa"),
                )  # fmt: skip
            )
            continue
        kind = rng.choices(["single_man", "single_woman", "couple", "family"], [20, 25, 30, 25])[0]
        beds = rng.choices([1, 2, 3, 4, 5], [50, 25, 13, 8, 4])[0]
        offers.append(
            OfferRow(
                id=j,
                beds=beds,
                area=area,
                host_single_man=kind == "single_man",
                accepts_families=beds >= 2 and rng.random() < 0.7,
                accepts_women_children=kind != "single_man" and rng.random() < 0.8,
                accepts_single_men=rng.random() < 0.6,
                accepts_single_women=rng.random() < 0.9,
                max_men=rng.choice([1, 1, 2, 99]),
                accessible=rng.random() < 0.15,
                cleared=rng.random() < 0.1,
                shares=False,
                languages=rng.choice([("fr",), ("nl",), ("fr", "en"), ("nl", "en"), ("fa", "fr")]),
                vetted=rng.random() < 0.92,
                available=rng.random() < 0.95,
            )
        )
    return needs, offers


def violations(needs, offers, pairs) -> list[str]:
    """Every safeguarding breach in `pairs` (need id, offer id), from the policy in words."""
    need = {n.id: n for n in needs}
    offer = {o.id: o for o in offers}
    problems = []
    used_beds: dict = {}
    used_households: dict = {}
    seen = set()
    for nid, oid in pairs:
        n, o = need[nid], offer[oid]
        people = n.women + n.men + n.children
        women_or_kids = n.women + n.children > 0
        if nid in seen:
            problems.append(f"{nid} placed twice")
        seen.add(nid)
        if not o.vetted:
            problems.append(f"{nid} with an unvetted host")
        if not o.available:
            problems.append(f"{nid} in a closed offer")
        if women_or_kids and o.host_single_man:
            problems.append(f"{nid}: women or children with a man alone")
        adults = n.women + n.men
        if adults == 0 and not o.accepts_minors:
            problems.append(f"{nid}: minor without guardian outside a minors' house")
        if adults > 0 and o.accepts_minors:
            problems.append(f"{nid}: adult in a minors' house")
        if n.alert and (not o.cleared or o.shares):
            problems.append(f"{nid}: safety alert with an uncleared host")
        if n.men > o.max_men:
            problems.append(f"{nid}: too many men")
        if n.accessible and not o.accessible:
            problems.append(f"{nid}: needs access")
        if n.area_required and n.area != o.area:
            problems.append(f"{nid}: outside the required area")
        if n.men and (n.women or n.children):
            allowed = o.accepts_families
        elif n.children and adults == 0:
            allowed = o.accepts_minors
        elif n.children:
            allowed = o.accepts_women_children
        elif n.men:
            allowed = o.accepts_single_men
        else:
            allowed = o.accepts_single_women
        if not allowed:
            problems.append(f"{nid}: the host does not receive this household")
        used_beds[oid] = used_beds.get(oid, 0) + people
        used_households[oid] = used_households.get(oid, 0) + 1
    for oid, b in used_beds.items():
        if b > offer[oid].beds:
            problems.append(f"offer {oid} over its beds")
        if used_households[oid] > offer[oid].max_households:
            problems.append(f"offer {oid} over its households")
    return problems


def greedy(needs, offers) -> list[tuple]:
    """First come, first served: the longest waiting takes the first offer that fits.

    The spreadsheet's check is written here from the policy in words (numpy over the offers, so
    20,000 rows take seconds), apart from the matcher's rule table.
    """
    import numpy as np

    def col(name, dtype=bool):
        return np.array([getattr(o, name) for o in offers], dtype=dtype)

    beds, households = col("beds", np.int64), col("max_households", np.int64)
    area = np.array([o.area for o in offers])
    single_man, minors_house = col("host_single_man"), col("accepts_minors")
    fams, wc, men_ok, women_ok = (
        col("accepts_families"), col("accepts_women_children"),
        col("accepts_single_men"), col("accepts_single_women"),
    )  # fmt: skip
    open_ok = col("vetted") & col("available")
    safe_for_alert = col("cleared") & ~col("shares")
    max_men, access = col("max_men", np.int64), col("accessible")
    pairs = []
    for n in sorted(needs, key=lambda n: -n.nights):
        people, adults = n.women + n.men + n.children, n.women + n.men
        if n.men and (n.women or n.children):
            kind_ok = fams
        elif adults == 0:
            kind_ok = minors_house
        elif n.children:
            kind_ok = wc
        elif n.men:
            kind_ok = men_ok
        else:
            kind_ok = women_ok
        fit = open_ok & kind_ok & (beds >= people) & (households > 0) & (max_men >= n.men)
        fit &= minors_house if adults == 0 else ~minors_house
        if n.women or n.children:
            fit &= ~single_man
        if n.alert:
            fit &= safe_for_alert
        if n.accessible:
            fit &= access
        if n.area_required:
            fit &= area == n.area
        found = np.flatnonzero(fit)
        if len(found):
            j = found[0]
            beds[j] -= people
            households[j] -= 1
            pairs.append((n.id, offers[j].id))
    return pairs


def score_of(needs, offers, pairs) -> tuple[int, float]:
    """People housed and the priority-weighted score, by the matcher's published weights."""
    from panah.shelter.matching import SAME_AREA, SHARED_LANGUAGE, priority

    need = {n.id: n for n in needs}
    offer = {o.id: o for o in offers}
    people = score = 0
    for nid, oid in pairs:
        n, o = need[nid], offer[oid]
        people += n.size
        score += priority(n)
        score += SHARED_LANGUAGE * n.size * bool(set(n.languages) & set(o.languages))
        score += SAME_AREA * n.size * (n.area == o.area)
    return people, score


def _measured(func):
    """(result, seconds, peak MB): timed on its own, then run again under tracemalloc."""
    started = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return result, seconds, peak


def run_static(sizes) -> None:
    print("Static matching: n households without a roof and n offers (bound: the priced-flow")
    print("upper bound, never below the linear relaxation's, so the gap is an overestimate)")
    print(f"{'size':>6} {'method':<8} {'seconds':>8} {'peak MB':>8} {'housed':>7} "
          f"{'score':>11} {'bound':>11} {'gap %':>6} {'proven':>6} {'violations':>10}")  # fmt: skip
    for n in sizes:
        needs, offers = generate(n)
        limit = 25.0 if n > 5000 else 4.5
        result, seconds, peak = _measured(lambda: match(needs, offers, time_limit=limit))  # noqa: B023
        pairs = [(p.need_id, p.offer_id) for p in result.proposals]
        people, score = score_of(needs, offers, pairs)
        bad = violations(needs, offers, pairs)
        print(f"{n:>6} {'optimal':<8} {seconds:>8.2f} {peak:>8.0f} {people:>7} {score:>11.1f} "
              f"{result.bound:>11.1f} {100 * result.gap:>6.2f} {str(result.proven_optimal):>6} "
              f"{len(bad):>10}")  # fmt: skip
        pairs, seconds, peak = _measured(lambda: greedy(needs, offers))  # noqa: B023
        people, score = score_of(needs, offers, pairs)
        bad = violations(needs, offers, pairs)
        print(f"{n:>6} {'greedy':<8} {seconds:>8.2f} {peak:>8.0f} {people:>7} {score:>11.1f} "
              f"{'':>11} {'':>6} {'':>6} {len(bad):>10}")  # fmt: skip
        print(f"{'':>6} (types: {result.need_types} needs x {result.offer_types} offers, "
              f"{result.variables} pair variables; {result.stats.get('method')})")  # fmt: skip


# --- the 90-day simulation ---------------------------------------------------------------------


def simulate(
    days: int, policy: str, world: dict, *, product_closes: bool = False,
    later: list | None = None, **options,
) -> tuple[int, dict, float]:  # fmt: skip
    """People-nights without shelter over `days` under `policy`, the schedule it made (household
    id -> (offer id, day)) and the vulnerability-weighted nights (`weighted_nights`).

    Policies: "greedy" (first come, first served), "matcher" (the one-day matcher each day) and
    "dynamic" / "dynamic-people" (panah.shelter.dynamic.propose_today with the matcher's
    priority weights / people only), and "estimate" / "estimate-people": the dynamic policy
    given the noisy expected stays of `world["estimates"]` (None where no one knows); "bid":
    bench.shelter_bidprice.propose_bid with the same estimates, every open offer with the
    planned ends of its stays, and the households of the last 90 days as likely arrivals. The
    dynamic policy sees what production sees: today's waiting households and free offers, the
    planned ends of current stays, the offers' closing dates, and the households that arrived so
    far (to sample likely arrivals from); never the future arrivals, stays or refusals. With an
    estimate, a stay's planned end is the estimate's (a caseworker's date), not the true end.
    `options` go to `propose_today`. A callable `policy(day, waiting, free, occupied)` returns
    the day's pairs itself (a diagnostic such as bench/shelter_oracle.py, which may read the world).

    `product_closes`: the product's rules. A household is not proposed again a place it refused;
    a placement ends on the offer's close, as the product's planned end does
    (`services._planned_end`); a guest whose need goes on is back in the queue until the day it
    would have ended (first start + stay), with what is left of their date, and may be placed
    again (those stays go to `later` as (household, offer, day)). Without it (the bench's
    world), a guest stays its whole stay after the close, holding nothing.

    In a `dated` world (`make_world`) a need ends on its date whether or not the household was
    housed, and the policy is told what the product tells it: the nights left until the
    estimated date (`services.need_row`), fewer each day of waiting, none once it has passed.
    """
    from dataclasses import replace

    from bench.shelter_bidprice import propose_bid
    from panah.shelter.dynamic import (
        HISTORY_DAYS,
        HORIZON,
        Upcoming,
        propose_today,
        sample_arrivals,
    )  # fmt: skip

    arrivals, offers, stays, refuses = (
        world["arrivals"], world["offers"], world["stays"], world["refuses"]
    )  # fmt: skip
    waiting: dict = {}
    arrived_on: dict = {}
    occupied: dict = {}  # offer id -> list of (end day, beds)
    nights = 0
    weighted = 0.0
    schedule: dict = {}
    history: list = []
    mean_stay = sum(stays.values()) / len(stays)
    estimating = policy in ("estimate", "estimate-people", "estimate-all", "estimate-today", "bid")
    estimates = world["estimates_all" if policy == "estimate-all" else "estimates"]
    estimates = estimates if estimating else {}

    def with_estimate(need: NeedRow) -> NeedRow:
        return replace(need, expected_nights=estimates.get(need.id))

    guests: dict = {}  # offer id -> [(household, need ends, planned end)] (product_closes)
    need_end: dict = {}  # household id -> the day its need ends, from its first placement
    planned_until: dict = {}  # household id -> the planned end recorded at its first placement
    dated = world.get("dated", False)
    until_about: dict = {}  # dated: household id -> the estimated last day of its need

    def as_today(need: NeedRow) -> NeedRow:
        need = replace(need, nights=day - arrived_on[need.id])
        if not dated or not estimating:
            return need
        left = until_about[need.id] - day if need.id in until_about else 0
        return replace(need, expected_nights=left if left > 0 else None)

    def people_per_night_held(need: NeedRow) -> float:
        # A diagnostic, not a policy: it reads each household's true stay (which no one knows
        # on the day) and weighs people per night of the place they would hold.
        held = stays.get(need.id, mean_stay)
        if dated and need.id in need_end:
            held = max(1, need_end[need.id] - day)  # the nights left until the need ends
        return need.size * mean_stay / held

    for day in range(days):
        for need in arrivals.get(day, []):
            if estimating:
                need = with_estimate(need)
            waiting[need.id] = need
            arrived_on[need.id] = day
            history.append(need)
            if dated:
                need_end[need.id] = day + stays[need.id]
                if need.expected_nights is not None:
                    until_about[need.id] = day + need.expected_nights
        if product_closes:
            for o in offers:
                if o.closes != day:
                    continue
                occupied.pop(o.id, None)
                for need, end, plan in guests.pop(o.id, []):
                    if end > day:  # back without a roof, with what is left of their date
                        left = plan - day if need.expected_nights is not None else 0
                        waiting[need.id] = replace(need, expected_nights=left if left > 0 else None)
        if product_closes or dated:
            for nid in [n for n in waiting if need_end.get(n, days + 1) <= day]:
                del waiting[nid]  # their need ended while they waited
        for oid in occupied:
            occupied[oid] = [(end, b, plan) for end, b, plan in occupied[oid] if end > day]
        free = []
        upcoming = []
        for o in offers:
            if not (o.opens <= day < o.closes):
                continue
            used = occupied.get(o.id, [])
            if len(used) >= o.max_households:
                # Full today: a host's single guest leaves on the planned end.
                end = min(plan for _, _, plan in used)
                if o.max_households == 1 and 0 < end - day <= HORIZON and end < o.closes:
                    upcoming.append(Upcoming(end - day, o))
                continue
            beds_left = o.beds - sum(b for _, b, _ in used)
            if beds_left <= 0:
                continue
            free.append(replace(o, beds=beds_left, max_households=o.max_households - len(used)))
        current = [as_today(n) for n in waiting.values()]
        if policy == "greedy":
            pairs = greedy(current, free)
        elif policy == "matcher":
            result = match(current, free, time_limit=5.0)
            pairs = [(p.need_id, p.offer_id) for p in result.proposals]
        elif callable(policy):
            # A policy from another bench module (bench/shelter_oracle.py): it gets the day,
            # today's waiting households and free offers, and the stays in progress as
            # offer id -> [(true end, beds, planned end)].
            pairs = policy(day, current, free, occupied)
        elif policy == "bid":
            open_now = [o for o in offers if o.opens <= day < o.closes]
            recent = [n for n in history if arrived_on[n.id] > day - HISTORY_DAYS]
            result = propose_bid(
                current, open_now,
                held={o: [(max(plan - day, 1), b) for _, b, plan in v] for o, v in occupied.items()},  # noqa: E501
                closes_in={o.id: o.closes - day for o in offers}, history=recent,
                per_day=len(recent) / min(day + 1, HISTORY_DAYS), seed=day, time_limit=5.0,
                **options,
            )  # fmt: skip
            pairs = [(p.need_id, p.offer_id) for p in result.proposals]
        else:
            futures = sample_arrivals(history, len(history) / (day + 1), seed=day)
            if policy == "estimate-today":
                futures = [[]]  # no sampled arrivals: today's households and known frees only
            weights = "people" if policy.endswith("-people") else "priority"
            if policy == "stays-known":
                weights = people_per_night_held
            result = propose_today(
                current, free, futures, upcoming=upcoming, weights=weights,
                closes_in={o.id: o.closes - day for o in offers}, time_limit=5.0,
                **options,
            )  # fmt: skip
            pairs = [(p.need_id, p.offer_id) for p in result.proposals]
        for nid, oid in pairs:
            if refuses.get((nid, day)):
                # Free choice: they stay waiting, with their priority intact; by the product's
                # rules a run does not propose them that place again (`NeedRow.refused`).
                if product_closes:
                    waiting[nid] = replace(waiting[nid], refused=waiting[nid].refused | {oid})
                continue
            need = waiting.pop(nid)
            # The planned end a coordinator records: the estimate, else the typical stay.
            known = [n.expected_nights for n in history if n.expected_nights is not None]
            typical = sorted(known)[len(known) // 2] if known else 28
            plan = day + (need.expected_nights or typical if estimating else stays[nid])
            end = need_end.setdefault(nid, day + stays[nid])
            if dated:  # the estimated date, else the typical stay; the true end without estimates
                plan = until_about.get(nid, day + typical) if estimating else end
            if product_closes:
                plan = planned_until.setdefault(nid, plan)
                guests.setdefault(oid, []).append((need, end, plan))
            occupied.setdefault(oid, []).append((end, need.size, plan))
            if nid in schedule:
                if later is not None:
                    later.append((nid, oid, day))
            else:
                schedule[nid] = (oid, day)
        nights += sum(n.size for n in waiting.values())
        weighted += sum(vulnerability_weight(n) for n in waiting.values())
    return nights, schedule, weighted


def vulnerability_weight(need: NeedRow) -> float:
    """One night of this household without shelter, weighted as the matcher weighs people:
    each person counts (10 + 2 per vulnerability) / 10, so a night of a person with three
    vulnerabilities counts 1.6."""
    from panah.shelter.matching import MAX_VULNERABILITIES, PER_PERSON, PER_VULNERABILITY

    per = PER_PERSON + PER_VULNERABILITY * min(need.vulnerabilities, MAX_VULNERABILITIES)
    return need.size * per / PER_PERSON


def weighted_nights(days: int, world: dict, schedule: dict) -> float:
    """Vulnerability-weighted nights without shelter of a schedule (household id -> (_, day))."""
    total = 0.0
    for day, batch in world["arrivals"].items():
        for n in batch:
            until = schedule[n.id][1] if n.id in schedule else days
            if world.get("dated"):
                until = min(until, day + world["stays"][n.id])
            total += vulnerability_weight(n) * (until - day)
    return total


def generate_household(rng: random.Random, hid) -> NeedRow:
    """One household as they arrive (the same mix as `generate`)."""
    one = generate_needs(rng, 1)[0]
    one.id = hid
    one.nights = 0
    return one


def generate_needs(rng: random.Random, n: int) -> list[NeedRow]:
    """`n` households with the mix of `generate`."""
    state = rng.getstate()
    needs, _ = generate(n, seed=rng.random())
    rng.setstate(state)
    rng.random()
    return needs


# What a coordinator knows of a household's stay on the day (ESTIMATES): a date such as a
# Fedasil invitation or an expected decision is known for this share of households, off by up to
# this many days either way (uniform); for the others no one knows.
ESTIMATE_SHARE = 0.6
ESTIMATE_ERROR = 7


def make_world(
    days: int, rate: int, offers_count: int, seed: int = 7,
    share: float = ESTIMATE_SHARE, error: int = ESTIMATE_ERROR, dated: bool = False,
) -> dict:  # fmt: skip
    """Arrivals, offers with windows, stays and refusals of one simulated quarter, and the
    noisy expected stays a coordinator would know (drawn apart: the rest of the world is the
    same whatever the noise).

    `dated`: a household's need ends on a date, as the product records it ("needs a place
    until"): `stays` counts from the day they arrive, not from the day they are placed; they
    leave the queue on that date, housed or not, and a guest leaves the place then. Otherwise
    (the bench's first world) a stay counts from the placement and the queue never empties."""
    rng = random.Random(seed)
    arrivals: dict = {}
    stays: dict = {}
    refuses: dict = {}
    counter = 0
    for day in range(days):
        batch = generate_needs(rng, rng.randint(max(0, rate - 2), rate + 2))
        for need in batch:
            need.id = counter
            need.nights = 0
            counter += 1
            stays[need.id] = rng.choice([14, 21, 28, 28, 42])
            for d in range(day, days):
                if rng.random() < 0.1:
                    refuses[(need.id, d)] = True
        arrivals[day] = batch
    _, pool = generate(offers_count, seed=seed + 1)
    offers = []
    for o in pool:
        opens = rng.randint(0, days - 10)
        o.opens, o.closes = opens, min(days, opens + rng.randint(30, 120))
        o.vetted, o.available = True, True
        offers.append(o)
    return {"arrivals": arrivals, "offers": offers, "stays": stays, "refuses": refuses,
            "rate": rate, "estimates": noisy_stays(stays, seed, share, error), "dated": dated,
            "estimates_all": noisy_stays(stays, seed, 1.0, error)}  # fmt: skip


def noisy_stays(stays: dict, seed: int, share: float, error: int) -> dict:
    """What a coordinator knows of each stay: for `share` of the households the true stay off by
    up to `error` days either way (uniform), None for the others."""
    noise = random.Random(f"estimates {seed}")
    estimates = {}
    for hid, stay in sorted(stays.items()):
        known, off = noise.random() < share, noise.randint(-error, error)
        estimates[hid] = max(1, stay + off) if known else None
    return estimates


def hindsight_model(
    days: int, world: dict, cut_at_close: bool = False, again: bool = False
) -> dict:
    """The hindsight optimum's time-indexed integer program (see `hindsight_optimum`), as arrays
    any solver can read: columns (need index, offer index, start day) of the stays, then the
    offers' idle arcs; rows lower <= matrix x <= upper; `gain` to maximise.

    `cut_at_close`: a stay ends at the offer's close and its guest is without a roof from then
    until the stay would have ended, never placed again (a restriction of `simulate`'s
    `product_closes`, whose optimum it therefore bounds from above; the plain program, where
    a stay runs past the close, bounds it from below).

    `again` (a `dated` world only): the product's rule exactly. A stay ends at the offer's close
    or the need's date, whichever comes first, and the household may be placed again: each
    household is a timeline too, a unit of flow from its arrival to the end of its need, through
    its stays and idle arcs, so its stays never overlap."""
    import numpy as np
    from scipy.sparse import coo_array

    needs = [n for day in range(days) for n in world["arrivals"].get(day, [])]
    arrived = {n.id: d for d in range(days) for n in world["arrivals"].get(d, [])}
    offers = world["offers"]
    stays, refuses = world["stays"], world["refuses"]
    dated = world.get("dated", False)
    if again and not dated:
        raise ValueError("placing a guest again is modelled for a dated world only")

    def end_of(i: int, d: int, j: int) -> int:
        # A dated need ends on its date (arrival + stay); otherwise the stay counts from d.
        n = needs[i]
        end = min(days, (arrived[n.id] if dated else d) + stays[n.id])
        return min(end, offers[j].closes) if again else end

    def need_last(i: int) -> int:
        n = needs[i]
        return min(days, arrived[n.id] + stays[n.id]) if dated else days

    columns: list[tuple] = []  # (need index, offer index, start day) for each stay variable
    for i, n in enumerate(needs):
        a = arrived[n.id]
        last = need_last(i)
        for j, o in enumerate(offers):
            if o.closes <= a or violations([n], [o], [(n.id, o.id)]):
                continue
            for d in range(max(a, o.opens), min(o.closes, last)):
                if not refuses.get((n.id, d)):
                    columns.append((i, j, d))
    stay_count = len(columns)
    rows, cols, vals = [], [], []
    lower, upper = [], []
    row = 0
    if not again:  # each household stays at most once
        for k, (i, _, _) in enumerate(columns):
            rows.append(i), cols.append(k), vals.append(1.0)
        row = len(needs)
        lower += [0.0] * len(needs)
        upper += [1.0] * len(needs)
    # Each offer's timeline: node t in [opens, days]; flow conservation at every inner node.
    idle_first = stay_count
    idle: dict = {}  # (offer index, t) -> column of the idle arc t -> t + 1
    node_row: dict = {}
    for j, o in enumerate(offers):
        for t in range(o.opens, days + 1):
            node_row[(j, t)] = row
            row += 1
        for t in range(o.opens, days):
            idle[(j, t)] = idle_first + len(idle)
    n_cols = idle_first + len(idle)
    for k, (i, j, d) in enumerate(columns):
        end = end_of(i, d, j)
        rows += [node_row[(j, d)], node_row[(j, end)]]
        cols += [k, k]
        vals += [-1.0, 1.0]  # out of d, into end
    for (j, t), k in idle.items():
        rows += [node_row[(j, t)], node_row[(j, t + 1)]]
        cols += [k, k]
        vals += [-1.0, 1.0]
    for o in offers:
        for t in range(o.opens, days + 1):
            # inflow - outflow: -supply at the source, +supply at the sink, 0 between.
            if t == o.opens:
                b = -float(o.max_households)
            elif t == days:
                b = float(o.max_households)
            else:
                b = 0.0
            lower.append(b)
            upper.append(b)
        if o.opens == days:
            lower[-1] = upper[-1] = 0.0
    household_idle = 0
    if again:
        # Each household's timeline: one unit from its arrival to the end of its need.
        home: dict = {}
        for i, n in enumerate(needs):
            a, last = arrived[n.id], need_last(i)
            for t in range(a, last + 1):
                home[(i, t)] = row
                row += 1
                b = -1.0 if t == a else (1.0 if t == last else 0.0)
                lower.append(b)
                upper.append(b)
            for t in range(a, last):
                rows += [home[(i, t)], home[(i, t + 1)]]
                cols += [n_cols + household_idle] * 2
                vals += [-1.0, 1.0]
                household_idle += 1
        for k, (i, j, d) in enumerate(columns):
            rows += [home[(i, d)], home[(i, end_of(i, d, j))]]
            cols += [k, k]
            vals += [-1.0, 1.0]
        n_cols += household_idle
    # A collective shelter's beds, every day of its timeline.
    for j, o in enumerate(offers):
        if o.max_households == 1:
            continue
        mine = [(k, i, d) for k, (i, jj, d) in enumerate(columns) if jj == j]
        for t in range(o.opens, days):
            cover = [(k, needs[i].size) for k, i, d in mine if d <= t < end_of(i, d, j)]
            if not cover:
                continue
            for k, size in cover:
                rows.append(row), cols.append(k), vals.append(float(size))
            lower.append(0.0)
            upper.append(float(o.beds))
            row += 1
    matrix = coo_array((vals, (rows, cols)), shape=(row, n_cols)).tocsr()
    gain = np.zeros(n_cols)
    for k, (i, j, d) in enumerate(columns):
        gain[k] = needs[i].size * ((end_of(i, d, j) if dated else days) - d)
        if cut_at_close:
            gain[k] -= needs[i].size * max(0, end_of(i, d, j) - offers[j].closes)
    integrality = np.zeros(n_cols)
    integrality[:stay_count] = 1
    ub = np.concatenate([
        np.ones(stay_count),
        np.array([offers[j].max_households for (j, _t) in idle], dtype=float),
        np.ones(household_idle),
    ])  # fmt: skip
    # People-nights without shelter if no one were housed: a dated need counts until its date.
    worst = sum(n.size * (need_last(i) - arrived[n.id]) for i, n in enumerate(needs))
    return {
        "needs": needs, "offers": offers, "columns": columns, "idle": idle,
        "stay_count": stay_count, "matrix": matrix, "lower": np.array(lower),
        "upper": np.array(upper), "gain": gain, "integrality": integrality, "ub": ub,
        "worst": worst,
    }  # fmt: skip


def hindsight_optimum(
    days: int, world: dict, time_limit: float = 120.0, known=(), schedules=(),
    cut_at_close: bool = False, again: bool = False,
) -> dict:  # fmt: skip
    """The hindsight optimum of a world: a time-indexed integer program (`hindsight_model`)
    solved by HiGHS, proven by reduced-cost fixing.

    x[n, o, d] = 1 when household n starts a stay in offer o on day d (a day it arrived by, the
    offer is open and it would not refuse; the pair passes `violations`). Each offer is a
    timeline: a flow of `max_households` units from the day it opens to the horizon, where a
    stay is an arc from d to d + stay (cut at the horizon) and idle arcs carry the rest, so a
    host family holds one household at a time and a shelter at most its households; a
    shelter's beds are a constraint per day. Minimising people-nights without shelter is
    maximising size x (horizon - d) over the stays.

    Three HiGHS solves, no search of our own: (1) the linear relaxation, with its reduced costs:
    a lower bound z on people-nights; (2) the integer program restricted to the stays the
    relaxation uses and those of the `schedules` already made (a policy's schedule is a
    hindsight schedule too): a schedule of v nights; (3) reduced-cost fixing, the textbook proof
    step: a stay whose reduced cost d gives z + d > v - 1 cannot be in any schedule better than
    v (people-nights are whole), so it is left out, and HiGHS solves the integer program over
    the stays left. Its optimum, or v if it finds nothing better, is the proven optimum; when its
    time runs out, its bound is a proven lower bound. `known`: (people-nights, name) of
    schedules already made, so the optimum reported is never above the best of them.
    `cut_at_close`, `again`: the programs where a stay ends at the offer's close (`hindsight_model`).
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp

    started = time.perf_counter()
    m = hindsight_model(days, world, cut_at_close, again)
    needs, offers, columns, stay_count = m["needs"], m["offers"], m["columns"], m["stay_count"]
    matrix, lower, upper, gain, ub, worst = (
        m["matrix"], m["lower"], m["upper"], m["gain"], m["ub"], m["worst"]
    )  # fmt: skip
    n_cols = len(gain)
    column_of = {c: k for k, c in enumerate(columns)}
    need_index = {n.id: i for i, n in enumerate(needs)}
    offer_index = {o.id: j for j, o in enumerate(offers)}

    # (1) The relaxation, as linprog so HiGHS reports the reduced costs. Rows with equal bounds
    # (the timelines) are equalities; the others have a trivial lower bound (nonnegative sums).
    equal = lower == upper
    relaxed = linprog(
        -gain, A_ub=matrix[~equal], b_ub=upper[~equal], A_eq=matrix[equal], b_eq=upper[equal],
        bounds=np.column_stack([np.zeros(n_cols), ub]), method="highs",
    )  # fmt: skip
    if relaxed.status != 0:
        raise RuntimeError(f"hindsight relaxation: {relaxed.message}")
    lp_value = worst + relaxed.fun  # people-nights, a lower bound
    reduced = relaxed.lower.marginals  # reduced costs of the stays at zero (minimising -gain)

    def solve(keep: np.ndarray, seconds: float):
        index = np.flatnonzero(keep)
        integrality = (index < stay_count).astype(float)
        return index, milp(
            -gain[index], constraints=LinearConstraint(matrix[:, index], lower, upper),
            integrality=integrality, bounds=Bounds(np.zeros(len(index)), ub[index]),
            options={"time_limit": max(1.0, seconds), "mip_rel_gap": 0, "disp": False},
        )  # fmt: skip

    def nights_of(index, result) -> int | None:
        return None if result.x is None else worst - round(-result.fun)

    # (2) A schedule from the stays the relaxation uses and those of the schedules made.
    keep = np.zeros(n_cols, dtype=bool)
    keep[stay_count:] = True
    keep[:stay_count] = relaxed.x[:stay_count] > 1e-9
    for schedule in schedules:
        for hid, (oid, day) in schedule.items():
            keep[column_of[(need_index[hid], offer_index[oid], day)]] = True
    index, restricted = solve(keep, time_limit / 4)
    found = nights_of(index, restricted)
    x = np.zeros(n_cols)
    if restricted.x is not None:
        x[index] = restricted.x
    candidates = [(v, who) for v, who in ((found, "HiGHS"), *known) if v is not None]
    best, by = min(candidates)

    # (3) Reduced-cost fixing against the best schedule known, with half a night of margin for
    # the solver's tolerances; then the integer program over the stays that could still do better.
    keep = np.ones(n_cols, dtype=bool)
    keep[:stay_count] = lp_value + reduced[:stay_count] <= best - 0.5
    left = time_limit - (time.perf_counter() - started)
    index, full = solve(keep, left)
    bound = int(np.ceil(lp_value - 1e-6))
    exact = nights_of(index, full)
    if exact is not None and exact < best:
        best, by, found = exact, "HiGHS", exact
        x = np.zeros(n_cols)
        x[index] = full.x
    proven = full.status == 0
    dual = getattr(full, "mip_dual_bound", None)
    if not proven and dual is not None and np.isfinite(dual):
        # A better schedule would be in the reduced program, so its bound holds (capped by best).
        bound = max(bound, min(best, worst - int(np.floor(-dual + 1e-6))))
    schedule: dict = {}
    placed_again = []  # (household, offer, day) of a second or later stay (`again`)
    for i, j, d in sorted((columns[k] for k in np.flatnonzero(x[:stay_count] > 0.5)),
                          key=lambda c: c[2]):  # fmt: skip
        if needs[i].id in schedule:
            placed_again.append((needs[i].id, offers[j].id, d))
        else:
            schedule[needs[i].id] = (offers[j].id, d)
    return {
        "nights": best,
        "by": by,
        "schedule": schedule,
        "again": placed_again,
        "bound": best if proven else bound,
        "proven": proven,
        "relaxation": lp_value,
        "fixed": int(stay_count - keep[:stay_count].sum()),
        "variables": n_cols,
        "stays": stay_count,
        "status": full.message,
    }


POLICIES = (
    ("greedy", "greedy (first come, first served)"),
    ("matcher", "one-day matcher each day"),
    ("dynamic", "dynamic (SAA), no stay estimate"),
    ("estimate", "dynamic (SAA), noisy stay estimate"),
    ("estimate-today", "dynamic, noisy estimate, no sampling"),
    ("bid", "bid prices (42-day LP), noisy estimate"),
    ("estimate-all", "sensitivity: SAA, estimate for all"),
    ("stays-known", "diagnostic: dynamic knowing the stays"),
)


def run_dynamic(days: int, hindsight_seconds: float, seed: int = 7, product: bool = False) -> dict:
    """One world: every policy, the hindsight optimum, and each policy's distance to it
    (returned as policy -> (low %, high %), for the summary).

    `product`: the world by the product's rules: a need ends on its date, housed or not
    (`make_world(dated=True)`), a placement ends on the offer's close and the guest may be placed
    again (`simulate(product_closes=True)`); the hindsight optimum is that world's own program
    (`hindsight_optimum(again=True)`). Otherwise the bench's first world: a stay counts from the
    placement and runs past the close."""
    print()
    rules = (
        "; the product's rules: needs end on their dates, places on their close" if product else ""
    )
    print(f"{days}-day simulation, world seed {seed} (arrivals, stays ending, 10% refusals "
          f"per proposal day{rules}):")  # fmt: skip
    world = make_world(days, rate=4, offers_count=70, seed=seed, dated=product)
    arrived = sum(len(v) for v in world["arrivals"].values())
    known = sum(e is not None for e in world["estimates"].values())
    print(f"  {arrived} households arrive, {len(world['offers'])} offers open and close")
    print(f"  stay estimates (assumed): known for {100 * ESTIMATE_SHARE:.0f}% of households "
          f"({known} here), off by up to +/-{ESTIMATE_ERROR} days (uniform), the others unknown;"
          f"\n  the sensitivity line gives every household an estimate with the same error")  # fmt: skip
    print(f"  {'policy':<36} {'people-nights':>13} {'weighted':>9} {'violations':>10} "
          f"{'seconds':>8}")  # fmt: skip
    found = {}
    everyone = [n for batch in world["arrivals"].values() for n in batch]
    for key, label in POLICIES:
        started = time.perf_counter()
        later: list = []
        nights, schedule, weighted = simulate(
            days, key, world, product_closes=product, later=later
        )  # fmt: skip
        seconds = time.perf_counter() - started
        # Every stay checked by the independent checker against the offer as registered (its
        # beds over time are the simulation's; each stay is one pair here).
        pairs = [(nid, oid) for nid, (oid, _) in schedule.items()]
        pairs += [(nid, oid) for nid, oid, _ in later]
        bad = sum(len(violations(everyone, world["offers"], [pair])) for pair in pairs)
        found[key] = (nights, weighted, schedule)
        print(f"  {label:<36} {nights:>13} {weighted:>9.0f} {bad:>10} {seconds:>8.1f}")
    started = time.perf_counter()
    if product:  # its own program, with second stays; the policies' schedules are not its columns
        best = hindsight_optimum(days, world, time_limit=hindsight_seconds, again=True)
    else:
        best = hindsight_optimum(
            days, world, time_limit=hindsight_seconds,
            known=[(found[k][0], k) for k, _ in POLICIES],
            schedules=[found[k][2] for k, _ in POLICIES],
        )  # fmt: skip
    if best["proven"]:
        what = "proven optimal"
    else:
        what = f"best schedule known, by {best['by']}, after {hindsight_seconds:.0f} s of HiGHS"
    what += (f"; relaxation {best['relaxation']:.1f}, {best['fixed']} of {best['stays']} stays "
             f"fixed by reduced costs")  # fmt: skip
    schedule = best["schedule"] if best["by"] == "HiGHS" else found[best["by"]][2]
    # (With second stays a schedule's weighted nights need its every stay: not printed.)
    weighted = "-" if product else f"{weighted_nights(days, world, schedule):.0f}"
    print(
        f"  {'hindsight (HiGHS, time-indexed)':<36} {best['nights']:>13} "
        f"{weighted:>9}   ({what}; {time.perf_counter() - started:.1f} s)"
    )
    if best["bound"] is None:
        print("  no proven bound within the time limit: the gaps below are upper estimates only")
    else:
        gap = 100 * (best["nights"] - best["bound"]) / max(1, best["bound"])
        print(f"  proven lower bound on the hindsight optimum: {best['bound']:>7} "
              f"(gap {gap:.1f}%)")  # fmt: skip
    gaps = {}
    for key, _ in POLICIES:
        value = found[key][0]
        low = 100 * (value - best["nights"]) / max(1, best["nights"])
        high = None
        if best["proven"]:
            print(f"  {key}: {low:+.1f}% nights against the hindsight optimum")
        elif best["bound"] is None:
            print(f"  {key}: at least {low:+.1f}% nights against the hindsight optimum")
        else:
            # The optimum lies between the bound and the best schedule known.
            high = 100 * (value - best["bound"]) / max(1, best["bound"])
            print(f"  {key}: between {low:+.1f}% and {high:+.1f}% nights against the "
                  f"hindsight optimum")  # fmt: skip
        gaps[key] = (low, high)
    return gaps


def summary(gaps: dict, product: bool = False) -> None:
    """Every world's distance to the hindsight optimum, per policy (a range when the optimum is
    bracketed, not proven)."""
    print()
    world = "the product's rules" if product else "the bench's first world"
    print(f"Summary, {world}: % people-nights above the hindsight optimum (range: optimum not "
          f"proven)")  # fmt: skip
    seeds = list(gaps)
    print(f"  {'policy':<36} " + " ".join(f"{'world ' + str(s):>13}" for s in seeds))
    for key, label in POLICIES:
        cells = []
        for s in seeds:
            low, high = gaps[s][key]
            cells.append(f"{low:+.1f}" if high is None else f"{low:+.1f}..{high:+.1f}")
        print(f"  {label:<36} " + " ".join(f"{c:>13}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument(
        "--hindsight-seconds", type=float, default=180.0, help="HiGHS time limit (180)"
    )
    parser.add_argument(
        "--seeds", default="7,8,9,10,11", help="world seeds of the simulation (7,8,9,10,11)"
    )
    parser.add_argument(
        "--world", choices=("both", "first", "product"), default="both",
        help="the bench's first world, the product's rules (needs end on their dates, places on "
        "their close), or both (default)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.sizes:
        run_static([int(s) for s in args.sizes.split(",")])
    if args.days:
        for product in {"both": (False, True), "first": (False,), "product": (True,)}[args.world]:
            gaps = {}
            for seed in args.seeds.split(","):
                gaps[int(seed)] = run_dynamic(args.days, args.hindsight_seconds, int(seed), product)
            summary(gaps, product)


if __name__ == "__main__":
    main()
