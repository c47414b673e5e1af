"""URLs of the institution portal, mounted at ``/portal/institution/``."""

from django.urls import path

from medreg.portals.institution import views

app_name = "institution"

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff, name="staff"),
    path("staff/activation-mode/", views.activation_mode, name="activation_mode"),
    path("staff/<int:pk>/send-code/", views.send_code, name="send_code"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/confirm/", views.application_confirm, name="confirm"),
    path("applications/<int:pk>/return/", views.application_return, name="return"),
    path("applications/<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("roster/", views.roster, name="roster"),
]
