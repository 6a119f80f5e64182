"""The Splink model: which pairs are compared (blocking), how (comparisons), and its training."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

# Splink SQL is written for DuckDB; CustomLevel(base_dialect_str="duckdb") lets sqlglot
# translate it for Spark.
_DIALECT = "duckdb"


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, "base_dialect_str": _DIALECT, **extra}


def _null(sql: str) -> dict[str, Any]:
    return _level(sql, "null", is_null_level=True)


def _else() -> dict[str, Any]:
    # Not translated: sqlglot cannot parse a bare ELSE, and it is the same in every dialect.
    return {"sql_condition": "ELSE", "label_for_charts": "all other comparisons"}


def _jw(col: str, threshold: float) -> str:
    return f"jaro_winkler_similarity({col}_l, {col}_r) >= {threshold}"


def _given_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "given",
        "comparison_levels": [
            _null(
                "(given_l IS NULL AND given_initial_l IS NULL) OR (given_r IS NULL AND given_initial_r IS NULL)"
            ),
            _level("given_l = given_r", "same given name", tf_adjustment_column="given"),
            _level(
                "given_loose_l = given_loose_r",
                "same consonants",
                tf_adjustment_column="given_loose",
            ),
            _level(_jw("given", 0.9), "given name jaro-winkler >= 0.9"),
            _level(
                "(given_l IS NULL OR given_r IS NULL) AND given_initial_l = given_initial_r",
                "initial agrees",
            ),
            _level(_jw("given", 0.75), "given name jaro-winkler >= 0.75"),
            _else(),
        ],
    }


def _surname_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "surname",
        "comparison_levels": [
            _null("surname_l IS NULL OR surname_r IS NULL"),
            _level("surname_l = surname_r", "same surname", tf_adjustment_column="surname"),
            _level(
                "surname_loose_l = surname_loose_r",
                "same consonants",
                tf_adjustment_column="surname_loose",
            ),
            _level("name_concat_l = name_concat_r", "same full name, split elsewhere"),
            _level(_jw("surname", 0.9), "surname jaro-winkler >= 0.9"),
            _level(_jw("surname", 0.75), "surname jaro-winkler >= 0.75"),
            _else(),
        ],
    }


def _father_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "father",
        "comparison_levels": [
            _null("father_l IS NULL OR father_r IS NULL"),
            _level("father_l = father_r", "same father's name", tf_adjustment_column="father"),
            _level("father_loose_l = father_loose_r", "same consonants"),
            _level(_jw("father", 0.85), "father's name jaro-winkler >= 0.85"),
            _else(),
        ],
    }


# Distance in days between two date intervals (0 when they overlap).
_GAP = "greatest(0, day_lo_r - day_hi_l, day_lo_l - day_hi_r)"


def _date_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "date",
        "comparison_levels": [
            _null("day_lo_l IS NULL OR day_lo_r IS NULL"),
            _level(
                "day_lo_l = day_lo_r AND day_hi_l = day_lo_l AND day_hi_r = day_lo_r",
                "same day",
            ),
            _level(
                f"{_GAP} = 0 AND greatest(day_hi_l - day_lo_l, day_hi_r - day_lo_r) <= 31",
                "within the stated month or range",
            ),
            # A year-only date ("1402") is compatible with any day of its year: weak evidence
            # for, not evidence against.
            _level(f"{_GAP} = 0", "within the stated year"),
            _level(f"{_GAP} <= 3", "within 3 days"),
            _level(f"{_GAP} <= 31", "within a month"),
            _level(f"{_GAP} <= 366", "within a year"),
            _else(),
        ],
    }


def _age_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "age",
        "comparison_levels": [
            _null("age_l IS NULL OR age_r IS NULL"),
            _level("abs(age_l - age_r) <= 1", "within a year"),
            _level("abs(age_l - age_r) <= 4", "within 4 years"),
            _else(),
        ],
    }


def _place_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "place",
        "comparison_levels": [
            _null(
                "(province_l IS NULL AND city_l IS NULL) OR (province_r IS NULL AND city_r IS NULL)"
            ),
            _level("city_l = city_r", "same city"),
            _level("province_l = province_r", "same province"),
            _else(),
        ],
    }


def _simple(column: str, label: str) -> dict[str, Any]:
    return {
        "output_column_name": column,
        "comparison_levels": [
            _null(f"{column}_l IS NULL OR {column}_r IS NULL"),
            _level(f"{column}_l = {column}_r", label),
            _else(),
        ],
    }


# Two dates (intervals of days from their precision) that can denote the same execution:
# they overlap, give or take the few days sources disagree by.
_OVERLAP = "(l.day_lo <= r.day_hi + 3 AND r.day_lo <= l.day_hi + 3)"
_UNDATED = "(l.day_lo IS NULL OR r.day_lo IS NULL)"
# Nothing either report gives rules the other out: no two different provinces, father's
# names or ages (the model would score such a pair far below the threshold anyway).
_NOTHING_AGAINST = (
    "(l.province IS NULL OR r.province IS NULL OR l.province = r.province)"
    " AND (l.father_loose IS NULL OR r.father_loose IS NULL OR l.father_loose = r.father_loose)"
    " AND (l.age IS NULL OR r.age IS NULL OR abs(l.age - r.age) <= 4)"
)
_SURNAME_INITIAL = "substr(l.surname_loose, 1, 1) = substr(r.surname_loose, 1, 1)"


def blocking_rules() -> list[str]:
    """Pairs worth scoring: each rule keeps blocks small, together they find spelling,
    date and name-order errors; the number of pairs grows about linearly with the reports."""
    return [
        "l.name_key = r.name_key AND l.year = r.year",
        "l.surname_loose = r.surname_loose AND l.father_loose = r.father_loose",
        "l.given_loose = r.given_loose AND l.father_loose = r.father_loose AND l.province = r.province",
        "l.surname_loose = r.surname_loose AND l.day_lo = r.day_lo",
        "l.given_loose = r.given_loose AND l.day_lo = r.day_lo",
        "l.name_key = r.name_key AND l.province = r.province",
        "l.surname_loose = r.surname_loose AND l.given_initial = r.given_initial AND l.day_lo = r.day_lo",
        # Reports without a name can only meet others by day and place.
        "l.day_lo = r.day_lo AND l.province = r.province AND (l.surname IS NULL OR r.surname IS NULL)",
        f"l.name_key = r.name_key AND {_OVERLAP}",
        f"l.name_key = r.name_key AND {_UNDATED} AND {_NOTHING_AGAINST}",
        f"l.surname_loose = r.surname_loose AND l.given_initial = r.given_initial AND {_OVERLAP}",
        f"l.given_loose = r.given_loose AND {_SURNAME_INITIAL} AND {_OVERLAP}",
    ]


def with_current_blocking(model: dict[str, Any]) -> dict[str, Any]:
    """A saved model with today's blocking rules: which pairs are compared is no part of
    what training estimated, so a model saved before a rule was added still gets it."""
    return {**model, "blocking_rules_to_generate_predictions": blocking_rules()}


def _even_start(comparison: dict[str, Any]) -> dict[str, Any]:
    """EM's starting point: every level of the comparison equally likely among matches.

    Splink's own start gives the first level m = 0.95 and the rest almost nothing; on a block
    where nearly every pair is a match (same name and father's name), EM can then settle on
    "a match is a pair dated the same day" (m = 1.0 for the same day, 0 for a stated month or
    a day apart) and the model rejects most true pairs. From an even start the agreement of
    the other comparisons decides which pairs are matches, and m follows the data."""
    levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
    for level in levels:
        level["m_probability"] = 1.0 / len(levels)
    return comparison


def settings(probability_two_random_records_match: float = 1e-5) -> dict[str, Any]:
    """The Splink settings of our model (a plain dict, so it is saved and diffed as JSON)."""
    comparisons = [
        _given_comparison(),
        _surname_comparison(),
        _father_comparison(),
        _date_comparison(),
        _age_comparison(),
        _place_comparison(),
        _simple("charge", "same charge"),
        _simple("gender", "same gender"),
    ]
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": probability_two_random_records_match,
        "blocking_rules_to_generate_predictions": blocking_rules(),
        "comparisons": [_even_start(c) for c in comparisons],
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": False,
        "additional_columns_to_retain": [],
        "max_iterations": 20,
        "em_convergence": 0.001,
    }


# The EM sessions of train(): the blocking rule, and the comparisons it trains (the ones it
# does not block on; age, charge and gender are trained by both and averaged).
EM_SESSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "l.day_lo = r.day_lo AND l.province = r.province",
        ("given", "surname", "father", "age", "charge", "gender"),
    ),
    (
        "l.name_key = r.name_key AND l.father_loose = r.father_loose",
        ("date", "age", "place", "charge", "gender"),
    ),
)
# No level may claim a pair is (or is not) the same person beyond this: a probability EM
# drove to zero, or a level no pair reached, would otherwise give an infinite weight (and
# Splink refuses a zero outright). Splink gives an unobserved level the same value.
PROBABILITY_FLOOR = 1e-6


def reason(exc: Exception) -> str:
    """The first line of an error, short enough for a run's notes."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def train(
    linker, n_reports: int, *, seed: int = 1, rebuild: Callable[[dict[str, Any]], Any] | None = None
) -> tuple[Any, set[str], list[str]]:
    """Estimate the model on the data: the prior from near-certain pairs, u by random
    sampling, m by EM on two blockings (each trains the comparisons it does not block on:
    day and province train the names; name and father's name train date, place, age).

    An EM session that fails (no pairs to learn from, or a level driven to probability zero)
    is skipped and said so; as Splink may leave the linker without the comparisons that
    session blocked on, `rebuild(model)` makes a fresh linker from the model as it was before.
    Returns (the linker, the comparisons EM trained, notes on what was skipped). A failure to
    estimate u is not caught: without u there is no model to repair.
    """
    notes: list[str] = []
    try:
        linker.training.estimate_probability_two_random_records_match(
            ["l.name_key = r.name_key AND l.day_lo = r.day_lo"], recall=0.6
        )
    except Exception as exc:  # Splink's errors are not public classes; the prior has a default
        notes.append(f"prior kept at its default ({reason(exc)})")
    # Sampled pairs are almost all non-matches; a few million pin u down at any size.
    max_pairs_u = min(3e6, max(1e5, 20.0 * n_reports))
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs_u, seed=seed)
    trained: set[str] = set()
    for rule, comparisons in EM_SESSIONS:
        before = linker.misc.save_model_to_json() if rebuild else None
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=2e6)
        except Exception as exc:  # Splink's errors are not public classes: skip the session,
            # the comparisons it trains are taken from the fallback model by repair()
            notes.append(f"EM blocked on {rule!r} skipped: {reason(exc)}")
            if rebuild and before is not None:
                linker = rebuild(before)
        else:
            trained.update(comparisons)
    return linker, trained, notes


