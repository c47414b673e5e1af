"""Stored values of the exchange app. Partner systems depend on them: never rename a value."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    """What an outbox event is about; partners subscribe to topics or to exact event types."""

    REGISTRATION = "registration", _("执业注册")
    PENALTY = "penalty", _("行政处罚")
    LICENCE = "licence", _("电子证照")
    INSTITUTION = "institution", _("医疗机构")
    PERSON = "person", _("人员信息")


class PartnerKind(models.TextChoices):
    NATIONAL = "national", _("国家注册系统")
    CREDIT = "credit", _("信用信息平台")
    GENERAL_APPROVAL = "general_approval", _("一体化政务服务平台医疗领域专题库")
    EMPLOYER = "employer", _("执业机构")
    OTHER = "other", _("其他")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已投递")
    DEAD = "dead", _("投递失败（死信）")
