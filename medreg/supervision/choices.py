"""Stored values of the supervision app (stable: partner systems and the audit log rely on them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionStatus(models.TextChoices):
    SENT = "sent", _("待踏勘")
    RETURNED = "returned", _("已回传")


class Conclusion(models.TextChoices):
    PASSED = "passed", _("合格")
    PASSED_AFTER_RECTIFICATION = "rectified", _("整改后合格")
    FAILED = "failed", _("不合格")


class CheckResult(models.TextChoices):
    CONFORMS = "conforms", _("符合")
    NONCONFORMING = "nonconforming", _("不符合")
    NOT_APPLICABLE = "na", _("不适用")


class FileKind(models.TextChoices):
    PHOTO = "photo", _("现场照片")
    DOCUMENT = "document", _("文件")


class SubjectKind(models.TextChoices):
    APPLICATION = "application", _("申请")
    INSTITUTION = "institution", _("医疗机构")
    PERSON = "person", _("医师/护士")


class ThreadStatus(models.TextChoices):
    OPEN = "open", _("会商中")
    CLOSED = "closed", _("已结束")


class RiskKind(models.TextChoices):
    APPROVAL_RISK = "approval_risk", _("审批风险")
    SUPERVISION_PENALTY = "supervision_penalty", _("监管处罚")


class WarningReason(models.TextChoices):
    SUSPENDED = "suspended", _("机构停业")
    CANCELLED = "cancelled", _("机构注销")
    DEFERRED_VERIFICATION = "deferred", _("机构暂缓校验")


class SiteRelation(models.TextChoices):
    MAIN = "main", _("主要执业机构")
    FILED = "filed", _("备案执业机构")