def unreached(model: dict[str, Any]) -> list[tuple[str, str]]:
    """(comparison, level) pairs whose m is still EM's even start: no training pair fell in
    that level (a stated month on a set dated to the day, a city no report gives)."""
    found = []
    for comparison in model.get("comparisons", []):
        levels = [
            lvl for lvl in comparison.get("comparison_levels", []) if not lvl.get("is_null_level")
        ]
        for level in levels:
            if level.get("m_probability") == 1.0 / len(levels):
                found.append((comparison["output_column_name"], level.get("label_for_charts")))
    return found


def repair(
    model: dict[str, Any], untrained: set[str], fallback: dict[str, Any] | None, n_reports: int
) -> tuple[dict[str, Any], list[str]]:
    """A model every level of which can score: the m probabilities of comparisons EM did
    not train, and of levels no training pair reached, come from `fallback` (a saved or
    starter model; without one an unreached level is taken as never seen among matches),
    every m and u is kept at or above PROBABILITY_FLOOR, and an implausible prior is
    replaced. Returns (the model, what was changed)."""

    model = copy.deepcopy(model)
    notes: list[str] = []
    # A level no training pair reached still has EM's even start, which is no estimate.
    fallback_m = {
        (c["output_column_name"], lvl.get("label_for_charts")): lvl.get("m_probability")
        for c in (fallback or {}).get("comparisons", [])
        for lvl in c.get("comparison_levels", [])
    }
    reset = [key for key in unreached(model) if key[0] not in untrained]
    for comparison in model.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            key = (comparison["output_column_name"], level.get("label_for_charts"))
            if key in reset:
                level["m_probability"] = fallback_m.get(key) or PROBABILITY_FLOOR
    if reset:
        notes.append(
            f"{len(reset)} levels no training pair reached: m from the fallback model"
            if fallback
            else f"{len(reset)} levels no training pair reached: taken as never seen in matches"
        )
    borrowed: list[str] = []
    by_name = {c["output_column_name"]: c for c in (fallback or {}).get("comparisons", [])}
    floored = 0
    # A comparison missing from the trained model is put back from the fallback model.
    present = {c["output_column_name"] for c in model.get("comparisons", [])}
    restored = [n for n in by_name if n not in present]
    if restored:
        order = [c["output_column_name"] for c in settings()["comparisons"]]
        model["comparisons"] = sorted(
            [*model.get("comparisons", []), *(copy.deepcopy(by_name[n]) for n in restored)],
            key=lambda c: (
                order.index(c["output_column_name"])
                if c["output_column_name"] in order
                else len(order)
            ),
        )
        notes.append(", ".join(restored) + " restored from the fallback model")
    # Fewer than one matching pair in the whole set, or matches everywhere, is not an
    # estimate but EM run aground: about one match per report is the order of real archives.
    prior = model.get("probability_two_random_records_match")
    n_pairs = max(1.0, n_reports * (n_reports - 1) / 2)
    if not isinstance(prior, int | float) or not 1.0 / n_pairs <= prior <= 0.5:
        model["probability_two_random_records_match"] = min(0.5, 1.0 / max(2, n_reports))
        notes.append(
            f"the estimated prior {prior:.3g} is implausible: "
            f"{model['probability_two_random_records_match']:.3g} used"
            if isinstance(prior, int | float)
            else "no prior could be estimated: one match per report assumed"
        )
    for comparison in model.get("comparisons", []):
        name = comparison["output_column_name"]
        source = by_name.get(name)
        if name in untrained and source is not None:
            theirs = {
                lvl.get("label_for_charts"): lvl for lvl in source.get("comparison_levels", [])
            }
            for level in comparison.get("comparison_levels", []):
                other = theirs.get(level.get("label_for_charts"))
                if not level.get("is_null_level") and other and other.get("m_probability"):
                    level["m_probability"] = other["m_probability"]
            borrowed.append(name)
        for level in comparison.get("comparison_levels", []):
            if level.get("is_null_level"):
                continue
            for key in ("m_probability", "u_probability"):
                value = level.get(key)
                if not isinstance(value, int | float) or value < PROBABILITY_FLOOR:
                    level[key] = PROBABILITY_FLOOR
                    floored += 1
    if borrowed:
        notes.append("m probabilities of " + ", ".join(borrowed) + " taken from the fallback model")
    untouched = sorted(untrained - set(borrowed) - set(restored))
    if untouched:
        notes.append("no trained m probabilities for " + ", ".join(untouched) + ": defaults kept")
    if floored:
        notes.append(f"{floored} probabilities raised to the floor {PROBABILITY_FLOOR:g}")
    return model, notes


def quiet_splink() -> None:
    """Splink logs every SQL step at INFO; our commands print their own progress."""
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)
