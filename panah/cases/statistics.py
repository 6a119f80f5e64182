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
from dataclasses import dataclass
from typing import NamedTuple

from django.utils.translation import gettext as _

from panah.core.disclosure import suppress, threshold

from . import queries
from .models import ProcedureType
from .waiting import Curve, backlog, curves_by, month_ends, month_of

CHECKPOINTS = (90, 180, 365)


class _Spell(NamedTuple):
    """Spell's fields as a tuple: built at C speed, 300,000 of them per page (waiting.py reads
    only .start, .end and .group)."""

    start: dt.date
    end: dt.date | None
    group: object = None


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


def waiting_statistics(
    organisation_id: int, *, as_of: dt.date, for_publication: bool = False
) -> WaitingStatistics:
    """Curves by procedure type, nationality and month of registration, and the monthly backlog."""
    rows = queries.waiting_rows(organisation_id)
    kept = [r for r in rows if not (r[4] and r[1] is None)]
    # Labels translated once, not once per case (100,000 lazy translations cost seconds).
    procedure_names = {code: str(label) for code, label in ProcedureType.choices}
    not_recorded = _("not recorded")
    by_procedure = curves_by(
        [_Spell(r[0], r[1], procedure_names.get(r[2], r[2])) for r in kept],
        as_of,
        for_publication=for_publication,
    )
    by_nationality = curves_by(
        [_Spell(r[0], r[1], r[3] or not_recorded) for r in kept],
        as_of,
        for_publication=for_publication,
    )
    since = _months_back(as_of, MONTHS_SHOWN)
    by_month = curves_by(
        [_Spell(r[0], r[1], month_of(r[0])) for r in kept if r[0] >= since],
        as_of,
        for_publication=for_publication,
    )
    by_month.sort(key=lambda c: str(c.group))
    all_spells = [_Spell(r[0], r[1]) for r in kept]
    if all_spells:
        first = min(s.start for s in all_spells)
        months = [d for d in month_ends(first, as_of) if d <= as_of] + [as_of]
        waiting_backlog = backlog(all_spells, months, for_publication=for_publication)
    else:
        waiting_backlog = []
    return WaitingStatistics(
        as_of=as_of,
        cases=len(kept),
        by_procedure=by_procedure,
        by_nationality=by_nationality,
        by_month=by_month,
        backlog=waiting_backlog,
        for_publication=for_publication,
        threshold=threshold(),
    )


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
