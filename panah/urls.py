"""The project's URLs. Every view carries an access mark from panah.core.access."""

from django.urls import include, path

# The apps under their own prefix first: a prefix that does not match is skipped at once,
# while the patterns at the root are each tried, and listed as tried, before the next include.
urlpatterns = [
    path("cases/", include("panah.cases.urls")),
    path("people/", include("panah.people.urls")),
    path("shelter/", include("panah.shelter.urls")),
    path("evidence/", include("panah.evidence.urls")),
    path("safety/", include("panah.safety.urls")),
    path("p/", include("panah.public.urls")),
    path("advocacy/", include("panah.advocacy.urls")),
    path("e/", include("panah.advocacy.public_urls")),
    path("", include("panah.core.urls")),
]
