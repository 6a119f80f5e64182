"""The public advocacy pages, under /e/<organisation>/ (see public_views)."""

from django.urls import path

from . import public_views

app_name = "campaign"

urlpatterns = [
    path("<slug:slug>/events/<uuid:pk>/", public_views.event, name="event"),
    path("<slug:slug>/events/<uuid:pk>/rsvp/", public_views.rsvp, name="rsvp"),
    path("<slug:slug>/events/<uuid:pk>/event.ics", public_views.event_ics, name="event_ics"),
    path("<slug:slug>/events.ics", public_views.calendar, name="calendar"),
    path("<slug:slug>/events.atom", public_views.feed, name="feed"),
    path("<slug:slug>/demands/", public_views.demands, name="demands"),
    path("<slug:slug>/photos/<uuid:pk>/", public_views.photo, name="photo"),
]
