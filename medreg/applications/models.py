"""The generic application, its timeline, attachments and statutory clock pauses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from medreg.applications.choices import FINAL, Action, AttachmentKind, Status
from medreg.core.scoping import Action as ScopeAction
from medreg.core.scoping import ScopedQuerySet, ScopeSpec, Via, scope_info

if TYPE_CHECKING:
    from medreg.applications.items.base import BusinessItem


class ApplicationQuerySet(ScopedQuerySet["Application"]):
    """Scoping plus one rule: a draft is the applicant's alone until it is submitted."""

    def for_user(self, user: Any, action: ScopeAction = "view", *, via: Via | None = None) -> ApplicationQuerySet:
        qs = super().for_user(user, action, via=via)
        info = scope_info(user)
        if info.institution_ids and via in (None, "institution"):
            # the old main institution confirms a change of main institution too
            co = self.filter(co_institution_id__in=sorted(info.institution_ids))
            qs = qs | co  # type: ignore[assignment,operator]
        own = models.Q(applicant_id=user.pk) if info.authenticated else models.Q(pk__in=[])
        return qs.filter(~models.Q(status=Status.DRAFT) | own)  # type: ignore[return-value]


class Application(models.Model):
    """One application for a business item (事项), from draft to decision.

    ``item_code`` names the catalogue module that defines the form, the rules and the effect of
    approval. The statutory clock starts at acceptance and counts working days; 补正 pauses it.
    """

    number = models.CharField(max_length=24, unique=True)
    item_code = models.CharField(max_length=40, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="applications")
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="applications")
    authority_division_code = models.CharField(max_length=6, db_index=True)
    form_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    statutory_limit_days = models.PositiveSmallIntegerField(default=20)
    extension_days = models.PositiveSmallIntegerField(default=0)
    paused_working_days = models.PositiveSmallIntegerField(default=0)
    due_on = models.DateField(null=True, blank=True, db_index=True)
    correction_count = models.PositiveSmallIntegerField(default=0)
    correction_from_status = models.CharField(max_length=12, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    refusal_grounds = models.JSONField(default=list, blank=True)
    review_opinion = models.TextField(blank=True)
    result_registration = models.ForeignKey(
        "people.PracticeRegistration", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The registration an application changes (变更, 备案, 升级 ...): two pending applications on the same
    # registration must not both be approved (see services.approve_application).
    target_registration = models.ForeignKey(
        "people.PracticeRegistration", null=True, blank=True, on_delete=models.PROTECT, related_name="pending_applications"
    )
    # A second institution that must also confirm (the old main institution when it changes).
    co_institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="co_applications"
    )
    institution_confirmed_at = models.DateTimeField(null=True, blank=True)
    co_confirmed_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeSpec(
        division="authority_division_code", authority="authority", institution="institution", person="person"
    )
    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["authority", "status", "due_on"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    def can_withdraw(self) -> bool:
        return self.status not in FINAL

    @property
    def item(self) -> BusinessItem:
        from medreg.applications.items import get_item

        return get_item(self.item_code)


class TimelineEntry(models.Model):
    """One step in an application's history: who did what, when, with which comment."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="timeline")
    action = models.CharField(max_length=24, choices=Action.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=120, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class Attachment(models.Model):
    """An uploaded material, type-checked by content. Stored under MEDIA_ROOT by sha256."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]


class ClockPause(models.Model):
    """A period during which the statutory clock does not run (补正, and later other pauses)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="clock_pauses")
    reason = models.CharField(max_length=20, default="correction")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    items = models.JSONField(default=list, blank=True)  # the consolidated list of what to correct
