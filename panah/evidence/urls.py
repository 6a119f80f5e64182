from django.urls import path

from . import views, views_review, views_statistics, views_victims

app_name = "evidence"

urlpatterns = [
    path("", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("sources/", views.sources, name="sources"),
    path("sources/new/", views.source_create, name="source_create"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/columns/", views.import_columns, name="import_columns"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/batches/<int:pk>/", views.batch_detail, name="batch"),
    path("tasks/<uuid:pk>/", views.task, name="task"),
    path("figures/", views.figures, name="figures"),
    path("figures/seed/", views.figures_seed, name="figures_seed"),
    # Linkage, review and statistics (issue 5).
    path("review/", views_review.review_queue, name="review_queue"),
    path("review/<int:pk>/", views_review.review_pair, name="review_pair"),
    path("review/export/", views_review.review_export, name="review_export"),
    path("review/import/", views_review.review_import, name="review_import"),
    path("linkage/run/", views_review.linkage_run, name="linkage_run"),
    path("linkage/history/", views_review.linkage_history, name="linkage_history"),
    path("statistics/", views_statistics.statistics, name="statistics"),
    path("statistics/download/", views_statistics.statistics_download, name="statistics_download"),
    # The researcher's tools (issue 16): a victim's page and the estimate's download.
    path("victims/<int:pk>/", views_victims.victim_detail, name="victim"),
    path("statistics/estimate/", views_statistics.estimate_download, name="estimate_download"),
]
