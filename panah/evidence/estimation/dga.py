"""Bayesian model averaging over decomposable graphical models (Madigan & York 1997).

The method of HRDAG's R package `dga` (Johndrow, Lum & Ball). Each decomposable graph on the
k lists is a model of how the lists depend on each other (an edge: the two lists are not
independent given the others). Under a graph, the 2^k cell probabilities get a hyper-Dirichlet
prior (each cell `delta` prior people; every clique's and separator's marginal a Dirichlet), so
the probability of the complete table, with N - n people in the unobserved cell, is in closed
form: the product over cliques of their Dirichlet-multinomial marginal likelihoods divided by
the product over separators. With a prior on N (1/N, as dga and LCMCR) and equal prior weight
on every graph, that gives the joint posterior of (graph, N) on a grid of N; summed over graphs
it is the model-averaged posterior of N, whose median and quantiles are reported. The choice of
model is thereby part of the interval, which a selected log-linear model's interval leaves out.

Graphs are enumerated for 3 to `MAX_LISTS` lists (8, 61, 822 and 18,154 graphs); the grid of N
is found in two passes (a coarse logarithmic grid for where the posterior lies, then a fine one
there, keeping only graphs whose weight is not negligible).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import numpy as np
from scipy import special

from .captures import CaptureTable

MIN_LISTS = 3
MAX_LISTS = 6  # 18,154 graphs on 6 lists; 617,675 on 7
MAX_RATIO = 1e4  # the grid of the unobserved reaches this many times the documented count
COARSE_POINTS = 120
FINE_POINTS = 1200
# A graph, or a stretch of the grid, whose posterior mass is this many log units below the
# largest is left out (e^-30: 1e-13 of it).
LOG_NEGLIGIBLE = 30.0

Pair = tuple[int, int]


class NotEstimable(ValueError):
    """The table cannot give an estimate by model averaging (the reason is the message)."""


@dataclass(frozen=True)
class Graphs:
    """Every decomposable graph on k lists: its edges, and its cliques minus separators as a
    (graphs, 2^k) matrix of +1/-1 counts over subsets of lists (bit j: list j)."""

    k: int
    edges: tuple[tuple[Pair, ...], ...]
    coefficients: np.ndarray


@dataclass
class BMAResult:
    """The model-averaged posterior of N and the graphs' posterior weights."""

    observed: int
    median: float
    mean: float
    low: float
    high: float | None
    level: float
    delta: float
    graphs: int  # graphs averaged over
    grid: np.ndarray = field(repr=False)  # values of N
    upper: np.ndarray = field(repr=False)  # the last N each grid value stands for
    posterior: np.ndarray = field(repr=False)  # probability of each grid value (sums to 1)
    weights: np.ndarray = field(repr=False)  # posterior weight of every graph (sums to 1)
    edges: tuple[tuple[Pair, ...], ...] = field(repr=False)
    top: list[tuple[str, float]] = field(default_factory=list)  # (graph, weight), best first


def _is_clique(members: int, neighbours: list[int]) -> bool:
    for v in range(len(neighbours)):
        if members >> v & 1 and (neighbours[v] | 1 << v) & members != members:
            return False
    return True


def _cliques_if_chordal(k: int, neighbours: list[int]) -> list[int] | None:
    """The maximal cliques (bitmasks) of a chordal graph, or None if it has a chordless cycle:
    a graph is chordal when its vertices can be removed one at a time, each simplicial (its
    remaining neighbours a clique); each vertex with its remaining neighbours then covers
    every maximal clique."""
    remaining = (1 << k) - 1
    candidates = []
    while remaining:
        for v in range(k):
            if remaining >> v & 1:
                around = neighbours[v] & remaining
                if _is_clique(around, neighbours):
                    candidates.append(around | 1 << v)
                    remaining &= ~(1 << v)
                    break
        else:
            return None
    return [c for c in candidates if not any(c != d and c & d == c for d in candidates)]


