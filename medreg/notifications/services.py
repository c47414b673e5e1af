"""Sending notifications: the in-app inbox now, SMS/e-mail through a queued task after commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from medreg.notifications.models import Notification, OutgoingMessage

if TYPE_CHECKING:
    from medreg.accounts.models import Authority, User
    from medreg.institutions.models import Institution


def notify_user(
    user: User | None, *, title: Any, body: Any = "", link: str = "", sms: bool = False,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Put a message in the user's inbox; with ``sms`` also queue an SMS to their verified phone.

    Text is rendered in the site language (Chinese), whatever language the acting user browses in:
    the recipient is not the actor. ``params`` fill the named placeholders of ``body``.
    """
    if user is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = str(title)[:200]
        body = str(body) % dict(params) if params else str(body)
    Notification.objects.create(user=user, title=title, body=body, link=link)
    if sms and user.phone:
        msg = OutgoingMessage.objects.create(
            channel=OutgoingMessage.Channel.SMS, user=user, recipient=user.phone, body=f"【MedReg】{body}"
        )
        from medreg.notifications.tasks import deliver_message

        transaction.on_commit(lambda: deliver_message.enqueue(msg.pk))


def notify_institution_staff(
    institution: Institution, *, title: Any, body: Any = "", link: str = "", params: Mapping[str, Any] | None = None
) -> None:
    from medreg.accounts.models import User

    for user in User.objects.filter(memberships__institution=institution, memberships__is_active=True).distinct():
        notify_user(user, title=title, body=body, link=link, params=params)


def notify_authority_staff(
    authority: Authority, *, roles: set[str], title: Any, body: Any = "", link: str = "",
    params: Mapping[str, Any] | None = None,
) -> None:
    from medreg.accounts.models import User

    users = User.objects.filter(
        memberships__authority=authority, memberships__role__in=sorted(roles), memberships__is_active=True
    ).distinct()
    for user in users:
        notify_user(user, title=title, body=body, link=link, params=params)


def mark_read(notification_id: int, *, acting_user: User) -> None:
    Notification.objects.filter(pk=notification_id, user=acting_user, read_at__isnull=True).update(read_at=timezone.now())
