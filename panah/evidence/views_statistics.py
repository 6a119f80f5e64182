"""The statistics page: documented counts with charts, sources, an estimate kept apart, downloads.

Counts on the page are exact (the page stays inside the organisation); downloads and
publications leave it, so every cell in them passes through disclosure control first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from panah.core import audit, disclosure
from panah.core.access import permission_required
from panah.core.security import recent_authentication_required
from panah.core.spreadsheets import neutralise_row

from . import rules as _rules  # noqa: F401  (registers the permissions the decorators name)
from .charts import bar_chart
from .statistics import (
    DIMENSIONS,
    VERIFICATION_SCOPES,
    EstimateSummary,
    Scope,
    Statistics,
    Table,
    protect_estimate,
    protect_table,
    web_estimate_options,
)

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class StatisticsForm(forms.Form):
    """What the page counts: which victims, which Gregorian and Persian year."""

    verification = forms.ChoiceField(
        label=gettext_lazy("Count"),
        choices=list(VERIFICATION_SCOPES.items()),
        required=False,
    )
    named_only = forms.BooleanField(label=gettext_lazy("Identified by name only"), required=False)
    year = forms.TypedChoiceField(
        label=gettext_lazy("Year (months, breakdowns)"), coerce=int, required=False
    )
    jyear = forms.TypedChoiceField(label=gettext_lazy("Persian year"), coerce=int, required=False)

    def __init__(self, *args, years: list[int], jyears: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in reversed(years)]
        self.fields["jyear"].choices = [(y, str(y)) for y in reversed(jyears)]


class EstimateForm(forms.Form):
    """Which period and which sources (lists) the downloaded estimate rests on, in which format."""

    period = forms.ChoiceField(label=gettext_lazy("Period"))
    sources = forms.MultipleChoiceField(
        label=gettext_lazy("Sources that enter the estimate (at least two)"),
        widget=forms.CheckboxSelectMultiple,
    )
    fmt = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("pdf", "PDF"), ("xlsx", "XLSX"), ("csv", "CSV")],
        initial="pdf",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, years: list[int], sources: list[str], **kwargs):
        super().__init__(*args, prefix="est", **kwargs)
        self.fields["period"].choices = [("all", gettext_lazy("All dates"))] + [
            (str(y), str(y)) for y in reversed(years)
        ]
        self.fields["sources"].choices = [(s, s) for s in sources]
        self.fields["sources"].initial = list(sources)
        self.fields["period"].initial = str(years[-1]) if years else "all"

    def clean_sources(self) -> list[str]:
        chosen = self.cleaned_data["sources"]
        if len(chosen) < 2:
            raise forms.ValidationError(
                _("Choose at least two sources: the estimate rests on how they overlap.")
            )
        return chosen


@dataclass
class Selection:
    scope: Scope
    year: int | None
    jyear: int | None
    form: StatisticsForm
    stats: Statistics


def selection(request: HttpRequest) -> Selection:
    """The statistics the request asks for (query string), loaded once."""
    data = request.GET if request.method == "GET" else request.POST
    first = Statistics(request.organisation)
    years, jyears = first.years(), first.jalali_years()
    form = StatisticsForm(data or None, years=years, jyears=jyears)
    clean = form.cleaned_data if form.is_bound and form.is_valid() else {}
    scope = Scope(
        verification=clean.get("verification") or "all", named_only=bool(clean.get("named_only"))
    )
    stats = first if scope == first.scope else Statistics(request.organisation, scope)
    year = clean.get("year") or (years[-1] if years else None)
    jyear = clean.get("jyear") or (jyears[-1] if jyears else None)
    return Selection(scope, year, jyear, form, stats)


def source_names(sel: Selection) -> list[str]:
    """The sources that documented the victims counted, by name."""
    return sorted({name for f in sel.stats.facts for name in f.sources})


def tables_for(sel: Selection) -> dict[str, Table]:
    """Every table the page and the downloads show, by name."""
    stats = sel.stats
    tables: dict[str, Table] = {"yearly": stats.yearly()}
    if sel.year:
        tables["monthly"] = stats.monthly(sel.year)
    if sel.jyear:
        tables["jalali_monthly"] = stats.jalali_monthly(sel.jyear)
    for dimension in DIMENSIONS:
        tables[dimension] = stats.breakdown(dimension, year=sel.year)
    return tables


def chart_for(table: Table | dict, *, protected: bool = False):
    """The bar chart of a period table (None for breakdowns, which are tables only)."""
    data = table if isinstance(table, dict) else None
    kind = data["kind"] if data else table.kind
    if kind not in ("year", "month", "jalali_month"):
        return None
    rows = data["rows"] if data else [r.__dict__ for r in table.rows]
    if kind == "year":
        labels = [r["key"] for r in rows]
    else:  # "Mar" of "March 2024", "Dey" of "Dey 1402 (...)"
        labels = [r["label"].split(" ")[0][:9] for r in rows]
    values = [r["value"] for r in rows]
    title = data["title"] if data else table.title
    definition = data["period_definition"] if data else table.period_definition
    return bar_chart(
        labels,
        values,
        title=title,
        desc=definition,
        threshold=(data or {}).get("threshold") if protected else None,
    )


def run_estimate(sel: Selection, year: int | None) -> tuple[EstimateSummary | None, str]:
    """The estimate for a year (or all dates), or the reason there is none."""
    try:
        return sel.stats.estimate(year=year, **web_estimate_options()), ""
    except ValueError as exc:
        return None, str(exc)


@permission_required("evidence.view_evidence")
def statistics(request: HttpRequest) -> HttpResponse:
    """Documented counts per period and group, sources' coverage, and (on request) an estimate."""
    sel = selection(request)
    return _page(request, sel, EstimateForm(years=sel.stats.years(), sources=source_names(sel)))


