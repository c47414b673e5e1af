"""Persons, their qualifications, their institution affiliations and practice registrations."""

from __future__ import annotations

from typing import Any

from django.db import models

from medreg.core.pii import EncryptedTextField
from medreg.core.scoping import ScopedQuerySet, ScopeSpec
from medreg.people.choices import (
    AffiliationStatus,
    Profession,
    QualificationSource,
    RegistrationStatus,
    SiteKind,
    SiteStatus,
)


class Person(models.Model):
    """A physician or nurse. ID number and birth date are encrypted; ``id_index`` is a keyed hash."""

    name = models.CharField(max_length=60, db_index=True)
    gender = models.CharField(max_length=1)
    id_number = EncryptedTextField()
    id_index = models.CharField(max_length=64, unique=True)
    birth_date = EncryptedTextField()
    education = models.CharField(max_length=30, blank=True)
    school = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(
        division="affiliations__institution__division_code",
        institution="affiliations__institution",
        person="pk",
        distinct=True,
    )
    objects = ScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if not adding and (update_fields is None or "name" in update_fields):  # registrations copy the name
            PracticeRegistration.objects.filter(person=self).exclude(holder_name=self.name).update(
                holder_name=self.name)


class QualificationRecord(models.Model):
    """A qualification as synced from the exam centre (医师资格 or 护士执业资格考试).

    Records arrive before the person has an account; registration links them by the keyed hash of
    the ID number and the legal name. The 医师资格证书编码 embeds the ID number, so it is encrypted.
    """

    profession = models.CharField(max_length=10, choices=Profession.choices)
    id_index = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=60)
    level_code = models.CharField(max_length=2, blank=True)  # physician: practice_level
    category_code = models.CharField(max_length=2, blank=True)  # physician: practice_category
    certificate_code = EncryptedTextField(blank=True)
    certificate_index = models.CharField(max_length=64, blank=True, db_index=True)
    obtained_on = models.DateField()
    source = models.CharField(max_length=16, choices=QualificationSource.choices)
    synced_at = models.DateTimeField()
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="qualifications")

    scope = ScopeSpec(person="person")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["obtained_on"]


class Affiliation(models.Model):
    """A person's tie to an institution: pending activation, active employment, or ended."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="affiliations")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="affiliations")
    department = models.ForeignKey(
        "institutions.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=AffiliationStatus.choices, default=AffiliationStatus.PENDING)
    activation_code_hash = models.CharField(max_length=128, blank=True)
    activation_code_expires_at = models.DateTimeField(null=True, blank=True)
    activation_attempts = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ended_on = models.DateField(null=True, blank=True)

    scope = ScopeSpec(division="institution__division_code", institution="institution", person="person")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "institution"],
                condition=models.Q(status__in=["pending", "active"]),
                name="uniq_open_affiliation",
            )
        ]


class PracticeRegistration(models.Model):
    """A practice registration (执业注册): 执业地点, 类别, 范围 and the main institution."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="registrations")
    # Person.name, copied so that the public 姓名 + 省份 search is one index range on this table rather than a
    # probe per national namesake (decision 0057); filled on save, kept in step by Person.save
    holder_name = models.CharField(max_length=60, blank=True, default="", editable=False)
    profession = models.CharField(max_length=10, choices=Profession.choices)
    level_code = models.CharField(max_length=2, blank=True)
    category_code = models.CharField(max_length=2, blank=True)
    scope_codes = models.JSONField(default=list, blank=True)
    practice_division = models.ForeignKey("reference.Division", on_delete=models.PROTECT, related_name="+")
    main_institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="registrations"
    )
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="registrations")
    authority_division_code = models.CharField(max_length=6, db_index=True)
    certificate_no = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.ACTIVE)
    registered_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    source_application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(
        division="authority_division_code", authority="authority", institution="main_institution", person="person"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-registered_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "profession", "practice_division"],
                condition=models.Q(status="active"),
                name="uniq_active_registration_per_place",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.certificate_no}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.holder_name and self.person_id is not None:
            self.holder_name = self.person.name
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "holder_name"}
        super().save(*args, **kwargs)


class PracticeSite(models.Model):
    """Where a registration is practised, with dates (多机构执业).

    Every registration has one ``main`` site (its main institution, for as long as it is the main
    one) and any number of ``filed`` sites: institutions in the same province filed with the
    commission that licensed them, each with a start and an end date.
    """

    registration = models.ForeignKey(PracticeRegistration, on_delete=models.PROTECT, related_name="sites")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="practice_sites")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="practice_sites")
    kind = models.CharField(max_length=8, choices=SiteKind.choices)
    status = models.CharField(max_length=10, choices=SiteStatus.choices, default=SiteStatus.ACTIVE)
    start_on = models.DateField()
    end_on = models.DateField(null=True, blank=True)  # planned end (filed) or actual end
    scope_codes = models.JSONField(default=list, blank=True)
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="filed_sites")
    authority_division_code = models.CharField(max_length=6, db_index=True)
    source_application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(
        division="authority_division_code", authority="authority", institution="institution", person="person"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "start_on"]
        indexes = [models.Index(fields=["institution", "status"]), models.Index(fields=["registration", "status"])]

    def __str__(self) -> str:
        return f"{self.registration_id}@{self.institution_id} ({self.kind})"

    def is_current(self, on: Any) -> bool:
        return self.status == SiteStatus.ACTIVE and self.start_on <= on and (self.end_on is None or on <= self.end_on)


class RegistrationChange(models.Model):
    """One approved change of a registration's recorded items, kept for the archive (活档)."""

    registration = models.ForeignKey(PracticeRegistration, on_delete=models.PROTECT, related_name="changes")
    field = models.CharField(max_length=32)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.registration_id}.{self.field}"


from medreg.people.models_lifecycle import *  # noqa: E402,F401,F403  (lifecycle stream: 注销, 备案, proposals, info versions)
from medreg.people.models_records import *  # noqa: E402,F401,F403  (records stream: assessments, penalties, archive)
