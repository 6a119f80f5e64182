"""Waiting-time evidence: how long people wait for a decision, counting those still waiting.

An average over finished cases only understates waiting (the longest waits are the ones not
finished yet). So waiting times are Kaplan–Meier survival curves (statsmodels' SurvfuncRight):
a case still waiting on the as-of date is censored there, not dropped. Curves and medians are
computed per group (month or year of registration, procedure type, nationality); every group
smaller than the disclosure threshold is withheld from what leaves the organisation.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from statsmodels.duration.survfunc import SurvfuncRight

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


def _curve(durations: np.ndarray, finished: np.ndarray, group: Hashable) -> Curve:
    cases = len(durations)
    n_finished = int(finished.sum())
    if cases == 0:
        return Curve(group, 0, 0, 0, (), (), None, None, None)
    if n_finished == 0:
        return Curve(group, cases, 0, cases, (0,), (1.0,), None, None, None)
    sf = SurvfuncRight(durations, finished)
    median, low, high = _median_with_interval(sf)
    return Curve(
        group=group,
        cases=cases,
        finished=n_finished,
        still_waiting=cases - n_finished,
        days=tuple(sf.surv_times.astype(int).tolist()),
        still_waiting_share=tuple(sf.surv_prob.astype(float).tolist()),
        median_days=median,
        median_low=low,
        median_high=high,
    )


def _median_with_interval(sf: SurvfuncRight) -> tuple[float | None, float | None, float | None]:
    below = np.nonzero(sf.surv_prob <= 0.5)[0]
    if len(below) == 0:
        return None, None, None  # more than half still waiting: the median is not reached yet
    median = float(sf.surv_times[below[0]])
    try:
        # The interval's variance divides by zero where the curve reaches 0; those ends are open.
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = sf.quantile_ci(0.5)
    except (ValueError, FloatingPointError, IndexError):
        return median, None, None
    low = None if low is None or np.isnan(low) else float(low)
    high = None if high is None or np.isnan(high) else float(high)
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
    # One stable sort splits every group at once, instead of one pass over all cases per group.
    order = np.argsort(codes, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=len(groups)))))
    k = threshold()
    curves = []
    for code, key in enumerate(groups):
        members = order[bounds[code] : bounds[code + 1]]
        if len(members) == 0:
            continue
        if for_publication and len(members) < k:
            curves.append(Curve(key, 0, 0, 0, (), (), None, None, None, withheld=True))
            continue
        curves.append(_curve(durations[members], finished[members], key))
    return sorted(curves, key=lambda c: (c.withheld, -c.cases, str(c.group)))


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
