"""Writing to the audit log. Called by domain services inside their transaction."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from medreg.audit.choices import EventType
from medreg.audit.context import current_channel, current_request_id
from medreg.audit.models import AuditChainHead, AuditEvent, PersonalDataAccess


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _content(ev: AuditEvent) -> dict[str, Any]:
    return {
        "seq": ev.seq,
        "type": int(ev.event_type),
        "at": ev.occurred_at.isoformat(),
        "actor": ev.actor_id,
        "authority": ev.authority_id,
        "institution": ev.institution_id,
        "subject": f"{ev.subject_type}:{ev.subject_id}",
        "data": ev.data,
        "rid": ev.request_id,
    }


def compute_hash(prev_hash: str, ev: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(_content(ev))).hexdigest()


def record(
    event_type: EventType,
    *,
    actor: Any,
    subject: models.Model | tuple[str, Any],
    data: dict[str, Any] | None = None,
    authority_id: int | None = None,
    institution_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction."""
    if isinstance(subject, tuple):
        subject_type, subject_id = subject
    else:
        subject_type, subject_id = subject._meta.label_lower, subject.pk
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        ev = AuditEvent(
            seq=head.seq + 1,
            event_type=event_type,
            occurred_at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=(getattr(actor, "username", "") or "system")[:150],
            authority_id=authority_id,
            institution_id=institution_id,
            subject_type=str(subject_type),
            subject_id=str(subject_id),
            data=json.loads(_canonical(data or {})),
            request_id=current_request_id(),
            channel=current_channel(),
            prev_hash=head.hash,
        )
        ev.hash = compute_hash(head.hash, ev)
        ev.save(force_insert=True)
        head.seq, head.hash = ev.seq, ev.hash
        head.save(update_fields=["seq", "hash"])
        # Partner outbox and FHIR version log, in the same transaction (medreg/exchange/outbox.py).
        from medreg.exchange.outbox import capture

        capture(ev)
    return ev


def verify_chain() -> tuple[bool, int | None, int]:
    """Walk the chain. Returns (ok, first bad seq or None, rows checked)."""
    prev = "0" * 64
    expected_seq = 1
    count = 0
    for ev in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if ev.seq != expected_seq or ev.prev_hash != prev or compute_hash(prev, ev) != ev.hash:
            return False, ev.seq, count
        prev, expected_seq, count = ev.hash, expected_seq + 1, count + 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.seq != count or head.hash != prev):
        return False, count + 1, count
    return True, None, count


def log_personal_data_access(*, viewer: Any, person_id: int, fields: list[str], purpose: str) -> None:
    """Record that ``viewer`` saw unmasked personal data of a person."""
    PersonalDataAccess.objects.create(
        viewer=viewer, person_id=person_id, fields=fields, purpose=purpose, request_id=current_request_id()
    )
