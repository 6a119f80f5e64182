"""The public pages (published statistics only) and the members' pages that publish and withdraw.

Public pages show exactly what a researcher froze at publication, passed again through
disclosure control; they never name the member who published.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panah.core import disclosure
from panah.core.access import get_for_member, needs_permission, public
from panah.core.charts import bar_chart
from panah.evidence import tasks as estimate_tasks
from panah.evidence.statistics import (
    Scope,
    Statistics,
    estimate_sentence,
)

from . import queries, services
from . import rules as _rules  # noqa: F401  (registers the permissions the decorators name)
from .forms import PublishForm
from .models import PublishedStatistic

PERIOD_KINDS = ("year", "month", "jalali_month")


def _chart(table: dict):
    if table["kind"] not in PERIOD_KINDS:
        return None
    if table["kind"] == "year":
        labels = [r["key"] for r in table["rows"]]
    else:
        labels = [r["label"].split(" ")[0][:9] for r in table["rows"]]
    return bar_chart(
        labels,
        [r["value"] for r in table["rows"]],
        title=table["title"],
        desc=table["period_definition"],
        threshold=table["threshold"],
    )


def _display(statistic: PublishedStatistic) -> dict:
    """The snapshot ready for the template, suppressed at today's threshold too."""
    figures = statistic.figures or {}
    threshold = max(disclosure.threshold(), statistic.disclosure_threshold)
    tables = []
    comparison = figures.get("comparison") or []
    for index, stored in enumerate(figures.get("tables") or []):
        table = queries.display_table(stored, threshold)
        others: dict[str, list] = {}
        for item in comparison:
            if item["table"] == index:
                others.setdefault(item["row"], []).append(item)
        for row in table["rows"]:
            row["others"] = others.get(row["key"], [])
        tables.append({"table": table, "chart": _chart(table), "has_others": bool(others)})
    estimate = figures.get("estimate")
    if estimate and estimate.get("documented", 0) < threshold:
        estimate = None
    if estimate:
        estimate = {
            **estimate,
            "sentences": [estimate_sentence(e) for e in estimate.get("estimates", [])],
        }
    return {"tables": tables, "estimate": estimate, "threshold": threshold}


@public
def index(request: HttpRequest) -> HttpResponse:
    """Organisations that publish statistics here."""
    return render(
        request, "public/index.html", {"organisations": queries.publishing_organisations()}
    )


@public
def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    """One organisation's published statistics, newest first."""
    org = queries.organisation_by_slug(slug)
    if org is None:
        raise Http404
    return render(
        request,
        "public/organisation.html",
        {"organisation": org, "statistics": queries.published_statistics(org)},
    )


@public
def statistic(request: HttpRequest, pk: int) -> HttpResponse:
    """One publication: its tables and charts, the estimate apart, and others' figures beside."""
    found = queries.published_statistic(pk)
    if found is None:
        raise Http404
    if found.withdrawn:
        return render(request, "public/withdrawn.html", {"statistic": found}, status=410)
    return render(
        request,
        "public/statistic.html",
        {"statistic": found, "organisation": found.organisation, **_display(found)},
    )


# --- Members: publishing and withdrawing -------------------------------------------------------------


@needs_permission("public.view_publications")
def manage(request: HttpRequest) -> HttpResponse:
    """Every publication of the organisation, withdrawn ones included."""
    return render(
        request,
        "public/manage.html",
        {"statistics": queries.organisation_publications(request.organisation)},
    )


@needs_permission("public.publish_statistics")
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    """Freeze the chosen figures of the statistics page for the public page."""
    form = PublishForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("__all__", []) or [
            f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()
        ]:
            messages.error(request, error)
        return redirect("evidence:statistics")
    data = form.cleaned_data
    scope = Scope(verification=data.get("verification") or "all", named_only=data["named_only"])
    stats = Statistics(request.organisation, scope)
    year, jyear = data.get("year"), data.get("jyear")
    tables = []
    for name in data["tables"]:
        if name == "yearly":
            tables.append(stats.yearly())
        elif name == "monthly":
            tables.append(stats.monthly(year))
        elif name == "jalali_monthly":
            tables.append(stats.jalali_monthly(jyear))
        else:
            tables.append(stats.breakdown(name, year=year))
    estimate = None
    if data.get("estimate"):
        period = year if data["estimate"] == "year" else None
        made = estimate_tasks.page_estimate(stats, period, by=request.user)
        if made.task is not None:  # never computed in the request: publish once it is made
            messages.info(
                request,
                _("The estimate is being computed. Publish again once the page shows it."),
            )
            wanted = {
                "estimate": period or "all",
                "year": year or "",
                "verification": scope.verification,
            }
            query = urlencode({**wanted, **({"named_only": "on"} if scope.named_only else {})})
            return redirect(f"{reverse('evidence:statistics')}?{query}")
        if made.summary is None:
            messages.error(request, made.error or _("The estimate could not be computed."))
            return redirect("evidence:statistics")
        estimate = made.summary
    try:
        published = services.publish_statistic(
            organisation=request.organisation, title=data["title"], summary=data["summary"],
            tables=tables, estimate=estimate, by=request.user, request=request,
        )  # fmt: skip
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("evidence:statistics")
    messages.success(
        request, _("Published. The public page shows it with small counts suppressed.")
    )
    return redirect("public:statistic", pk=published.pk)


@needs_permission("public.publish_statistics")
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a publication off the public pages, with a reason."""
    found = get_for_member(request, PublishedStatistic, pk=pk)
    try:
        services.withdraw_statistic(
            organisation=request.organisation, statistic=found,
            reason=request.POST.get("reason", ""), by=request.user, request=request,
        )  # fmt: skip
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Withdrawn from the public pages."))
    return redirect("public:manage")
