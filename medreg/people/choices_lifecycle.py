"""Stable stored values for the physician lifecycle: 注销, 机构备案 of departures, proposals, versions.

The lists users pick from (注销事由, 离岗类型, 证书换领/补发原因) are reference code tables
(``cancellation_ground``, ``departure_kind``, ``cert_replacement_reason`` in
``medreg/reference/data/code_tables.csv``); the values here are the system's own states.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CancellationForm(models.TextChoices):
    """Who set a 注销 in motion (医师法 第17条)."""

    SELF = "self", _("本人申请注销")
    INSTITUTION = "institution", _("执业机构报告注销")
    AUTHORITY = "authority", _("卫生健康行政部门依职权注销")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACCEPTED = "accepted", _("已注销")
    DISMISSED = "dismissed", _("不予注销")
    CLOSED = "closed", _("已另行办结")
