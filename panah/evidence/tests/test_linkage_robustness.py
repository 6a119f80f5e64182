# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)
"""Linkage that never refuses: generated sets of every kind link, degenerate levels included.

The sets come from linkage_sets, a generator independent of panah.evidence.synthetic. Sizes
stay small here (a few hundred to a few thousand reports); bench/linkage_robustness.py links
the large ones.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from django.core.management import call_command
from django_scopes import scope

from panah.evidence import linkage_runs
from panah.evidence.linkage import link_reports, prepare_reports
from panah.evidence.linkage import model as linkage_model
from panah.evidence.linkage_runs import run_linkage
from panah.evidence.models import LinkageRun

from .linkage_sets import SetSpec, generate_set
from .linking_fixtures import (  # noqa: F401
    _linkage_settings,
    add_reports,
    researcher,
    starter_model,
)

SETS = [
    SetSpec(300, seed=1),
    SetSpec(800, namesakes=0.95, seed=2),
    # Reproduces the original failure: EM drives a level of the second session to m = 0.0
    # ("m_probability value 0.0 is below the minimum allowed value").
    SetSpec(1000, noise=0.3, seed=3),
    SetSpec(1000, day_share=0.1, seed=4),
    SetSpec(1500, sources=1, persian_share=1.0, seed=5),
    SetSpec(1500, sources=6, persian_share=0.5, field_rate=0.3, seed=6),
    SetSpec(3000, namesakes=0.6, noise=0.1, day_share=0.5, seed=7),
]


def prepared(spec: SetSpec):
    frame = generate_set(spec)
    out = prepare_reports(frame, id_column="source_reference")
    out["unique_id"] = np.arange(len(out))
    return frame, out


def starter(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def splink_training():
    """Splink's training class, to inject its failures (fault injection only)."""
    from splink.internals.linker_components.training import LinkerTraining

    return LinkerTraining


def assert_linked(result, n_reports: int) -> None:
    """Every report has a victim, and the scores are real probabilities."""
    assert len(result.clusters) == n_reports
    assert 0 < result.n_victims < n_reports
    probabilities = result.pairs["match_probability"].to_numpy()
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    for comparison in result.model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                assert level["m_probability"] >= linkage_model.PROBABILITY_FLOOR
                assert math.isfinite(math.log2(level["m_probability"] / level["u_probability"]))


@pytest.mark.parametrize("spec", SETS, ids=lambda s: s.label)
def test_every_kind_of_generated_set_links(spec, starter_model):
    frame, reports = prepared(spec)
    result = link_reports(
        reports, retrain=True, threads=1, fallback_model=lambda: starter(starter_model)
    )
    assert_linked(result, len(frame))
    assert result.model_used in ("trained", "trained, repaired")
    # Most reports of one victim with the same name in the same script end up together.
    same = frame.assign(cluster=result.clusters["cluster_id"].to_numpy())
    exact = same[same["name_as_written"] != ""].groupby(["victim", "name_as_written"])
    together = exact["cluster"].nunique()
    assert (together == 1).mean() > 0.5


def test_a_set_without_province_or_fathers_links_with_the_fallback_for_what_em_cannot_learn(
    starter_model,
):
    # No report gives a province: EM blocked on day and province has no pair at all, which
    # stopped the linkage with "resulted in no record pairs" before.
    frame, reports = prepared(SetSpec(1200, field_rate=0.0, seed=11))
    result = link_reports(
        reports, retrain=True, threads=1, fallback_model=lambda: starter(starter_model)
    )
    assert_linked(result, len(frame))
    assert result.model_used == "trained, repaired"
    notes = " ".join(result.notes)
    assert "l.day_lo = r.day_lo AND l.province = r.province" in notes and "skipped" in notes
    assert "taken from the fallback model" in notes


def test_the_set_where_em_drove_a_level_to_zero_links(starter_model):
    # Heavy spelling noise: EM blocked on name and father's name drives a level to m = 0.0,
    # which Splink refuses; the whole linkage stopped on it before.
    frame, reports = prepared(SetSpec(1000, noise=0.3, seed=3))
    result = link_reports(
        reports, retrain=True, threads=1, fallback_model=lambda: starter(starter_model)
    )
    assert_linked(result, len(frame))
    notes = " ".join(result.notes)
    assert "m_probability value 0.0 is below the minimum allowed value" in notes
    # Splink drops the comparisons a failed session blocked on; the linker is rebuilt instead.
    assert {c["output_column_name"] for c in result.model["comparisons"]} == set(
        linkage_runs.COMPARISONS
    )
    assert result.n_victims < 0.75 * len(frame)


def test_dense_namesakes_drive_levels_towards_zero_and_are_floored(starter_model):
    # Every victim shares a name and father with others, and the reports of one victim agree
    # exactly: EM pushes the levels seen only between namesakes towards probability zero.
    spec = SetSpec(2000, namesakes=0.97, noise=0.0, day_share=1.0, field_rate=1.0, sources=2)
    frame, reports = prepared(spec)
    result = link_reports(
        reports, retrain=True, threads=1, fallback_model=lambda: starter(starter_model)
    )
    assert_linked(result, len(frame))
    assert result.model_used == "trained, repaired"
    assert any("raised to the floor" in note for note in result.notes)


