"""Linking reports into victims (panah.evidence.linkage)."""

import json

import numpy as np
import pandas as pd
import pytest

from panah.evidence.linkage import (
    BackendUnavailable,
    ConflictingDecisions,
    cluster,
    cross_script_scores,
    link_reports,
    pairwise_scores,
    prepare_reports,
)
from panah.evidence.synthetic import generate


def _pairs(*rows):
    return pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r", "match_probability"])


# -- clustering with people's decisions ---------------------------------------------------


def test_pairs_above_the_threshold_join_and_the_rest_do_not():
    out = cluster([1, 2, 3, 4], _pairs((1, 2, 0.95), (3, 4, 0.5)), 0.8)
    assert out["cluster_id"].tolist() == [1, 1, 3, 4]


def test_a_confirmed_match_joins_whatever_the_model_says():
    out = cluster([1, 2, 3], _pairs((1, 2, 0.01)), 0.8, must_link=[(1, 2)])
    assert out["cluster_id"].tolist() == [1, 1, 3]


def test_a_confirmed_split_is_never_undone_by_a_chain_of_strong_pairs():
    pairs = _pairs((1, 2, 0.99), (2, 3, 0.97), (1, 3, 0.95))
    out = cluster([1, 2, 3], pairs, 0.8, cannot_link=[(1, 3)])
    by_id = dict(zip(out["unique_id"], out["cluster_id"], strict=True))
    assert by_id[1] != by_id[3]
    assert by_id[2] == by_id[1]  # the stronger pair wins the middle report


def test_decisions_that_contradict_each_other_are_refused():
    with pytest.raises(ConflictingDecisions, match="confirmed split"):
        cluster([1, 2, 3], _pairs(), 0.8, must_link=[(1, 2), (2, 3)], cannot_link=[(1, 3)])


def test_an_unnamed_report_joins_its_best_pair_and_never_bridges_two_victims():
    pairs = _pairs((9, 1, 0.95), (9, 2, 0.99))
    out = cluster([1, 2, 9], pairs, 0.8, attach_only=[9])
    by_id = dict(zip(out["unique_id"], out["cluster_id"], strict=True))
    assert by_id[1] == 1 and by_id[2] == 2 and by_id[9] == 2
    assert out.set_index("unique_id")["attached"].to_dict() == {1: False, 2: False, 9: True}


def test_equally_probable_pairs_give_the_same_victims_in_any_order_of_rows():
    # Spark and DuckDB return the same scored pairs in different orders and with the last
    # bits of the probabilities different; at 10,000 reports an unnamed report hanged with
    # eight others (same day, same province: equally probable) then joined a different
    # victim on each backend.
    tied = 0.9038560000000001
    rows = [(9, 1, tied), (2, 9, tied - 2e-16), (9, 3, tied + 4e-16), (9, 4, 0.85)]
    rows += [(1, 5, 0.97), (5, 6, 0.9), (3, 7, 0.95)]
    outcomes = set()
    for order in ([0, 1, 2, 3, 4, 5, 6], [6, 2, 1, 5, 0, 4, 3], [3, 1, 2, 0, 6, 5, 4]):
        out = cluster(range(1, 10), _pairs(*(rows[i] for i in order)), 0.8, attach_only=[9])
        outcomes.add(tuple(out["cluster_id"]))
    assert len(outcomes) == 1
    by_id = dict(zip(range(1, 10), outcomes.pop(), strict=True))
    assert by_id[9] == by_id[1]  # the first report among the equally probable ones


def test_a_confirmed_split_resolves_tied_pairs_the_same_way_in_any_order_of_rows():
    # A chain 1-2-3-4 of equally probable pairs, 1 and 4 split: which pair gives way must
    # not depend on the order of the rows.
    rows = [(1, 2, 0.9), (2, 3, float(np.nextafter(0.9, 1))), (3, 4, 0.9)]
    outcomes = {
        tuple(cluster([1, 2, 3, 4], _pairs(*order), 0.8, cannot_link=[(1, 4)])["cluster_id"])
        for order in (rows, rows[::-1], [rows[1], rows[2], rows[0]])
    }
    assert outcomes == {(1, 1, 1, 4)}


