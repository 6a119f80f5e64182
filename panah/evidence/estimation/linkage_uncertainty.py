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
  propagates a linkage posterior into population size estimation.

The method follows Sadinle, M. (2018), "Bayesian propagation of record linkage uncertainty
into population size estimation of human rights violations", Annals of Applied Statistics
12(2), 1013-1038, with the linker's pair probabilities in place of a full Bayesian linkage
posterior: pairs are drawn independently, so the spread is an approximation (see
docs/estimation.md). Pairs a person decided (confirmed matches and splits) are never drawn.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .captures import CaptureTable


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

    def as_linked(self, lists: Iterable[str] | None = None) -> CaptureTable:
        """The capture table of the clustering the linkage chose."""
        return self._table(self.victims, lists)

    def draw(self, rng: np.random.Generator, lists: Iterable[str] | None = None) -> CaptureTable:
        """One plausible clustering, as a capture table."""
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
