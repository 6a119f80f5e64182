"""Waiting-time evidence: how long people wait for a decision, counting those still waiting.

An average over finished cases only understates waiting (the longest waits are the ones not
finished yet). So waiting times are Kaplan–Meier survival curves: a case still waiting on the
as-of date is censored there, not dropped. The curve, its Greenwood standard error and the
median's interval are statsmodels' SurvfuncRight and quantile_ci, operation for operation, but
counted per day with numpy (waits are whole days): statsmodels sorts each group's waits, and
its object and scipy's ppf cost more than the counting (tests/test_waiting.py compares them).
Curves and medians are computed per group (month or year of registration, procedure type,
nationality); every group smaller than the disclosure threshold is withheld from what leaves
the organisation.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from panah.core.disclosure import threshold


@dataclass(frozen=True)
class Spell:
    """One case's wait: from `start` to `end` (None while still waiting)."""

    start: dt.date
    end: dt.date | None
    group: Hashable = None


@dataclass(frozen=True)
class Curve:
    """A Kaplan–Meier curve of one group: share still waiting after each number of days."""

    group: Hashable
    cases: int
    finished: int
    still_waiting: int
    days: tuple[int, ...]
    still_waiting_share: tuple[float, ...]
    median_days: float | None
    median_low: float | None
    median_high: float | None
    withheld: bool = False

    def share_waiting_after(self, days: int) -> float:
        """The estimated share of cases still without a decision `days` days after their start."""
        share = 1.0
        for d, s in zip(self.days, self.still_waiting_share, strict=True):
            if d > days:
                break
            share = s
        return share


def kaplan_meier(spells: Sequence[Spell], as_of: dt.date, group: Hashable = None) -> Curve:
    """The curve for one set of spells; a case not finished by `as_of` is censored there."""
    starts, ends = spell_days(spells)
    return kaplan_meier_days(starts, ends, as_of, group)


def spell_days(spells: Sequence[Spell]) -> tuple[np.ndarray, np.ndarray]:
    """The spells as two columns of day numbers (date.toordinal()): starts, and ends with NaN
    where the case still waits."""
    starts = np.fromiter((s.start.toordinal() for s in spells), dtype=float, count=len(spells))
    ends = np.fromiter(
        (np.nan if s.end is None else s.end.toordinal() for s in spells),
        dtype=float,
        count=len(spells),
    )
    return starts, ends


def kaplan_meier_days(
    starts: np.ndarray, ends: np.ndarray, as_of: dt.date, group: Hashable = None
) -> Curve:
    """`kaplan_meier` over columns of day numbers (see `spell_days`): no Python loop per case."""
    durations, finished = _durations(starts, ends, as_of.toordinal())
    return _curve(durations, finished, group)


def _durations(starts: np.ndarray, ends: np.ndarray, as_of: int) -> tuple[np.ndarray, np.ndarray]:
    # NaN (no decision yet) compares false: still waiting, censored on the as-of date.
    with np.errstate(invalid="ignore"):
        done = ends <= as_of
    durations = np.maximum(np.where(done, ends, as_of) - starts, 0.0)
    return durations, done.astype(float)


# The 95% interval's normal quantile, as quantile_ci computes it.
_Z = norm.ppf(1 - 0.05 / 2)


def _curve(durations: np.ndarray, finished: np.ndarray, group: Hashable) -> Curve:
    days = durations.astype(np.intp)
    return _curve_from_counts(np.bincount(days), np.bincount(days, weights=finished), group)


def _curve_from_counts(
    cases_by_day: np.ndarray, ended_by_day: np.ndarray, group: Hashable
) -> Curve:
    """The curve of a group from its number of cases (int) and of decisions (float) by wait in
    days: statsmodels' `_calc_survfunc_right`, whose unique times are the days counted here."""
    cases = int(cases_by_day.sum())
    n_finished = int(ended_by_day.sum())
    if cases == 0:
        return Curve(group, 0, 0, 0, (), (), None, None, None)
    if n_finished == 0:
        return Curve(group, cases, 0, cases, (0,), (1.0,), None, None, None)
    at_risk = np.cumsum(cases_by_day[::-1])[::-1]
    times = np.flatnonzero(ended_by_day > 0)
    d = ended_by_day[times]
    n = at_risk[times]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        sp = 1 - d / n.astype(np.float64)
        zero = sp < 1e-16
        sp[zero] = 1e-16
        sp = np.exp(np.cumsum(np.log(sp)))
        sp[zero] = 0
        median, low, high = _median_with_interval(times, sp, n, d)
    return Curve(
        group=group,
        cases=cases,
        finished=n_finished,
        still_waiting=cases - n_finished,
        days=tuple(times.tolist()),
        still_waiting_share=tuple(sp.tolist()),
        median_days=median,
        median_low=low,
        median_high=high,
    )


