"""Publishing statistics: snapshots of chosen figures, with disclosure control on every cell."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from panah.core import audit, disclosure
from panah.core.language import join_words
from panah.core.models import Organisation, User
from panah.evidence import queries as evidence_queries
from panah.evidence.statistics import EstimateSummary, Table, protect_estimate, protect_table

from .models import PublishedStatistic


def _days(start: str, end: str) -> int:
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1


def _comparison(organisation: Organisation, tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Other organisations' published figures whose period lies within a published period."""
    periods = []
    for index, table in enumerate(tables):
        for row in table["rows"]:
            if row.get("start") and row.get("end"):
                periods.append((index, row["key"], row["start"], row["end"]))
    out = []
    for figure in evidence_queries.published_figures(organisation).exclude(period_start=None):
        start = figure.period_start.isoformat()
        end = (figure.period_end or figure.period_start).isoformat()
        for index, key, row_start, row_end in periods:
            # Within the row's period and covering most of it: a month's figure is no
            # comparison for a year, but HRANA's "1 January - 20 December" is.
            if (
                row_start <= start
                and end <= row_end
                and _days(start, end) >= 0.8 * _days(row_start, row_end)
            ):
                out.append(
                    {
                        "table": index,
                        "row": key,
                        "publisher": figure.publisher,
                        "period_definition": figure.period_definition,
                        "figure": figure.figure,
                        "at_least": figure.at_least,
                        "as_of": figure.as_of.isoformat() if figure.as_of else None,
                        "link": figure.link,
                        "checked": figure.checked_against_primary,
                    }
                )
                break
    return out


@transaction.atomic
def publish_statistic(
    *,
    organisation: Organisation,
    title: str,
    tables: list[Table],
    estimate: EstimateSummary | None = None,
    summary: str = "",
    by: User,
    request: HttpRequest | None = None,
) -> PublishedStatistic:
    """Freeze the chosen tables (and an estimate) for the public page, suppressing small cells."""
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give the publication a title."))
    if not tables and estimate is None:
        raise ValidationError(_("Choose at least one table or the estimate to publish."))
    threshold = disclosure.threshold()
    data_tables = [protect_table(t.as_dict(), threshold) for t in tables]
    data_estimate = protect_estimate(estimate.as_dict(), threshold) if estimate else None
    if estimate is not None and data_estimate is None:
        raise ValidationError(
            _(
                "The estimate rests on fewer people than the disclosure threshold; it cannot be published."
            )
        )
    runs = {t.linkage_run_id for t in tables} | ({estimate.linkage_run_id} if estimate else set())
    if len(runs) > 1:
        raise ValidationError(
            _("Every figure of one publication must come from the same linkage run.")
        )
    as_of = min([t.as_of for t in tables] + ([estimate.as_of] if estimate else []))
    definitions = [t.period_definition for t in tables]
    methods = list(dict.fromkeys(t.method for t in tables))
    if data_estimate:
        definitions.append(estimate.period_definition)
        methods.append(
            _("Estimate: multiple systems estimation (%(models)s).")
            % {"models": join_words(e["name"] for e in estimate.estimates)}
        )
    statistic = PublishedStatistic.objects.create(
        organisation=organisation,
        title=title[:200],
        summary=summary.strip(),
        figures={
            "tables": data_tables,
            "estimate": data_estimate,
            "comparison": _comparison(organisation, data_tables),
        },
        as_of=as_of,
        period_definition="\n".join(dict.fromkeys(definitions)),
        method="\n".join(methods),
        linkage_run_id=runs.pop() if runs else None,
        disclosure_threshold=threshold,
        published_by=by,
        published_at=timezone.now(),
    )
    audit.record(
        "public.statistic_published",
        organisation=organisation,
        actor=by,
        obj=statistic,
        request=request,
        data={
            "tables": [t.kind for t in tables],
            "estimate": data_estimate is not None,
            "linkage_run": statistic.linkage_run_id,
            "threshold": threshold,
        },
    )
    return statistic


@transaction.atomic
def withdraw_statistic(
    *,
    organisation: Organisation,
    statistic: PublishedStatistic,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> PublishedStatistic:
    """Take a publication off the public pages; its page then says when it was withdrawn."""
    if statistic.organisation_id != organisation.pk:
        raise ValidationError(_("This publication belongs to another organisation."))
    if statistic.withdrawn_at:
        raise ValidationError(_("This publication was already withdrawn."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why it is withdrawn."))
    statistic.withdrawn_at = max(timezone.now(), statistic.published_at)
    statistic.withdrawn_by = by
    statistic.withdrawal_reason = reason
    statistic.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    audit.record(
        "public.statistic_withdrawn",
        organisation=organisation,
        actor=by,
        obj=statistic,
        request=request,
    )
    return statistic
