"""URL map: the three portals, the public site, the API and the health check."""

from django.urls import include, path

from medreg.api.urls import api
from medreg.core.views import healthz
from medreg.licences import views as licence_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/status/<int:authority_id>", licence_views.status_list, name="status-list"),
    path("api/v1/trust-list", licence_views.trust_list, name="trust-list"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/", include("medreg.portals.urls")),
    path("accounts/", include("medreg.portals.auth_urls")),
    path("", include("medreg.public.urls")),
]
