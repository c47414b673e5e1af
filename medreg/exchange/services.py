"""Writes of the exchange app: subscriptions, delivery attempts, dead letters and replays.

Deliveries are rows, not messages in memory: :func:`medreg.exchange.outbox.capture` creates them in the
registry change's own transaction; :func:`attempt_delivery` sends one (claimed with a lease so two
workers never send the same delivery at once); failures back off exponentially and after
``EXCHANGE_DELIVERY_MAX_ATTEMPTS`` the delivery becomes a dead letter that an operator can replay.
A partner that is down for hours therefore loses nothing: its deliveries wait, and ``medreg exchange
deliver`` (or the periodic task) sends them once it answers again.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import Role
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core.conf import conf
from medreg.core.errors import DomainError, ErrorItem, NotFound, PermissionDenied
from medreg.core.scoping import scope_info
from medreg.exchange import signing
from medreg.exchange.choices import DeliveryStatus, PartnerKind, Topic
from medreg.exchange.models import Delivery, OutboxEvent, Subscription

if TYPE_CHECKING:
    from medreg.institutions.models import Institution


def _may_administer(user: Any, division_prefix: str) -> bool:
    """System jobs (None), national staff, or an authority admin whose subtree covers the prefix."""
    if user is None:
        return True
    info = scope_info(user)
    if info.national:
        return True
    admin_of = {a for r, a, _i in info.roles if r == Role.AUTHORITY_ADMIN and a}
    if not admin_of:
        return False
    from medreg.accounts.models import Authority

    prefixes = [a.division_prefix for a in Authority.objects.filter(pk__in=admin_of).select_related("division")]
    return any(division_prefix.startswith(p) for p in prefixes if p) or "" in prefixes


def _may_administer_subscription(user: Any, *, kind: str, institution_id: int | None, division_prefix: str) -> bool:
    """Who may create, pause or resume a subscription: whoever may administer its jurisdiction, and for
    an employer subscription also an administrator of that very institution (机构端, for alerts about the
    institution's own staff). Institution administrators never get any other kind of subscription."""
    if _may_administer(user, division_prefix):
        return True
    return (
        kind == PartnerKind.EMPLOYER
        and institution_id is not None
        and scope_info(user).has_role(Role.INSTITUTION_ADMIN, institution_id=institution_id)
    )


def _known_event_types() -> set[str]:
    return {str(label) for _value, label in EventType.choices}


def create_subscription(
    *, name: str, kind: str, url: str, topics: list[str] | None = None, event_types: list[str] | None = None,
    division_prefix: str = "", institution: Institution | None = None, acting_user: Any,
) -> tuple[Subscription, str]:
    """Subscribe a partner endpoint. Returns the subscription and its signing secret (shown once).

    Audits SUBSCRIPTION_CREATED. Employers must name their institution and then only get events about
    it and its staff; other partners subscribe to a division subtree ("" = national). Authority
    administrators may subscribe within their jurisdiction; an institution administrator only an employer
    subscription of their own institution (PermissionDenied otherwise, before anything is written).
    """
    errors: list[ErrorItem] = []
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors.append(ErrorItem("url_invalid", _("接收地址必须是 http 或 https 网址"), field="url"))
    if not (name or "").strip():
        errors.append(ErrorItem("required", _("请填写订阅方名称"), field="name"))
    if kind not in PartnerKind.values:
        errors.append(ErrorItem("kind_invalid", _("订阅方类型无效"), field="kind"))
    bad = [t for t in topics or [] if t not in Topic.values]
    if bad:
        errors.append(ErrorItem("topic_invalid", _("未知的事件主题：%(topics)s"), field="topics",
                                params={"topics": "、".join(bad)}))
    unknown = [t for t in event_types or [] if t not in _known_event_types()]
    if unknown:
        errors.append(ErrorItem("event_type_invalid", _("未知的事件类型：%(types)s"), field="event_types",
                                params={"types": "、".join(unknown)}))
    if kind == PartnerKind.EMPLOYER and institution is None:
        errors.append(ErrorItem("institution_required", _("执业机构订阅须指定本机构"), field="institution"))
    if division_prefix and (not division_prefix.isdigit() or len(division_prefix) > 6):
        errors.append(ErrorItem("division_invalid", _("辖区代码无效"), field="division_prefix"))
    if errors:
        raise DomainError(errors=errors)
    if institution is not None:
        division_prefix = institution.division_code
    if not _may_administer_subscription(acting_user, kind=kind, division_prefix=division_prefix,
                                        institution_id=institution.pk if institution else None):
        raise PermissionDenied(_("无权为该辖区设置订阅"))
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        sub = Subscription.objects.create(
            name=name.strip(), kind=kind, url=url, secret=secret, topics=list(topics or []),
            event_types=list(event_types or []), division_prefix=division_prefix, institution=institution,
        )
        audit.record(EventType.SUBSCRIPTION_CREATED, actor=acting_user, subject=sub,
                     institution_id=institution.pk if institution else None,
                     data={"name": sub.name, "kind": kind, "url": url, "topics": sub.topics,
                           "event_types": sub.event_types, "division_prefix": division_prefix})
    return sub, secret


def set_subscription_active(subscription_id: int, active: bool, *, acting_user: Any) -> Subscription:
    """Pause or resume a subscription (pending deliveries wait while paused: :func:`deliver_due` and
    :func:`attempt_delivery` skip them). Audits SUBSCRIPTION_CHANGED; asking for the state it already has
    changes and audits nothing. Outside the actor's administration the subscription does not exist (404)."""
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
        if sub is None or not _may_administer_subscription(
            acting_user, kind=sub.kind, institution_id=sub.institution_id, division_prefix=sub.division_prefix
        ):
            raise NotFound(_("未找到该记录"), code="not_found")
        if sub.is_active == active:
            return sub
        sub.is_active = active
        sub.save(update_fields=["is_active"])
        audit.record(EventType.SUBSCRIPTION_CHANGED, actor=acting_user, subject=sub,
                     institution_id=sub.institution_id, data={"is_active": active})
    return sub


# -- delivery ------------------------------------------------------------------------------------------
def body_for(event: OutboxEvent) -> bytes:
    """The JSON document a partner receives; the same bytes on every attempt."""
    doc = {
        "id": event.pk, "type": event.event_type, "topic": event.topic, "audit_type": event.audit_type,
        "occurred_at": event.occurred_at.isoformat(), "jurisdiction": event.division_code,
        "subject": {"type": event.subject_type, "id": event.subject_id}, "data": event.payload,
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after ``attempts`` failures: base·2^(n-1), capped."""
    base, cap = conf("EXCHANGE_RETRY_BASE_SECONDS"), conf("EXCHANGE_RETRY_MAX_SECONDS")
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _claim(delivery_id: int, now: datetime, *, force: bool = False) -> Delivery | None:
    lease = now + timedelta(seconds=3 * conf("EXCHANGE_DELIVERY_TIMEOUT_SECONDS"))
    with transaction.atomic():
        qs = Delivery.objects.select_for_update().select_related("subscription", "event")
        d = qs.filter(pk=delivery_id, status=DeliveryStatus.PENDING).first()
        if d is None or not d.subscription.is_active or (not force and d.next_attempt_at > now):
            return None
        d.next_attempt_at = lease  # nobody else picks it up while we send
        d.save(update_fields=["next_attempt_at"])
    return d


def _post(d: Delivery) -> tuple[int | None, str]:
    body = body_for(d.event)
    ts = int(time.time())
    req = urllib.request.Request(d.subscription.url, data=body, method="POST", headers={  # noqa: S310 - http(s) only
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "MedReg-Webhook/1",
        signing.TIMESTAMP_HEADER: str(ts),
        signing.SIGNATURE_HEADER: signing.sign(d.subscription.secret, ts, body),
        signing.IDEMPOTENCY_HEADER: str(d.idempotency_key),
        signing.EVENT_HEADER: d.event.event_type,
    })
    try:
        with urllib.request.urlopen(req, timeout=conf("EXCHANGE_DELIVERY_TIMEOUT_SECONDS")) as resp:  # noqa: S310
            return resp.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:300]


def attempt_delivery(delivery_id: int, *, now: datetime | None = None, force: bool = False) -> Delivery | None:
    """Send one due delivery once. Safe to run twice (a claimed or finished delivery is skipped).

    2xx marks it delivered; anything else schedules a retry with backoff, or after the last allowed
    attempt moves it to the dead letters (audited DELIVERY_DEAD_LETTERED).
    """
    now = now or timezone.now()
    d = _claim(delivery_id, now, force=force)
    if d is None:
        return None
    code, error = _post(d)
    with transaction.atomic():
        d = Delivery.objects.select_for_update().get(pk=d.pk)
        d.attempts += 1
        d.last_attempt_at = timezone.now()
        d.last_status_code = code
        if code is not None and 200 <= code < 300:
            d.status, d.delivered_at, d.last_error = DeliveryStatus.DELIVERED, d.last_attempt_at, ""
        else:
            d.last_error = error or f"HTTP {code}"
            if d.attempts >= conf("EXCHANGE_DELIVERY_MAX_ATTEMPTS"):
                d.status = DeliveryStatus.DEAD
                audit.record(EventType.DELIVERY_DEAD_LETTERED, actor=None, subject=d,
                             data={"subscription": d.subscription_id, "event": d.event_id, "attempts": d.attempts,
                                   "error": d.last_error})
            else:
                d.next_attempt_at = now + backoff(d.attempts)
        d.save(update_fields=["attempts", "last_attempt_at", "last_status_code", "status", "delivered_at",
                              "last_error", "next_attempt_at"])
    return d


def deliver_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Attempt every pending delivery whose time has come (oldest first). Returns how many were tried."""
    now = now or timezone.now()
    ids = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now,
                                       subscription__is_active=True)
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if attempt_delivery(pk, now=now) is not None)


