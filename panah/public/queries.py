"""Reads of the public pages: only published, not withdrawn, statistics; nothing else.

Public visitors belong to no organisation, so these reads lift the organisation scope on
purpose and filter by what was published instead.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from panah.core import disclosure
from panah.core.models import Organisation

from .models import PublishedStatistic


def publishing_organisations() -> list[Organisation]:
    """Organisations with at least one statistic on the public pages."""
    with scopes_disabled():
        ids = (
            PublishedStatistic.objects.filter(withdrawn_at__isnull=True)
            .values_list("organisation_id", flat=True)
            .distinct()
        )
        return list(Organisation.objects.filter(pk__in=list(ids)).order_by("name"))


def organisation_by_slug(slug: str) -> Organisation | None:
    """A publishing organisation by its slug (None for one that never published anything)."""
    with scopes_disabled():
        if not PublishedStatistic.objects.filter(organisation__slug=slug).exists():
            return None
        return Organisation.objects.filter(slug=slug).first()


def published_statistics(organisation: Organisation) -> list[PublishedStatistic]:
    """The organisation's publications on the public pages, newest first."""
    with scopes_disabled():
        return list(
            PublishedStatistic.objects.filter(organisation=organisation, withdrawn_at__isnull=True)
            .defer("figures")
            .order_by("-published_at", "-pk")
        )


def published_statistic(pk: int) -> PublishedStatistic | None:
    """One publication (withdrawn ones too, so their page can say so)."""
    with scopes_disabled():
        return PublishedStatistic.objects.select_related("organisation").filter(pk=pk).first()


def organisation_publications(organisation: Organisation) -> QuerySet[PublishedStatistic]:
    """Every publication of the member's organisation, withdrawn ones included (scoped)."""
    return PublishedStatistic.objects.filter(organisation=organisation).select_related(
        "published_by", "withdrawn_by"
    )


def display_table(table: dict[str, Any], threshold: int) -> dict[str, Any]:
    """A stored table ready to show: suppressed again at today's threshold (never less safe)."""
    k = max(threshold, int(table.get("threshold") or 1))
    rows = []
    for row in table["rows"]:
        value = row["value"]
        if value is not None and 0 < value < k:
            value = None
        imprecise = row.get("imprecise")
        if imprecise is not None and 0 < imprecise < k:
            imprecise = None
        rows.append(
            {
                **row,
                "value": value,
                "cell": str(disclosure.Cell(value, k)),
                "imprecise_cell": str(disclosure.Cell(imprecise, k)) if imprecise else "",
                "change": row.get("change") if value is not None else None,
            }
        )
    return {**table, "rows": rows, "threshold": k}
