"""Shelter matcher: speed, memory, people housed, score and safeguarding violations.

Usage: PYTHONPATH=. python -m bench.shelter [--sizes 1000,5000,20000] [--days 90]

For each size it generates that many households without a roof and as many offers, with
realistic constraints, then runs the optimal matcher (panah.shelter.matching) and a greedy
first-come-first-served baseline (what a spreadsheet does: the longest waiting household takes
the first offer that fits). Every assignment is checked by `violations` below, written from the
safeguarding policy in words, sharing no code or table with the matcher. The generator has its
own constants too. Then a 90-day simulation compares greedy, the daily dynamic policy and the
hindsight optimum on total nights without shelter.

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


def _fits(n, o, beds_left, households_left) -> bool:
    """The spreadsheet's check, written apart from the matcher (the same policy)."""
    return not violations([n], [o], [(n.id, o.id)]) and (
        n.women + n.men + n.children <= beds_left and households_left > 0
    )


def greedy(needs, offers) -> list[tuple]:
    """First come, first served: the longest waiting takes the first offer that fits."""
    beds = {o.id: o.beds for o in offers}
    households = {o.id: o.max_households for o in offers}
    pairs = []
    for n in sorted(needs, key=lambda n: -n.nights):
        for o in offers:
            if _fits(n, o, beds[o.id], households[o.id]):
                beds[o.id] -= n.women + n.men + n.children
                households[o.id] -= 1
                pairs.append((n.id, o.id))
                break
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


def run_static(sizes) -> None:
    print(f"{'size':>6} {'method':<8} {'seconds':>8} {'peak MB':>8} {'housed':>7} "
          f"{'score':>11} {'LP bound':>11} {'gap %':>6} {'proven':>6} {'violations':>10}")  # fmt: skip
    for n in sizes:
        needs, offers = generate(n)
        tracemalloc.start()
        started = time.perf_counter()
        result = match(needs, offers, time_limit=25.0 if n > 5000 else 4.5)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        pairs = [(p.need_id, p.offer_id) for p in result.proposals]
        people, score = score_of(needs, offers, pairs)
        bad = violations(needs, offers, pairs)
        print(f"{n:>6} {'optimal':<8} {seconds:>8.2f} {peak:>8.0f} {people:>7} {score:>11.1f} "
              f"{result.bound:>11.1f} {100 * result.gap:>6.2f} {str(result.proven_optimal):>6} "
              f"{len(bad):>10}")  # fmt: skip
        tracemalloc.start()
        started = time.perf_counter()
        pairs = greedy(needs, offers) if n <= 5000 else None
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        if pairs is None:
            pairs = greedy_fast(needs, offers)
            seconds = float("nan")
        people, score = score_of(needs, offers, pairs)
        bad = violations(needs, offers, pairs)
        print(f"{n:>6} {'greedy':<8} {seconds:>8.2f} {peak:>8.0f} {people:>7} {score:>11.1f} "
              f"{'':>11} {'':>6} {'':>6} {len(bad):>10}")  # fmt: skip
        print(f"{'':>6} (types: {result.need_types} needs x {result.offer_types} offers, "
              f"{result.variables} variables)")  # fmt: skip


def greedy_fast(needs, offers) -> list[tuple]:
    """The same greedy, offers bucketed by area first (only the order of trying changes)."""
    return greedy(needs, offers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    run_static([int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()
