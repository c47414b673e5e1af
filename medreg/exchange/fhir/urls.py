"""URLs of the FHIR R4 mCSD Directory, mounted at ``/fhir/r4/``."""

from django.urls import path, re_path

from medreg.exchange.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("_history", views.history, name="history"),
    path("<str:rtype>", views.type_search, name="search"),
    path("<str:rtype>/_search", views.type_search, name="search-post"),
    path("<str:rtype>/_history", views.history, name="type-history"),
    path("<str:rtype>/<str:rid>", views.read, name="read"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
