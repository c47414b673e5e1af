"""The outbox, fed centrally by :func:`medreg.audit.services.record`.

Every audited change runs through :func:`capture` inside the caller's transaction. Two tables decide
what happens:

* :data:`EVENT_RULES` says which audit events partners care about (by number range, label and subject
  model) and under which topic they are published: those write an :class:`OutboxEvent` with a snapshot of
  the subject's public-safe fields, and one pending :class:`Delivery` per matching subscription;
* :data:`FHIR_SUBJECTS` says which FHIR resources an audited subject is rendered as: each change appends
  a :class:`ResourceVersion`, the log behind mCSD ``_history`` (ITI-91).

Payloads never carry ID numbers, birth dates, phones or 资格证书编码: the snapshot functions below list
the fields they copy, and nothing else is copied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from medreg.exchange.choices import DeliveryStatus, Topic
from medreg.exchange.models import Delivery, OutboxEvent, ResourceVersion, Subscription


@dataclass(frozen=True)
class Rule:
    """Matches an audit event; ``topic=None`` means "never publish" (checked first)."""

    topic: str | None
    numbers: tuple[int, int] = (0, 10_000)  # inclusive range of audit event numbers
    label_prefix: str = ""
    label_contains: str = ""
    subjects: tuple[str, ...] = ()  # model labels (lower case); empty = any

    def matches(self, number: int, label: str, subject_type: str) -> bool:
        lo, hi = self.numbers
        return (
            lo <= number <= hi
            and label.startswith(self.label_prefix)
            and self.label_contains in label
            and (not self.subjects or subject_type in self.subjects)
        )


REGISTRATION_SUBJECTS = ("people.practiceregistration", "people.practicesite")
# First match wins. Ranges: registry 200-299 (physician items 230-259, nurse 260-279, records 280-299),
# lifecycle 350-379, licences 400-499, institutions 600-649. Supervision (650-699), applications,
# accounts and personal-data events are internal and never published.
EVENT_RULES: tuple[Rule, ...] = (
    Rule(None, label_contains="signing_key"),
    Rule(None, label_contains="checked"),  # a verification query is not a change
    Rule(None, label_contains="_run"),  # job summaries
    Rule(None, label_contains="exported"),  # archive / roster downloads are reads
    Rule(None, label_contains="propos"),  # a cancellation proposal is not yet a change
    Rule(None, label_prefix="qualification."),
    Rule(None, label_contains="qualification_imported"),
    Rule(None, numbers=(200, 200)),  # person.created: an account, not yet a registry entry
    Rule(None, numbers=(222, 222)),  # legacy import batch
    Rule(Topic.REGISTRATION, numbers=(200, 379), subjects=REGISTRATION_SUBJECTS),
    Rule(Topic.PENALTY, numbers=(200, 379), subjects=("people.penalty",)),
    Rule(Topic.PENALTY, numbers=(280, 299), label_contains="penalt"),
    Rule(Topic.PERSON, numbers=(350, 379), subjects=("people.person",)),
    Rule(Topic.LICENCE, numbers=(400, 499), subjects=("licences.elicence",)),
    Rule(Topic.LICENCE, numbers=(400, 499), label_prefix="licence."),
    Rule(Topic.INSTITUTION, numbers=(200, 299), subjects=("institutions.institution",)),
    Rule(Topic.INSTITUTION, numbers=(600, 649), label_prefix="institution."),
    Rule(Topic.INSTITUTION, numbers=(600, 649), subjects=("institutions.institution",)),
)


def topic_for(number: int, label: str, subject_type: str) -> str | None:
    """The topic an audit event is published under, or None when partners do not get it."""
    for rule in EVENT_RULES:
        if rule.matches(number, label, subject_type):
            return rule.topic
    return None


# -- snapshots: the public-safe fields, listed one by one ----------------------------------------------
def _d(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _person(p: Any) -> dict[str, Any]:
    return {"id": p.pk, "name": p.name, "gender": p.gender}


def _institution(i: Any) -> dict[str, Any]:
    return {
        "id": i.pk, "name": i.name, "uscc": i.uscc, "registration_no": i.registration_no,
        "category_code": i.category_code, "division_code": i.division_code, "status": i.status,
        "address": i.address, "licence_valid_from": _d(i.licence_valid_from),
        "licence_valid_until": _d(i.licence_valid_until),
        "subjects": sorted(i.subjects.values_list("code", flat=True)),
    }


def _registration(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk, "profession": r.profession, "level_code": r.level_code, "category_code": r.category_code,
        "scope_codes": list(r.scope_codes or []), "certificate_no": r.certificate_no, "status": r.status,
        "registered_on": _d(r.registered_on), "valid_until": _d(r.valid_until),
        "practice_division_code": r.practice_division_id, "authority_division_code": r.authority_division_code,
        "main_institution": {"id": r.main_institution_id, "name": r.main_institution.name,
                             "uscc": r.main_institution.uscc},
        "sites": [_site(s) for s in _sites(r)],
    }


def _sites(r: Any) -> list[Any]:
    sites = getattr(r, "sites", None)
    return list(sites.select_related("institution").order_by("pk")) if sites is not None else []


def _site(s: Any) -> dict[str, Any]:
    return {"id": s.pk, "kind": s.kind, "status": s.status, "institution": {"id": s.institution_id,
            "name": s.institution.name}, "start_on": _d(s.start_on), "end_on": _d(s.end_on)}


@dataclass
class Snapshot:
    payload: dict[str, Any]
    division_code: str
    institution_ids: list[int]


def _snap_registration(r: Any) -> Snapshot:
    sites = _registration(r)["sites"]
    inst = {r.main_institution_id} | {s["institution"]["id"] for s in sites if s["status"] == "active"}
    return Snapshot({"person": _person(r.person), "registration": _registration(r)}, r.authority_division_code,
                    sorted(inst))


def _snap_site(s: Any) -> Snapshot:
    snap = _snap_registration(s.registration)
    snap.payload["site"] = _site(s)
    snap.institution_ids = sorted(set(snap.institution_ids) | {s.institution_id})
    return snap


def _person_institutions(p: Any) -> tuple[str, list[int]]:
    regs = list(p.registrations.order_by("-registered_on", "-pk").values_list("authority_division_code",
                                                                                 "main_institution_id"))
    return (regs[0][0] if regs else ""), sorted({i for _d_, i in regs})


def _snap_person(p: Any) -> Snapshot:
    division, inst = _person_institutions(p)
    return Snapshot({"person": _person(p)}, division, inst)


def _snap_penalty(pen: Any) -> Snapshot:
    division, inst = _person_institutions(pen.person)
    payload = {"person": _person(pen.person), "penalty": {
        "id": pen.pk, "profession": pen.profession, "kind": pen.kind, "start_on": _d(pen.start_on),
        "end_on": _d(pen.end_on), "decision_no": pen.decision_no,
        "registrations": list(pen.registrations or []),
    }}
    return Snapshot(payload, pen.authority_division_code or division, inst)


def _snap_licence(lic: Any) -> Snapshot:
    payload: dict[str, Any] = {"licence": {
        "id": lic.pk, "kind": lic.kind, "identifier": lic.identifier, "serial": lic.serial,
        "version": lic.version, "status": lic.status, "licence_no": lic.licence_no,
        "holder_name": lic.holder_name, "issued_at": _d(lic.issued_at), "expires_at": _d(lic.expires_at),
        "registration_id": lic.registration_id, "institution_id": lic.institution_id,
    }}
    inst: set[int] = set()
    if lic.institution_id:
        inst.add(lic.institution_id)
    if lic.registration_id:
        inst.add(lic.registration.main_institution_id)
    if lic.person_id:
        payload["person"] = _person(lic.person)
    return Snapshot(payload, lic.authority_division_code, sorted(inst))


def _snap_institution(i: Any) -> Snapshot:
    return Snapshot({"institution": _institution(i)}, i.division_code, [i.pk])


SNAPSHOTS: dict[str, Callable[[Any], Snapshot]] = {
    "people.practiceregistration": _snap_registration,
    "people.practicesite": _snap_site,
    "people.person": _snap_person,
    "people.penalty": _snap_penalty,
    "licences.elicence": _snap_licence,
    "institutions.institution": _snap_institution,
}


# -- FHIR resources an audited subject is rendered as ------------------------------------------------
def _res_registration(r: Any) -> list[tuple[str, str]]:
    out = [("Practitioner", str(r.person_id)), ("PractitionerRole", f"r{r.pk}")]
    out += [("PractitionerRole", f"s{s.pk}") for s in _sites(r) if s.kind == "filed"]
    return out


def _res_site(s: Any) -> list[tuple[str, str]]:
    return _res_registration(s.registration)


def _res_institution(i: Any) -> list[tuple[str, str]]:
    codes = set(i.subjects.values_list("code", flat=True))
    known = ResourceVersion.objects.filter(resource_type="HealthcareService",
                                           resource_id__startswith=f"i{i.pk}-").values_list("resource_id", flat=True)
    services = {f"i{i.pk}-{c}" for c in codes} | set(known)
    return [("Organization", f"i{i.pk}"), ("Location", f"i{i.pk}")] + [
        ("HealthcareService", s) for s in sorted(services)]


def _res_licence(lic: Any) -> list[tuple[str, str]]:
    out = []
    if lic.person_id:
        out.append(("Practitioner", str(lic.person_id)))
    if lic.institution_id:
        out.append(("Organization", f"i{lic.institution_id}"))
    return out


FHIR_SUBJECTS: dict[str, Callable[[Any], list[tuple[str, str]]]] = {
    "people.practiceregistration": _res_registration,
    "people.practicesite": _res_site,
    "people.person": lambda p: [("Practitioner", str(p.pk))],
    "people.penalty": lambda pen: [("Practitioner", str(pen.person_id))],
    "licences.elicence": _res_licence,
    "institutions.institution": _res_institution,
    "accounts.authority": lambda a: [("Organization", f"a{a.pk}")],
}
FHIR_IGNORED_LABELS = ("checked", "signing_key", "pii.", "auth.", "exported")


def _load(subject_type: str, subject_id: str) -> models.Model | None:
    try:
        model = apps.get_model(subject_type)
    except (LookupError, ValueError):
        return None
    try:
        return model._default_manager.filter(pk=subject_id).first()
    except (ValueError, TypeError):  # a subject id that is not a key of that model
        return None


def _label(event: Any) -> str:
    from medreg.audit.choices import EventType

    try:
        return str(EventType(int(event.event_type)).label)
    except ValueError:
        return ""


def capture(event: Any) -> OutboxEvent | None:
    """Feed the outbox and the FHIR version log from one audit event, in the caller's transaction.

    Returns the outbox row when partners care about the event, else None. Pending deliveries are created
    here too (so nothing is lost if the process dies) and sent after commit.
    """
    subject_type = event.subject_type
    if subject_type not in SNAPSHOTS and subject_type not in FHIR_SUBJECTS:
        return None
    number, label = int(event.event_type), _label(event)
    topic = topic_for(number, label, subject_type) if subject_type in SNAPSHOTS else None
    log_fhir = subject_type in FHIR_SUBJECTS and not any(x in label for x in FHIR_IGNORED_LABELS)
    if topic is None and not log_fhir:
        return None
    subject = _load(subject_type, event.subject_id)
    if subject is None:
        return None
    snap = SNAPSHOTS[subject_type](subject) if subject_type in SNAPSHOTS else None
    if log_fhir:
        division = snap.division_code if snap else getattr(subject, "division_code", "") or ""
        ResourceVersion.objects.bulk_create([
            ResourceVersion(resource_type=rt, resource_id=rid, division_code=division, occurred_at=event.occurred_at)
            for rt, rid in dict.fromkeys(FHIR_SUBJECTS[subject_type](subject))
        ])
    if topic is None or snap is None:
        return None
    outbox = OutboxEvent.objects.create(
        audit_seq=event.seq, audit_type=number, event_type=label, topic=topic, subject_type=subject_type,
        subject_id=str(event.subject_id), division_code=snap.division_code, institution_ids=snap.institution_ids,
        payload=snap.payload, occurred_at=event.occurred_at,
    )
    _fan_out(outbox)
    return outbox


def _fan_out(event: OutboxEvent) -> None:
    subs = [s for s in Subscription.objects.filter(is_active=True) if s.matches(event)]
    if not subs:
        return
    now = timezone.now()
    created = Delivery.objects.bulk_create([
        Delivery(subscription=s, event=event, status=DeliveryStatus.PENDING, next_attempt_at=now) for s in subs
    ])
    ids = [d.pk for d in created if d.pk is not None] or list(
        Delivery.objects.filter(event=event).values_list("pk", flat=True))

    def send() -> None:
        from medreg.exchange.tasks import deliver_one

        for pk in ids:
            deliver_one.enqueue(pk)

    transaction.on_commit(send)
