"""The API mounted exactly as config/urls.py mounts it, without the portals: the API's tests do not
depend on the rest of the site being importable.
"""

from django.urls import include, path

from medreg.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
