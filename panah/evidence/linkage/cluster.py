"""Reports -> victims: clusters of scored pairs that respect people's decisions.

Confirmed matches (must-link) are joined first and unconditionally; then pairs above the
threshold are joined from the most to the least probable, skipping any join that would put
two reports a person split (cannot-link) into one victim. A re-run with the same decisions
therefore never undoes them, whatever the model now says.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


class ConflictingDecisions(ValueError):
    """Confirmed matches join two reports that a confirmed split keeps apart."""


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root


# Sources date one execution differently by a few days (the day of the news, a day off
# in a calendar conversion); reports dated more than this apart are two executions. The
# model agrees: two dates more than 3 days apart count against a pair.
DATE_SLACK = 31

# Probabilities closer than this are equal: DuckDB and Spark compute the same pair's
# probability up to a few units in the last place (6e-16 seen), and the order in which each
# engine returns tied pairs differs.
TIE = 1e-9


def _strongest_first(probs: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The order in which to consider pairs: most probable first; pairs whose probabilities
    differ by less than TIE are equal and go by report position, so the result never depends
    on the order in which a backend returned the pairs."""
    if not len(probs):
        return np.empty(0, dtype=np.int64)
    by_value = np.argsort(-probs, kind="stable")
    ranked = probs[by_value]
    # One rank per run of values each within TIE of the one before.
    rank = np.empty(len(probs), dtype=np.int64)
    rank[by_value] = np.concatenate([[0], np.cumsum(-np.diff(ranked) > TIE)])
    return np.lexsort((b, a, rank))


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def cluster(
    ids: Iterable,
    pairs: pd.DataFrame,
    threshold: float,
    must_link: Iterable[tuple] = (),
    cannot_link: Iterable[tuple] = (),
    attach_only: Iterable | None = None,
    dates: tuple[Iterable, Iterable] | None = None,
) -> pd.DataFrame:
    """Cluster report ids; `pairs` has unique_id_l, unique_id_r and match_probability.

    Reports in `attach_only` (those without a name) never bridge two clusters: each joins,
    at most, the cluster of its most probable pair. With `dates` (each report's first and
    last possible day, NaN when unknown, in the order of `ids`), the model's pairs never
    make one victim of reports whose dates cannot denote one execution (more than
    DATE_SLACK days apart), however they are chained. Returns unique_id, cluster_id (the
    smallest report id of the cluster) and attached (joined through its best pair only)."""
    ids = np.asarray(list(ids) if not isinstance(ids, np.ndarray | pd.Series) else ids)
    index = pd.Index(ids)
    if not index.is_unique:
        raise ValueError("report ids must be unique")
    n = len(ids)

    def positions(pair_list) -> tuple[np.ndarray, np.ndarray]:
        pair_list = list(pair_list)
        if not pair_list:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        a, b = zip(*pair_list, strict=True)
        pa, pb = index.get_indexer(list(a)), index.get_indexer(list(b))
        known = (pa >= 0) & (pb >= 0)  # decisions about reports not in this run are ignored
        return pa[known], pb[known]

    must_a, must_b = positions(must_link)
    cannot_a, cannot_b = positions(cannot_link)

    strong = pairs[pairs["match_probability"] >= threshold]
    edge_a = index.get_indexer(strong["unique_id_l"].to_numpy())
    edge_b = index.get_indexer(strong["unique_id_r"].to_numpy())
    probs = strong["match_probability"].to_numpy()
    keep = (edge_a >= 0) & (edge_b >= 0)
    edge_a, edge_b, probs = edge_a[keep], edge_b[keep], probs[keep]
    weak = np.zeros(n, dtype=bool)
    if attach_only is not None:
        weak_pos = index.get_indexer(list(attach_only))
        weak[weak_pos[weak_pos >= 0]] = True
    touches_weak = weak[edge_a] | weak[edge_b]
    weak_edges = (edge_a[touches_weak], edge_b[touches_weak], probs[touches_weak])
    edge_a, edge_b, probs = edge_a[~touches_weak], edge_b[~touches_weak], probs[~touches_weak]

    # Decisions first: must-links alone must not join a split pair.
    must_comp = _components(n, must_a, must_b)
    clash = must_comp[cannot_a] == must_comp[cannot_b]
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        raise ConflictingDecisions(
            f"confirmed matches join reports {ids[cannot_a[i]]!r} and {ids[cannot_b[i]]!r}, "
            "which a confirmed split keeps apart"
        )

    labels = _components(n, np.concatenate([must_a, edge_a]), np.concatenate([must_b, edge_b]))
    span = None
    bad = np.unique(labels[cannot_a][labels[cannot_a] == labels[cannot_b]])
    if dates is not None:
        lo = np.asarray(pd.array(list(dates[0]), dtype="Float64").to_numpy(na_value=np.nan))
        hi = np.asarray(pd.array(list(dates[1]), dtype="Float64").to_numpy(na_value=np.nan))
        span = (lo, hi)
        bad = np.union1d(bad, _date_clashes(labels, lo, hi))
    if len(bad):
        # Only components that would hold a split pair, or dates of two executions, need
        # the careful, ordered merge.
        labels = _constrained(
            n, labels, bad, must_a, must_b, edge_a, edge_b, probs, cannot_a, cannot_b, span
        )

    attached = np.zeros(n, dtype=bool)
    if weak.any() and len(weak_edges[0]):
        labels, attached = _attach(labels, weak, weak_edges, must_a, must_b, cannot_a, cannot_b)

    clusters = pd.DataFrame({"unique_id": ids, "label": labels, "attached": attached})
    clusters["cluster_id"] = clusters.groupby("label")["unique_id"].transform("min")
    return clusters[["unique_id", "cluster_id", "attached"]]


