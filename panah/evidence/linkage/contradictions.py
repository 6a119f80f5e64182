"""Contradictions: scored pairs whose evidence is strong but which carry a fact against them.

A model adds evidence up; a high total can hide one fact that a person would take as
decisive: a different father's name, ages far apart, two reports of one source on one day
(a source reports an execution once), a bare initial that fits several given names of that
surname. Such pairs go to the review queue whatever their score, with the reasons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler

# The reasons, as stored on a review pair (the review pages translate them).
FATHER = "different_father"
AGE = "age_apart"
SAME_SOURCE_DAY = "same_source_same_day"
AMBIGUOUS_INITIAL = "initial_fits_several"
REASONS = (FATHER, AGE, SAME_SOURCE_DAY, AMBIGUOUS_INITIAL)

# Ages are often estimated or written a year off; beyond this the reports disagree.
AGE_GAP_YEARS = 5
# Two father's names this close are one name misspelt (Jaro-Winkler on the name keys).
FATHER_SIMILAR = 0.85


def _father_differs(left: pd.Series, right: pd.Series) -> np.ndarray:

    both = left.notna().to_numpy() & right.notna().to_numpy()
    out = np.zeros(len(left), dtype=bool)
    # Plain arrays: Series.iat is a pandas call per value (25,000 pairs at 100k: 0.15 s).
    lefts, rights = left.to_numpy(dtype=object), right.to_numpy(dtype=object)
    for i in np.flatnonzero(both).tolist():
        a, b = lefts[i], rights[i]
        out[i] = a != b and JaroWinkler.similarity(a, b) < FATHER_SIMILAR
    return out


def _floats(series: pd.Series) -> np.ndarray:
    return series.astype("float64").to_numpy(dtype="float64", na_value=np.nan)


def _initial_counts(prepared: pd.DataFrame) -> pd.Series:
    """For each (surname, initial): how many different given names written in full."""
    full = prepared.loc[
        prepared["given_loose"].notna() & prepared["surname_loose"].notna(),
        ["surname_loose", "given_initial", "given_loose"],
    ]
    return full.groupby(["surname_loose", "given_initial"])["given_loose"].nunique()


def find_contradictions(
    prepared: pd.DataFrame, pairs: pd.DataFrame, min_probability: float
) -> pd.DataFrame:
    """The pairs scored at least `min_probability` that carry a contradiction.

    `prepared` is prepare_reports' output (with a `source` column when the reports have one);
    `pairs` has unique_id_l, unique_id_r and match_probability. Returns unique_id_l,
    unique_id_r, match_probability and `reasons` (a list of REASONS)."""
    columns = ["unique_id_l", "unique_id_r", "match_probability", "reasons"]
    strong = pairs.loc[
        pairs["match_probability"] >= min_probability,
        ["unique_id_l", "unique_id_r", "match_probability"],
    ]
    if strong.empty:
        return pd.DataFrame(columns=columns)
    wanted = ["given", "given_loose", "given_initial", "surname_loose", "father", "age"]
    wanted += ["day_lo", "day_hi"]
    if "source" in prepared:
        wanted.append("source")
    info = prepared.set_index("unique_id")[wanted]
    left = info.reindex(strong["unique_id_l"].to_numpy())
    right = info.reindex(strong["unique_id_r"].to_numpy())

    father = _father_differs(left["father"], right["father"])
    with np.errstate(invalid="ignore"):
        age = np.abs(_floats(left["age"]) - _floats(right["age"])) >= AGE_GAP_YEARS  # NaN: False

    same_day = np.zeros(len(strong), dtype=bool)
    if "source" in wanted:
        lo_l, hi_l, lo_r, hi_r = (
            _floats(side[column]) for side in (left, right) for column in ("day_lo", "day_hi")
        )
        exact = (lo_l == hi_l) & (lo_r == hi_r) & (lo_l == lo_r)  # NaN compares unequal
        source_l, source_r = left["source"].to_numpy(), right["source"].to_numpy()
        same_day = exact & (source_l == source_r) & left["source"].notna().to_numpy()

    # One side gives only an initial, the other a full given name; among the reports of
    # that surname the initial stands for more than one given name.
    counts = _initial_counts(prepared)
    only_l = (left["given"].isna() & left["given_initial"].notna()).to_numpy()
    only_r = (right["given"].isna() & right["given_initial"].notna()).to_numpy()
    one_side = only_l ^ only_r
    surname = np.where(only_l, left["surname_loose"].to_numpy(), right["surname_loose"].to_numpy())
    letter = np.where(only_l, left["given_initial"].to_numpy(), right["given_initial"].to_numpy())
    several = np.array(
        [
            bool(o) and counts.get((s, g), 0) >= 2
            for o, s, g in zip(one_side, surname, letter, strict=True)
        ],
        dtype=bool,
    )
    initial = one_side & several

    flags = {FATHER: father, AGE: age, SAME_SOURCE_DAY: same_day, AMBIGUOUS_INITIAL: initial}
    any_flag = father | age | same_day | initial
    if not any_flag.any():
        return pd.DataFrame(columns=columns)
    out = strong.loc[any_flag].reset_index(drop=True)
    picked = {name: flag[any_flag] for name, flag in flags.items()}
    out["reasons"] = [[name for name in REASONS if picked[name][i]] for i in range(len(out))]
    return out
