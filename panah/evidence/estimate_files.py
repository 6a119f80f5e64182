"""The estimate as a file a researcher downloads: CSV, XLSX or PDF, worded once.

Each says the period, the as-of time and the data's last day, the linkage run and scope, the
lists used, the documented count, every model's estimate and interval, which model is
headlined and why, the models that gave none, and the warning on dependent lists. Cells come
already protected (statistics.protect_estimate); free text is neutralised against formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from panah.core import dates
from panah.core.pdf import FONT_FILE, render_pdf
from panah.core.spreadsheets import neutralise_row

from .statistics import EstimateSummary

_PERSIAN_PERCENT = str.maketrans({"%": "٪"})


def _digits(text: Any) -> str:
    """Persian digits and percent sign in Persian, the text unchanged otherwise."""

    text = "" if text is None else str(text)
    if not dates.shows_jalali():
        return text
    return text.translate(dates.PERSIAN_DIGITS).translate(_PERSIAN_PERCENT)


def _day(value: dt.date | dt.datetime | None, *, with_time: bool = False) -> str:  # HTML
    """A day as the reader reads it: in Persian the Jalali day, then the ISO day (both in
    Persian digits); elsewhere the ISO day."""

    if value is None:
        return "—"
    day = dates.local_date(value)
    text = day.isoformat()
    if with_time and isinstance(value, dt.datetime):
        text += " " + timezone.localtime(value).strftime("%H:%M")
    if dates.shows_jalali():
        # Isolated left to right, or the bidi algorithm prints 2026-12-06 as 06-12-2026.
        return format_html('{} (<bdi dir="ltr">{}</bdi>)', dates.jalali_text(day), _digits(text))
    return text


def _whole(value: float | None) -> str:

    if value is None:
        return _("unbounded")
    return formats.number_format(round(value), force_grouping=True)


def document(
    *,
    organisation: str,
    scope: str,
    data_as_of: dt.date | None,
    summary: EstimateSummary,
    protected: dict[str, Any],
) -> dict[str, Any]:
    """Everything the three formats say, worded once in the reader's language; `protected` is
    the summary as it may leave the organisation (statistics.protect_estimate)."""
    preferred = summary.preferred
    models = [
        {
            "name": e["name"],
            "method": e["method"],
            "estimate": e["estimate"],
            "low": e["low"],
            "high": e["high"],
            "level": e["level"],
            "interval": e["interval"],
            "selected_by": ", ".join(e["selected_by"]),
            "headlined": e is preferred,
            "estimate_text": _digits(_whole(e["estimate"])),
            "range_text": _digits(
                f"{_whole(e['low']) if e['low'] is not None else '?'} – {_whole(e['high'])}"
            ),
            "level_text": _digits(f"{e['level'] * 100:g}%"),
        }
        for e in summary.estimates
    ]
    return {
        "title": _("Estimate of all executions, documented or not"),
        "organisation": organisation,
        "period": summary.period_definition,
        "as_of": summary.as_of,
        "data_as_of": data_as_of,
        "as_of_text": _day(summary.as_of, with_time=True),
        "data_as_of_text": _day(data_as_of),
        "linkage_run": summary.linkage_run_id,
        "scope": scope,
        "lists": summary.lists,
        "documented": summary.documented,
        "documented_text": _digits(_whole(summary.documented)),
        "models": models,
        "headline": summary.sentence(),
        "headline_text": _digits(summary.sentence()),
        "headlined": preferred["name"] if preferred else "",
        "why": summary.preferred_reason(),
        "notes": summary.notes,
        "skipped": summary.skipped,
        "warning": summary.warning,
        "threshold": protected["threshold"],
        "capture_rows": protected["capture_rows"],
    }


def to_csv(doc: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)

    def row(values: list) -> None:
        writer.writerow(neutralise_row(values))  # source names are free text

    row(["field", "value"])
    for key, value in (
        ("title", doc["title"]), ("organisation", doc["organisation"]),
        ("period", doc["period"]), ("as_of", doc["as_of"].isoformat()),
        ("data_up_to", doc["data_as_of"].isoformat() if doc["data_as_of"] else ""),
        ("linkage_run", doc["linkage_run"] or ""), ("scope", doc["scope"]),
        ("lists_used", "; ".join(doc["lists"])), ("documented_at_least", doc["documented"]),
        ("headlined_model", doc["headlined"]), ("headline", doc["headline"]),
        ("why_headlined", doc["why"]), ("warning", doc["warning"]),
        ("disclosure_threshold", doc["threshold"]),
    ):  # fmt: skip
        row([key, value])
    for note in doc["notes"]:
        row(["note", note])
    row([])
    row(["model", "method", "estimate", "interval_low", "interval_high", "level",
         "interval_type", "chosen_by", "headlined"])  # fmt: skip
    for m in doc["models"]:
        row([m["name"], m["method"], round(m["estimate"], 1),
             "" if m["low"] is None else round(m["low"], 1),
             "unbounded" if m["high"] is None else round(m["high"], 1), m["level"],
             m["interval"], m["selected_by"], "yes" if m["headlined"] else ""])  # fmt: skip
    row([])
    row([*doc["lists"], "victims"])
    for capture in doc["capture_rows"]:
        count = capture["count"]
        row([*(capture[name] for name in doc["lists"]),
             f"< {doc['threshold']}" if count is None else count])  # fmt: skip
    return out.getvalue()


def to_xlsx(doc: dict[str, Any]) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 (openpyxl is slow to import; only this path needs it)

    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Estimate"))[:31]

    def append(values: list, target=sheet) -> None:
        target.append(neutralise_row(values))

    append([doc["title"]])
    for label, value in (
        (_("Organisation"), doc["organisation"]), (_("Period"), doc["period"]),
        (_("As of"), doc["as_of"].strftime("%Y-%m-%d %H:%M")),
        (_("Data up to"), doc["data_as_of"].isoformat() if doc["data_as_of"] else ""),
        (_("Linkage run"), doc["linkage_run"]), (_("Scope"), doc["scope"]),
        (_("Lists used"), "; ".join(doc["lists"])),
        (_("Documented (at least)"), doc["documented"]),
        (_("Headlined"), doc["headline"]), (_("Why this one"), doc["why"]),
        (_("Warning"), doc["warning"]),
        (_("Disclosure control"),
         _("counts below %(k)s shown as < %(k)s") % {"k": doc["threshold"]}),
    ):  # fmt: skip
        append([label, value])
    for note in doc["notes"]:
        append([_("Note"), note])
    append([])
    append([_("Model"), _("Method"), _("Estimate"), _("Interval from"), _("Interval to"),
            _("Level"), _("Interval type"), _("Chosen by"), _("Headlined")])  # fmt: skip
    for m in doc["models"]:
        append([m["name"], m["method"], round(m["estimate"], 1),
                None if m["low"] is None else round(m["low"], 1),
                _("unbounded") if m["high"] is None else round(m["high"], 1), m["level"],
                m["interval"], m["selected_by"], _("yes") if m["headlined"] else ""])  # fmt: skip
    captures = book.create_sheet(str(_("Capture histories"))[:31])
    append([*doc["lists"], _("Victims")], captures)
    for capture in doc["capture_rows"]:
        count = capture["count"]
        append([*(capture[name] for name in doc["lists"]),
                f"< {doc['threshold']}" if count is None else count], captures)  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(doc: dict[str, Any]) -> bytes:

    html = render_to_string(
        "evidence/estimate_pdf.html",
        {
            **doc,
            "font_url": FONT_FILE.as_uri(),
            "language": translation.get_language(),
            "rtl": translation.get_language_bidi(),
            "period": _digits(doc["period"]),
            "notes": [_digits(note) for note in doc["notes"]],
            "threshold_text": _digits(doc["threshold"]),
            "run_text": _digits(doc["linkage_run"] or "—"),
        },
    )
    return render_pdf(html)


WRITERS = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}
