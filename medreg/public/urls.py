"""The public site: ``/``, ``/guide/``, ``/guide/<code>/``, ``/public/`` and ``/verify/``."""

from django.urls import path

from medreg.public import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", views.guide, name="guide"),
    path("guide/<str:code>/", views.guide_detail, name="guide_detail"),
    path("public/", views.register, name="register"),
    path("verify/", views.verify, name="verify"),
]
