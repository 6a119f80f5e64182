from django.urls import path

from . import views

app_name = "shelter"

urlpatterns = [
    path("", views.index, name="index"),
    path("figures.csv", views.figures_csv, name="figures_csv"),
    path("needs/", views.needs, name="needs"),
    path("needs/new/", views.need_new, name="need_new"),
    path("needs/<uuid:pk>/", views.need_detail, name="need"),
    path("needs/<uuid:pk>/edit/", views.need_edit, name="need_edit"),
    path("needs/<uuid:pk>/propose/", views.propose, name="propose"),
    path("hosts/", views.hosts, name="hosts"),
    path("hosts/new/", views.host_new, name="host_new"),
    path("hosts/<uuid:pk>/", views.host_detail, name="host"),
    path("hosts/<uuid:pk>/edit/", views.host_edit, name="host_edit"),
    path("hosts/<uuid:pk>/vetting/", views.vet_host, name="vet_host"),
    path("hosts/<uuid:pk>/offers/new/", views.offer_new, name="offer_new"),
    path("hosts/<uuid:pk>/offers/<uuid:offer>/edit/", views.offer_edit, name="offer_edit"),
    path("match/", views.match, name="match"),
    path("import/", views.import_page, name="import"),
    path("import/tasks/<uuid:pk>/", views.import_task, name="import_task"),
    path("placements/", views.placements, name="placements"),
    path("placements/<uuid:pk>/", views.placement_detail, name="placement"),
    path("placements/<uuid:pk>/confirm/", views.confirm, name="confirm"),
    path("placements/<uuid:pk>/decision/", views.decision, name="decision"),
    path("placements/<uuid:pk>/check-in/", views.check_in, name="check_in"),
    path("placements/<uuid:pk>/end/", views.end, name="end"),
]
