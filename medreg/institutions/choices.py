from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionStatus(models.TextChoices):
    ACTIVE = "active", _("执业")
    SUSPENDED = "suspended", _("停业")
    CANCELLED = "cancelled", _("注销")
    PENDING = "pending", _("待执业登记")


class LicensingMode(models.TextChoices):
    """How the institution may practise: under a 执业许可证, or on a 诊所备案凭证 (条例 2022)."""

    LICENCE = "licence", _("执业许可")
    FILING = "filing", _("诊所备案")


class VerificationState(models.TextChoices):
    NORMAL = "normal", _("正常")
    DEFERRED = "deferred", _("暂缓校验")


class VerificationOutcome(models.TextChoices):
    QUALIFIED = "qualified", _("校验合格")
    DEFERRED = "deferred", _("暂缓校验")


class SuspensionReason(models.TextChoices):
    """Why an institution stops practising; only rebuilding and relocation may last over a year."""

    REBUILDING = "rebuilding", _("改建、扩建")
    RELOCATION = "relocation", _("迁建")
    OTHER = "other", _("其他原因")


class ChangeKind(models.TextChoices):
    """One entry of an institution's 历史沿革."""

    CREATED = "created", _("录入")
    SETUP_APPROVED = "setup_approved", _("设置审批")
    REGISTERED = "registered", _("执业登记")
    FILED = "filed", _("诊所备案")
    CHANGED = "changed", _("变更登记")
    VERIFIED = "verified", _("校验")
    VERIFICATION_OVERDUE = "verification_overdue", _("逾期未校验")
    SUSPENDED = "suspended", _("停业")
    RESUMED = "resumed", _("解除停业")
    DEEMED_CLOSED = "deemed_closed", _("停业超过一年视为歇业")
    CANCELLED = "cancelled", _("注销")
    LICENCE_REPLACED = "licence_replaced", _("补发执业许可证")
