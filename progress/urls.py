from django.urls import include, path

from . import views

app_name = "progress"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path(
        "progress/lessons/<int:page_id>/complete/",
        views.complete_lesson,
        name="complete",
    ),
    path("progress/courses/<int:page_id>/enrol/", views.enrol, name="enrol"),
    path("", include("progress.trainer_urls")),
]
