"""Documents anyone checking a credential needs; outside the language prefix
so the URLs inside signed credentials never change."""

from django.urls import path

from . import views

app_name = "credentials"
urlpatterns = [
    path(".well-known/did.json", views.did_document, name="did"),
    path("credentials/status/<int:number>", views.status_list, name="status_list"),
    path("credentials/<uuid:certificate_id>", views.credential, name="credential"),
]
