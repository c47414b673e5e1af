"""Lifecycle records of physician registrations: 注销, 机构备案 of departures, cancellation proposals and
the versions of a person's self-maintained data. Written only by ``medreg.people.lifecycle``."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from medreg.core.scoping import ScopedQuerySet, ScopeSpec
from medreg.people.choices_lifecycle import CancellationForm, ProposalStatus

__all__ = ["CancellationProposal", "DepartureRecord", "PersonInfoVersion", "RegistrationCancellation"]


class RegistrationCancellation(models.Model):
    """How and why a practice registration was cancelled (注销): the form, the grounds, who decided.

    ``event_date`` is the date of the event reported (death, judgment, ...); ``reported_late`` marks an
    institution report filed more than ``LIFECYCLE_REPORT_DAYS`` days after it (accepted all the same).
    """

    registration = models.OneToOneField(
        "people.PracticeRegistration", on_delete=models.PROTECT, related_name="cancellation"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cancellations")
    form = models.CharField(max_length=12, choices=CancellationForm.choices)
    grounds = models.JSONField(default=list)  # cancellation_ground codes
    reason = models.TextField(blank=True)
    event_date = models.DateField(null=True, blank=True)
    reported_late = models.BooleanField(default=False)
    cancelled_on = models.DateField()
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposal = models.ForeignKey(
        "people.CancellationProposal", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="+")
    authority_division_code = models.CharField(max_length=6, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeSpec(
        division="authority_division_code", authority="authority",
        institution="registration__main_institution", person="person",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-cancelled_on", "-id"]


class DepartureRecord(models.Model):
    """机构备案 of a departure (调离、退休、退职、辞退、开除、死亡) from the physician's main institution.

    Two years after ``event_date`` without resumed practice the system proposes cancellation.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="departures")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    affiliation = models.ForeignKey(
        "people.Affiliation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registration = models.ForeignKey(
        "people.PracticeRegistration", on_delete=models.PROTECT, related_name="departures"
    )
    kind = models.CharField(max_length=20)  # departure_kind code
    event_date = models.DateField()
    filed_on = models.DateField()
    reported_late = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="+")
    authority_division_code = models.CharField(max_length=6, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeSpec(
        division="authority_division_code", authority="authority", institution="institution", person="person"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-event_date", "-id"]


class CancellationProposal(models.Model):
    """The system's proposal to the commission to cancel a registration (e.g. 中止执业满二年).

    At most one proposal per departure record (the job is idempotent) and one open proposal per
    registration.
    """

    registration = models.ForeignKey(
        "people.PracticeRegistration", on_delete=models.PROTECT, related_name="cancellation_proposals"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    departure = models.ForeignKey(
        DepartureRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    grounds = models.JSONField(default=list)
    basis_date = models.DateField()  # the date the ground took effect (departure + 2 years)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    proposed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="+")
    authority_division_code = models.CharField(max_length=6, db_index=True)

    scope = ScopeSpec(
        division="authority_division_code", authority="authority",
        institution="registration__main_institution", person="person",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["departure"], name="uniq_proposal_per_departure"),
            models.UniqueConstraint(
                fields=["registration"], condition=models.Q(status="open"), name="uniq_open_proposal_per_registration"
            ),
        ]


class PersonInfoVersion(models.Model):
    """One approved version of a person's self-maintained data (学历、毕业院校、职称、照片).

    Version 1 is the data before the first approved update; every approved 个人信息更新 adds one, with
    who approved it. The archive shows them all.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="info_versions")
    version = models.PositiveIntegerField()
    education = models.CharField(max_length=30, blank=True)
    school = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=30, blank=True)
    photo = models.ForeignKey(
        "applications.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    photo_sha256 = models.CharField(max_length=64, blank=True)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by_institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeSpec(
        division="person__affiliations__institution__division_code",
        institution="person__affiliations__institution",
        person="person",
        distinct=True,
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["person", "version"]
        constraints = [models.UniqueConstraint(fields=["person", "version"], name="uniq_person_info_version")]
