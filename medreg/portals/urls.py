"""``/portal/``: the chooser and the three portals (individual, institution, authority)."""

from django.urls import include, path

from medreg.portals import views

app_name = "portals"

urlpatterns = [
    path("", views.portal_chooser, name="chooser"),
    path("me/", include("medreg.portals.individual.urls")),
    path("institution/", include("medreg.portals.institution.urls")),
    path("authority/", include("medreg.portals.authority.urls")),
]
