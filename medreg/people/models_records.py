"""Records that drive the registration rules and fill the personal archive (活档).

定期考核 results and the proposals they lead to, administrative penalties (with start and end),
recorded legal circumstances (刑事处罚, 民事行为能力 …), good and bad practice records and trainings.
Written only by :mod:`medreg.people.records`; read by :mod:`medreg.people.eligibility` and
:mod:`medreg.people.archive`.

Dates are inclusive: a sanction with ``end_on`` = D is still in force on D and over on D + 1.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from medreg.core.scoping import ScopedQuerySet, ScopeSpec
from medreg.people.choices import Profession

__all__ = [
    "Assessment",
    "AssessmentResult",
    "BanBasis",
    "Circumstance",
    "CircumstanceKind",
    "Penalty",
    "PenaltyKind",
    "PracticeRecord",
    "PracticeRecordKind",
    "Proposal",
    "ProposalKind",
    "RecordProposalStatus",
    "Training",
    "TrainingKind",
]

_RECORD_SCOPE = ScopeSpec(division="authority_division_code", authority="authority", person="person")


class AssessmentResult(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class ProposalKind(models.TextChoices):
    SUSPEND = "suspend", _("暂停执业活动三至六个月并接受培训，期满再次考核")
    CANCEL = "cancel", _("注销注册")


class RecordProposalStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACCEPTED = "accepted", _("已采纳")
    DISMISSED = "dismissed", _("不予采纳")


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("警告")
    SUSPENSION = "suspension", _("暂停执业活动")
    ASSESSMENT_SUSPENSION = "assessment_suspension", _("暂停执业活动（定期考核不合格）")
    REVOCATION = "revocation", _("吊销执业证书")
    BAN = "ban", _("禁止从事执业活动")


class BanBasis(models.TextChoices):
    GENERAL = "general", _("一般情形（二年）")
    FRAUD = "fraud", _("以不正当手段取得执业证书（三年）")
    SEVERE = "severe", _("情节严重（五年直至终身）")


class CircumstanceKind(models.TextChoices):
    CIVIL_INCAPACITY = "civil_incapacity", _("无民事行为能力或者限制民事行为能力")
    CRIMINAL_PENALTY = "criminal_penalty", _("受刑事处罚")
    HEALTH_UNFIT = "health_unfit", _("身体健康状况不适宜执业")
    REASSESSMENT_FAILED = "reassessment_failed", _("重新申请注册考核不合格")
    EXAM_CHEATING = "exam_cheating", _("参与有组织作弊")
    FRAUDULENT_QUALIFICATION = "fraudulent_qualification", _("以伪造或借用的资格申请注册")


class PracticeRecordKind(models.TextChoices):
    GOOD = "good", _("执业良好记录")
    BAD = "bad", _("执业不良记录")


class TrainingKind(models.TextChoices):
    CME = "cme", _("继续医学教育")
    RESIDENCY = "residency", _("住院医师规范化培训")
    ADVANCED = "advanced", _("进修")
    REMEDIAL = "remedial", _("考核不合格后培训")


class _Recorded(models.Model):
    """Common columns: whom it is about, which authority recorded it, who and when."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    authority = models.ForeignKey(
        "accounts.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    authority_division_code = models.CharField(max_length=6, blank=True, db_index=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = _RECORD_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class Assessment(_Recorded):
    """One 定期考核 result of a physician for a 3-year cycle (医师法 第42、43条)."""

    registration = models.ForeignKey(
        "people.PracticeRegistration", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    assessed_on = models.DateField()
    result = models.CharField(max_length=4, choices=AssessmentResult.choices)
    is_reassessment = models.BooleanField(default=False)
    assessing_body = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-assessed_on", "-pk"]


class Proposal(_Recorded):
    """What a failed assessment leads to: a proposal the commission decides (采纳 or 不予采纳)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="proposals")
    kind = models.CharField(max_length=10, choices=ProposalKind.choices)
    status = models.CharField(
        max_length=10, choices=RecordProposalStatus.choices, default=RecordProposalStatus.OPEN
    )
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.CharField(max_length=500, blank=True)
    penalty = models.ForeignKey(
        "people.Penalty", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-pk"]


class Penalty(_Recorded):
    """An administrative penalty (医师法 第54–58条; 护士条例 第31、32条) with its period.

    ``end_on`` is the last day in force; ``None`` means no end (a revocation, a lifetime ban).
    ``applied_on`` is set once its effect on the registrations took place (a suspension that starts
    later is applied by the daily job); ``lifted_on`` is set when a suspension's registrations have
    been reinstated.
    """

    profession = models.CharField(max_length=10, choices=Profession.choices)
    kind = models.CharField(max_length=24, choices=PenaltyKind.choices)
    ban_basis = models.CharField(max_length=10, choices=BanBasis.choices, blank=True)
    start_on = models.DateField()
    end_on = models.DateField(null=True, blank=True)
    decision_no = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=500)
    registrations = models.JSONField(default=list, blank=True)  # ids of the registrations it changed
    applied_on = models.DateField(null=True, blank=True)
    lifted_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-start_on", "-pk"]

    def in_force(self, on: dt.date) -> bool:
        return self.start_on <= on and (self.end_on is None or on <= self.end_on)


class Circumstance(_Recorded):
    """A recorded legal circumstance that bars registration while it lasts (and, for some, after).

    For a criminal penalty ``end_on`` is the day the sentence was fully served.
    """

    kind = models.CharField(max_length=30, choices=CircumstanceKind.choices)
    start_on = models.DateField()
    end_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-start_on", "-pk"]


class PracticeRecord(_Recorded):
    """执业良好记录 / 执业不良记录 of a physician or nurse (护士条例 第11条)."""

    profession = models.CharField(max_length=10, choices=Profession.choices)
    kind = models.CharField(max_length=4, choices=PracticeRecordKind.choices)
    recorded_on = models.DateField()
    summary = models.CharField(max_length=500)
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_on", "-pk"]


class Training(_Recorded):
    """A training: 继续医学教育, 规培, 进修 or the training after a failed assessment, with hours."""

    kind = models.CharField(max_length=10, choices=TrainingKind.choices)
    title = models.CharField(max_length=120)
    provider = models.CharField(max_length=120, blank=True)
    start_on = models.DateField()
    end_on = models.DateField()
    hours = models.DecimalField(max_digits=7, decimal_places=1)
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-start_on", "-pk"]
