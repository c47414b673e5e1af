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


class SiteKind(models.TextChoices):
    MAIN = "main", _("主要执业机构")
    FILED = "filed", _("备案执业机构")


class SiteStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    ENDED = "ended", _("已结束")
    CANCELLED = "cancelled", _("已取消备案")


class PracticeWorkKind(models.TextChoices):
    """Why a physician works at an institution other than the main one. All but MULTI_SITE are exempt
    from 备案 and 变更 under 医师法 第18条 (the exempt list is the EXEMPT_PRACTICE_KINDS setting)."""

    MULTI_SITE = "multi_site", _("多机构执业（需备案）")
    MEDICAL_ALLIANCE = "medical_alliance", _("医疗联合体内执业")
    CONSULTATION = "consultation", _("会诊")
    FURTHER_STUDY = "further_study", _("进修")
    STANDARDISED_TRAINING = "standardised_training", _("参加规范化培训")
    COUNTERPART_SUPPORT = "counterpart_support", _("对口支援")
    EMERGENCY_RESCUE = "emergency_rescue", _("突发事件医疗救治")
    FREE_CLINIC = "free_clinic", _("义诊等公益活动")
    GOVERNMENT_TASK = "government_task", _("承担政府交办的任务")