def test_em_driving_a_level_to_zero_no_longer_stops_the_linkage(monkeypatch, starter_model):
    # Fault injection: the exact error Splink raised on ~7,500 generated reports.
    frame, reports = prepared(SetSpec(600, seed=12))
    training = splink_training()

    def degenerate(self, *args, **kwargs):
        raise ValueError(
            "m_probability value 0.0 is below the minimum allowed value of 1e-300. Values "
            "this small cannot be represented accurately as float64"
        )

    monkeypatch.setattr(training, "estimate_parameters_using_expectation_maximisation", degenerate)
    result = link_reports(
        reports, retrain=True, threads=1, fallback_model=lambda: starter(starter_model)
    )
    assert_linked(result, len(frame))
    assert result.model_used == "trained, repaired"
    assert sum("m_probability value 0.0" in note for note in result.notes) == 2


def test_training_that_fails_outright_uses_the_fallback_model_and_says_so(
    monkeypatch, starter_model, tmp_path
):
    frame, reports = prepared(SetSpec(600, seed=13))
    training = splink_training()

    def broken(self, *args, **kwargs):
        raise ValueError("u_probability value 0.0 is below the minimum allowed value")

    monkeypatch.setattr(training, "estimate_u_using_random_sampling", broken)
    path = tmp_path / "model.json"
    result = link_reports(
        reports,
        model_path=path,
        retrain=True,
        threads=1,
        fallback_model=lambda: starter(starter_model),
    )
    assert_linked(result, len(frame))
    assert result.model_used == "fallback"
    assert "training failed (u_probability value 0.0" in result.notes[0]
    assert not path.exists()  # a failed training is never saved as the organisation's model


def test_without_a_fallback_a_failed_training_still_refuses(monkeypatch):
    _frame, reports = prepared(SetSpec(300, seed=14))
    training = splink_training()
    monkeypatch.setattr(
        training,
        "estimate_u_using_random_sampling",
        lambda self, *a, **k: (_ for _ in ()).throw(ValueError("no sample")),
    )
    with pytest.raises(ValueError, match="no sample"):
        link_reports(reports, retrain=True, threads=1)


@pytest.mark.django_db
def test_the_run_record_the_page_and_the_command_say_which_model_was_used(
    org_a, researcher, monkeypatch, capsys
):
    from conftest import verified_client

    rows = [
        dict(source_reference=f"R-{i}", name_as_written=name, gender="male",
             charge_category="drugs", date_as_written=f"2024-01-{1 + i % 20:02d}")
        for i, name in enumerate(["Ali Ahmadi", "Reza Karimi", "Omid Nouri", "Ali Ahmadi"] * 3)
    ]  # fmt: skip
    add_reports(org_a, "News", rows, by=researcher)
    # Train even on a handful of reports: EM then has no pair in either blocking.
    monkeypatch.setattr(linkage_runs, "MIN_TRAIN_REPORTS", 1)
    call_command("evidence", "link", "--organisation", "org-a", "--format", "json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["model_used"] == "trained, repaired"
    assert "starter model" in summary["model"]
    assert any("skipped" in note for note in summary["model_notes"])
    with scope(organisation=org_a):
        run = LinkageRun.objects.get(pk=summary["run"])
        assert run.status == "finished" and "skipped" in run.notes
        assert run.parameters["model_used"] == "trained, repaired"
        again = run_linkage(organisation=org_a, retrain=True)
    # The second time the organisation's saved model is the fallback.
    assert "saved model" in again.parameters["model"]
    page = verified_client(researcher).get("/evidence/linkage/history/")
    assert page.status_code == 200
    assert "skipped" in page.content.decode()


def _weight(model: dict, comparison: str, label: str) -> float:
    levels = next(c for c in model["comparisons"] if c["output_column_name"] == comparison)
    level = next(lvl for lvl in levels["comparison_levels"] if lvl["label_for_charts"] == label)
    return math.log2(level["m_probability"] / level["u_probability"])


def test_em_learns_that_a_stated_month_holding_the_day_is_evidence_for():
    # From Splink's own start (m = 0.95 for "same day"), EM on this set settled on "a match
    # is a pair dated the same day": a month holding the day weighed -13 bits and recall
    # fell to 0.56. From an even start the names decide which pairs match.
    from panah.evidence.benchmark.sets import SetSpec as BenchmarkSpec
    from panah.evidence.benchmark.sets import generate_set as benchmark_set

    frame = benchmark_set(BenchmarkSpec(3000, seed=3))
    reports = prepare_reports(frame.drop(columns=["victim", "true_name"]))
    result = link_reports(reports, retrain=True, threads=1, seed=3)
    month = _weight(result.model, "date", "within the stated month or range")
    assert _weight(result.model, "date", "same day") > month > 2
    assert month > _weight(result.model, "date", "within the stated year") > 0


def test_a_level_no_training_pair_reached_takes_the_fallback_or_counts_against():
    model = linkage_model.settings()
    for comparison in model["comparisons"]:  # as trained: every level estimated ...
        for level in comparison["comparison_levels"]:
            level["m_probability"], level["u_probability"] = 0.3, 0.01
    city = next(c for c in model["comparisons"] if c["output_column_name"] == "place")
    city["comparison_levels"][1]["m_probability"] = 1 / 3  # ... but no pair gave a city
    fallback = json.loads(json.dumps(model))
    next(c for c in fallback["comparisons"] if c["output_column_name"] == "place")[
        "comparison_levels"
    ][1]["m_probability"] = 0.02
    assert linkage_model.unreached(model) == [("place", "same city")]
    repaired, notes = linkage_model.repair(model, set(), fallback, 1000)
    assert _weight(repaired, "place", "same city") == pytest.approx(math.log2(0.02 / 0.01))
    assert "1 levels no training pair reached: m from the fallback model" in notes
    alone, notes = linkage_model.repair(model, set(), None, 1000)
    assert _weight(alone, "place", "same city") < -10
    assert _weight(alone, "place", "same province") == pytest.approx(math.log2(30))
