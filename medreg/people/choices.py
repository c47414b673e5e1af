from django.db import models
from django.utils.translation import gettext_lazy as _


class Profession(models.TextChoices):
    PHYSICIAN = "physician", _("医师")
    NURSE = "nurse", _("护士")


class AffiliationStatus(models.TextChoices):
    PENDING = "pending", _("待激活")
    ACTIVE = "active", _("在岗")
    LEFT = "left", _("离职")
    RETIRED = "retired", _("退休")
    DECEASED = "deceased", _("死亡")


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("暂停执业")
    CANCELLED = "cancelled", _("注销")
    LAPSED = "lapsed", _("失效")


class QualificationSource(models.TextChoices):
    EXAM_CENTRE = "exam_centre", _("考试中心同步")
    LEGACY_IMPORT = "legacy_import", _("历史数据导入")
    DEMO = "demo", _("演示数据")
