"""The project's URLs. Every view carries an access mark from panah.core.access."""

from django.urls import include, path

urlpatterns = [
    path("", include("panah.core.urls")),
    path("evidence/", include("panah.evidence.urls")),
    path("people/", include("panah.people.urls")),
    path("cases/", include("panah.cases.urls")),
    path("p/", include("panah.public.urls")),
]
