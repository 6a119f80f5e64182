"""A brief's frozen figures worded in one language: for its web page and its PDF.

Nothing here recomputes a figure: it reads `Brief.figures` and words it. Persian gets Persian
digits in the text and in the charts' labels (only inside <text>, never in coordinates), the
Jalali date beside the Gregorian one, and a right-to-left page; WeasyPrint shapes the Arabic
script with HarfBuzz and the vendored Vazirmatn font, which is the only file it may load.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from panah.cases.models import ProcedureType
from panah.core import dates, pdf
from panah.core.charts import bar_chart
from panah.core.persian import localised_digits
from panah.safety.taxonomy import Category

from .briefs import intact
from .models import Brief, Demand

_SVG_TEXT = re.compile(r">([^<>]*)<")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")


def persian(text: str) -> str:
    """Persian digits in Persian, the text unchanged otherwise."""
    return localised_digits(text)


def number(value: int | float | None, threshold: int) -> str:
    """A figure as published: suppressed cells read '< k', never their value."""
    if value is None:
        return persian(f"< {threshold}")
    return persian(formats.number_format(value, force_grouping=True))


def _chart(labels: list[str], values: list[int | None], *, title: str, desc: str, k: int):
    """A bar chart with its caption; Persian digits inside its texts in Persian.

    WeasyPrint neither shapes nor reorders Arabic-script text inside SVG, so such bar labels
    become numbers, and a legend in the page (shaped like any text) names them.
    """
    legend = []
    if any(_ARABIC_SCRIPT.search(label) for label in labels):
        legend = list(labels)
        labels = [str(i) for i in range(1, len(labels) + 1)]
    svg = str(bar_chart(labels, values, title=title, desc=desc, threshold=k))
    if dates.shows_jalali():
        svg = _SVG_TEXT.sub(lambda m: ">" + persian(m.group(1)) + "<", svg)
    return format_html(
        "<figure><figcaption>{}</figcaption>{}{}</figure>",
        title,
        mark_safe(svg),  # noqa: S308 (bar_chart escapes every text; digits only swapped)
        format_html(
            '<ol class="legend">{}</ol>',
            format_html_join("", "<li>{}</li>", ((label,) for label in legend)),
        )
        if legend
        else "",
    )


def day_text(iso: str | None) -> str:
    """A stored ISO date as the reader reads it (Jalali first in Persian, Gregorian beside)."""
    if not iso:
        return ""
    day = dt.date.fromisoformat(iso[:10])
    if dates.shows_jalali():
        # Isolated left to right, or the bidi algorithm turns 2025-12-02 into 02-12-2025.
        return format_html('{} <bdi dir="ltr">({})</bdi>', dates.jalali_text(day), day.isoformat())
    return dates.gregorian_text(day)


def month_label(key: str) -> str:
    """'2026-12' as the reader reads a month ('December 2026', 'دسامبر ۲۰۲۶')."""
    try:
        day = dt.date.fromisoformat(f"{key}-01")
    except ValueError:
        return key
    return persian(formats.date_format(day, "YEAR_MONTH_FORMAT"))


def procedure_label(group: dict) -> str:
    """A waiting-time group's name in the reader's language (stored as a code)."""

    code = group.get("code")
    if code in ProcedureType.values:
        return str(ProcedureType(code).label)
    return group["group"]


def span(start: str, end: str) -> str:
    """A period 'from – to' in the reader's language."""
    return format_html("{} – {}", day_text(start), day_text(end))


def _method(executions: dict) -> str:
    scope = (
        _("confirmed and unverified reports")
        if executions["scope"] == "all"
        else _("victims with at least one confirmed report only")
    )
    return persian(
        _(
            "Documented count: distinct victims after linking the reports of %(sources)s "
            "sources and reviewing uncertain pairs (linkage run %(run)s); %(scope)s. A victim "
            "counts in the period when every day its reports allow for the execution falls "
            "in it. A minimum (at least N), not an estimate."
        )
        % {
            "sources": executions["sources"],
            "run": executions["linkage_run"] or _("none yet"),
            "scope": scope,
        }
    )


