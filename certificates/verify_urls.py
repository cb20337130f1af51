"""/verify/…: outside the language prefix, so printed and shared URLs never
change (config/urls.py)."""

from django.urls import path

from . import verify_views

app_name = "verify"
urlpatterns = [
    path("", verify_views.verify_form, name="form"),
    path("bulk/", verify_views.partner_portal, name="bulk"),
    path("trust-bundle.json", verify_views.trust_bundle, name="trust_bundle"),
    path("<str:code>/", verify_views.verify_code, name="code"),
]
