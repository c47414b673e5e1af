"""The outbox: written with the registry change, signed deliveries to a real local HTTP receiver that is
down and then recovers, dead letters and replay, idempotency, and no personal data in payloads."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core.errors import DomainError, NotFound, PermissionDenied
from medreg.exchange import services
from medreg.exchange.choices import DeliveryStatus, PartnerKind, Topic
from medreg.exchange.models import Delivery, OutboxEvent
from medreg.exchange.outbox import topic_for
from medreg.exchange.tests.conftest import approve_first_registration
from medreg.exchange.tests.receiver import Receiver


def _subscribe(url: str, **kw):
    kw.setdefault("division_prefix", "53")
    return services.create_subscription(name="信用平台", kind=kw.pop("kind", PartnerKind.CREDIT), url=url,
                                        acting_user=None, **kw)


def test_mapping_table_publishes_registry_changes_and_skips_internal_events():
    assert topic_for(201, "registration.created", "people.practiceregistration") == Topic.REGISTRATION
    assert topic_for(231, "registration.voided", "people.practiceregistration") == Topic.REGISTRATION
    assert topic_for(265, "nurse.registration_cancelled", "people.practiceregistration") == Topic.REGISTRATION
    assert topic_for(285, "records.penalty_recorded", "people.penalty") == Topic.PENALTY
    assert topic_for(401, "licence.revoked", "licences.elicence") == Topic.LICENCE
    assert topic_for(610, "institution.cancelled", "institutions.institution") == Topic.INSTITUTION
    # internal or not a registry change
    assert topic_for(410, "licence.signing_key_created", "licences.signingkey") is None
    assert topic_for(406, "licence.checked", "licences.elicence") is None
    assert topic_for(612, "institution.registration_checked", "institutions.institution") is None
    assert topic_for(267, "nurse.auto_renew_run", "core.job") is None
    assert topic_for(309, "application.approved", "applications.application") is None
    assert topic_for(650, "supervision.inspection_sent", "institutions.institution") is None
    assert topic_for(294, "institution.roster_exported", "institutions.institution") is None
    assert topic_for(352, "registration.cancellation_proposed", "people.practiceregistration") is None
    assert topic_for(350, "registration.cancelled", "people.practiceregistration") == Topic.REGISTRATION
    assert topic_for(284, "registration.suspended", "people.practiceregistration") == Topic.REGISTRATION
    assert topic_for(283, "records.penalty_recorded", "people.penalty") == Topic.PENALTY
    assert topic_for(355, "person.info_updated", "people.person") == Topic.PERSON


def test_approval_writes_outbox_rows_in_the_same_transaction_without_personal_data(world, physician):
    registration = approve_first_registration(world, physician)
    events = list(OutboxEvent.objects.order_by("pk"))
    types = {e.event_type for e in events}
    assert "registration.created" in types and "licence.issued" in types
    reg_event = next(e for e in events if e.event_type == "registration.created")
    assert reg_event.division_code == registration.authority_division_code
    assert world.hospital.pk in reg_event.institution_ids
    assert reg_event.payload["registration"]["certificate_no"] == registration.certificate_no
    person = registration.person
    raw = json.dumps([e.payload for e in events], ensure_ascii=False)
    assert person.id_number not in raw
    assert person.birth_date not in raw and person.birth_date.replace("-", "") not in raw
    assert "13800138000" not in raw


def test_rolled_back_change_leaves_no_outbox_row(world):
    before = OutboxEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(EventType.INSTITUTION_CHANGED, actor=None, subject=world.hospital)
        assert OutboxEvent.objects.count() == before + 1
        raise RuntimeError("the service fails after auditing")
    assert OutboxEvent.objects.count() == before


def test_denied_approval_leaves_no_outbox_row(world, physician):
    from medreg.applications import services as apps
    from medreg.demo.world import drive
    from medreg.exchange.tests.conftest import _png
    from medreg.people import services as people

    # an application reviewed in 昆明 cannot be approved by 贵州's approver

    aff = people.request_activation(acting_user=physician, institution_id=world.hospital.pk)
    people.send_activation_code(aff.pk, acting_user=world.hospital_admin)
    code = physician.notifications.filter(title__contains="激活码").first().body.split("：")[1][:6]
    people.activate_with_code(acting_user=physician, institution_id=world.hospital.pk, code=code)
    qual = physician.person.qualifications.first()
    app = apps.create_application("PHY-REG-FIRST", acting_user=physician, data={
        "qualification": qual.pk, "main_institution": world.hospital.pk, "scope_codes": ["11"],
        "education": "本科", "school": "昆明医科大学", "declaration": True})
    apps.add_attachment(app.pk, acting_user=physician, kind="photo", filename="p.png", content=_png())
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf",
                        content=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    drive(world, physician, app.pk, "reviewed")
    before = OutboxEvent.objects.count()
    with pytest.raises((NotFound, PermissionDenied, DomainError)):
        apps.approve_application(app.pk, acting_user=world.other_province.users[Role.APPROVER])
    assert OutboxEvent.objects.count() == before


def test_partner_down_then_up_gets_every_event_signed_once(world, physician, django_capture_on_commit_callbacks):
    with Receiver() as rx:
        sub, secret = _subscribe(rx.url, topics=[Topic.REGISTRATION, Topic.LICENCE])
        rx.secret = secret
        rx.up = False
        # when a registration is approved while the partner is down
        with django_capture_on_commit_callbacks(execute=True):
            approve_first_registration(world, physician)
        deliveries = list(Delivery.objects.filter(subscription=sub))
        assert deliveries and all(d.status == DeliveryStatus.PENDING for d in deliveries)
        assert all(d.attempts == 1 and d.last_status_code == 503 for d in deliveries)
        assert rx.processed == []
        # hours pass with the partner still down: retried with growing waits, nothing lost
        now = timezone.now()
        for hours in (1, 2, 3):
            services.deliver_due(now=now + timedelta(hours=hours))
        d = Delivery.objects.filter(subscription=sub).first()
        assert d.status == DeliveryStatus.PENDING and d.attempts == 4
        assert d.next_attempt_at > now + timedelta(hours=3)
        # then the partner recovers and the periodic job delivers everything
        rx.up = True
        services.deliver_due(now=now + timedelta(days=1))
        assert set(Delivery.objects.filter(subscription=sub).values_list("status", flat=True)) == {"delivered"}
        assert rx.bad_signatures == 0
        assert len(rx.processed) == len(deliveries)
        docs = [p["doc"] for p in rx.processed]
        assert {"registration.created", "licence.issued"} <= {doc["type"] for doc in docs}
        assert all(doc["jurisdiction"].startswith("53") for doc in docs)
        # a replay sends the same idempotency key again: the partner ignores the duplicate
        with django_capture_on_commit_callbacks(execute=True):
            services.replay_delivery(deliveries[0].pk, acting_user=None)
        assert len(rx.received) > len(rx.processed)
        assert len(rx.processed) == len(deliveries)
        keys = [r["headers"][services.signing.IDEMPOTENCY_HEADER.lower()] for r in rx.received]
        assert keys.count(str(deliveries[0].idempotency_key)) >= 2


def test_signature_is_verifiable_and_tampering_fails(world, physician, django_capture_on_commit_callbacks):
    with Receiver() as rx:
        _sub, secret = _subscribe(rx.url)
        rx.secret = "not-the-secret"
        with django_capture_on_commit_callbacks(execute=True):
            approve_first_registration(world, physician)
        assert rx.bad_signatures > 0 and rx.processed == []
        item = rx.received[0]
        h = item["headers"]
        from medreg.exchange import signing

        ts, sig = h[signing.TIMESTAMP_HEADER.lower()], h[signing.SIGNATURE_HEADER.lower()]
        assert signing.verify(secret, ts, item["body"], sig)
        assert not signing.verify(secret, ts, item["body"] + b" ", sig)
        assert not signing.verify(secret, ts, item["body"], sig, now=int(ts) + 3600)


def test_exhausted_deliveries_become_dead_letters_and_can_be_replayed(
        world, physician, settings, django_capture_on_commit_callbacks):
    settings.MEDREG = {**settings.MEDREG, "EXCHANGE_DELIVERY_MAX_ATTEMPTS": 2}
    with Receiver() as rx:
        sub, secret = _subscribe(rx.url, topics=[Topic.REGISTRATION])
        rx.secret, rx.up = secret, False
        with django_capture_on_commit_callbacks(execute=True):
            approve_first_registration(world, physician)
        services.deliver_due(now=timezone.now() + timedelta(hours=1))
        dead = list(Delivery.objects.filter(subscription=sub))
        assert dead and all(d.status == DeliveryStatus.DEAD for d in dead)
        assert services.deliver_due(now=timezone.now() + timedelta(days=2)) == 0  # dead letters wait
        assert audit_count(EventType.DELIVERY_DEAD_LETTERED) == len(dead)
        rx.up = True
        with django_capture_on_commit_callbacks(execute=True):
            assert services.replay_dead_letters(acting_user=None) == len(dead)
        assert set(Delivery.objects.filter(subscription=sub).values_list("status", flat=True)) == {"delivered"}
        assert len(rx.processed) == len(dead)
        assert audit_count(EventType.DELIVERY_REPLAYED) == len(dead)


def audit_count(event_type) -> int:
    from medreg.audit.models import AuditEvent

    return AuditEvent.objects.filter(event_type=event_type).count()


def test_unreachable_partner_is_retried_not_lost(world, physician, django_capture_on_commit_callbacks):
    sub, _secret = _subscribe("http://127.0.0.1:9/nothing-listens-here", topics=[Topic.REGISTRATION])
    with django_capture_on_commit_callbacks(execute=True):
        approve_first_registration(world, physician)
    d = Delivery.objects.filter(subscription=sub).first()
    assert d.status == DeliveryStatus.PENDING and d.attempts == 1 and d.last_status_code is None
    assert d.last_error


def test_employer_subscription_gets_only_its_own_staff(world, physician, django_capture_on_commit_callbacks):
    own, _ = services.create_subscription(name="本院", kind=PartnerKind.EMPLOYER, url="http://127.0.0.1:9/a",
                                          institution=world.hospital, acting_user=None)
    other, _ = services.create_subscription(name="他院", kind=PartnerKind.EMPLOYER, url="http://127.0.0.1:9/b",
                                            institution=world.other_hospital, acting_user=None)
    approve_first_registration(world, physician)
    assert Delivery.objects.filter(subscription=own).exists()
    assert not Delivery.objects.filter(subscription=other).exists()


def test_subscription_input_errors_are_reported_together(world):
    with pytest.raises(DomainError) as exc:
        services.create_subscription(name="", kind=PartnerKind.EMPLOYER, url="ftp://x", topics=["bogus"],
                                     acting_user=None)
    fields = {e.field for e in exc.value.errors}
    assert {"url", "name", "topics", "institution"} <= fields


def test_only_administrators_of_the_jurisdiction_may_subscribe(world):
    gz_admin = world.other_province.users[Role.AUTHORITY_ADMIN]
    yn_admin = world.province.users[Role.AUTHORITY_ADMIN]
    clerk = world.province.users[Role.CLERK]
    from medreg.audit.models import AuditEvent

    before = AuditEvent.objects.filter(event_type=EventType.SUBSCRIPTION_CREATED).count()
    for user in (gz_admin, clerk, world.hospital_admin):
        with pytest.raises(PermissionDenied):
            services.create_subscription(name="x", kind=PartnerKind.CREDIT, url="http://127.0.0.1:9/",
                                         division_prefix="53", acting_user=user)
    assert AuditEvent.objects.filter(event_type=EventType.SUBSCRIPTION_CREATED).count() == before
    sub, _ = services.create_subscription(name="x", kind=PartnerKind.CREDIT, url="http://127.0.0.1:9/",
                                          division_prefix="5301", acting_user=yn_admin)
    assert sub.division_prefix == "5301"