def _estimate_text(estimate: dict) -> str:
    reasons = {
        "whole_year": _("An estimate is made for one whole calendar year; this period is not one."),
        "sources": _("An estimate needs victims documented by at least two sources."),
        "model": _("No model gave an estimate."),
        "threshold": _("Withheld: it would rest on fewer people than the disclosure threshold."),
    }
    if "missing" in estimate:
        return reasons.get(estimate["missing"], "")
    high = _("unbounded") if estimate["high"] is None else f"{estimate['high']:,}"
    low = "?" if estimate["low"] is None else f"{estimate['low']:,}"
    return persian(
        _(
            "Estimated executions in %(year)s, documented or not: about %(m)s (%(pct)s%% "
            "interval %(low)s–%(high)s), multiple systems estimation from %(lists)s lists, "
            "model %(model)s, resting on %(documented)s documented victims."
        )
        % {
            "year": estimate["year"],
            "m": f"{estimate['estimate']:,}",
            "pct": f"{estimate['level'] * 100:g}",
            "low": low,
            "high": high,
            "lists": estimate["lists"],
            "model": estimate["model"],
            "documented": f"{estimate['documented']:,}",
        }
    )


def _same_year(by_year: list[dict], others: list[dict]):
    """The latest calendar year for which we and others published a figure: like with like."""
    ours = {int(r["key"]): r["value"] for r in by_year}
    whole_years: dict[int, list[dict]] = {}
    for o in others:
        start, end = dt.date.fromisoformat(o["start"]), dt.date.fromisoformat(o["end"])
        whole = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
        if whole and start.year == end.year and start.year in ours:
            whole_years.setdefault(start.year, []).append(o)
    if not whole_years:
        return None
    year = max(whole_years)
    return year, ours[year], whole_years[year]


def _missing(section: dict, register: str) -> str:
    """Why a module's section has no figure: frozen before it existed, or no record."""
    if section.get("missing") == "no_records":
        return (
            _("No figure: the shelter register has no one without a roof in this period.")
            if register == "shelter"
            else _("No figure: the safety register has no incident in this period.")
        )
    return (
        _("No figure: the shelter register does not publish aggregates yet. Nothing is "
          "estimated in its place.")
        if register == "shelter"
        else _("No figure: the safety register does not publish aggregates yet. Nothing is "
               "estimated in its place.")
    )  # fmt: skip


def category_label(code: str) -> str:
    """A threat category's name in the reader's language (stored as a code)."""

    return str(Category(code).label) if code in Category.values else code


def _shelter_context(shelter: dict, k: int) -> dict:
    if "missing" in shelter:
        return {"missing": _missing(shelter, "shelter")}
    median, longest = shelter["nights_median"], shelter["nights_longest"]
    return {
        "as_of": day_text(shelter["as_of"]),
        "people": number(shelter["people"], k),
        "households": number(shelter["households"], k),
        "on_last_day": number(shelter["people_on_last_day"], k),
        "nights": number(shelter["nights"], k),
        "median": "—" if median is None else persian(str(median)),
        "longest": "—" if longest is None else persian(str(longest)),
    }


def _safety_context(safety: dict, k: int) -> dict:
    if "missing" in safety:
        return {"missing": _missing(safety, "safety")}
    rows = [(category_label(r["key"]), r["value"]) for r in safety["by_category"]]
    return {
        "as_of": day_text(safety["as_of"]),
        "total": number(safety["total"], k),
        "rows": [(label, number(value, k)) for label, value in rows],
        "chart": _chart(
            [label for label, _value in rows], [value for _label, value in rows],
            title=_("Incidents of transnational repression in the period, by category"),
            desc=_("Incidents recorded by the safety officers, counted by category."), k=k,
        ),
    }  # fmt: skip


