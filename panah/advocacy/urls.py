from django.urls import path

from . import views

app_name = "advocacy"

urlpatterns = [
    path("", views.index, name="index"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<uuid:pk>/", views.event_detail, name="event"),
    path("events/<uuid:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<uuid:pk>/publish/", views.event_publish, name="event_publish"),
    path("events/<uuid:pk>/tasks/", views.event_task, name="event_task"),
    path("events/<uuid:pk>/report/", views.event_report, name="event_report"),
    path("events/<uuid:pk>/report/statements/", views.event_statement, name="event_statement"),
    path("events/<uuid:pk>/report/publish/", views.report_publish, name="report_publish"),
    path("events/<uuid:pk>/report/photos/", views.event_photo, name="event_photo"),
    path("photos/<uuid:pk>/file/", views.photo_file, name="photo_file"),
    path("photos/<uuid:pk>/publish/", views.photo_publish, name="photo_publish"),
    path("tasks/<uuid:pk>/done/", views.task_done, name="task_done"),
    path("demands/new/", views.demand_new, name="demand_new"),
    path("demands/<uuid:pk>/", views.demand_detail, name="demand"),
    path("demands/<uuid:pk>/edit/", views.demand_edit, name="demand_edit"),
    path("demands/<uuid:pk>/status/", views.demand_status, name="demand_status"),
    path("demands/<uuid:pk>/publish/", views.demand_publish, name="demand_publish"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<uuid:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<uuid:pk>/follow-ups/", views.meeting_follow_up, name="meeting_follow_up"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/organisations/new/", views.partner_new, name="partner_new"),
    path("contacts/officials/new/", views.official_new, name="official_new"),
    path("briefs/", views.brief_list, name="briefs"),
    path("briefs/<uuid:pk>/", views.brief_detail, name="brief"),
    path("briefs/<uuid:pk>/brief-<str:language>.pdf", views.brief_pdf, name="brief_pdf"),
]
