"""The legal record: an append-only, hash-chained log of every state change, and a PII access log."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from medreg.audit.choices import EventType


class AuditEvent(models.Model):
    """One state change, written by a service inside the same transaction as the change.

    ``hash`` = SHA-256 over the previous row's hash and this row's canonical content, so any edit or
    deletion of a past row breaks the chain (``medreg audit verify`` finds where).
    """

    seq = models.BigIntegerField(unique=True)
    event_type = models.PositiveIntegerField(choices=EventType.choices, db_index=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    authority_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    institution_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_event_type_display()} {self.subject_type}:{self.subject_id}"


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers cannot fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)


class PersonalDataAccess(models.Model):
    """Who viewed which personal data fields of whom, and why."""

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person_id = models.BigIntegerField(db_index=True)
    fields = models.JSONField(default=list)
    purpose = models.CharField(max_length=200)
    request_id = models.CharField(max_length=64, blank=True)
    accessed_at = models.DateTimeField(auto_now_add=True)
