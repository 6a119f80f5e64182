"""The project's URLs. Every view carries an access mark from panah.core.access."""

from django.urls import include, path

urlpatterns = [
    path("", include("panah.core.urls")),
]