def test_an_undated_report_never_makes_one_victim_of_two_executions_a_year_apart():
    # Two namesakes hanged in 2023 and 2024 (reports 1 and 2); report 3 gives the name and
    # no date, so the model pairs it with both; it joins the more probable one only.
    pairs = _pairs((1, 3, 0.95), (2, 3, 0.9), (2, 4, 0.99))
    lo = [19400, 19800, None, 19801]
    out = cluster([1, 2, 3, 4], pairs, 0.8, dates=(lo, lo))
    assert out["cluster_id"].tolist() == [1, 2, 1, 2]
    # without the dates the chain made one victim of all four
    assert out["cluster_id"].nunique() == 2
    assert cluster([1, 2, 3, 4], pairs, 0.8)["cluster_id"].nunique() == 1
    # a person's decision stands: confirmed as one, they are one
    decided = cluster([1, 2, 3, 4], pairs, 0.8, must_link=[(1, 2)], dates=(lo, lo))
    assert decided["cluster_id"].nunique() == 1


def test_dates_a_few_days_apart_or_a_month_that_holds_the_day_stay_one_victim():
    pairs = _pairs((1, 2, 0.95), (2, 3, 0.9))
    lo, hi = [19700, 19702, 19690], [19700, 19702, 19719]  # a day, 2 days on, that month
    out = cluster([1, 2, 3], pairs, 0.8, dates=(lo, hi))
    assert out["cluster_id"].nunique() == 1


def test_decisions_about_reports_outside_the_run_are_ignored():
    out = cluster([1, 2], _pairs((1, 2, 0.9)), 0.8, cannot_link=[(1, 77)])
    assert out["cluster_id"].tolist() == [1, 1]


# -- metrics ----------------------------------------------------------------------------


def test_pairwise_scores_count_pairs_of_reports():
    s = pairwise_scores([1, 1, 1, 2], [7, 7, 8, 8])
    assert (s.predicted_pairs, s.true_pairs, s.true_positive_pairs) == (3, 2, 1)
    assert s.precision == pytest.approx(1 / 3)
    assert s.recall == pytest.approx(1 / 2)
    assert s.count_error == 0.0


def test_cross_script_scores_count_only_persian_latin_pairs():
    s = cross_script_scores([1, 1, 1], [7, 7, 7], ["fa", "latin", "latin"])
    assert (s.predicted_pairs, s.true_pairs, s.precision, s.recall) == (2, 2, 1.0, 1.0)


# -- preparing reports ------------------------------------------------------------------


def test_a_persian_and_a_latin_report_of_one_victim_get_the_same_keys():
    reports = pd.DataFrame(
        {
            "name_as_written": ["محمد حسینی", "Muhammad Husseini"],
            "father_name": ["علیرضا", "Ali Reza"],
            "date_as_written": ["۱۴۰۲/۱۰/۱۱", "1 January 2024"],
            "calendar": ["jalali", "gregorian"],
            "province": ["سیستان و بلوچستان", "Sistan-Baluchestan"],
            "city": ["زاهدان", "Zahedan"],
            "age": ["۳۵", 35],
            "gender": ["مرد", "male"],
            "charge_category": ["drug", "Drug"],
        }
    )
    p = prepare_reports(reports)
    for column in (
        "name_key",
        "surname_loose",
        "father",
        "day_lo",
        "province",
        "city",
        "age",
        "gender",
        "charge",
    ):
        assert p.loc[0, column] == p.loc[1, column], column
    assert p["script"].tolist() == ["fa", "latin"]
    assert p["province"].tolist() == ["sb", "sb"]


def test_a_month_only_date_becomes_the_interval_of_that_month():
    p = prepare_reports(pd.DataFrame({"date_as_written": ["دی ۱۴۰۲"], "calendar": ["jalali"]}))
    assert p.loc[0, "day_hi"] - p.loc[0, "day_lo"] == 29
    assert p.loc[0, "year"] == 2023


def test_unreadable_dates_and_missing_fields_become_nulls():
    p = prepare_reports(
        pd.DataFrame({"name_as_written": [None], "date_as_written": ["30 Esfand 1402"]})
    )
    assert (
        pd.isna(p.loc[0, "day_lo"])
        and pd.isna(p.loc[0, "name_key"])
        and pd.isna(p.loc[0, "surname"])
    )


