"""Bayesian model averaging over decomposable graphs (Madigan & York 1997, as dga)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from django.utils import translation
from scipy import special

from panah.evidence.estimation import CaptureTable, dga, estimate_all
from panah.evidence.estimation import loglinear as ll
from panah.evidence.estimation.estimate import BMA_NAME
from panah.evidence.estimation.simulate import latent_class_population
from panah.evidence.statistics import model_name

from .test_estimation import population_with_missed_links


def madigan_york_three_lists() -> CaptureTable:
    """Madigan & York's (1997) three-list table, as dga's tests give it (R array order: the
    first list varies fastest)."""
    cells = [0, 60, 49, 4, 247, 112, 142, 12]
    counts = {(i & 1, i >> 1 & 1, i >> 2 & 1): c for i, c in enumerate(cells) if i}
    return CaptureTable.from_counts("ABC", counts)


def test_there_are_as_many_decomposable_graphs_as_labelled_chordal_graphs():
    # OEIS A058862: 8, 61, 822, 18,154 labelled chordal graphs on 3..6 nodes
    assert [len(dga.decomposable_graphs(k).edges) for k in (3, 4, 5, 6)] == [8, 61, 822, 18154]
    graphs = dga.decomposable_graphs(4)
    assert () in graphs.edges  # independence
    assert len(graphs.edges[-1]) == 6  # the complete graph comes last
    assert ((0, 1), (1, 2), (2, 3), (0, 3)) not in graphs.edges  # a chordless 4-cycle


def test_cliques_minus_separators_count_every_list_and_every_edge_once():
    # The running intersection property of a junction tree: summed over the cliques minus the
    # separators that hold it, every list counts once, every edge once and a non-edge never.
    for k in (4, 5):
        graphs = dga.decomposable_graphs(k)
        masks = np.arange(1 << k)
        assert np.allclose(graphs.coefficients.sum(axis=1), 1)
        for v in range(k):
            assert np.allclose(graphs.coefficients[:, masks >> v & 1 == 1].sum(axis=1), 1)
        for edges, row in zip(graphs.edges, graphs.coefficients, strict=True):
            for i, j in itertools.combinations(range(k), 2):
                holds = (masks >> i & 1 == 1) & (masks >> j & 1 == 1)
                assert row[holds].sum() == ((i, j) in edges)


def test_the_three_list_example_of_madigan_and_york_as_dga_checks_it():
    # dga's test: delta 1, their negative-binomial-like prior on N, N - n from 1 to 300, every
    # graph (the complete one too): top model weight 0.37, Bayes estimate under relative
    # squared loss 731, posterior modes 729 (top model) and 728 (averaged).
    table = madigan_york_three_lists()
    a, b = 13.14, 55.17

    def prior(n):
        return (
            n * np.log(b)
            - (n + a) * np.log1p(b)
            + special.gammaln(n + a)
            - special.gammaln(n + 1)
            - special.gammaln(a)
        )

    missing = np.arange(1, 301)
    logs = dga.log_posterior(table, missing, delta=1.0, log_prior=prior)
    joint = np.exp(logs - logs.max())
    joint /= joint.sum()
    total = missing + table.observed
    by_graph = joint.sum(axis=1)
    top = joint[np.argmax(by_graph)]
    averaged = joint.sum(axis=0)
    assert round(by_graph.max(), 2) == 0.37
    assert dga.decomposable_graphs(3).edges[np.argmax(by_graph)] == ((0, 1),)
    assert round((top / total).sum() / (top / total**2).sum()) == 731
    assert total[np.argmax(top)] == 729
    assert round((averaged / total).sum() / (averaged / total**2).sum()) == 731
    assert total[np.argmax(averaged)] == 728


def test_weights_and_posterior_each_sum_to_one_and_the_complete_graph_is_left_out():
    result = dga.bma(madigan_york_three_lists())
    assert result.weights.sum() == pytest.approx(1.0)
    assert result.posterior.sum() == pytest.approx(1.0)
    assert result.weights[-1] == 0.0 and result.graphs == 7
    assert result.low < result.median < result.high
    assert result.top[0] == ("A:B", pytest.approx(result.weights.max()))


def test_the_two_pass_grid_agrees_with_a_sum_over_every_n():
    table = latent_class_population(np.random.default_rng(3), 300, [1.0], [[0.2, 0.1, 0.15]])
    result = dga.bma(table)
    missing = np.arange(0, 100 * table.observed)
    logs = dga.log_posterior(table, missing, rows=np.arange(7))
    posterior = np.exp(logs - logs.max()).sum(axis=0)
    cdf = np.cumsum(posterior / posterior.sum())
    exact = missing[np.searchsorted(cdf, [0.025, 0.5, 0.975])] + table.observed
    assert [result.low, result.median, result.high] == pytest.approx(exact, abs=1.0)


def test_on_independent_lists_it_agrees_with_the_independence_model():
    table = latent_class_population(
        np.random.default_rng(11), 2000, [1.0], [[0.45, 0.35, 0.30, 0.25]]
    )
    result = dga.bma(table)
    independence = ll.fit_model(table)
    ll.profile_interval(table, independence)
    assert result.top[0][0] == "independence" and result.top[0][1] > 0.5
    assert result.median == pytest.approx(independence.estimate, rel=0.01)
    assert result.low == pytest.approx(independence.low, rel=0.02)
    assert result.high == pytest.approx(independence.high, rel=0.02)
    assert result.low < 2000 < result.high


def test_a_table_whose_lists_never_overlap_is_refused():
    table = CaptureTable.from_counts("ABC", {(1, 0, 0): 30, (0, 1, 0): 20, (0, 0, 1): 10})
    with pytest.raises(dga.NotEstimable, match="never overlap"):
        dga.bma(table)
    report = estimate_all(table, methods=("bma",))
    assert report.estimates == []
    assert [(s.name, s.reason) for s in report.skipped] == [
        (BMA_NAME, "nobody is on more than one list: the lists never overlap")
    ]


def test_two_lists_and_seven_are_refused_with_the_reason():
    two = CaptureTable.from_counts("AB", {(1, 0): 30, (0, 1): 50, (1, 1): 20})
    assert "at least 3 lists" in estimate_all(two, methods=("bma",)).skipped[0].reason
    seven = latent_class_population(np.random.default_rng(1), 500, [1.0], [[0.4] * 7])
    assert "up to 6 lists" in estimate_all(seven, methods=("bma",)).skipped[0].reason


def test_the_report_carries_the_graphs_and_the_linkage_correction_pools_the_draws():
    linkage = population_with_missed_links(seed=3)
    table = linkage.as_linked(("A", "B", "C", "D"))
    report = estimate_all(table, methods=("bma",), linkage=linkage, linkage_draws=10)
    (estimate,) = report.estimates
    assert estimate.name == BMA_NAME and estimate.interval == "posterior credible interval"
    assert estimate.details["graphs"] == 60 and estimate.details["prior_on_n"] == "1/N"
    assert sum(g["weight"] for g in estimate.details["top_graphs"]) <= 1.0
    adjusted = estimate.with_linkage
    assert adjusted["draws"] == 10 and adjusted["combined_by"] == "pooled"
    assert adjusted["low"] < adjusted["estimate"] < adjusted["high"]
    # the drawn tables mend missed links: fewer people unseen than on the table as linked
    assert adjusted["estimate"] < estimate.estimate


def test_pages_name_model_averaging_in_the_readers_language():
    with translation.override("fr"):
        assert model_name(BMA_NAME) == "moyenne de modèles (graphes décomposables)"
        assert model_name("latent-class (LCMCR)") == "latent-class (LCMCR)"
