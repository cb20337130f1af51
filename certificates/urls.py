"""Learner and trainer certificate pages, under /<language>/."""

from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("certificates/<uuid:certificate_id>/pdf/", views.pdf, name="pdf"),
    path("certificates/claim/<uuid:enrolment_id>/", views.claim, name="claim"),
    path("certificates/<uuid:certificate_id>/revoke/", views.revoke, name="revoke"),
    path("certificates/<uuid:certificate_id>/reissue/", views.reissue, name="reissue"),
    path(
        "trainer/cohorts/<uuid:cohort_id>/certificates/",
        views.cohort_certificates,
        name="cohort",
    ),
    path(
        "trainer/cohorts/<uuid:cohort_id>/certificates/issue/",
        views.issue,
        name="issue",
    ),
]