def _attach(labels, weak, weak_edges, must_a, must_b, cannot_a, cannot_b):
    """Each unnamed report joins the cluster of its best pair with a named report, unless
    a decision already placed it or a split forbids that cluster."""
    labels = labels.copy()
    attached = np.zeros(len(labels), dtype=bool)
    decided = set(must_a.tolist()) | set(must_b.tolist())
    forbid: dict[int, list[int]] = {}
    for a, b in zip(cannot_a.tolist(), cannot_b.tolist(), strict=True):
        forbid.setdefault(a, []).append(b)
        forbid.setdefault(b, []).append(a)
    a, b, p = weak_edges
    # Orient every pair as (unnamed report, other report); unnamed-unnamed pairs do not attach.
    node = np.where(weak[a], a, b)
    other = np.where(weak[a], b, a)
    ok = ~weak[other]
    # Several equally probable pairs (prisoners hanged together: same day, same province)
    # are taken in the order of the other report's position, not the backend's row order.
    order = _strongest_first(p[ok], node[ok], other[ok])
    done: set[int] = set()
    for x, y in zip(node[ok][order].tolist(), other[ok][order].tolist(), strict=True):
        if x in done or x in decided:
            continue
        target = labels[y]
        if any(labels[f] == target for f in forbid.get(x, ())):
            continue
        labels[x] = target
        attached[x] = True
        done.add(x)
    return labels, attached


def _date_clashes(labels: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The components holding two reports whose dates are more than DATE_SLACK days apart."""
    frame = pd.DataFrame({"label": labels, "lo": lo, "hi": hi}).dropna()
    if frame.empty:
        return np.empty(0, dtype=labels.dtype)
    by = frame.groupby("label")
    gap = by["lo"].max() - by["hi"].min()
    return gap.index[gap > DATE_SLACK].to_numpy()


def _constrained(
    n, labels, bad, must_a, must_b, edge_a, edge_b, probs, cannot_a, cannot_b, span=None
):
    in_bad = np.isin(labels, bad)
    uf = _UnionFind(n)
    forbid: dict[int, set[int]] = {}
    for a, b in zip(cannot_a.tolist(), cannot_b.tolist(), strict=True):
        forbid.setdefault(a, set()).add(b)
        forbid.setdefault(b, set()).add(a)
    # Per root: the latest first day and the earliest last day of its reports' dates.
    latest: dict[int, float] = {}
    earliest: dict[int, float] = {}
    if span is not None:
        for i in np.flatnonzero(in_bad & ~np.isnan(span[0]) & ~np.isnan(span[1])).tolist():
            latest[i], earliest[i] = float(span[0][i]), float(span[1][i])

    def gap(root: int) -> float:
        return latest[root] - earliest[root] if root in latest else 0.0

    def union(a: int, b: int, decided: bool = False) -> bool:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            return True
        fa, fb = forbid.get(ra, set()), forbid.get(rb, set())
        if any(uf.find(x) == rb for x in fa) or any(uf.find(x) == ra for x in fb):
            return False
        if ra in latest and rb in latest and not decided:
            joined = max(latest[ra], latest[rb]) - min(earliest[ra], earliest[rb])
            # A victim whose confirmed reports are dated far apart (a person decided so)
            # may take reports within DATE_SLACK of that span; the model adds no new clash.
            widest = max(gap(ra), gap(rb))
            allowed = widest + DATE_SLACK if widest > DATE_SLACK else DATE_SLACK
            if joined > allowed:
                return False
        uf.parent[rb] = ra
        if fb:
            forbid[ra] = fa | fb
            forbid.pop(rb, None)
        if rb in latest:
            latest[ra] = max(latest.get(ra, latest[rb]), latest[rb])
            earliest[ra] = min(earliest.get(ra, earliest[rb]), earliest[rb])
        return True

    for a, b in zip(must_a.tolist(), must_b.tolist(), strict=True):
        union(a, b, decided=True)  # checked above: never refused
    sel = in_bad[edge_a]
    order = _strongest_first(probs[sel], edge_a[sel], edge_b[sel])
    for a, b in zip(edge_a[sel][order].tolist(), edge_b[sel][order].tolist(), strict=True):
        union(a, b)
    new = labels.copy()
    offset = int(labels.max()) + 1
    for i in np.flatnonzero(in_bad).tolist():
        new[i] = offset + uf.find(i)
    return new
