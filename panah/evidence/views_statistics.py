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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from panah.core import audit, disclosure
from panah.core.access import needs_permission
from panah.core.charts import bar_chart
from panah.core.reauth import recent_authentication_required
from panah.core.spreadsheets import neutralise_row

from . import estimate_files, tasks
from . import rules as _rules  # noqa: F401  (registers the permissions the decorators name)
from .statistics import (
    DIMENSIONS,
    VERIFICATION_SCOPES,
    Scope,
    Statistics,
    Table,
    protect_estimate,
    protect_table,
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


def run_estimate(request: HttpRequest, sel: Selection, year: int | None) -> tasks.PageEstimate:
    """The estimate for a year (or all dates) if made, else the reason there is none or the
    background task making it (never computed in the request)."""
    query = request.GET.copy()
    query.pop("again", None)
    return tasks.page_estimate(
        sel.stats, year, by=request.user, back=query.urlencode(), again="again" in request.GET
    )


@needs_permission("evidence.view_evidence")
def statistics(request: HttpRequest) -> HttpResponse:
    """Documented counts per period and group, sources' coverage, and (on request) an estimate."""
    sel = selection(request)
    return _page(request, sel, EstimateForm(years=sel.stats.years(), sources=source_names(sel)))


def _page(
    request: HttpRequest,
    sel: Selection,
    estimate_form: EstimateForm,
    status: int = 200,
    pending: tasks.PageEstimate | None = None,
) -> HttpResponse:
    tables = tables_for(sel)
    periods = [
        {"name": name, "table": tables[name], "chart": chart_for(tables[name])}
        for name in ("yearly", "monthly", "jalali_monthly")
        if name in tables
    ]
    made = pending or tasks.PageEstimate()
    estimate_year = request.GET.get("estimate")
    if estimate_year and pending is None:
        year = None if estimate_year == "all" else _int(estimate_year)
        made = run_estimate(request, sel, year)
    query = request.GET.copy()
    for key in ("estimate", "fmt", "period", "sources", "again"):
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
            "estimate": made.summary,
            "estimate_error": made.error,
            "estimate_task": made.task,
            "estimate_failed": made.failed,
            # The download's page does not reload itself: reloading it would download the file
            # while the page (and its polling) stayed, again every two seconds.
            "estimate_polls": made.task is not None and pending is None,
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


@needs_permission("evidence.export_statistics")
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
    from openpyxl import Workbook  # noqa: PLC0415 (openpyxl is slow to import; only this path needs it)

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
    from weasyprint import HTML  # noqa: PLC0415 (weasyprint is slow to import; only this path needs it)

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


@needs_permission("evidence.export_statistics")
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
    made = tasks.page_estimate(
        sel.stats,
        year,
        sources=form.cleaned_data["sources"],
        by=request.user,
        again="again" in request.GET,
    )
    if made.task is not None or made.failed is not None:
        # Being computed (the page says so and shows it when ready), or its task failed.
        return _page(request, sel, form, status=202 if made.task else 503, pending=made)
    if made.summary is None:
        form.add_error(None, made.error)
        return _page(request, sel, form, status=400)
    summary = made.summary
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
    document = estimate_files.document(
        organisation=request.organisation.name,
        scope=sel.scope.describe(),
        data_as_of=sel.stats.data_as_of,
        summary=summary,
        protected=data,
    )
    body = estimate_files.WRITERS[fmt](document)
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
