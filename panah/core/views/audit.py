"""The audit trail as auditors read it."""

from __future__ import annotations

import csv
import json

from django.core.paginator import Paginator
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from .. import queries, services
from ..access import needs_permission
from ..downloads import private_file
from ..forms import AuditFilterForm
from ..reauth import recent_authentication_required
from ..spreadsheets import neutralise


@needs_permission("core.view_audit")
def audit_trail(request: HttpRequest) -> HttpResponse:
    """The organisation's audit entries, newest first, filterable by member, action and period."""
    form = AuditFilterForm(request.GET or None, organisation=request.organisation)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = queries.audit_entries(request.organisation, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_trail.html",
        {"form": form, "page": page, "export_query": query.urlencode()},
    )


def _csv_cell(value) -> str:
    """A cell a spreadsheet shows as text, never running as a formula."""
    return neutralise("" if value is None else str(value))


CSV_HEADER = [
    "chain", "sequence", "at", "member_id", "member", "action", "object_type", "object_id",
    "ip", "user_agent", "data", "entry_hash",
]  # fmt: skip


@needs_permission("core.export_audit")
@recent_authentication_required
def audit_export(request: HttpRequest) -> StreamingHttpResponse | HttpResponse:
    """The filtered trail as CSV, oldest first. Needs a recent re-authentication; audited."""
    organisation = request.organisation
    form = AuditFilterForm(request.GET or None, organisation=organisation)
    if request.GET and not form.is_valid():
        return HttpResponseBadRequest(_("The filters are not valid."))
    filters = form.cleaned_data if form.is_bound else {}
    entries = queries.audit_entries(organisation, **filters)
    # Fixed before the export is itself recorded, so the count written matches the rows sent.
    upto = entries.aggregate(last=Max("id"))["last"] or 0
    entries = entries.filter(id__lte=upto).order_by("at", "id")
    count = entries.count()
    services.record_audit_export(
        organisation=organisation, by=request.user, filters=filters, rows=count, request=request
    )

    def rows():
        writer = csv.writer(_Echo())
        yield writer.writerow(CSV_HEADER)
        # The response is streamed after the view returns, outside the request's scope.
        with scope(organisation=organisation):
            for e in entries.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        e.chain,
                        e.sequence,
                        e.at.isoformat(),
                        e.actor_id or "",
                        _csv_cell(e.actor.display_name if e.actor else ""),
                        _csv_cell(e.action),
                        _csv_cell(e.object_type),
                        _csv_cell(e.object_id),
                        e.ip or "",
                        _csv_cell(e.user_agent),
                        _csv_cell(json.dumps(e.data, sort_keys=True, ensure_ascii=False)),
                        e.entry_hash,
                    ]
                )

    filename = f"audit-{organisation.slug}-{timezone.localdate().isoformat()}.csv"
    return private_file(rows(), "text/csv; charset=utf-8", filename)


class _Echo:
    """A file-like object csv.writer writes to, handing each line straight back."""

    def write(self, value: str) -> str:
        return value
