"""Reports as written -> the normalised columns the linkage model compares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable

import numpy as np
import pandas as pd

from panah.evidence.dates import DateError, parse_date
from panah.evidence.linkage.places import place_key, province_code
from panah.evidence.names import loose, name_keys, single_name_key
from panah.evidence.normalise import canonical_text

EPOCH = dt.date(1970, 1, 1)

# Columns the model reads (besides unique_id); every one may be null.
MODEL_COLUMNS = (
    "given",
    "given_loose",
    "given_initial",
    "surname",
    "surname_loose",
    "name_key",
    "name_concat",
    "father",
    "father_loose",
    "day_lo",
    "day_hi",
    "year",
    "age",
    "gender",
    "province",
    "city",
    "charge",
    "script",
)

_GENDERS = {
    canonical_text(w): g
    for g, words in {
        "m": ("m", "male", "man", "boy", "homme", "مرد", "مذکر", "آقا"),
        "f": ("f", "female", "woman", "girl", "femme", "زن", "مونث", "خانم"),
    }.items()
    for w in words
}


def _map_unique(series: pd.Series, func: Callable[[Hashable], object]) -> pd.Series:
    # Reports repeat the same names, places and dates: compute each distinct value once.
    values = series.astype(object).where(series.notna(), None)
    uniques = pd.unique(values)
    mapping = {u: func(u) for u in uniques}
    return values.map(mapping)


def _none_if_empty(value: str) -> str | None:
    return value or None


def _date_days(text_and_calendar: tuple[str | None, str | None]) -> tuple[int | None, int | None]:
    text, calendar = text_and_calendar
    try:
        parsed = parse_date(text, calendar)
    except DateError:
        return (None, None)  # the import refuses such dates; here they are simply unknown
    if parsed.date_start is None:
        return (None, None)
    return ((parsed.date_start - EPOCH).days, (parsed.date_end - EPOCH).days)


def _age(value) -> float | None:
    if value is None:
        return None
    try:
        age = float(canonical_text(str(value)))
    except ValueError:
        return None
    return age if 0 < age < 120 else None


def prepare_reports(reports: pd.DataFrame, id_column: str = "report_id") -> pd.DataFrame:
    """The model's input from reports with the import's fields (name_as_written, father_name,
    age, gender, province, city, charge_category, date_as_written, calendar or date_start/date_end).

    `id_column` holds each report's id (the row position when the column is absent).
    """
    n = len(reports)
    out = pd.DataFrame(index=reports.index)
    out["unique_id"] = (
        reports[id_column].to_numpy() if id_column in reports else np.arange(n, dtype=np.int64)
    )

    def col(name: str) -> pd.Series:
        return reports[name] if name in reports else pd.Series([None] * n, index=reports.index)

    keys = _map_unique(col("name_as_written"), name_keys)
    out["given"] = [_none_if_empty(k.given) for k in keys]
    out["given_loose"] = [_none_if_empty(k.given_loose) for k in keys]
    out["given_initial"] = [_none_if_empty(k.given_initial) for k in keys]
    out["surname"] = [_none_if_empty(k.surname) for k in keys]
    out["surname_loose"] = [_none_if_empty(k.surname_loose) for k in keys]
    out["name_key"] = [
        _none_if_empty(k.full) if k.surname_loose and k.given_loose else None for k in keys
    ]
    out["name_concat"] = [
        _none_if_empty(k.full_strict) if k.surname and k.given else None for k in keys
    ]
    out["script"] = [_none_if_empty(k.script) for k in keys]
    father = _map_unique(col("father_name"), lambda t: _none_if_empty(single_name_key(t)))
    out["father"] = father
    out["father_loose"] = _map_unique(father, lambda k: _none_if_empty(loose(k)) if k else None)

    if "date_start" in reports and "date_end" in reports:
        lo = pd.to_datetime(reports["date_start"], errors="coerce")
        hi = pd.to_datetime(reports["date_end"], errors="coerce")
        epoch = pd.Timestamp(EPOCH)
        out["day_lo"] = ((lo - epoch).dt.days).astype("Int64")
        out["day_hi"] = ((hi - epoch).dt.days).astype("Int64")
    else:
        pairs = pd.Series(
            list(zip(col("date_as_written"), col("calendar"), strict=True)), index=reports.index
        )
        days = _map_unique(pairs, _date_days)
        out["day_lo"] = pd.array([d[0] for d in days], dtype="Int64")
        out["day_hi"] = pd.array([d[1] for d in days], dtype="Int64")
    years = (pd.to_datetime(out["day_lo"].astype("float64"), unit="D", errors="coerce")).dt.year
    out["year"] = years.astype("Int64")
    out["age"] = pd.array(_map_unique(col("age"), _age), dtype="Float64")
    out["gender"] = _map_unique(
        col("gender"), lambda g: _GENDERS.get(canonical_text(g)) if g else None
    )
    out["province"] = _map_unique(col("province"), province_code)
    out["city"] = _map_unique(col("city"), place_key)
    out["charge"] = _map_unique(
        col("charge_category"), lambda c: _none_if_empty(canonical_text(c)) if c else None
    )
    if "source" in reports:
        out["source"] = _map_unique(
            reports["source"], lambda s: None if s in (None, "") else str(s)
        )
    return out.reset_index(drop=True)
