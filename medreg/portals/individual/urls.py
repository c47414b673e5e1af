"""URLs of the individual portal, mounted at ``/portal/me/`` (namespace ``portals:individual``)."""

from django.urls import path

from medreg.portals.individual import archive, licence_qr, published, views

app_name = "individual"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("institutions/search", views.institution_search, name="institution_search"),
    path("activation/request/", views.request_activation, name="request_activation"),
    path("activate/", views.activate, name="activate"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("apply/<str:item_code>/", views.apply, name="apply"),
    path("apply/<str:item_code>/scopes/", views.scope_options, name="scope_options"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/upload/", views.application_upload, name="application_upload"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"
    ),
    path("applications/<int:pk>/<str:op>/", views.application_action, name="application_action"),
    path("archive/", views.archive, name="archive"),
    *archive.urlpatterns,  # records stream: 活档 PDF
    path("published/", published.published, name="published"),
    path("licences/", views.licences, name="licences"),
    path("licences/<int:pk>/qr.png", views.licence_qr_png, name="licence_qr_png"),
    path("licences/<int:pk>/dynamic/", licence_qr.dynamic, name="licence_dynamic"),  # licences stream
    path("licences/<int:pk>/dynamic.json", licence_qr.dynamic_json, name="licence_dynamic_json"),
    path("licences/<int:pk>/licence.pdf", licence_qr.pdf, name="licence_pdf"),
]
