from django.urls import include, path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="account_profile"),
    path("data/", views.data_export, name="account_data"),
    path("delete/", views.delete_account, name="account_delete"),
    path("", include("allauth.urls")),
]