def replay_delivery(delivery_id: int, *, acting_user: Any) -> Delivery:
    """Put a dead (or delivered) delivery back in the queue with a fresh attempt budget; the idempotency
    key stays the same, so a partner that already processed it ignores the copy. Audits DELIVERY_REPLAYED."""
    with transaction.atomic():
        d = (Delivery.objects.for_user(acting_user, "act").select_for_update().filter(pk=delivery_id).first()
             if acting_user is not None else Delivery.objects.select_for_update().filter(pk=delivery_id).first())
        if d is None or not _may_administer(acting_user, d.event.division_code):
            raise NotFound(_("未找到该记录"), code="not_found")
        if d.status == DeliveryStatus.PENDING:
            raise DomainError(_("该投递尚在队列中，无需重放"), code="already_pending")
        previous = d.status
        d.status, d.attempts, d.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
        d.replays += 1
        d.save(update_fields=["status", "attempts", "next_attempt_at", "replays"])
        audit.record(EventType.DELIVERY_REPLAYED, actor=acting_user, subject=d,
                     data={"previous_status": previous, "subscription": d.subscription_id, "event": d.event_id})

    def send() -> None:
        from medreg.exchange.tasks import deliver_one

        deliver_one.enqueue(d.pk)

    transaction.on_commit(send)
    return d


def replay_dead_letters(*, acting_user: Any, subscription_id: int | None = None) -> int:
    """Replay every dead letter the user may act on (optionally of one subscription), all or none in one
    transaction; each replay is audited DELIVERY_REPLAYED by :func:`replay_delivery`."""
    qs = Delivery.objects.filter(status=DeliveryStatus.DEAD)
    if acting_user is not None:
        qs = qs.for_user(acting_user, "act")
    if subscription_id is not None:
        qs = qs.filter(subscription_id=subscription_id)
    count = 0
    with transaction.atomic():
        for pk in list(qs.order_by("pk").values_list("pk", flat=True)):
            replay_delivery(pk, acting_user=acting_user)
            count += 1
    return count
