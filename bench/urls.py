"""Panah's URLs plus /bare/, a view that does nothing, to measure what the pages cost on top."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from panah.core.access import public
from panah.urls import urlpatterns as panah_urlpatterns


@public
def bare(request: HttpRequest) -> HttpResponse:
    """The cheapest page the same server and middleware can serve."""
    return HttpResponse("ok")


urlpatterns = [path("bare/", bare), *panah_urlpatterns]
