"""Multiple systems estimation: log-linear models, LCMCR, capture files and the command."""

from __future__ import annotations

import io
import itertools
import json

import numpy as np
import pytest
import statsmodels.api as sm
from django.core.management import call_command
from django.core.management.base import CommandError
from scipy import special, stats

from panah.evidence.estimation import (
    CaptureFileError,
    CaptureTable,
    estimate_all,
    parse_capture_csv,
    read_capture_file,
)
from panah.evidence.estimation import loglinear as ll
from panah.evidence.estimation.lcmcr import lcmcr
from panah.evidence.estimation.simulate import latent_class_population, table_from_matrix

LIGHT_LCMCR = {"burn_in": 300, "samples": 100, "thin": 1}


def rcapture_table(k: int, counts: list[int]) -> CaptureTable:
    """A table given in Rcapture's histpos.t(k) order (111, 110, 101, 100, 011, ...)."""
    patterns = [p for p in itertools.product((1, 0), repeat=k) if any(p)]
    return CaptureTable.from_counts("ABCD"[:k], dict(zip(patterns, counts, strict=True)))


def fitted(table: CaptureTable, interactions=()) -> ll.LogLinearFit:
    fit = ll.fit_model(table, interactions)
    ll.profile_interval(table, fit)
    return fit


# --- log-linear models --------------------------------------------------------------------


def test_two_list_independence_model_is_lincoln_petersen():
    # 50 on list A, 70 on list B, 20 on both: N = 50 * 70 / 20 = 175
    table = CaptureTable.from_counts("AB", {(1, 0): 30, (0, 1): 50, (1, 1): 20})
    fit = fitted(table)
    assert fit.estimate == pytest.approx(175.0, abs=1e-6)
    assert fit.unobserved == pytest.approx(75.0, abs=1e-6)
    assert fit.low == pytest.approx(135.55, abs=0.01)
    assert fit.high == pytest.approx(241.06, abs=0.01)


def test_three_list_model_with_every_interaction_has_its_closed_form():
    counts = {(1, 0, 0): 40, (0, 1, 0): 30, (0, 0, 1): 50}
    counts |= {(1, 1, 0): 12, (1, 0, 1): 15, (0, 1, 1): 10, (1, 1, 1): 4}
    table = CaptureTable.from_counts("ABC", counts)
    fit = ll.fit_model(table, ((0, 1), (0, 2), (1, 2)))
    assert fit.unobserved == pytest.approx(40 * 30 * 50 * 4 / (12 * 15 * 10), rel=1e-6)
    assert fit.df == 0


def test_profile_interval_equals_brute_force_multinomial_likelihood():
    # Under independence (Mt) the multinomial profile likelihood has a closed form:
    # p_j = n_j / N, so the interval can be found on a fine grid of N.
    table = rcapture_table(3, [4, 12, 15, 40, 10, 30, 50])
    fit = fitted(table)
    n, totals = table.observed, np.array(list(table.list_totals.values()))
    grid = np.arange(n, 1000, 0.005)
    loglik = special.gammaln(grid + 1) - special.gammaln(grid - n + 1)
    for t in totals:
        loglik += t * np.log(t / grid) + (grid - t) * np.log1p(-t / grid)
    inside = grid[loglik >= loglik.max() - stats.chi2.ppf(0.95, 1) / 2]
    assert fit.low == pytest.approx(inside.min(), abs=0.01)
    assert fit.high == pytest.approx(inside.max(), abs=0.01)


