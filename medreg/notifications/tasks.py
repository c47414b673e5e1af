"""Background delivery of outgoing messages. Safe to run twice: a sent message is skipped."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from medreg.audit.context import audit_context
from medreg.core.tasks import task
from medreg.notifications.channels import sms_backend
from medreg.notifications.models import OutgoingMessage


@task()
def deliver_message(message_id: int) -> str:
    with audit_context(channel="task"), transaction.atomic():
        msg = OutgoingMessage.objects.select_for_update().filter(pk=message_id).first()
        if msg is None or msg.state == OutgoingMessage.State.SENT:
            return "skipped"
        msg.attempts += 1
        try:
            sms_backend().send(to=msg.recipient, body=msg.body)
        except Exception:  # noqa: BLE001 - a gateway failure is recorded, the worker retries later
            msg.state = OutgoingMessage.State.FAILED
            msg.save(update_fields=["state", "attempts"])
            return "failed"
        msg.state, msg.sent_at = OutgoingMessage.State.SENT, timezone.now()
        msg.save(update_fields=["state", "attempts", "sent_at"])
        return "sent"
