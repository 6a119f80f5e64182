"""Carrying linkage uncertainty into the estimates (multiple imputation of the clustering).

Linkage decides which reports are one person; a missed link makes one person two people, each
seen by fewer lists, which every model reads as "many unseen". The linker stores how sure it
was: each report's match probability with the rest of its victim (its membership) and the
candidate pairs it scored but did not join (the review queue). From these we draw plausible
clusterings: a report stays in its victim with its membership probability (else it stands
alone), and a candidate pair joins two victims with its match probability (a victim joins at
most one other in a draw: its candidates are alternatives). Each draw gives a
capture-history table; each model is fitted on every table, and the results are combined:

* log-linear models: Rubin's rules on log N, the within-draw variance read off each profile
  interval (Rubin 1987);
* the latent-class model: the posterior draws of every table pooled, as Sadinle (2018)
  propagates a linkage posterior into population size estimation; model averaging over
  decomposable graphs: every table's posterior of N pooled the same way.

The method follows Sadinle, M. (2018), "Bayesian propagation of record linkage uncertainty
into population size estimation of human rights violations", Annals of Applied Statistics
12(2), 1013-1038, with the linker's pair probabilities in place of a full Bayesian linkage
posterior: pairs are drawn independently, so the spread is an approximation (see
docs/estimation.md). Pairs a person decided (confirmed matches and splits) are never drawn.

The linker's probabilities cannot see links it never scored, and are overconfident; with a
clerical check (ClericalCheck: random victims checked by hand) the draws take the missed-link
and wrong-join rates the check found instead, with their uncertainty, as Di Consiglio & Tuoto
(2015) correct capture-recapture for linkage errors measured by clerical review.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .captures import CaptureTable

MIN_CHECKED_PER_SOURCE = 5  # fewer checked victims of a source: its rate is all sources' rate


@dataclass(frozen=True)
class ClericalCheck:
    """What a person found on checking, by hand, random samples of the linked victims.

    `one_source[i]` is for the i-th checked victim documented by one source only: (its source,
    None) when it is nobody else in the archive, else (its source, the sources of the victim it
    should have been joined with): a missed link. `several[i]` is for the i-th checked victim of several reports: True
    when they are reports of more than one person (a wrong join).
    """

    one_source: tuple[tuple[str, frozenset[str] | None], ...] = ()
    several: tuple[bool, ...] = ()

    @property
    def missed(self) -> int:
        """Checked one-source victims found to be someone already counted."""
        return sum(1 for _source, partner in self.one_source if partner is not None)

    @property
    def wrong(self) -> int:
        """Checked victims of several reports found to join different people."""
        return sum(1 for w in self.several if w)

    def summary(self) -> dict[str, int]:
        """The counts a report states beside the figures."""
        return {
            "one_source_checked": len(self.one_source),
            "missed_links": self.missed,
            "several_checked": len(self.several),
            "wrong_joins": self.wrong,
        }


@dataclass(frozen=True)
class LinkageUncertainty:
    """How sure the linkage was of the victims behind one capture table.

    `sources[i]` is report i's list (source), `victims[i]` the victim the linkage put it in,
    `stay[i]` the probability that report i belongs to its victim (1 for a victim's anchor,
    for a report alone and for what a person decided), and `joins` the candidate pairs of
    reports (i, j, probability) in different victims that the linkage did not join.
    """

    sources: tuple[str, ...]
    victims: np.ndarray  # (reports,) victim index
    anchors: np.ndarray  # (reports,) the report each one hangs from in its victim
    stay: np.ndarray  # (reports,) probability of staying with the anchor
    join_a: np.ndarray
    join_b: np.ndarray
    join_p: np.ndarray
    check: ClericalCheck | None = None

    @property
    def reports(self) -> int:
        """The number of reports."""
        return len(self.sources)

    @property
    def uncertain_links(self) -> int:
        """Links the draws can change: doubtful memberships and candidate joins."""
        return int(np.count_nonzero(self.stay < 1.0) + np.count_nonzero(self.join_p > 0.0))

    @classmethod
    def build(
        cls,
        reports: Iterable[tuple[Hashable, str, Hashable, float | None]],
        joins: Iterable[tuple[Hashable, Hashable, float]] = (),
    ) -> LinkageUncertainty:
        """From (report, source, victim, membership probability) rows and candidate joins
        (report, report, probability). A membership probability of None means certain (a
        person decided, or the report is alone). Joins naming unknown reports, or two
        reports already in one victim, are ignored."""
        rows = list(reports)
        index = {row[0]: i for i, row in enumerate(rows)}
        if len(index) != len(rows):
            raise ValueError("report ids must be unique")
        victim_ids: dict[Hashable, int] = {}
        victims = np.array([victim_ids.setdefault(r[2], len(victim_ids)) for r in rows], dtype=int)
        stay = np.array([1.0 if r[3] is None else float(r[3]) for r in rows], dtype=float)
        stay = stay.clip(0.0, 1.0)
        # Each victim hangs from its surest report: the others stay with it or stand alone, so
        # a victim of two reports is split with probability 1 - p, not 1 - p squared.
        anchors = np.arange(len(rows))
        order = np.lexsort((np.arange(len(rows)), -stay, victims))
        first = np.ones(len(rows), dtype=bool)
        first[1:] = victims[order][1:] != victims[order][:-1]
        anchor_of_victim = dict(
            zip(victims[order][first].tolist(), order[first].tolist(), strict=True)
        )
        anchors = np.array([anchor_of_victim[v] for v in victims.tolist()], dtype=int)
        stay = np.where(anchors == np.arange(len(rows)), 1.0, stay)
        a, b, p = [], [], []
        for left, right, prob in joins:
            i, j = index.get(left), index.get(right)
            if i is None or j is None or victims[i] == victims[j] or not prob > 0:
                continue
            a.append(i)
            b.append(j)
            p.append(min(float(prob), 1.0))
        return cls(
            sources=tuple(str(r[1]) for r in rows),
            victims=victims,
            anchors=anchors,
            stay=stay,
            join_a=np.array(a, dtype=int),
            join_b=np.array(b, dtype=int),
            join_p=np.array(p, dtype=float),
        )

    def with_check(self, check: ClericalCheck | None) -> LinkageUncertainty:
        """The same linkage, its draws taken from a clerical check's error rates instead of the
        linker's probabilities (see draw_checked)."""
        return replace(self, check=check)

    def as_linked(self, lists: Iterable[str] | None = None) -> CaptureTable:
        """The capture table of the clustering the linkage chose."""
        return self._table(self.victims, lists)

    def draw(self, rng: np.random.Generator, lists: Iterable[str] | None = None) -> CaptureTable:
        """One plausible clustering, as a capture table."""
        if self.check is not None:
            return self.draw_checked(rng, lists)
        n = self.reports
        stays = rng.random(n) < self.stay
        joined = np.flatnonzero(rng.random(len(self.join_p)) < self.join_p)
        # A victim joins at most one other per draw: its candidates are alternatives (the
        # person is one of the namesakes, not all of them), taken surest first.
        joined = joined[np.argsort(-self.join_p[joined], kind="stable")]
        taken: set[int] = set()
        keep = []
        for k in joined.tolist():
            va, vb = int(self.victims[self.join_a[k]]), int(self.victims[self.join_b[k]])
            if va in taken or vb in taken:
                continue
            taken.update((va, vb))
            keep.append(k)
        left = np.concatenate([np.arange(n)[stays], self.join_a[keep]])
        right = np.concatenate([self.anchors[stays], self.join_b[keep]])
        graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
        return self._table(connected_components(graph, directed=False)[1], lists)

    def draw_checked(
        self, rng: np.random.Generator, lists: Iterable[str] | None = None
    ) -> CaptureTable:
        """One plausible clustering from the clerical check's error rates (Bayesian bootstrap
        of the checked victims, so the rates' own uncertainty is drawn too).

        Each victim of several reports is, at the checked share of wrong joins, split: its
        least sure report (drawn by 1 - membership probability) leaves it. Each one-source
        victim takes the outcome of a checked one drawn at random: alone, or joined with a
        victim (not yet joined in this draw) documented by the sources its checked partner
        had. Pairs and victims a person decided are never changed."""
        check = self.check
        assert check is not None
        lists = tuple(lists) if lists is not None else tuple(sorted(set(self.sources)))
        bit = {name: 1 << k for k, name in enumerate(lists)}
        labels = self.victims.copy()
        source_bits = np.array([bit.get(s, 0) for s in self.sources], dtype=np.int64)
        order = np.argsort(labels, kind="stable")
        starts = np.flatnonzero(np.r_[True, labels[order][1:] != labels[order][:-1]])
        groups = np.split(order, starts[1:])
        fresh = int(labels.max()) + 1 if len(labels) else 0
        if check.several:
            wrong = rng.beta(check.wrong + 0.5, len(check.several) - check.wrong + 0.5)
            for members in groups:
                doubt = 1.0 - self.stay[members]
                if len(members) < 2 or not doubt.any() or rng.random() >= wrong:
                    continue
                leaving = members[rng.choice(len(members), p=doubt / doubt.sum())]
                labels[leaving] = fresh
                fresh += 1
        if check.one_source:
            labels = self._join_missed(rng, check, labels, source_bits, bit)
        return self._table(labels, lists)

    def _join_missed(
        self,
        rng: np.random.Generator,
        check: ClericalCheck,
        labels: np.ndarray,
        source_bits: np.ndarray,
        bit: dict[str, int],
    ) -> np.ndarray:
        """Join one-source victims to the victims the check says they often are."""
        single = set(bit.values())
        history: dict[int, int] = {}
        for label, b in zip(labels.tolist(), source_bits.tolist(), strict=True):
            history[label] = history.get(label, 0) | b
        # One-source victims as linked (reports split off in this draw are not: the check's
        # rate is of victims as linked).
        linked: dict[int, int] = {}
        for label, b in zip(self.victims.tolist(), source_bits.tolist(), strict=True):
            linked[label] = linked.get(label, 0) | b
        alone = [label for label, h in linked.items() if h in single]
        # Each source's own checked victims when there are enough of them (spelling and
        # script make some sources' reports harder to link), else all checked victims. The
        # share missed is drawn from its posterior (Jeffreys prior), so that a check finding
        # none still allows for a few; the partner from the partners found (Bayesian
        # bootstrap), or any victim without the source when none was found.
        entries: dict[int, list[int]] = {}
        for source, partner in check.one_source:
            entries.setdefault(bit.get(source, 0), []).append(
                0 if partner is None else sum(bit.get(s, 0) for s in partner)
            )
        pooled = [p for found in entries.values() for p in found]
        every = sorted(set(history.values()))
        wanted: dict[int, int] = {}
        for source in single:
            mine = [label for label in alone if linked[label] == source]
            if not mine:
                continue
            outcomes = entries.get(source, [])
            if len(outcomes) < MIN_CHECKED_PER_SOURCE:
                outcomes = pooled
            partners = [p for p in outcomes if p] or [h for h in every if not h & source]
            missed = rng.beta(len(outcomes) - outcomes.count(0) + 0.5, outcomes.count(0) + 0.5)
            weights = rng.dirichlet(np.ones(len(partners))) if partners else None
            for label in mine:
                if weights is None or rng.random() >= missed:
                    continue
                want = partners[rng.choice(len(partners), p=weights)]
                # Two one-source victims of one person were both counted as missed by the
                # check: each starts the join half as often, so the pair is joined once.
                if want in single and rng.random() < 0.5:
                    continue
                wanted[label] = want
        by_history: dict[int, list[int]] = {}
        for label, h in history.items():
            by_history.setdefault(h, []).append(label)
        for pool in by_history.values():
            rng.shuffle(pool)
        joined: set[int] = set()
        merge: dict[int, int] = {}
        for label in rng.permutation(np.array(alone, dtype=np.int64)).tolist():
            want = wanted.get(label, 0)
            if not want or label in joined:
                continue
            pool = by_history.get(want, [])
            while pool and pool[-1] in joined:
                pool.pop()
            k = len(pool) - 1
            if k >= 0 and pool[k] == label:
                k -= 1  # not itself; it stays in the pool for the others
            if k >= 0 and pool[k] not in joined:
                other = pool.pop(k)
                joined.update((label, other))
                merge[label] = other
        if not merge:
            return labels
        return np.array([merge.get(v, v) for v in labels.tolist()], dtype=labels.dtype)

    def draws(
        self, count: int, rng: np.random.Generator, lists: Iterable[str] | None = None
    ) -> Iterator[CaptureTable]:
        """`count` plausible clusterings, as capture tables over the same lists."""
        lists = tuple(lists) if lists is not None else tuple(sorted(set(self.sources)))
        for _ in range(count):
            yield self.draw(rng, lists)

    def _table(self, labels: np.ndarray, lists: Iterable[str] | None) -> CaptureTable:
        people: dict[int, set[str]] = {}
        for label, source in zip(labels.tolist(), self.sources, strict=True):
            people.setdefault(label, set()).add(source)
        lists = tuple(lists) if lists is not None else tuple(sorted(set(self.sources)))
        return CaptureTable.from_source_sets(people.values(), lists=lists)


def membership_rows(
    victim_of: Mapping[Hashable, Hashable],
    source_of: Mapping[Hashable, str],
    pairs: Iterable[tuple[Hashable, Hashable, float]],
) -> list[tuple[Hashable, str, Hashable, float | None]]:
    """Rows for LinkageUncertainty.build from a clustering and its scored pairs: each
    report's best match probability with another report of its victim (None when alone)."""
    best: dict[Hashable, float] = {}
    for left, right, p in pairs:
        v = victim_of.get(left)
        if v is not None and v == victim_of.get(right):
            for report in (left, right):
                if p > best.get(report, -1.0):
                    best[report] = float(p)
    return [(r, source_of[r], v, best.get(r)) for r, v in victim_of.items()]