def _page(
    request: HttpRequest, sel: Selection, estimate_form: EstimateForm, status: int = 200
) -> HttpResponse:
    tables = tables_for(sel)
    periods = [
        {"name": name, "table": tables[name], "chart": chart_for(tables[name])}
        for name in ("yearly", "monthly", "jalali_monthly")
        if name in tables
    ]
    estimate, estimate_error = None, ""
    estimate_year = request.GET.get("estimate")
    if estimate_year:
        year = None if estimate_year == "all" else _int(estimate_year)
        estimate, estimate_error = run_estimate(sel, year)
    query = request.GET.copy()
    for key in ("estimate", "fmt", "period", "sources"):
        query.pop(key, None)
    return render(
        request,
        "evidence/statistics.html",
        {
            "sel": sel,
            "form": sel.form,
            "estimate_form": estimate_form,
            "periods": periods,
            "breakdowns": [tables[d] for d in DIMENSIONS],
            "coverage": sel.stats.coverage(year=sel.year),
            "coverage_all": sel.stats.coverage(),
            "estimate": estimate,
            "estimate_error": estimate_error,
            "estimate_year": estimate_year,
            "query": query.urlencode(),
            "threshold": disclosure.threshold(),
            "total_victims": len(sel.stats.facts),
        },
        status=status,
    )


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def protected_tables(sel: Selection) -> list[dict[str, Any]]:
    """The tables as they may leave the organisation: small cells suppressed."""
    k = disclosure.threshold()
    return [protect_table(t.as_dict(), k) for t in tables_for(sel).values()]


def _cell(value: Any, threshold: int) -> str:
    return f"< {threshold}" if value is None else str(value)


@permission_required("evidence.export_statistics")
@recent_authentication_required
def statistics_download(request: HttpRequest) -> HttpResponse:
    """The page's tables as CSV, XLSX or PDF (?fmt=), with charts in the PDF; small cells
    suppressed. Needs a recent re-authentication, like every export: these are the
    organisation's working figures, not what it published."""
    fmt = request.GET.get("fmt", "csv")
    if fmt not in FORMATS:
        raise Http404
    sel = selection(request)
    tables = protected_tables(sel)
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        body = _csv(tables)
    elif fmt == "xlsx":
        body = _xlsx(tables)
    else:
        body = _pdf(request, sel, tables)
    audit.record(
        "evidence.statistics_exported",
        organisation=request.organisation,
        request=request,
        data={
            "format": fmt,
            "tables": len(tables),
            "linkage_run": sel.stats.run_id,
            "threshold": disclosure.threshold(),
        },
    )
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="execution-statistics-{stamp}.{fmt}"'
    return response


CSV_HEADER = (
    "table", "period_definition", "method", "as_of", "data_as_of", "linkage_run", "key",
    "label", "documented_at_least", "date_could_also_fall_here", "change_percent",
    "period_incomplete",
)  # fmt: skip


