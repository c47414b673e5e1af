from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionStatus(models.TextChoices):
    ACTIVE = "active", _("执业")
    SUSPENDED = "suspended", _("停业")
    CANCELLED = "cancelled", _("注销")
