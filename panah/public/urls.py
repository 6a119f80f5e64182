from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("o/<slug:slug>/", views.organisation, name="organisation"),
    path("s/<int:pk>/", views.statistic, name="statistic"),
    path("manage/", views.manage, name="manage"),
    path("manage/publish/", views.publish, name="publish"),
    path("manage/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
