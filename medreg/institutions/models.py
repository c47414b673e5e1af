"""Medical institutions, their departments and their registered 诊疗科目."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import ActivationMode
from medreg.core.scoping import ScopedQuerySet, ScopeSpec
from medreg.institutions.choices import InstitutionStatus


class Institution(models.Model):
    """A licensed (or filed) medical institution, registered with one licensing authority."""

    name = models.CharField(max_length=120, db_index=True)
    aliases = models.CharField(max_length=300, blank=True, help_text=_("常用名、第二名称，以“；”分隔"))
    uscc = models.CharField(max_length=18, unique=True)
    registration_no = models.CharField(max_length=22, unique=True)
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
    licence_valid_from = models.DateField()
    licence_valid_until = models.DateField()
    status = models.CharField(max_length=12, choices=InstitutionStatus.choices, default=InstitutionStatus.ACTIVE)
    activation_mode = models.CharField(max_length=8, choices=ActivationMode.choices, default=ActivationMode.CODE)
    contact_phone = models.CharField(max_length=30, blank=True)  # the institution's public office number
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(division="division_code", authority="licensing_authority", institution="pk")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["division_code", "name"]

    def __str__(self) -> str:
        return self.name


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