@pytest.mark.parametrize(
    ("k", "counts", "interactions", "estimate", "deviance", "df", "low", "high"),
    [
        # Rivest (2011), R3 data of Darroch et al. (1993)
        (3, [72, 155, 7, 71, 13, 53, 43], ((0, 1), (0, 2), (1, 2)), 1240, 0.0, 0, None, None),
        (3, [72, 155, 7, 71, 13, 53, 43], ((0, 1), (1, 2)), 850, 3.8, 1, None, None),
        # Bruno et al. (1994) diabetes data, Rivest (2011)
        (4, [58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10],
         ((0, 1), (0, 2), (1, 2), (1, 3), (2, 3)), 2771, 7.62, 5, None, None),
        (4, [58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10],
         ((0, 2), (1, 3), (2, 3)), 2472, 21.97, 7, None, None),
        # Cormack, Chang and Smith (2000), tables 3a and 3b
        (3, [72, 5, 29, 54, 24, 3, 14], (), 209, 75.1, 3, 203, 217),
        (3, [72, 5, 29, 54, 24, 3, 14], ((1, 2),), None, 1.2, 2, 210, None),
        (3, [72, 5, 29, 54, 24, 3, 14], ((0, 2), (1, 2)), 233, None, 1, 204, None),
        (4, [72, 5, 29, 53, 24, 3, 12, 14, 0, 0, 0, 1, 0, 0, 2], (), 215, 87.1, 10, None, None),
        (4, [72, 5, 29, 53, 24, 3, 12, 14, 0, 0, 0, 1, 0, 0, 2],
         ((0, 1), (0, 2), (2, 3)), 218, 2.6, 7, None, None),
    ],
)  # fmt: skip
def test_log_linear_models_reproduce_rcapture_published_results(
    k, counts, interactions, estimate, deviance, df, low, high
):
    # The expected values are those Rcapture's own test suite checks against the papers.
    fit = fitted(rcapture_table(k, counts), interactions)
    assert fit.ok
    if estimate is not None:
        assert round(fit.estimate) == estimate
    if deviance is not None:
        assert round(fit.deviance, 2 if deviance != round(deviance, 1) else 1) == deviance
    assert fit.df == df
    if low is not None:
        assert round(fit.low) == low
    if high is not None:
        assert round(fit.high) == high


def test_model_whose_zero_cells_leave_n_unidentified_is_skipped_with_its_reason():
    # Rcapture reports N > 1,000,000 for this one (Cormack et al. 2000, table 3a)
    table = rcapture_table(4, [72, 5, 29, 53, 24, 3, 12, 14, 0, 0, 0, 1, 0, 0, 2])
    fit = ll.fit_model(table, tuple(itertools.combinations(range(4), 2)))
    assert not fit.ok
    assert fit.problem == "zero cells leave the number on no list unidentifiable"


def test_two_lists_that_never_overlap_give_no_log_linear_estimate():
    table = CaptureTable.from_counts("AB", {(1, 0): 30, (0, 1): 50, (1, 1): 0})
    report = estimate_all(table, methods=("loglinear",))
    assert report.estimates == []
    assert [s.name for s in report.skipped] == ["log-linear (independence)"]
    assert "no log-linear model gave a finite estimate for this table" in report.notes


def test_every_identifiable_two_way_model_is_a_candidate():
    assert len(ll.candidate_models(2)) == 1
    assert len(ll.candidate_models(3)) == 8
    assert len(ll.candidate_models(4)) == 64


def test_selection_by_bic_finds_the_dependence_that_was_simulated():
    rng = np.random.default_rng(1)
    size = 2000
    a = rng.random(size) < 0.5
    b = rng.random(size) < np.where(a, 0.7, 0.15)  # B copies A
    c = rng.random(size) < 0.4
    table = table_from_matrix(np.column_stack([a, b, c]))
    report = estimate_all(table, methods=("loglinear",))
    chosen = {e.name: e.selected_by for e in report.estimates}
    assert chosen["log-linear (A:B)"] == ["AIC", "BIC"]
    independence = next(e for e in report.estimates if e.name == "log-linear (independence)")
    dependent = next(e for e in report.estimates if e.name == "log-linear (A:B)")
    assert independence.high < size  # independence misses people; the chosen model does not
    assert dependent.low < size < dependent.high


def test_newton_refit_agrees_with_statsmodels():
    table = rcapture_table(3, [72, 155, 7, 71, 13, 53, 43])
    x = ll.design_matrix(table.patterns, ((0, 1),))
    y = table.counts.astype(float)
    reference = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    beta, deviance = ll._poisson_newton(x, y, np.zeros(x.shape[1]))
    assert np.allclose(beta, reference.params, atol=1e-7)
    assert deviance == pytest.approx(reference.deviance, abs=1e-8)


def test_many_lists_are_searched_stepwise():
    rng = np.random.default_rng(3)
    table = latent_class_population(rng, 1500, [1], [[0.3, 0.2, 0.25, 0.2, 0.3, 0.25]])
    report = estimate_all(table, methods=("loglinear",))
    assert report.notes == [
        "6 lists: log-linear models chosen by forward stepwise search, not enumeration"
    ]
    assert len(report.candidates) < 2**15
    assert all(e.low < 1500 < e.high for e in report.estimates)


