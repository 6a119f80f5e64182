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
from collections import defaultdict
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
    durations = np.empty(len(spells), dtype=float)
    finished = np.empty(len(spells), dtype=float)
    for i, s in enumerate(spells):
        done = s.end is not None and s.end <= as_of
        end = s.end if done else as_of
        durations[i] = max((end - s.start).days, 0)
        finished[i] = 1.0 if done else 0.0
    n_finished = int(finished.sum())
    if len(spells) == 0:
        return Curve(group, 0, 0, 0, (), (), None, None, None)
    if n_finished == 0:
        return Curve(group, len(spells), 0, len(spells), (0,), (1.0,), None, None, None)
    sf = SurvfuncRight(durations, finished)
    median, low, high = _median_with_interval(sf)
    return Curve(
        group=group,
        cases=len(spells),
        finished=n_finished,
        still_waiting=len(spells) - n_finished,
        days=tuple(int(t) for t in sf.surv_times),
        still_waiting_share=tuple(float(p) for p in sf.surv_prob),
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
    groups: dict[Hashable, list[Spell]] = defaultdict(list)
    for s in spells:
        groups[s.group].append(s)
    k = threshold()
    curves = []
    for key, members in groups.items():
        if for_publication and len(members) < k:
            curves.append(Curve(key, 0, 0, 0, (), (), None, None, None, withheld=True))
            continue
        curves.append(kaplan_meier(members, as_of, key))
    return sorted(curves, key=lambda c: (c.withheld, -c.cases, str(c.group)))


def month_of(day: dt.date) -> str:
    """The grouping key for a month of registration: '2024-03'."""
    return f"{day.year:04d}-{day.month:02d}"


def backlog(
    spells: Iterable[Spell], months: Sequence[dt.date], *, for_publication: bool = False
) -> list[tuple[dt.date, int | None]]:
    """How many cases were waiting at the end of each given day (None if below the threshold)."""
    spells = list(spells)
    starts = np.array(sorted(s.start.toordinal() for s in spells))
    ends = np.array(sorted(s.end.toordinal() for s in spells if s.end is not None))
    k = threshold()
    result = []
    for day in months:
        o = day.toordinal()
        waiting = int(
            np.searchsorted(starts, o, side="right") - np.searchsorted(ends, o, side="right")
        )
        result.append((day, None if for_publication and 0 < waiting < k else waiting))
    return result


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every month from `first`'s month to `last`'s."""
    days = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        days.append(nxt - dt.timedelta(days=1))
        y, m = nxt.year, nxt.month
    return days
