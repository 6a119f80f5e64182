from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("", views.incident_list, name="incidents"),
    path("key/", views.key, name="key"),
    path("officers/", views.officers, name="officers"),
    path("escrow/", views.escrow, name="escrow"),
    path("people/<uuid:pk>/", views.person_file, name="person"),
    path("people/<uuid:pk>/incidents/new/", views.record_incident, name="record"),
    path("people/<uuid:pk>/risk/", views.assess_risk, name="assess"),
    path("people/<uuid:pk>/plan/", views.safety_plan, name="plan"),
    path("people/<uuid:pk>/referrals/new/", views.refer, name="refer"),
    path("referrals/<uuid:pk>/", views.update_referral, name="referral"),
    path("incidents/<uuid:pk>/", views.incident_detail, name="incident"),
    path("incidents/<uuid:pk>/edit/", views.edit_incident, name="edit_incident"),
    path("incidents/<uuid:pk>/sealed/", views.amend_sealed, name="amend_sealed"),
    path("incidents/<uuid:pk>/evidence/", views.add_evidence, name="add_evidence"),
    path("incidents/<uuid:pk>/attach/", views.attach_to_case, name="attach"),
    path("evidence/<uuid:pk>/", views.evidence_file, name="evidence_file"),
]