# --- LCMCR --------------------------------------------------------------------------------


def test_lcmcr_recovers_the_size_of_a_simulated_independent_population():
    rng = np.random.default_rng(11)
    table = latent_class_population(rng, 1000, [1], [[0.5, 0.4, 0.3]])
    result = lcmcr(table, burn_in=1000, samples=400, thin=2, seed=1)
    assert result.low < 1000 < result.high
    assert abs(result.median - 1000) < 100
    assert result.observed == table.observed == 791
    assert result.draws.min() >= table.observed


def test_lcmcr_covers_a_heterogeneous_population_that_independence_misses():
    # The two-class simulation of Manrique-Vallier (2016): 90% of people are rarely listed.
    q = [[0.033, 0.033, 0.099, 0.132, 0.033], [0.660, 0.825, 0.759, 0.990, 0.693]]
    table = latent_class_population(np.random.default_rng(5), 2000, [0.9, 0.1], q)
    independence = fitted(table)
    assert independence.high < 2000
    result = lcmcr(table, burn_in=1000, samples=300, thin=2, seed=2)
    assert result.low < 2000 < result.high


def test_lcmcr_gives_the_same_draws_for_the_same_seed():
    table = rcapture_table(3, [72, 155, 7, 71, 13, 53, 43])
    first = lcmcr(table, burn_in=200, samples=50, thin=1, seed=9)
    second = lcmcr(table, burn_in=200, samples=50, thin=1, seed=9)
    assert np.array_equal(first.draws, second.draws)


def test_lcmcr_is_skipped_below_three_lists():
    table = CaptureTable.from_counts("AB", {(1, 0): 30, (0, 1): 50, (1, 1): 20})
    report = estimate_all(table, methods=("lcmcr",))
    assert report.estimates == []
    assert report.skipped[0].reason == "the latent-class model needs at least 3 lists"


# --- capture tables and files -------------------------------------------------------------


def test_table_from_each_victims_sources():
    table = CaptureTable.from_source_sets(
        [{"IHR", "HRANA"}, {"IHR"}, {"Amnesty", "IHR", "HRANA"}, {"HRANA"}, {"IHR"}, set()]
    )
    assert table.lists == ("Amnesty", "HRANA", "IHR")
    assert table.observed == 5
    assert {tuple(r.values())[:3]: r["count"] for r in table.as_rows() if r["count"]} == {
        (0, 0, 1): 2,
        (0, 1, 0): 1,
        (0, 1, 1): 1,
        (1, 1, 1): 1,
    }
    assert table.list_totals == {"Amnesty": 1, "HRANA": 3, "IHR": 4}


def test_lists_that_document_nobody_are_left_out_with_a_note():
    table = CaptureTable.from_counts(
        "ABC", {(1, 0, 0): 30, (0, 1, 0): 50, (1, 1, 0): 20, (0, 0, 1): 0}
    )
    report = estimate_all(table, methods=("loglinear",))
    assert report.lists == ("A", "B")
    assert report.notes[0] == "left out lists that document nobody: C"
    assert report.estimates[0].estimate == pytest.approx(175.0)


def test_capture_file_with_semicolons_a_bom_and_one_row_per_person(tmp_path):
    path = tmp_path / "captures.csv"
    path.write_text("\ufeffIHR;HRANA;Count\n1;0;1\n1;0;1\n0;1;3\n1;1;2\n\n0;0;0\n", "utf-8")
    table = read_capture_file(path)
    assert table.lists == ("IHR", "HRANA")
    assert table.observed == 7
    assert table.list_totals == {"IHR": 4, "HRANA": 5}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A,B,count\n1,2,5\n", "line 2, column B: '2' is not 0 or 1"),
        ("A,B,count\nyes,0,5\n", "line 2, column A: 'yes' is not 0 or 1"),
        (
            "A,B,C\n1,0,1\n",
            "no count column: the header needs a column named 'count' (found: A, B, C)",
        ),
        ("A,B,count\n1,0,-3\n", "line 2: count -3 is negative"),
        ("A,B,count\n1,0,2.5\n", "line 2: count '2.5' is not a whole number"),
        ("A,count\n1,5\n", "at least 2 lists are needed to estimate anything, found 1"),
        ("A,B,count\n1,0\n", "line 2: 2 fields, the header has 3"),
        ("", "the file is empty"),
        ("A,B,count\n", "the file has a header but no rows"),
        ("A,B,count\n0,0,4\n", "line 2: a row on no list cannot have been observed (count 4)"),
        ("A,B,count\n1,0,0\n", "every count is zero: nobody was documented"),
        ("A,A,count\n1,0,1\n", "list names must be unique"),
    ],
)
def test_malformed_capture_files_are_refused_with_the_reason(text, message):
    with pytest.raises(CaptureFileError) as caught:
        parse_capture_csv(io.StringIO(text))
    assert message in caught.value.errors