def _median_with_interval(
    times: np.ndarray, sp: np.ndarray, n: np.ndarray, d: np.ndarray
) -> tuple[float | None, float | None, float | None]:
    below = np.nonzero(sp <= 0.5)[0]
    if len(below) == 0:
        return None, None, None  # more than half still waiting: the median is not reached yet
    median = float(times[below[0]])
    # Greenwood's standard error, then quantile_ci(0.5) with its default cloglog transform. The
    # variance divides by zero where the curve reaches 0; those ends are open (NaN, then inf).
    denom = np.clip(n * (n - d), 1e-12, np.inf)
    se = d / denom.astype(np.float64)
    se[(n == d) | (n == 0)] = np.nan
    se = np.sqrt(np.cumsum(se))
    locs = np.isfinite(se) | (sp != 0)
    se[locs] *= sp[locs]
    se[~locs] = np.nan
    r = np.log(-np.log(sp)) - np.log(-np.log(0.5))
    r /= (-1 / (sp * np.log(sp))) * se
    inside = np.flatnonzero(np.abs(r) <= _Z)
    if len(inside) == 0:
        return median, None, None
    low = float(times[inside[0]])
    # statsmodels gives an open upper end as inf; here it is None, as an open lower end is: the
    # table writes "…", the export leaves the cell empty, a brief shows no upper bound.
    high = None if inside[-1] == len(times) - 1 else float(times[inside[-1] + 1])
    return median, low, high


def curves_by(
    spells: Iterable[Spell], as_of: dt.date, *, for_publication: bool = False
) -> list[Curve]:
    """One curve per group, largest first; groups below the disclosure threshold are withheld
    when the result leaves the organisation."""
    spells = list(spells)
    starts, ends = spell_days(spells)
    index: dict[Hashable, int] = {}
    codes = np.fromiter(
        (index.setdefault(s.group, len(index)) for s in spells), dtype=np.intp, count=len(spells)
    )
    return curves_by_days(starts, ends, codes, list(index), as_of, for_publication=for_publication)


def curves_by_days(
    starts: np.ndarray,
    ends: np.ndarray,
    codes: np.ndarray,
    groups: Sequence[Hashable],
    as_of: dt.date,
    *,
    for_publication: bool = False,
) -> list[Curve]:
    """`curves_by` over columns (see `spell_days`): spell i belongs to `groups[codes[i]]`."""
    durations, finished = _durations(starts, ends, as_of.toordinal())
    # One count of cases and of decisions per group and day splits every group at once: no
    # sort, and each group's curve starts from its counts (`_curve_from_counts`).
    days = durations.astype(np.intp)
    span = int(days.max()) + 1 if len(days) else 1
    k = threshold()
    curves = []
    for key, cases_by_day, ended_by_day in _counts_by_group(days, finished, codes, groups, span):
        members = int(cases_by_day.sum())
        if members == 0:
            continue
        if for_publication and members < k:
            curves.append(Curve(key, 0, 0, 0, (), (), None, None, None, withheld=True))
            continue
        curves.append(_curve_from_counts(cases_by_day, ended_by_day, key))
    return sorted(curves, key=lambda c: (c.withheld, -c.cases, str(c.group)))


def _counts_by_group(
    days: np.ndarray, finished: np.ndarray, codes: np.ndarray, groups: Sequence[Hashable], span: int
):
    """Each group with its cases and decisions counted by wait in days (arrays of `span`)."""
    size = len(groups) * span
    if size <= max(1 << 20, 4 * len(days)):
        cells = codes * span + days
        cases = np.bincount(cells, minlength=size).reshape(len(groups), span)
        ended = np.bincount(cells, weights=finished, minlength=size).reshape(len(groups), span)
        yield from zip(groups, cases, ended, strict=True)
        return
    # Many groups over many years (free-text nationalities): a table of every group and day
    # would be large, so split the cases by one stable sort and count each group alone.
    order = np.argsort(codes, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=len(groups)))))
    for code, key in enumerate(groups):
        members = order[bounds[code] : bounds[code + 1]]
        yield (
            key,
            np.bincount(days[members], minlength=span),
            np.bincount(days[members], weights=finished[members], minlength=span),
        )


def month_of(day: dt.date) -> str:
    """The grouping key for a month of registration: '2024-03'."""
    return f"{day.year:04d}-{day.month:02d}"


def backlog(
    spells: Iterable[Spell], months: Sequence[dt.date], *, for_publication: bool = False
) -> list[tuple[dt.date, int | None]]:
    """How many cases were waiting at the end of each given day (None if below the threshold)."""
    starts, ends = spell_days(list(spells))
    return backlog_days(starts, ends, months, for_publication=for_publication)


def backlog_days(
    starts: np.ndarray,
    ends: np.ndarray,
    months: Sequence[dt.date],
    *,
    for_publication: bool = False,
) -> list[tuple[dt.date, int | None]]:
    """`backlog` over columns of day numbers (see `spell_days`)."""
    starts = np.sort(starts)
    ends = np.sort(ends[~np.isnan(ends)])
    days = np.array([day.toordinal() for day in months], dtype=float)
    started = np.searchsorted(starts, days, side="right")
    waiting = started - np.searchsorted(ends, days, side="right")
    k = threshold()
    return [
        (day, None if for_publication and 0 < n < k else n)
        for day, n in zip(months, waiting.tolist(), strict=True)
    ]


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every month from `first`'s month to `last`'s."""
    days = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        days.append(nxt - dt.timedelta(days=1))
        y, m = nxt.year, nxt.month
    return days
