"""Channel adapters for outgoing SMS and e-mail. The deployment picks one per channel in settings."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("medreg.notifications")


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> None: ...


class OutboxSmsBackend:
    """Keeps messages in the database only (development and closed networks without an SMS gateway)."""

    def send(self, *, to: str, body: str) -> None:
        logger.info("SMS kept in outbox (%d characters)", len(body))


def sms_backend() -> SmsBackend:
    path = getattr(settings, "MEDREG_SMS_BACKEND", "medreg.notifications.channels.OutboxSmsBackend")
    return import_string(path)()
