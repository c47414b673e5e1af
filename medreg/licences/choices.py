from django.db import models
from django.utils.translation import gettext_lazy as _


class LicenceKind(models.TextChoices):
    PHYSICIAN = "physician", _("医师执业证书")
    NURSE = "nurse", _("护士执业证书")
    INSTITUTION = "institution", _("医疗机构执业许可证")


KIND_CODES = {LicenceKind.PHYSICIAN: 1, LicenceKind.NURSE: 2, LicenceKind.INSTITUTION: 3}


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("已注销/吊销")
    SUPERSEDED = "superseded", _("已被新版本替代")
    EXPIRED = "expired", _("已过期")


CURRENT_STATUSES = ("valid", "suspended")
"""Statuses of the current (latest, not yet replaced or ended) version of a licence."""