def brief_context(brief: Brief) -> dict[str, Any]:
    """Everything the brief's templates show, worded in the active language."""
    f = brief.figures
    k = f["threshold"]
    ex = f["executions"]
    waiting = f["waiting"]
    organisation = f["organisation"]
    source_ours = _("%(organisation)s, evidence register (Panah)") % {"organisation": organisation}
    source_cases = _("%(organisation)s, asylum cases followed (Panah)") % {
        "organisation": organisation
    }
    period = span(f["start"], f["end"])
    previous = span(ex["previous_start"], ex["previous_end"])
    change = ex["change"]
    change_text = (
        ""
        if change is None
        else persian(("+" if change > 0 else "") + formats.number_format(change, 1) + "%")
    )
    others = f.get("others") or []
    charts = [
        _chart(
            [r["key"] for r in ex["by_year"]], [r["value"] for r in ex["by_year"]],
            title=_("Executions documented per year"), desc=_method(ex), k=k,
        ),
        _chart(
            [r["key"] for r in ex["by_month"]], [r["value"] for r in ex["by_month"]],
            title=_("Executions documented per month of the period"), desc=_method(ex), k=k,
        ),
    ]  # fmt: skip
    comparison = _same_year(ex["by_year"], others)
    comparison_chart = None
    if comparison:
        year, ours, theirs = comparison
        comparison_chart = (
            _chart(
                [_("Us")] + [o["publisher"][:14] for o in theirs],
                [ours] + [o["figure"] for o in theirs],
                title=_("%(year)s: our count beside other organisations' published figures")
                % {"year": persian(str(year))},
                desc=_("Calendar year %(year)s for every figure; see the table.") % {"year": year},
                k=k,
            )  # fmt: skip
        )
    waiting_charts = []
    groups = [{**g, "group": procedure_label(g)} for g in waiting["groups"]]
    if groups:
        waiting_charts.append(
            _chart(
                [g["group"] for g in groups],
                [g["median"] for g in groups],
                title=_("Median days waiting for a first decision, by procedure"),
                desc=_("Kaplan–Meier median; cases still waiting are censored."),
                k=k,
            )  # fmt: skip
        )
        waiting_charts.append(
            _chart(
                [g["group"] for g in groups],
                [g["after_180"] for g in groups],
                title=_("Share still waiting after 180 days, by procedure (%)"),
                desc=_("Kaplan–Meier estimate."),
                k=k,
            )  # fmt: skip
        )
    if waiting["backlog"]:
        waiting_charts.append(
            _chart(
                [b["key"] for b in waiting["backlog"]],
                [b["value"] for b in waiting["backlog"]],
                title=_("Cases waiting for a first decision at each month's end"),
                desc=_("Cases registered and not yet decided."),
                k=k,
            )  # fmt: skip
        )
    language = (translation.get_language() or "en")[:2]
    demands = [
        {
            "text": d.get(f"text_{language}") or d.get("text_en") or "",
            "status": str(Demand.Status(d["status"]).label),
            "addressee": d["addressee"],
            "since": day_text(d["first_raised_on"]),
        }
        for d in f.get("demands", [])
    ]
    shelter = _shelter_context(f.get("shelter") or {"missing": "not_available"}, k)
    safety = _safety_context(f.get("safety") or {"missing": "not_available"}, k)
    return {
        "brief": brief,
        "shelter": shelter,
        "safety": safety,
        "source_shelter": _("%(organisation)s's own records: shelter register (Panah)")
        % {"organisation": organisation},
        "source_safety": _("%(organisation)s's own records: safety register (Panah)")
        % {"organisation": organisation},
        "f": f,
        "intact": intact(brief),
        "threshold": persian(str(k)),
        "period": period,
        "previous": previous,
        "generated": day_text(brief.generated_at.date().isoformat()),
        "reference": brief.reference,
        "current": number(ex["current"], k),
        "previous_count": number(ex["previous"], k),
        "change": change_text,
        "imprecise": number(ex["imprecise"], k) if ex["imprecise"] != 0 else "",
        "method": _method(ex),
        "executions_as_of": day_text(ex["as_of"]),
        "source_ours": source_ours,
        "source_cases": source_cases,
        "by_year": [(persian(r["key"]), number(r["value"], k)) for r in ex["by_year"]],
        "by_month": [(month_label(r["key"]), number(r["value"], k)) for r in ex["by_month"]],
        "estimate": _estimate_text(f["estimate"]),
        "estimate_as_of": day_text(f["estimate"].get("as_of")),
        "others": [
            {**o, "figure_text": number(o["figure"], 1), "as_of_text": day_text(o["as_of"])}
            for o in others
        ],
        "waiting_as_of": day_text(waiting["as_of"]),
        "waiting_cases": number(waiting["cases"], k),
        "groups": [
            {
                "group": g["group"],
                "cases": number(g["cases"], k),
                "median": "—" if g["median"] is None else persian(str(g["median"])),
                "interval": ""
                if g["low"] is None or g["high"] is None
                else persian(f"{g['low']}–{g['high']}"),
            }
            for g in groups
        ],
        "chart_year": charts[0],
        "chart_month": charts[1],
        "chart_comparison": comparison_chart,
        "waiting_charts": waiting_charts,
        "charts": [
            *charts,
            *([comparison_chart] if comparison_chart else []),
            *waiting_charts,
            *([safety["chart"]] if "chart" in safety else []),
        ],
        "demands": demands,
    }


def brief_html(brief: Brief, language: str) -> SafeString:
    """The brief's printable HTML in `language`."""
    with translation.override(language):
        return render_to_string(
            "advocacy/brief_pdf.html",
            {**brief_context(brief), "font_url": pdf.FONT_FILE.as_uri(), "language": language,
             "rtl": translation.get_language_bidi()},
        )  # fmt: skip


def brief_pdf_bytes(brief: Brief, language: str) -> bytes:
    """The brief as a PDF in `language` (right to left and shaped in Persian)."""
    return pdf.render_pdf(brief_html(brief, language))