# -- which pairs are compared, and how their dates compare ------------------------------


def _compared(prepared: pd.DataFrame) -> set[tuple[int, int]]:
    """The pairs of report positions the model's blocking rules put before the model."""
    import duckdb

    from panah.evidence.linkage.model import blocking_rules

    frame = prepared.astype({c: "float64" for c in ("day_lo", "day_hi", "year", "age")})
    frame["unique_id"] = range(len(frame))
    con = duckdb.connect()
    con.register("t", frame)
    found = set()
    for rule in blocking_rules():
        found |= set(
            con.execute(
                "SELECT l.unique_id, r.unique_id FROM t l JOIN t r "  # noqa: S608 (our rules)
                f"ON l.unique_id < r.unique_id AND ({rule})"
            ).fetchall()
        )
    return found


def _reports(*rows) -> pd.DataFrame:
    columns = ["name_as_written", "date_as_written", "calendar", "province", "father_name"]
    return prepare_reports(pd.DataFrame([(*row, "", "")[:5] for row in rows], columns=columns))


def test_a_persian_year_is_compared_with_days_of_both_gregorian_years_it_spans():
    # 1402 runs from 21 March 2023 to 19 March 2024.
    compared = _compared(
        _reports(
            ("محمد حسینی", "۱۴۰۲", "jalali"),
            ("Mohammad Hosseini", "10 January 2024", "gregorian"),
            ("Mohammad Hosseini", "2023-05-05", "gregorian"),
            ("Mohammad Hosseini", "2019-05-05", "gregorian"),
        )
    )
    assert {(0, 1), (0, 2)} <= compared
    assert (0, 3) not in compared


def test_an_undated_report_is_compared_unless_what_it_gives_rules_the_other_out():
    compared = _compared(
        _reports(
            ("Reza Rahimi", "", "", "Tehran"),
            ("Reza Rahimi", "2022-02-02", "gregorian", ""),
            ("Reza Rahimi", "2021-06-01", "gregorian", "Kerman"),
            ("Reza Rahimi", "", "", "Kerman"),
        )
    )
    assert {(0, 1), (1, 3), (2, 3)} <= compared
    assert (0, 2) not in compared and (0, 3) not in compared  # Tehran is not Kerman


def test_an_initial_or_a_misspelt_name_is_compared_when_the_dates_can_meet():
    compared = _compared(
        _reports(
            ("M. Hosseini", "Dey 1402", "jalali"),
            ("Mohammad Hosseini", "10 January 2024", "gregorian"),
            ("Mohammad Hoseyniyan", "2024-01-09", "gregorian"),
            ("M. Hosseini", "2020-01-10", "gregorian"),
        )
    )
    assert {(0, 1), (1, 2)} <= compared
    assert (1, 3) not in compared


def _date_level(left: tuple[str, str], right: tuple[str, str]) -> str:
    """The label of the date comparison's level a pair of written dates falls in."""
    import duckdb

    from panah.evidence.linkage.model import settings

    days = _reports(("A B", *left), ("A B", *right))
    row = {
        f"{c}_{s}": float(days.loc[i, c])
        for i, s in ((0, "l"), (1, "r"))
        for c in ("day_lo", "day_hi")
    }
    levels = next(c for c in settings()["comparisons"] if c["output_column_name"] == "date")
    cases = " ".join(
        f"WHEN {lvl['sql_condition']} THEN '{lvl['label_for_charts']}'"
        for lvl in levels["comparison_levels"]
        if lvl["sql_condition"] != "ELSE"
    )
    con = duckdb.connect()
    con.register("p", pd.DataFrame([row]))
    return con.execute(f"SELECT CASE {cases} ELSE 'else' END FROM p").fetchone()[0]  # noqa: S608


def test_an_imprecise_date_that_holds_the_other_is_weak_evidence_not_a_disagreement():
    day = ("2024-01-10", "gregorian")
    assert _date_level(("۱۴۰۲", "jalali"), day) == "within the stated year"
    assert _date_level(("Dey 1402", "jalali"), day) == "within the stated month or range"
    assert _date_level(("2024-01-10", "gregorian"), day) == "same day"
    assert _date_level(("1401", "jalali"), day) == "within a year"


