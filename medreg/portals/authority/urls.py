"""URLs of the authority portal, mounted at ``/portal/authority/``."""

from django.urls import path

from medreg.portals.authority import exchange, lifecycle, records, supervision, views
from medreg.portals.authority import institutions as inst_views

app_name = "authority"

urlpatterns = [
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    *[
        path(f"applications/<int:pk>/{op}/", views.application_action, {"op": op}, name=op)
        for op in views.OPERATIONS
    ],
    *supervision.urlpatterns,
    *records.urlpatterns,  # records stream: 人员活档, 定期考核, penalties
    *inst_views.urlpatterns,  # inst stream: institution detail/历史沿革, overdue 校验, 不予登记 checks, 暂缓校验
    *lifecycle.urlpatterns,  # lifecycle stream: 注销建议, 依职权注销
    *exchange.urlpatterns,  # exchange stream: partner delivery log and replay
    path("admin/", views.admin, name="admin"),
    path("admin/authority/", views.create_authority, name="create_authority"),
    path("admin/staff/", views.create_staff, name="create_staff"),
    path("admin/institution-account/", views.create_institution_account, name="create_institution_account"),
]