def test_every_bad_row_is_reported_not_only_the_first():
    with pytest.raises(CaptureFileError) as caught:
        parse_capture_csv(io.StringIO("A,B,count\n1,x,1\n1,0,-1\n0,1,1\n"))
    assert caught.value.errors == [
        "line 2, column B: 'x' is not 0 or 1",
        "line 3: count -1 is negative",
    ]


# --- the command --------------------------------------------------------------------------


@pytest.fixture
def capture_file(tmp_path):
    path = tmp_path / "captures.csv"
    path.write_text(
        "A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,50\n1,1,0,12\n1,0,1,15\n0,1,1,10\n1,1,1,4\n"
    )
    return path


def light_args():
    return ["--burn-in", "300", "--samples", "100", "--thin", "1"]


def test_command_prints_every_model_as_json(capture_file):
    out = io.StringIO()
    call_command("evidence_estimate", "--captures", str(capture_file), "--format", "json",
                 *light_args(), stdout=out)  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["observed"] == 161
    assert data["documented"] == "at least 161"
    names = [e["name"] for e in data["estimates"]]
    assert names == [
        "log-linear (independence)",
        "latent-class (LCMCR)",
        "model averaging (decomposable graphs)",
    ]
    for estimate in data["estimates"]:
        assert set(estimate) >= {"name", "estimate", "low", "high", "method", "observed"}
        assert estimate["low"] <= estimate["estimate"] <= estimate["high"]
        assert estimate["observed"] == 161
    assert data["estimates"][0]["estimate"] == pytest.approx(286.99, abs=0.01)
    assert len(data["candidates"]) == 8
    assert "not counts" in data["warning"]


