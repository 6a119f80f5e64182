from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("new/", views.open_case, name="open"),
    path("calendar.ics", views.calendar, name="calendar"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/waiting-times.csv", views.statistics_csv, name="statistics_csv"),
    path("statistics/waiting-times.xlsx", views.statistics_xlsx, name="statistics_xlsx"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/edit/", views.rule_edit, name="rule_edit"),
    path("import/", views.import_page, name="import"),
    path("import/tasks/<uuid:pk>/", views.import_task, name="import_task"),
    path("documents/<uuid:pk>/file/", views.document_file, name="document_file"),
    path("<uuid:pk>/", views.case_detail, name="detail"),
    path("<uuid:pk>/steps/new/", views.record_step, name="record_step"),
    path("<uuid:pk>/steps/<uuid:step>/correct/", views.correct_step, name="correct_step"),
    path("<uuid:pk>/assign/", views.assign, name="assign"),
    path("<uuid:pk>/restrict/", views.restrict, name="restrict"),
    path("<uuid:pk>/residence/", views.residence, name="residence"),
    path("<uuid:pk>/notes/", views.add_note, name="add_note"),
    path("<uuid:pk>/documents/", views.add_document, name="add_document"),
    path("<uuid:pk>/appointments/", views.add_appointment, name="add_appointment"),
    path("<uuid:pk>/referrals/", views.add_referral, name="add_referral"),
]