def _csv(tables: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(neutralise_row(CSV_HEADER))
    for t in tables:
        k = t["threshold"]
        for r in t["rows"]:
            # Labels are free text (a province, an ethnicity): no cell may run as a formula.
            writer.writerow(
                neutralise_row([
                    t["title"], t["period_definition"], t["method"], t["as_of"],
                    t.get("data_as_of") or "", t["linkage_run_id"] or "", r["key"], r["label"],
                    _cell(r["value"], k),
                    _cell(r["imprecise"], k) if r["imprecise"] != 0 else 0,
                    "" if r["change"] is None else r["change"],
                    "yes" if r.get("partial") else "",
                ])
            )  # fmt: skip
    return out.getvalue()


def _xlsx(tables: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for index, t in enumerate(tables, start=1):
        sheet = book.create_sheet(f"{index} {t['kind']}"[:31])
        k = t["threshold"]

        def append(row: list, sheet=sheet) -> None:
            sheet.append(neutralise_row(row))  # openpyxl writes a text starting with = as a formula

        append([t["title"]])
        append([_("Period"), t["period_definition"]])
        append([_("Method"), t["method"]])
        append([_("As of"), t["as_of"]])
        append([_("Data up to"), t.get("data_as_of") or ""])
        append([_("Linkage run"), t["linkage_run_id"]])
        append([_("Disclosure control"), _("counts below %(k)s shown as < %(k)s") % {"k": k}])
        append([])
        append(
            [
                t["dimension"],
                _("Documented (at least)"),
                _("Date could also fall here"),
                _("Change (%)"),
                _("Incomplete period"),
            ]
        )
        for r in t["rows"]:
            append(
                [r["label"], _cell(r["value"], k) if r["value"] is None else r["value"],
                 _cell(r["imprecise"], k) if r["imprecise"] is None else r["imprecise"],
                 r["change"], _("yes") if r.get("partial") else ""]
            )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _refuse_fetch(url: str, *args, **kwargs):
    """WeasyPrint may fetch nothing: the PDF is built from what we hand it."""
    raise ValueError(f"no fetching from {url!r}")


def _pdf(request: HttpRequest, sel: Selection, tables: list[dict[str, Any]]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "evidence/statistics_pdf.html",
        {
            "organisation": request.organisation,
            "tables": [{"table": t, "chart": chart_for(t, protected=True)} for t in tables],
            "generated": timezone.now(),
            "threshold": disclosure.threshold(),
            "scope": sel.scope.describe(),
            "today": dt.date.today(),
        },
        request=request,
    )
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


# --- The estimate as a file ---------------------------------------------------------------------


@permission_required("evidence.export_statistics")
@recent_authentication_required
def estimate_download(request: HttpRequest) -> HttpResponse:
    """The estimate for a period from the chosen sources, as CSV, XLSX or PDF: as-of date,
    lists used, every model's estimate and interval, the headlined one and why, the dependence
    warning. It leaves the organisation, so it rests on at least the disclosure threshold of
    people and its capture-history cells are suppressed below it."""
    sel = selection(request)
    form = EstimateForm(request.GET, years=sel.stats.years(), sources=source_names(sel))
    if not form.is_valid():
        return _page(request, sel, form, status=400)
    period = form.cleaned_data["period"]
    year = None if period == "all" else int(period)
    try:
        summary = sel.stats.estimate(
            year=year, sources=form.cleaned_data["sources"], **web_estimate_options()
        )
    except ValueError as exc:
        form.add_error(None, str(exc))
        return _page(request, sel, form, status=400)
    k = disclosure.threshold()
    data = protect_estimate(summary.as_dict(), k)
    if data is None:
        form.add_error(
            None,
            _("The estimate rests on fewer people than the disclosure threshold (%(k)s).")
            % {"k": k},
        )
        return _page(request, sel, form, status=400)
    fmt = form.cleaned_data["fmt"]
    document = estimate_document(request, sel, summary, data)
    if fmt == "csv":
        body: str | bytes = _estimate_csv(document)
    elif fmt == "xlsx":
        body = _estimate_xlsx(document)
    else:
        body = _estimate_pdf(document)
    audit.record(
        "evidence.estimate_exported",
        organisation=request.organisation,
        request=request,
        data={
            "format": fmt,
            "period": period,
            "lists": len(summary.lists),
            "linkage_run": summary.linkage_run_id,
            "threshold": k,
        },
    )
    response = HttpResponse(body, content_type=FORMATS[fmt])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="estimate-{period}-{stamp}.{fmt}"'
    return response


def _digits(text: Any) -> str:
    """Persian digits in Persian, the text unchanged otherwise."""
    from panah.core import dates

    text = "" if text is None else str(text)
    return text.translate(dates.PERSIAN_DIGITS) if dates.shows_jalali() else text


def _day(value: dt.date | dt.datetime | None, *, with_time: bool = False) -> str:  # HTML
    """A day as the reader reads it: in Persian the Jalali day, then the ISO day (both in
    Persian digits); elsewhere the ISO day."""
    from panah.core import dates

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
    from django.utils import formats

    if value is None:
        return _("unbounded")
    return formats.number_format(round(value), force_grouping=True)


def estimate_document(
    request: HttpRequest, sel: Selection, summary: EstimateSummary, data: dict[str, Any]
) -> dict[str, Any]:
    """Everything the three formats say, worded once in the reader's language."""
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
    data_as_of = sel.stats.data_as_of
    return {
        "title": _("Estimate of all executions, documented or not"),
        "organisation": request.organisation.name,
        "period": summary.period_definition,
        "as_of": summary.as_of,
        "data_as_of": data_as_of,
        "as_of_text": _day(summary.as_of, with_time=True),
        "data_as_of_text": _day(data_as_of),
        "linkage_run": summary.linkage_run_id,
        "scope": sel.scope.describe(),
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
        "threshold": data["threshold"],
        "capture_rows": data["capture_rows"],
    }


def _estimate_csv(doc: dict[str, Any]) -> str:
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


def _estimate_xlsx(doc: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

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


def _estimate_pdf(doc: dict[str, Any]) -> bytes:
    from django.utils import translation

    from panah.core.pdf import FONT_FILE, render_pdf

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
