"""线上踏勘 (site-inspection tasks and their 《现场踏勘结论表》), 电子会商 (consultation threads, messages,
read receipts, risk flags) and the warnings raised for registrations hit by an institution's status change.

Every row carries the division code it belongs to, so ``for_user`` scopes it like everything else.
Only authority staff see inspections and consultations; institution staff and practitioners see only
the registration warnings about themselves.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from medreg.accounts.choices import Role
from medreg.core.scoping import Action as ScopeAction
from medreg.core.scoping import ScopedQuerySet, ScopeSpec, Via, scope_info
from medreg.supervision.choices import (
    CheckResult,
    Conclusion,
    FileKind,
    InspectionStatus,
    RiskKind,
    SiteRelation,
    SubjectKind,
    ThreadStatus,
    WarningReason,
)

APPROVAL_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.AUTHORITY_ADMIN})


def has_approval_role(user: Any) -> bool:
    """Whether ``user`` works in an approval department (not only in supervision)."""
    info = scope_info(user)
    return info.national or any(r in APPROVAL_ROLES and a for r, a, _i in info.roles)


class InspectionTaskQuerySet(ScopedQuerySet["InspectionTask"]):
    """Scoping plus one rule: supervision staff see only the tasks sent to them."""

    def for_user(self, user: Any, action: ScopeAction = "view", *, via: Via | None = None) -> InspectionTaskQuerySet:
        if via in ("institution", "person"):
            return self.none()  # type: ignore[return-value]
        qs = super().for_user(user, action, via="authority")
        if has_approval_role(user):
            return qs  # type: ignore[return-value]
        return qs.filter(assignee_id=user.pk)  # type: ignore[return-value]


class InspectionTask(models.Model):
    """One 线上踏勘 task: sent after acceptance to a supervision account, returned with the conclusion form.

    ``checklist`` is the template snapshot taken when the task was sent (later template edits do not change
    it); ``results`` holds one entry per checklist item. Once returned the row is the archived 《现场踏勘结论表》
    (``archive_sha256`` is the digest of its canonical content) and never changes again.
    """

    application = models.ForeignKey("applications.Application", on_delete=models.PROTECT, related_name="inspections")
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=6, db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspection_tasks")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.SENT)
    instructions = models.TextField(blank=True)
    template_code = models.CharField(max_length=40)
    template_name = models.CharField(max_length=120)
    checklist = models.JSONField(default=list)
    results = models.JSONField(default=list, blank=True)
    findings = models.TextField(blank=True)
    conclusion = models.CharField(max_length=10, choices=Conclusion.choices, blank=True)
    rectification = models.TextField(blank=True)
    sent_at = models.DateTimeField()
    due_on = models.DateField(db_index=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    clock_pause = models.ForeignKey(
        "applications.ClockPause", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archive_sha256 = models.CharField(max_length=64, blank=True)

    scope = ScopeSpec(division="division_code", authority="authority")
    objects = InspectionTaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["assignee", "status", "due_on"])]

    def __str__(self) -> str:
        return f"inspection {self.pk} ({self.application_id})"

    @property
    def is_open(self) -> bool:
        return self.status == InspectionStatus.SENT

    @property
    def site_name(self) -> str:
        """The institution inspected: registered name, or the name applied for (执业登记 of a new one)."""
        app = self.application
        if app.institution_id and app.institution is not None:
            return str(app.institution.name)
        return str((app.form_data or {}).get("name") or "")

    @property
    def site_address(self) -> str:
        app = self.application
        if app.institution_id and app.institution is not None:
            return str(app.institution.address)
        return str((app.form_data or {}).get("address") or "")

    def result_rows(self) -> list[dict[str, Any]]:
        """Checklist items with their recorded result (for display)."""
        by_code = {r.get("code"): r for r in self.results or []}
        labels = dict(CheckResult.choices)
        rows = []
        for item in self.checklist:
            r = by_code.get(item["code"], {})
            rows.append({**item, "result": r.get("result", ""), "result_label": labels.get(r.get("result", ""), ""),
                         "note": r.get("note", "")})
        return rows


class InspectionFile(models.Model):
    """A photo or document attached to an inspection form; type checked by content."""

    task = models.ForeignKey(InspectionTask, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(max_length=10, choices=FileKind.choices)
    file = models.FileField(upload_to="inspections/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]


class StaffOnlyQuerySet(ScopedQuerySet[Any]):
    """Rows for authority staff only (approval or supervision), by division subtree."""

    def for_user(self, user: Any, action: ScopeAction = "view", *, via: Via | None = None) -> StaffOnlyQuerySet:
        if via in ("institution", "person"):
            return self.none()  # type: ignore[return-value]
        return super().for_user(user, action, via="authority")  # type: ignore[return-value]


class ConsultationThread(models.Model):
    """An 电子会商 thread between approval and supervision staff about one subject."""

    subject_kind = models.CharField(max_length=12, choices=SubjectKind.choices)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_label = models.CharField(max_length=200)
    division_code = models.CharField(max_length=6, db_index=True)
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=ThreadStatus.choices, default=ThreadStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    conclusion = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    scope = ScopeSpec(division="division_code", authority="authority")
    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == ThreadStatus.OPEN

    def subject_ref(self) -> tuple[str, int]:
        obj_id = {"application": self.application_id, "institution": self.institution_id,
                  "person": self.person_id}[self.subject_kind]
        return self.subject_kind, int(obj_id or 0)


class ConsultationMessage(models.Model):
    """One message in a thread; ``mentions`` are the staff @-mentioned (and notified)."""

    thread = models.ForeignKey(ConsultationThread, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]


class ConsultationFile(models.Model):
    """A file sent in a consultation message; type checked by content."""

    message = models.ForeignKey(ConsultationMessage, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to="consultations/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class ConsultationRead(models.Model):
    """A read receipt: ``user`` has read ``thread`` up to message ``last_message_id``."""

    thread = models.ForeignKey(ConsultationThread, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_message_id = models.BigIntegerField(default=0)
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="uniq_consultation_read")]


class RiskFlag(models.Model):
    """A risk raised in a consultation (审批风险 or 监管处罚), shown on the subject's pages."""

    thread = models.ForeignKey(ConsultationThread, on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField(max_length=24, choices=RiskKind.choices)
    note = models.TextField()
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=6, db_index=True)
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()

    scope = ScopeSpec(division="division_code", authority="authority")
    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]


class RegistrationWarning(models.Model):
    """A registration (main or 备案) hit by its institution's suspension, cancellation or 暂缓校验,
    with what the practitioner and the authority must each do."""

    registration = models.ForeignKey("people.PracticeRegistration", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(max_length=6, choices=SiteRelation.choices)
    site_id = models.BigIntegerField(null=True, blank=True)  # people.PracticeSite for a 备案 site
    reason = models.CharField(max_length=10, choices=WarningReason.choices)
    note = models.TextField(blank=True)
    person_actions = models.JSONField(default=list)
    authority_actions = models.JSONField(default=list)
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=6, db_index=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    flagged_at = models.DateTimeField()

    scope = ScopeSpec(division="division_code", authority="authority", institution="institution", person="person")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-flagged_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "institution", "reason"], name="uniq_registration_warning")
        ]

    @property
    def person_action_labels(self) -> list[str]:
        from medreg.supervision.rules import action_labels

        return action_labels(self.person_actions)

    @property
    def authority_action_labels(self) -> list[str]:
        from medreg.supervision.rules import action_labels

        return action_labels(self.authority_actions)
