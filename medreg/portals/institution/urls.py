"""URLs of the institution portal, mounted at ``/portal/institution/``."""

from django.urls import path

from medreg.portals.institution import apply as inst_apply
from medreg.portals.institution import exchange as inst_exchange
from medreg.portals.institution import licence as inst_licence
from medreg.portals.institution import lifecycle, roster, supervision, views

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
    *roster.urlpatterns,  # records stream: roster (statuses, Excel), batch confirm, phone reset, archive
    path("supervision/", supervision.warnings, name="supervision"),
    path("licence/", inst_licence.licence, name="licence"),  # inst stream: licence, 校验 status, 历史沿革
    *inst_apply.urlpatterns,  # inst stream: the institution's own items (执业登记, 校验, 变更, ...)
    *lifecycle.urlpatterns,  # lifecycle stream: 注销报告, 离岗备案, 个人信息更新审核
    *inst_exchange.urlpatterns,  # exchange stream: the institution's employer subscriptions (staff alerts)
]