# -- end to end -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    data = generate(n_reports=1500, seed=3)
    prepared = prepare_reports(data.to_frame(with_truth=False), id_column="source_reference")
    prepared["unique_id"] = np.arange(len(prepared))
    return data, prepared


@pytest.fixture(scope="module")
def linked(small, tmp_path_factory):
    data, prepared = small
    model_path = tmp_path_factory.mktemp("model") / "model.json"
    return link_reports(prepared, model_path=model_path, threads=1, seed=3), model_path


def test_linking_finds_the_victims_of_a_small_synthetic_set(small, linked):
    data, _ = small
    result, _ = linked
    scores = pairwise_scores(result.clusters["cluster_id"], data.truth)
    assert scores.f1 > 0.9
    assert abs(scores.count_error) < 0.05
    assert set(result.pairs.columns) >= {"unique_id_l", "unique_id_r", "match_probability"}


def test_the_trained_model_is_saved_as_json_and_reused(small, linked):
    _, prepared = small
    result, model_path = linked
    saved = json.loads(model_path.read_text(encoding="utf-8"))
    assert saved["link_type"] == "dedupe_only"
    assert any(c["output_column_name"] == "given" for c in saved["comparisons"])
    again = link_reports(prepared, model_path=model_path, threads=1)
    assert again.clusters["cluster_id"].tolist() == result.clusters["cluster_id"].tolist()
    assert again.model["probability_two_random_records_match"] == pytest.approx(
        saved["probability_two_random_records_match"]
    )


def test_a_model_saved_before_a_blocking_rule_was_added_compares_with_todays_rules(
    small, linked, tmp_path
):
    from panah.evidence.linkage.model import blocking_rules

    _, prepared = small
    result, model_path = linked
    old = json.loads(model_path.read_text(encoding="utf-8"))
    old["blocking_rules_to_generate_predictions"] = blocking_rules()[:1]
    path = tmp_path / "old-model.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    again = link_reports(prepared, model_path=path, threads=1)
    assert len(again.pairs) == len(result.pairs)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["blocking_rules_to_generate_predictions"] == blocking_rules()[:1]  # untouched


def test_the_review_queue_holds_undecided_pairs_of_the_band_with_their_evidence(small, linked):
    result, _ = linked
    queue = result.uncertain
    assert len(queue)
    in_band = queue["match_probability"].between(0.2, 0.9, inclusive="left")
    # Outside the band only pairs a contradiction put there, each saying which.
    assert all(
        reasons == ["uncertain_score"] or len(reasons) > 1 for reasons in queue["reasons"][in_band]
    )
    assert all("uncertain_score" not in r and r for r in queue["reasons"][~in_band])
    assert (queue["match_probability"] >= 0.2).all()
    assert {"mw_given", "mw_surname", "mw_date", "mw_place", "same_victim"} <= set(queue.columns)


def test_a_rerun_keeps_confirmed_splits_and_merges(small, linked):
    _, prepared = small
    result, model_path = linked
    joined = result.pairs[result.pairs["match_probability"] > 0.99].iloc[0]
    split = (int(joined["unique_id_l"]), int(joined["unique_id_r"]))
    apart = result.uncertain[~result.uncertain["same_victim"]].iloc[0]
    merge = (int(apart["unique_id_l"]), int(apart["unique_id_r"]))
    again = link_reports(
        prepared, model_path=model_path, threads=1, must_link=[merge], cannot_link=[split]
    )
    victim = again.clusters.set_index("unique_id")["cluster_id"]
    assert victim[split[0]] != victim[split[1]]
    assert victim[merge[0]] == victim[merge[1]]
    decided = set(zip(again.uncertain["unique_id_l"], again.uncertain["unique_id_r"], strict=True))
    assert merge not in decided


def test_the_spark_backend_needs_pyspark(small):
    _, prepared = small
    pytest.importorskip("splink")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        with pytest.raises(BackendUnavailable, match="pyspark"):
            link_reports(prepared, backend="spark")
    else:  # pragma: no cover - only where Spark is installed
        pytest.skip("pyspark is installed here")


def test_an_unknown_backend_is_refused(small):
    _, prepared = small
    with pytest.raises(ValueError, match="unknown linkage backend"):
        link_reports(prepared, backend="oracle")
