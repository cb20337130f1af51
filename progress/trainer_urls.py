"""Cohort pages: joining with a code, and the trainer's pages."""

from django.urls import path

from . import trainer_views as views

cohort = "trainer/cohorts/<uuid:cohort_id>/"
urlpatterns = [
    path("join/", views.join, name="join"),
    path("trainer/cohorts/", views.cohort_list, name="cohorts"),
    path("trainer/cohorts/new/", views.cohort_create, name="cohort_create"),
    path(cohort, views.cohort_report, name="cohort"),
    path(cohort + "open/", views.cohort_open, name="cohort_open"),
    path(cohort + "learners/", views.cohort_learners, name="cohort_learners"),
    path(cohort + "password/", views.cohort_password, name="cohort_password"),
    path(cohort + "<slug:table>.csv", views.cohort_csv, name="cohort_csv"),
]
