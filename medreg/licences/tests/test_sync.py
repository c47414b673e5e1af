"""The cross-stream contract: licences follow registrations and institutions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.licences import services as licences
from medreg.licences.choices import LicenceKind, LicenceStatus
from medreg.licences.models import ELicence

pytestmark = pytest.mark.django_db


def versions(reg):
    return list(ELicence.objects.filter(registration=reg).order_by("version").values_list("version", "status"))


def test_registration_status_drives_the_licence(registration):
    # given an approved registration with its first licence
    assert versions(registration) == [(1, "valid")]
    # when it is suspended, the licence is suspended
    registration.status = "suspended"
    registration.save()
    licences.sync_registration_licence(registration, acting_user=None, reason="暂停执业")
    assert versions(registration) == [(1, "suspended")]
    assert AuditEvent.objects.filter(event_type=EventType.LICENCE_SUSPENDED).count() == 1
    # and when active again, the same version is reinstated (no new version)
    registration.status = "active"
    registration.save()
    licences.sync_registration_licence(registration, acting_user=None)
    assert versions(registration) == [(1, "valid")]
    assert AuditEvent.objects.filter(event_type=EventType.LICENCE_REINSTATED).count() == 1
    # and calling it again with nothing changed does nothing
    licences.sync_registration_licence(registration, acting_user=None)
    assert versions(registration) == [(1, "valid")]


@pytest.mark.parametrize("status", ["cancelled", "lapsed"])
def test_cancelled_or_lapsed_registration_revokes(registration, status):
    registration.status = status
    registration.save()
    lic = licences.sync_registration_licence(registration, acting_user=None, reason="注销")
    assert lic.status == LicenceStatus.REVOKED and lic.status_reason == "注销"
    assert not licences.verify_qr(lic.qr_payload).valid
    # a later active state re-issues a new version rather than reviving the revoked one
    registration.status = "active"
    registration.save()
    new = licences.sync_registration_licence(registration, acting_user=None)
    assert versions(registration) == [(1, "revoked"), (2, "valid")]
    assert new.version == 2 and licences.verify_qr(new.qr_payload).valid


def test_changed_displayed_fields_make_a_new_version(registration):
    old = registration.licences.get()
    registration.scope_codes = ["11", "12"]
    registration.save()
    new = licences.sync_registration_licence(registration, acting_user=None, reason="变更注册")
    assert versions(registration) == [(1, "superseded"), (2, "valid")]
    assert new.data["scope_codes"] == ["11", "12"] and new.identifier.split(".")[-2] == "002"
    assert new.status_index != old.status_index
    assert licences.verify_qr(old.qr_payload).status == "superseded"
    assert licences.verify_qr(new.qr_payload).valid


def test_nurse_licence_expires_with_its_registration(registration):
    # a nurse-style registration with an end date: the licence carries it as expires_at
    registration.valid_until = timezone.localdate() + timedelta(days=10)
    registration.save()
    lic = licences.sync_registration_licence(registration, acting_user=None)
    assert lic.version == 2 and lic.expires_at is not None
    # the day after valid_until it is expired, by the sync and by the periodic job
    registration.valid_until = date(2020, 1, 1)
    registration.save()
    lic = licences.sync_registration_licence(registration, acting_user=None)
    assert lic.status == LicenceStatus.EXPIRED


def test_expire_due_licences_job(registration):
    lic = registration.licences.get()
    ELicence.objects.filter(pk=lic.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert licences.expire_due_licences() == 1
    assert licences.expire_due_licences() == 0
    lic.refresh_from_db()
    assert lic.status == LicenceStatus.EXPIRED


def test_no_licence_and_not_active_does_nothing(world, registration):
    ELicence.objects.filter(registration=registration).delete()
    registration.status = "suspended"
    registration.save()
    assert licences.sync_registration_licence(registration, acting_user=None) is None
    assert not ELicence.objects.filter(registration=registration).exists()


def test_institution_licence_lifecycle(world):
    inst = world.hospital
    lic = licences.issue_for_institution(inst, acting_user=None)
    assert lic.kind == LicenceKind.INSTITUTION and lic.version == 1 and lic.holder_name == inst.name
    assert lic.data["registration_no"] == inst.registration_no
    assert all(text.startswith("变更：") for _day, text in lic.data["copy_lines"])
    assert lic.expires_at is not None
    assert licences.verify_qr(lic.qr_payload).valid
    # unchanged → same version
    assert licences.sync_institution_licence(inst, acting_user=None).pk == lic.pk
    # 停业 → suspended; active again → reinstated
    inst.status = "suspended"
    inst.save()
    assert licences.sync_institution_licence(inst, acting_user=None).status == LicenceStatus.SUSPENDED
    inst.status = "active"
    inst.save()
    assert licences.sync_institution_licence(inst, acting_user=None).status == LicenceStatus.VALID
    # address change → a new version, the old one superseded
    inst.address = "昆明市五华区新地址1号"
    inst.save()
    new = licences.sync_institution_licence(inst, acting_user=None, reason="变更地址")
    assert new.version == 2 and new.data["address"] == inst.address
    lic.refresh_from_db()
    assert lic.status == LicenceStatus.SUPERSEDED
    # cancelled → revoked
    inst.status = "cancelled"
    inst.save()
    assert licences.sync_institution_licence(inst, acting_user=None).status == LicenceStatus.REVOKED


def test_institution_licence_expires_with_its_validity(world):
    inst = world.hospital
    licences.issue_for_institution(inst, acting_user=None)
    inst.licence_valid_until = date(2020, 1, 1)
    inst.save()
    assert licences.sync_institution_licence(inst, acting_user=None).status == LicenceStatus.EXPIRED


def test_sync_rolls_back_with_the_caller(registration):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        registration.status = "cancelled"
        registration.save()
        licences.sync_registration_licence(registration, acting_user=None)
        raise RuntimeError("approval failed")
    assert registration.licences.get().status == LicenceStatus.VALID


def test_a_validation_record_goes_onto_the_copy_as_a_new_version(world):
    from medreg.institutions.models import VerificationRecord

    inst = world.hospital
    first = licences.issue_for_institution(inst, acting_user=None)
    VerificationRecord.objects.create(
        institution=inst, period_due_on=date(2026, 12, 31), outcome="deferred", deferred_months=6,
        deferred_until=date(2027, 6, 30), decided_on=date(2026, 11, 30),
    )
    new = licences.sync_institution_licence(inst, acting_user=None, reason="校验")
    assert new.version == first.version + 1
    assert ["2026-11-30", "校验：暂缓校验，暂缓至2027-06-30"] in new.data["copy_lines"]


def test_an_issuer_without_uscc_never_breaks_the_callers_change(registration):
    from medreg.accounts.models import Authority

    ELicence.objects.filter(registration=registration).delete()
    Authority.objects.filter(pk=registration.authority_id).update(uscc="")
    registration.refresh_from_db()
    assert licences.sync_registration_licence(registration, acting_user=None) is None
    assert not ELicence.objects.filter(registration=registration).exists()
