"""The public site: ``/``, ``/guide/``, ``/public/`` (register, institutions, details, status query) and
``/verify/``."""

from django.urls import path

from medreg.public import register_views, views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", views.guide, name="guide"),
    path("guide/<str:code>/", views.guide_detail, name="guide_detail"),
    path("public/", register_views.register, name="register"),
    path("public/institutions/", register_views.institutions, name="institutions"),
    path("public/practitioners/<int:pk>/", register_views.practitioner_detail, name="practitioner"),
    path("public/institutions/<int:pk>/", register_views.institution_detail, name="institution"),
    path("public/status/", register_views.application_status, name="status"),
    path("verify/", views.verify, name="verify"),
]
