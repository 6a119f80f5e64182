"""Error pages that say what happened in the user's language and show nothing else."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a stale or foreign page."""
    return render(request, "core/csrf_failure.html", status=403)
