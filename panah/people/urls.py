from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("<uuid:pk>/", views.person_detail, name="detail"),
    path("<uuid:pk>/edit/", views.person_edit, name="edit"),
    path("<uuid:pk>/documents/", views.document_add, name="add_document"),
    path("<uuid:pk>/erase/", views.person_erase, name="erase"),
    path("<uuid:pk>/export/", views.person_export, name="export"),
    path("<uuid:pk>/consents/new/", views.consent_add, name="add_consent"),
    path("consents/<uuid:pk>/withdraw/", views.consent_withdraw, name="withdraw_consent"),
    path("documents/<uuid:pk>/file/", views.document_file, name="document_file"),
]
