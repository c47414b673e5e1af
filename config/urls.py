"""URL map: the three portals, the public site, the API and the health check."""

from django.urls import include, path

from medreg.api.urls import api
from medreg.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("medreg.licences.urls")),
    path("api/v1/", api.urls),
    path("fhir/r4/", include("medreg.exchange.fhir.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/", include("medreg.portals.urls")),
    path("accounts/", include("medreg.portals.auth_urls")),
    path("", include("medreg.public.urls")),
]
