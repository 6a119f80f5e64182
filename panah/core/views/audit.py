"""The audit trail as auditors read it."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import queries
from ..access import permission_required
from ..forms import AuditFilterForm


@permission_required("core.view_audit")
def audit_trail(request: HttpRequest) -> HttpResponse:
    """The organisation's audit entries, newest first, filterable by member, action and period."""
    form = AuditFilterForm(request.GET or None, organisation=request.organisation)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = queries.audit_entries(request.organisation, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_trail.html", {"form": form, "page": page})