def test_command_text_says_what_is_counted_and_what_is_estimated(capture_file):
    out = io.StringIO()
    call_command("evidence_estimate", "--captures", str(capture_file), "--methods", "loglinear",
                 stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "Documented: at least 161 distinct people (a count)." in text
    assert "log-linear (independence) [AIC, BIC]: about 287 (95% interval 238–356)" in text
    assert "Warning: These are estimates, not counts." in text
    assert "positive dependence" in text


def test_command_refuses_a_malformed_file_with_every_reason(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("A,B,count\n1,2,1\n1,1,-4\n")
    with pytest.raises(CommandError) as caught:
        call_command("evidence_estimate", "--captures", str(path))
    assert str(caught.value) == (
        "The capture file cannot be used:\n"
        "  - line 2, column B: '2' is not 0 or 1\n"
        "  - line 3: count -4 is negative"
    )


def test_command_needs_a_capture_file_and_sane_options(capture_file, tmp_path):
    with pytest.raises(CommandError, match="--captures FILE"):
        call_command("evidence_estimate")
    with pytest.raises(CommandError, match="no such file"):
        call_command("evidence_estimate", "--captures", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="unknown method"):
        call_command("evidence_estimate", "--captures", str(capture_file), "--methods", "magic")
    with pytest.raises(CommandError, match="level"):
        call_command("evidence_estimate", "--captures", str(capture_file), "--level", "1.5")
    with pytest.raises(CommandError, match="--thin must be at least 1"):
        call_command("evidence_estimate", "--captures", str(capture_file), "--thin", "0")


# --- the latent-class sampler runs long enough ----------------------------------------------

# Killings in Kosovo, 20 March - 22 June 1999, on four lists (exhumations, the American Bar
# Association, the OSCE, Human Rights Watch): Ball et al. (2002), the table Manrique-Vallier
# (2016) fits with LCMCR. 4,400 people documented.
KOSOVO = {
    (0, 0, 0, 1): 306, (0, 0, 1, 0): 936, (0, 0, 1, 1): 123, (0, 1, 0, 0): 845,
    (0, 1, 0, 1): 31, (0, 1, 1, 0): 217, (0, 1, 1, 1): 32, (1, 0, 0, 0): 1131,
    (1, 0, 0, 1): 106, (1, 0, 1, 0): 228, (1, 0, 1, 1): 42, (1, 1, 0, 0): 177,
    (1, 1, 0, 1): 18, (1, 1, 1, 0): 181, (1, 1, 1, 1): 27,
}  # fmt: skip


def test_lcmcr_on_the_kosovo_table_runs_until_n_has_400_effective_draws_and_chains_agree():
    table = CaptureTable.from_counts(("EXH", "ABA", "OSCE", "HRW"), KOSOVO)
    assert table.observed == 4400
    result = lcmcr(table, seed=2016)  # the command's defaults
    assert result.chains >= 2
    assert result.effective_sample_size >= 400
    assert result.rhat is not None and result.rhat < 1.05
    # the posterior Manrique-Vallier (2016) reports: median about 10,000-10,500
    assert 9_000 < result.median < 12_000 and result.low < result.median < result.high


def test_a_short_run_says_it_is_short_and_the_report_carries_ess_and_rhat():
    table = CaptureTable.from_counts(("EXH", "ABA", "OSCE", "HRW"), KOSOVO)
    options = {"burn_in": 200, "samples": 50, "thin": 1, "chains": 2, "min_ess": 0}
    report = estimate_all(table, methods=("lcmcr",), seed=1, lcmcr_options=options)
    details = report.estimates[0].details
    assert details["chains"] == 2 and details["rhat"] is not None
    assert details["effective_sample_size"] < 400
    assert any("effectively independent draws" in note for note in report.notes)


def test_convergence_flags_chains_that_disagree():
    from panah.evidence.estimation.lcmcr import convergence

    rng = np.random.default_rng(0)
    same = rng.normal(size=(4, 500))
    ess, rhat = convergence(same)
    assert ess > 1500 and rhat < 1.01
    apart = same + np.array([[0.0], [0.0], [3.0], [3.0]])
    assert convergence(apart)[1] > 1.5


# --- linkage uncertainty -----------------------------------------------------------------------


def test_a_victim_of_two_reports_is_split_as_often_as_the_link_is_doubtful():
    from panah.evidence.estimation import LinkageUncertainty

    rows = [(1, "A", "v1", 0.7), (2, "B", "v1", 0.7), (3, "A", "v2", None), (4, "C", "v3", None)]
    linkage = LinkageUncertainty.build(rows, [(3, 4, 0.25)])
    assert linkage.as_linked(("A", "B", "C")).observed == 3
    rng = np.random.default_rng(1)
    people = np.array([t.observed for t in linkage.draws(4000, rng, ("A", "B", "C"))])
    # 3 people as linked; +1 when 1-2 splits (0.3), -1 when 3-4 joins (0.25)
    assert np.mean(people) == pytest.approx(3 + 0.3 - 0.25, abs=0.03)
    assert linkage.uncertain_links == 2


def test_decided_pairs_and_joins_inside_one_victim_are_never_drawn():
    from panah.evidence.estimation import LinkageUncertainty

    rows = [(1, "A", "v1", None), (2, "B", "v1", None), (3, "C", "v2", 1.0)]
    linkage = LinkageUncertainty.build(rows, [(1, 2, 0.5), (9, 3, 0.9)])
    assert linkage.uncertain_links == 0
    rng = np.random.default_rng(2)
    assert {t.observed for t in linkage.draws(50, rng)} == {2}


def population_with_missed_links(seed: int, size: int = 1000):
    """People on four independent lists whose linkage missed about 10% of the links of
    people reported twice or more; each missed link is a candidate pair of probability 0.6."""
    from panah.evidence.estimation import LinkageUncertainty

    rng = np.random.default_rng(seed)
    rows, joins, rid = [], [], 0
    for person in range(size):
        reports = []
        for name, p in zip("ABCD", (0.45, 0.35, 0.30, 0.25), strict=True):
            if rng.random() < p:
                rows.append([rid, name, person, 0.99])
                reports.append(rid)
                rid += 1
        if len(reports) > 1 and rng.random() < 0.1:
            alone = reports[-1]
            rows[alone][2:] = [("alone", alone), None]
            joins.append((reports[0], alone, 0.6))
    return LinkageUncertainty.build([tuple(r) for r in rows], joins)


def test_missed_links_inflate_the_plain_estimate_and_the_linkage_interval_recovers_the_truth():
    linkage = population_with_missed_links(seed=3)
    table = linkage.as_linked(("A", "B", "C", "D"))
    report = estimate_all(table, methods=("loglinear",), linkage=linkage, linkage_draws=20)
    independence = next(e for e in report.estimates if e.name.endswith("(independence)"))
    assert independence.low > 1000  # the plain interval misses the true 1,000
    adjusted = independence.with_linkage
    assert adjusted["draws"] == 20 and adjusted["combined_by"] == "Rubin"
    assert adjusted["low"] <= 1000 <= adjusted["high"]
    assert report.linkage["documented_low"] < table.observed
    assert report.linkage["uncertain_links"] > 0


def test_the_command_prints_the_linkage_interval_beside_the_plain_one():
    from panah.evidence.estimation.cli import report_as_json, report_as_text

    linkage = population_with_missed_links(seed=4, size=600)
    table = linkage.as_linked(("A", "B", "C", "D"))
    report = estimate_all(table, methods=("loglinear",), linkage=linkage, linkage_draws=5, seed=1)
    text = report_as_text(report)
    assert "with linkage uncertainty" in text and "allowing for linkage uncertainty" in text
    assert "clusterings drawn from the linkage's match probabilities" in " ".join(text.split())
    data = json.loads(json.dumps(report_as_json(report)))
    assert data["linkage"]["draws"] == 5
    assert all(e["with_linkage"]["estimate"] for e in data["estimates"])


def test_a_clerical_check_finding_missed_links_joins_one_source_victims_in_the_draws():
    from panah.evidence.estimation import ClericalCheck, LinkageUncertainty

    # 20 people seen by A only and 20 by B and C, as linked; the check found each of the 5
    # A-only victims it looked at to be a B-and-C victim already counted.
    rows = [(i, "A", f"a{i}", None) for i in range(20)]
    rows += [(100 + i, "B", f"b{i}", 0.99) for i in range(20)]
    rows += [(200 + i, "C", f"b{i}", 0.99) for i in range(20)]
    linkage = LinkageUncertainty.build(rows)
    assert linkage.as_linked(("A", "B", "C")).observed == 40
    found = ClericalCheck(one_source=(("A", frozenset({"B", "C"})),) * 5)
    tables = list(linkage.with_check(found).draws(300, np.random.default_rng(4), ("A", "B", "C")))
    # each A-only victim is joined at the share missed, drawn from Beta(5.5, 0.5): 0.92 on average
    assert np.mean([t.observed for t in tables]) == pytest.approx(40 - 20 * 0.917, abs=1.0)
    assert all(t.as_rows()[-1]["count"] == 40 - t.observed for t in tables)  # on A, B and C
    # a check finding no missed link still allows for a few (Beta(0.5, 20.5): 2.4% on average)
    none = ClericalCheck(one_source=(("A", None),) * 20)
    people = [t.observed for t in linkage.with_check(none).draws(300, np.random.default_rng(5))]
    assert min(people) < 40 and np.mean(people) == pytest.approx(40 - 20 * 0.024, abs=0.3)


def test_a_clerical_check_finding_wrong_joins_splits_victims_at_the_rate_found():
    from panah.evidence.estimation import ClericalCheck, LinkageUncertainty

    rows = []
    for person in range(200):
        rows += [(2 * person, "A", person, 0.95), (2 * person + 1, "B", person, 0.95)]
    rows.append((999, "C", "decided", None))  # a victim a person decided is never split
    linkage = LinkageUncertainty.build(rows)
    check = ClericalCheck(several=(True,) + (False,) * 9)  # 1 of 10 checked was two people
    people = [t.observed for t in linkage.with_check(check).draws(400, np.random.default_rng(6))]
    # split at the share found, drawn from its posterior Beta(1.5, 9.5) (13.6% on average)
    assert np.mean(people) == pytest.approx(201 + 200 * 1.5 / 11, abs=5)
    assert np.std(people) > 12  # wider than a fixed rate would give (about 5)
    assert check.summary() == {
        "one_source_checked": 0, "missed_links": 0, "several_checked": 10, "wrong_joins": 1,
    }  # fmt: skip
