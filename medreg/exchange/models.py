"""Exchange with partners and other instances: the outbox, subscriptions and their deliveries, the
FHIR resource version log (mCSD ``_history``) and the mirror a national instance keeps of its sources.

The relational registry models stay the source of truth; nothing here is read back into them.
"""

from __future__ import annotations

import uuid

from django.db import models

from medreg.core.pii import EncryptedTextField
from medreg.core.scoping import ScopedQuerySet, ScopeSpec
from medreg.exchange.choices import DeliveryStatus, PartnerKind, Topic


class OutboxEvent(models.Model):
    """A partner-relevant registry change, written in the same transaction as its audit event.

    ``payload`` is a snapshot of the public-safe fields of the subject at that moment: never ID numbers,
    birth dates, phones or 资格证书编码.
    """

    audit_seq = models.PositiveBigIntegerField(unique=True)
    audit_type = models.PositiveIntegerField()
    event_type = models.CharField(max_length=64, db_index=True)  # the audit label, e.g. "registration.created"
    topic = models.CharField(max_length=16, db_index=True)
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    division_code = models.CharField(max_length=6, blank=True, db_index=True)  # jurisdiction ("" = national)
    institution_ids = models.JSONField(default=list, blank=True)  # employers concerned
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(db_index=True)

    scope = ScopeSpec(division="division_code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.subject_type}:{self.subject_id}"


class Subscription(models.Model):
    """A partner endpoint that receives signed webhooks for some topics/event types in a jurisdiction.

    ``division_prefix`` limits events to a division subtree ("" = all); an employer subscription names
    its institution and only receives events about its own staff and itself.
    """

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=PartnerKind.choices)
    url = models.URLField(max_length=400)
    secret = EncryptedTextField()
    topics = models.JSONField(default=list, blank=True)  # [] = every topic
    event_types = models.JSONField(default=list, blank=True)  # [] = every event type of the topics
    division_prefix = models.CharField(max_length=6, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeSpec(division="division_prefix", institution="institution")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def topic_labels(self) -> list[str]:
        """The subscribed topics' display names (an empty list means every topic)."""
        return [str(Topic(t).label) for t in self.topics if t in Topic.values]

    def matches(self, event: OutboxEvent) -> bool:
        """Whether this subscription wants ``event`` (a pure function of both rows)."""
        if not self.is_active:
            return False
        if self.topics and event.topic not in self.topics:
            return False
        if self.event_types and event.event_type not in self.event_types:
            return False
        if self.institution_id:  # an employer: events about itself and its staff, wherever decided
            return self.institution_id in (event.institution_ids or [])
        return not (self.division_prefix and not event.division_code.startswith(self.division_prefix))


class Delivery(models.Model):
    """One event to one subscription: attempts with backoff until delivered or dead-lettered."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="deliveries")
    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="deliveries")
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replays = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeSpec(division="event__division_code", institution="subscription__institution")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["subscription", "event"], name="uniq_delivery")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="exchange_delivery_due")]


class ResourceVersion(models.Model):
    """One change of a FHIR resource (mCSD ITI-91). The pk is the resource's ``versionId``.

    Content is rendered from the relational models when asked; a resource that no longer exists (or no
    longer qualifies, e.g. the PractitionerRole of a cancelled registration) is served as a deletion.
    """

    resource_type = models.CharField(max_length=32)
    resource_id = models.CharField(max_length=64)
    division_code = models.CharField(max_length=6, blank=True)
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["resource_type", "resource_id"], name="exchange_rv_resource")]


class SyncSource(models.Model):
    """Another MedReg instance (a province) whose mCSD ``_history`` this instance pulls."""

    base_url = models.URLField(max_length=400, unique=True)
    name = models.CharField(max_length=120, blank=True)
    cursor = models.DateTimeField(null=True, blank=True)  # the source's time of the last complete pull
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    pulls = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name or self.base_url


class MirroredResource(models.Model):
    """The latest version of a resource pulled from a source; replays keep exactly one row."""

    source = models.ForeignKey(SyncSource, on_delete=models.CASCADE, related_name="resources")
    resource_type = models.CharField(max_length=32)
    resource_id = models.CharField(max_length=64)
    version_id = models.PositiveBigIntegerField()
    last_updated = models.DateTimeField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    content = models.JSONField(default=dict, blank=True)
    pulled_at = models.DateTimeField()

    class Meta:
        ordering = ["source", "resource_type", "resource_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "resource_type", "resource_id"], name="uniq_mirrored_resource")
        ]
