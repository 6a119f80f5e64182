"""Waiting-time evidence for an organisation: Kaplan–Meier curves and the backlog over time.

The wait runs from the registration of the application to the first-instance decision (the
CGRS decision, or the Dublin transfer decision). A case still waiting is censored on the as-of
date by panah.cases.waiting, not dropped. A case that ended without any decision (withdrawn)
leaves the statistics: it neither waited to a decision nor waits still.

What leaves the organisation (CSV, XLSX) is built with `for_publication=True`: groups below the
disclosure threshold are withheld, and the small counts inside a group are suppressed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from panah.core.disclosure import suppress, threshold

from . import queries
from .models import ProcedureType
from .waiting import Curve, backlog_days, curves_by_days, month_ends, month_of

CHECKPOINTS = (90, 180, 365)
MONTHS_SHOWN = 12


@dataclass(frozen=True)
class WaitingStatistics:
    as_of: dt.date
    cases: int
    by_procedure: list[Curve]
    by_nationality: list[Curve]
    by_month: list[Curve]
    backlog: list[tuple[dt.date, int | None]]
    for_publication: bool
    threshold: int

    def backlog_by_month(self) -> list[tuple[str, int | None]]:
        """The backlog with each month written "2024-03", as the `date:"Y-m"` filter writes it
        (which cost ten times as much, once a row)."""
        return [(month_of(day), n) for day, n in self.backlog]


def waiting_statistics(
    organisation_id: int, *, as_of: dt.date, for_publication: bool = False
) -> WaitingStatistics:
    """Curves by procedure type, nationality and month of registration, and the monthly backlog."""
    # Columns, not one object per case: at 100,000 cases every step below is numpy's. The
    # database hands them over by procedure and nationality, so the cases' group numbers are
    # the order they came in, not a look-up per case.
    groups = queries.waiting_columns(organisation_id)
    starts = np.concatenate([g.starts for g in groups]) if groups else np.empty(0)
    ends = np.concatenate([g.ends for g in groups]) if groups else np.empty(0)
    sizes = [len(g.starts) for g in groups]
    # Labels translated once per group, not once per case (lazy translations cost seconds).
    procedure_names = {code: str(label) for code, label in ProcedureType.choices}
    not_recorded = _("not recorded")
    by_procedure = curves_by_days(
        starts,
        ends,
        *_group_codes(sizes, [procedure_names.get(g.procedure, g.procedure) for g in groups]),
        as_of,
        for_publication=for_publication,
    )
    by_nationality = curves_by_days(
        starts,
        ends,
        *_group_codes(sizes, [g.nationality or not_recorded for g in groups]),
        as_of,
        for_publication=for_publication,
    )
    recent = starts >= _months_back(as_of, MONTHS_SHOWN).toordinal()
    by_month = curves_by_days(
        starts[recent],
        ends[recent],
        *_month_codes(starts[recent]),
        as_of,
        for_publication=for_publication,
    )
    by_month.sort(key=lambda c: str(c.group))
    if len(starts):
        first = dt.date.fromordinal(int(starts.min()))
        months = [d for d in month_ends(first, as_of) if d <= as_of] + [as_of]
        waiting_backlog = backlog_days(starts, ends, months, for_publication=for_publication)
    else:
        waiting_backlog = []
    return WaitingStatistics(
        as_of=as_of,
        cases=len(starts),
        by_procedure=by_procedure,
        by_nationality=by_nationality,
        by_month=by_month,
        backlog=waiting_backlog,
        for_publication=for_publication,
        threshold=threshold(),
    )


def _group_codes(sizes: Sequence[int], labels: Sequence[Hashable]) -> tuple[np.ndarray, list]:
    """Each case's group number, for cases that come in runs of `sizes` labelled `labels`, and
    the groups' labels: runs with the same label (a blank nationality and "not recorded", one
    nationality in two procedures) share a group."""
    groups: dict[Hashable, int] = {}
    run_codes = [groups.setdefault(label, len(groups)) for label in labels]
    return np.repeat(np.array(run_codes, dtype=np.intp), sizes), list(groups)


def _month_codes(starts: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Each start's group number by month of registration, and the months ("2024-03")."""
    epoch = dt.date(1970, 1, 1).toordinal()
    months = (starts.astype(np.int64) - epoch).astype("datetime64[D]").astype("datetime64[M]")
    distinct, codes = np.unique(months.astype(np.int64), return_inverse=True)
    labels = [month_of(dt.date(1970 + int(m) // 12, int(m) % 12 + 1, 1)) for m in distinct]
    return codes.astype(np.intp), labels


def _months_back(day: dt.date, months: int) -> dt.date:
    y, m = day.year, day.month - months + 1
    while m <= 0:
        y, m = y - 1, m + 12
    return dt.date(y, m, 1)


def table_rows(stats: WaitingStatistics) -> tuple[list[str], list[list]]:
    """The statistics as one table (header, rows) for CSV and XLSX, small cells suppressed."""
    header = [
        _("grouped by"),
        _("group"),
        _("cases"),
        _("decided"),
        _("still waiting"),
        _("median days to decision"),
        _("median: lower bound (95%)"),
        _("median: upper bound (95%)"),
        *[_("share still waiting after %(days)s days") % {"days": d} for d in CHECKPOINTS],
    ]
    rows: list[list] = []
    for dimension, curves in (
        (_("procedure"), stats.by_procedure),
        (_("nationality"), stats.by_nationality),
        (_("month of registration"), stats.by_month),
    ):
        for c in curves:
            rows.append([str(dimension), str(c.group), *_curve_cells(c, stats)])
    for day, waiting in stats.backlog:
        rows.append(
            [
                _("backlog at the end of"),
                day.isoformat(),
                f"< {stats.threshold}" if waiting is None else waiting,
                *[""] * (len(header) - 3),
            ]
        )
    return [str(h) for h in header], rows


def _curve_cells(c: Curve, stats: WaitingStatistics) -> list:
    if c.withheld:
        return [f"< {stats.threshold}", *[""] * (5 + len(CHECKPOINTS))]
    counts = {"cases": c.cases, "finished": c.finished, "waiting": c.still_waiting}
    if stats.for_publication:
        cells = suppress(counts)
        shown = {k: str(v) if v.suppressed else v.value for k, v in cells.items()}
    else:
        shown = counts

    def rounded(x):
        return "" if x is None else round(x, 1)

    return [
        shown["cases"],
        shown["finished"],
        shown["waiting"],
        rounded(c.median_days),
        rounded(c.median_low),
        rounded(c.median_high),
        *[round(c.share_waiting_after(d), 3) for d in CHECKPOINTS],
    ]
