"""URLs of the licences app, mounted at the site root by config/urls.py."""

from django.urls import path

from medreg.licences import views

urlpatterns = [
    path(".well-known/medreg/trust-list", views.signed_trust_list, name="licences-trust-list"),
    path("sl/<int:authority_id>", views.status_list, name="licences-status-list"),
    path("api/v1/status/<int:authority_id>", views.status_list, name="status-list"),
    path("api/v1/trust-list", views.trust_list, name="trust-list"),
    path("api/v1/licence-status/<str:identifier>", views.licence_status, name="licences-status"),
    path("portal/licence-check/", views.check, name="licences-check"),
]