def _separators(cliques: list[int]) -> list[int]:
    """The separators of a junction tree: a maximum-weight spanning tree of the cliques, the
    weight of two cliques being the lists they share (Kruskal); empty ones join components."""
    parent = list(range(len(cliques)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = sorted(
        combinations(range(len(cliques)), 2),
        key=lambda p: -(cliques[p[0]] & cliques[p[1]]).bit_count(),
    )
    separators = []
    for i, j in pairs:
        a, b = root(i), root(j)
        if a != b:
            parent[a] = b
            separators.append(cliques[i] & cliques[j])
    return separators


@lru_cache(maxsize=8)
def decomposable_graphs(k: int) -> Graphs:
    """Every decomposable (chordal) graph on k lists, with its cliques and separators; the
    complete graph comes last."""
    if not MIN_LISTS - 1 <= k <= MAX_LISTS:
        raise NotEstimable(f"graphs are enumerated for {MIN_LISTS} to {MAX_LISTS} lists")
    pairs = list(combinations(range(k), 2))
    edges, rows = [], []
    for code in range(1 << len(pairs)):
        chosen = tuple(p for b, p in enumerate(pairs) if code >> b & 1)
        neighbours = [0] * k
        for i, j in chosen:
            neighbours[i] |= 1 << j
            neighbours[j] |= 1 << i
        cliques = _cliques_if_chordal(k, neighbours)
        if cliques is None:
            continue
        row = np.zeros(1 << k)
        for c in cliques:
            row[c] += 1
        for s in _separators(cliques):
            row[s] -= 1
        edges.append(chosen)
        rows.append(row)
    return Graphs(k, tuple(edges), np.array(rows))


def _subset_terms(table: CaptureTable, delta: float, missing: np.ndarray) -> np.ndarray:
    """log marginal likelihood of each subset's marginal table (rows: subsets by bitmask,
    columns: the unobserved count), Dirichlet-multinomial with `delta` prior people per cell of
    the full table; the empty subset's term is zero."""
    k = len(table.lists)
    total_prior = delta * 2**k
    observed = table.observed
    # pattern bitmask of every observed cell (bit j: list j)
    codes = table.patterns.astype(np.int64) @ (1 << np.arange(k))
    counts = table.counts.astype(float)
    terms = np.zeros((1 << k, len(missing)))
    for subset in range(1, 1 << k):
        size = subset.bit_count()
        prior = delta * 2 ** (k - size)
        marginal = np.bincount(codes & subset, weights=counts, minlength=1 << k)
        cells = marginal[[c for c in range(1 << k) if c & subset == c]]
        # cells[0] is the marginal cell of people on none of these lists: the unobserved too
        seen = float(np.sum(special.gammaln(cells[1:] + prior) - special.gammaln(prior)))
        terms[subset] = (
            special.gammaln(total_prior)
            - special.gammaln(observed + missing + total_prior)
            + seen
            + special.gammaln(cells[0] + missing + prior)
            - special.gammaln(prior)
        )
    return terms


def log_posterior(
    table: CaptureTable,
    missing: np.ndarray,
    *,
    delta: float | None = None,
    log_prior: Callable[[np.ndarray], np.ndarray] | None = None,
    graphs: Graphs | None = None,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Unnormalised log posterior of (graph, unobserved count) for every decomposable graph
    (rows) and every count in `missing` (columns): the hyper-Dirichlet marginal likelihood of
    the completed table, the multinomial coefficient and the prior on N (default 1/N), with
    equal prior weight on every graph. `rows` restricts it to some graphs."""
    k = len(table.lists)
    graphs = graphs or decomposable_graphs(k)
    delta = 2.0**-k if delta is None else delta
    missing = np.asarray(missing, dtype=float)
    total = table.observed + missing
    coefficients = graphs.coefficients if rows is None else graphs.coefficients[rows]
    log_like = coefficients[:, 1:] @ _subset_terms(table, delta, missing)[1:]
    multinomial = special.gammaln(total + 1) - special.gammaln(missing + 1)
    prior = -np.log(total) if log_prior is None else log_prior(total)
    return log_like + multinomial + prior


def _cell_widths(grid: np.ndarray) -> np.ndarray:
    """How many whole numbers each grid point stands for (1 on a grid of whole numbers)."""
    if len(grid) == 1:
        return np.ones(1)
    gaps = np.diff(grid)
    widths = np.empty(len(grid))
    widths[1:-1] = (gaps[:-1] + gaps[1:]) / 2
    widths[0] = gaps[0] / 2 + 0.5
    widths[-1] = gaps[-1] / 2 + 0.5
    return widths


def _logsumexp(values: np.ndarray, axis: int | None = None) -> np.ndarray:
    """log(sum(exp(values))) along an axis (scipy's is several times slower here)."""
    top = np.max(values, axis=axis, keepdims=True)
    total = np.log(np.sum(np.exp(values - top), axis=axis, keepdims=True)) + top
    return total.squeeze() if axis is None else np.squeeze(total, axis=axis)


def _upper_edges(grid: np.ndarray) -> np.ndarray:
    """The last whole number each grid point stands for (the point itself on a grid of whole
    numbers), where the distribution function has added that point's mass."""
    upper = grid.astype(float).copy()
    upper[:-1] += np.diff(grid) / 2 - 0.5
    return upper


def _no_overlap(table: CaptureTable) -> bool:
    return not np.any(table.counts[table.patterns.sum(axis=1) > 1])


def bma(
    table: CaptureTable,
    *,
    level: float = 0.95,
    delta: float | None = None,
    log_prior: Callable[[np.ndarray], np.ndarray] | None = None,
    saturated: bool = False,
) -> BMAResult:
    """Average N's posterior over every decomposable graph on the table's lists (Madigan &
    York 1997, as dga): posterior median, mean and equal-tailed credible interval. Raises
    NotEstimable when the table cannot say anything about the unobserved.

    The complete graph (the saturated model) is left out unless `saturated`: under it the
    unobserved cell has a Dirichlet of its own, so its posterior of N is its prior's, whatever
    the table (with delta = 2^-k, most of it at "nobody was missed"). dga keeps it; the
    log-linear models here never fit it either."""
    k = len(table.lists)
    if k < MIN_LISTS:
        raise NotEstimable(f"model averaging over graphs needs at least {MIN_LISTS} lists")
    if k > MAX_LISTS:
        raise NotEstimable(
            f"model averaging over graphs is enumerated up to {MAX_LISTS} lists, not {k}"
        )
    if _no_overlap(table):
        raise NotEstimable("nobody is on more than one list: the lists never overlap")
    graphs = decomposable_graphs(k)
    delta = 2.0**-k if delta is None else delta
    n = table.observed
    limit = MAX_RATIO * max(n, 1)
    # Pass 1: a logarithmic grid over 0 .. limit finds where the posterior lies and which
    # graphs matter.
    coarse = np.unique(np.round(np.concatenate([[0.0], np.geomspace(1, limit, COARSE_POINTS)])))
    candidates = np.arange(len(graphs.edges) - (0 if saturated else 1))  # complete graph last
    logs = log_posterior(
        table, coarse, delta=delta, log_prior=log_prior, graphs=graphs, rows=candidates
    )
    logs += np.log(_cell_widths(coarse))
    graph_mass = _logsumexp(logs, axis=1)
    rows = candidates[graph_mass > graph_mass.max() - LOG_NEGLIGIBLE]
    mass = _logsumexp(logs[rows], axis=0)  # of each coarse cell
    alive = np.flatnonzero(mass > mass.max() - LOG_NEGLIGIBLE)
    unbounded = alive[-1] == len(coarse) - 1
    low_end = coarse[max(alive[0] - 1, 0)]
    high_end = coarse[min(alive[-1] + 1, len(coarse) - 1)]
    # Pass 2: whole numbers where the density per person is high (evenly spread when there are
    # too many), and a logarithmic grid over the rest of where the mass lies (a long tail).
    density = mass - np.log(_cell_widths(coarse))
    bulk = np.flatnonzero(density > density.max() - LOG_NEGLIGIBLE / 2)
    bulk_low = coarse[max(bulk[0] - 1, 0)]
    bulk_high = coarse[min(bulk[-1] + 1, len(coarse) - 1)]
    if bulk_high - bulk_low + 1 <= FINE_POINTS:
        centre = np.arange(bulk_low, bulk_high + 1)
    else:
        centre = np.linspace(bulk_low, bulk_high, FINE_POINTS)
    spread = np.geomspace(max(low_end, 1.0), max(high_end, 1.0), COARSE_POINTS)
    fine = np.unique(np.round(np.concatenate([[low_end, high_end], centre, spread])))
    logs = log_posterior(
        table, fine, delta=delta, log_prior=log_prior, graphs=graphs, rows=rows
    ) + np.log(_cell_widths(fine))
    logs -= _logsumexp(logs)
    joint = np.exp(logs)
    posterior = joint.sum(axis=0)
    weights = np.zeros(len(graphs.edges))
    weights[rows] = joint.sum(axis=1)
    totals = n + fine
    cdf = np.cumsum(posterior)
    upper = n + _upper_edges(fine)
    tail = (1 - level) / 2

    def quantile(q: float) -> float:
        return float(np.interp(q, cdf, upper))

    # The upper end is unknown when it falls in the grid's last cell (a tail the grid cuts).
    unbounded = unbounded and cdf[-2] < 1 - tail
    order = np.argsort(-weights)[:5]
    return BMAResult(
        observed=n,
        median=quantile(0.5),
        mean=float(posterior @ totals),
        low=max(quantile(tail), float(n)),
        high=None if unbounded else quantile(1 - tail),
        level=level,
        delta=delta,
        graphs=len(candidates),
        grid=totals,
        upper=upper,
        posterior=posterior,
        weights=weights,
        edges=graphs.edges,
        top=[(graph_terms(table.lists, graphs.edges[i]), float(weights[i])) for i in order],
    )


def graph_terms(lists: tuple[str, ...], edges: tuple[Pair, ...]) -> str:
    """A graph's edges as `A:B + B:C`, or `independence`."""
    if not edges:
        return "independence"
    return " + ".join(f"{lists[i]}:{lists[j]}" for i, j in edges)


def pooled(results: list[BMAResult], level: float) -> dict[str, float]:
    """The mixture of several posteriors of N (one per drawn table, equally weighted): its
    median and equal-tailed interval, read off the averaged distribution function."""
    points = np.unique(np.concatenate([r.upper for r in results]))
    cdf = np.zeros(len(points))
    for r in results:
        cdf += np.interp(points, r.upper, np.cumsum(r.posterior), left=0.0, right=1.0)
    cdf /= len(results)
    tail = (1 - level) / 2

    def quantile(q: float) -> float:
        return float(np.interp(q, cdf, points))

    return {
        "estimate": quantile(0.5),
        "low": max(quantile(tail), float(min(r.observed for r in results))),
        "high": None if any(r.high is None for r in results) else quantile(1 - tail),
    }


__all__ = [
    "BMAResult",
    "Graphs",
    "MAX_LISTS",
    "NotEstimable",
    "bma",
    "decomposable_graphs",
    "graph_terms",
    "log_posterior",
    "pooled",
]
