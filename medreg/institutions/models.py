"""Medical institutions, their departments and their registered 诊疗科目."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import ActivationMode
from medreg.core.scoping import ScopedQuerySet, ScopeSpec
from medreg.institutions.choices import (
    ChangeKind,
    InstitutionStatus,
    LicensingMode,
    SuspensionReason,
    VerificationOutcome,
    VerificationState,
)


class Institution(models.Model):
    """A licensed (or filed) medical institution, registered with one licensing authority."""

    name = models.CharField(max_length=120, db_index=True)
    aliases = models.CharField(max_length=300, blank=True, help_text=_("常用名、第二名称，以“；”分隔"))
    uscc = models.CharField(max_length=18, unique=True)
    # Empty until the institution is registered (a pending record) or when it only filed (诊所备案).
    registration_no = models.CharField(max_length=22, blank=True)
    category_code = models.CharField(max_length=8)  # WS 218 code in reference table institution_category
    management_type = models.CharField(max_length=1, default="1")
    economic_type = models.CharField(max_length=2, default="11")
    grade_code = models.CharField(max_length=4, blank=True)
    division = models.ForeignKey("reference.Division", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=6, db_index=True)
    licensing_authority = models.ForeignKey(
        "accounts.Authority", on_delete=models.PROTECT, related_name="licensed_institutions"
    )
    address = models.CharField(max_length=200)
    legal_representative = models.CharField(max_length=60)
    principal = models.CharField(max_length=60)
    beds = models.PositiveIntegerField(default=0)
    dental_chairs = models.PositiveIntegerField(default=0)
    licence_valid_from = models.DateField(null=True, blank=True)
    licence_valid_until = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=InstitutionStatus.choices, default=InstitutionStatus.ACTIVE)
    licensing_mode = models.CharField(max_length=8, choices=LicensingMode.choices, default=LicensingMode.LICENCE)
    registered_capital = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)  # 万元
    # 设置医疗机构批准书 (only for the kinds that still need it) and the 诊所备案凭证.
    setup_approval_no = models.CharField(max_length=40, blank=True)
    setup_approved_on = models.DateField(null=True, blank=True)
    setup_approved_beds = models.PositiveIntegerField(null=True, blank=True)
    filing_no = models.CharField(max_length=40, blank=True)
    filed_on = models.DateField(null=True, blank=True)
    # 校验: when the current period ends, and whether the institution is in 暂缓校验.
    verification_due_on = models.DateField(null=True, blank=True, db_index=True)
    verification_state = models.CharField(
        max_length=10, choices=VerificationState.choices, default=VerificationState.NORMAL
    )
    deferred_until = models.DateField(null=True, blank=True)
    verification_overdue_since = models.DateField(null=True, blank=True)
    # 停业: since when, why, and when a stop of over a year started to count as 歇业.
    suspended_on = models.DateField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=12, choices=SuspensionReason.choices, blank=True)
    deemed_closed_on = models.DateField(null=True, blank=True)
    activation_mode = models.CharField(max_length=8, choices=ActivationMode.choices, default=ActivationMode.CODE)
    contact_phone = models.CharField(max_length=30, blank=True)  # the institution's public office number
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(division="division_code", authority="licensing_authority", institution="pk")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["division_code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration_no"], condition=~models.Q(registration_no=""), name="uniq_registration_no"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deferred(self) -> bool:
        return self.verification_state == VerificationState.DEFERRED

    @property
    def may_practise(self) -> bool:
        """Active, and not a bed-less institution in 暂缓校验 (which may not practise meanwhile)."""
        if self.status != InstitutionStatus.ACTIVE:
            return False
        return not (self.is_deferred and self.beds == 0)


class Department(models.Model):
    """A department (科室) an institution set up; staff pick theirs from this list."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(max_length=60)
    subject_code = models.CharField(max_length=12, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="uniq_department_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InstitutionSubject(models.Model):
    """One registered 诊疗科目 (code from reference table clinical_subject)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="subjects")
    code = models.CharField(max_length=12)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="uniq_institution_subject")]
        ordering = ["code"]


_INST_SCOPE = ScopeSpec(
    division="institution__division_code", authority="institution__licensing_authority", institution="institution"
)


class InstitutionChange(models.Model):
    """One entry of an institution's 历史沿革: what changed, when, on which application, by whom."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=24, choices=ChangeKind.choices)
    occurred_on = models.DateField()
    changes = models.JSONField(default=dict, blank=True)  # field -> {"old": ..., "new": ...}
    note = models.CharField(max_length=300, blank=True)
    application_number = models.CharField(max_length=24, blank=True)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope = _INST_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_on", "id"]


class VerificationRecord(models.Model):
    """One 校验 decision; the licence's 副本 lists every one of them."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="verifications")
    period_due_on = models.DateField()  # the end of the period this 校验 closes
    outcome = models.CharField(max_length=10, choices=VerificationOutcome.choices)
    deferred_months = models.PositiveSmallIntegerField(null=True, blank=True)
    deferred_until = models.DateField(null=True, blank=True)
    next_due_on = models.DateField(null=True, blank=True)
    beds = models.PositiveIntegerField(default=0)
    decided_on = models.DateField()
    application_number = models.CharField(max_length=24, blank=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    scope = _INST_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["decided_on", "id"]


class RegistrationCheck(models.Model):
    """The authority's finding on one 不予登记 ground (实施细则 第27条) for a 执业登记 application."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="registration_checks")
    application_id = models.PositiveBigIntegerField(db_index=True)
    ground = models.CharField(max_length=32)  # code in reference table institution_refusal_ground
    passed = models.BooleanField()
    note = models.CharField(max_length=300, blank=True)
    checked_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now=True)

    scope = _INST_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application_id", "ground"], name="uniq_registration_check")]
