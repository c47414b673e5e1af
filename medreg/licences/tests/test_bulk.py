"""Bulk issuance: every eligible registration once, idempotent, resumable, consistent with sync."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.licences import bulk, services
from medreg.licences.models import ELicence


def import_practitioners(world, n: int, seed: int = 3):
    from medreg.demo.builder import IdFactory, _sites, practitioner_records
    from medreg.people.imports import import_legacy_practitioners

    rng = random.Random(seed)
    records = list(practitioner_records(rng, _sites([world.hospital]), physicians=n - n // 3, nurses=n // 3,
                                        factory=IdFactory(random.Random(seed))))
    result = import_legacy_practitioners(records, acting_user=None, batch_size=50)
    assert not result.rejected, result.rejected
    return result


@pytest.mark.django_db
def test_bulk_issue_is_idempotent_resumable_and_matches_sync(world, capsys):
    import_practitioners(world, 30)
    eligible = bulk.eligible_registrations().count()
    assert eligible == 30 and not ELicence.objects.exists()
    # a "killed" first run: only part of the work
    first = bulk.issue_all(workers=1, chunk_size=7, limit=10)
    assert first.issued == 10 and bulk.eligible_registrations().count() == 20
    # the rerun finishes without duplicates or gaps
    call_command("licences", "issue", "--workers", "1", "--chunk", "7", "--no-progress")
    assert "issued 20" in capsys.readouterr().out
    assert ELicence.objects.count() == 30 and bulk.eligible_registrations().count() == 0
    assert ELicence.objects.values("registration").distinct().count() == 30
    # nothing left: a third run does nothing
    assert bulk.issue_all(workers=1).issued == 0
    # audit: one event per chunk
    assert AuditEvent.objects.filter(event_type=EventType.LICENCE_BULK_ISSUED).count() == 2 + 3
    # every bulk licence verifies, and sync sees no change (same face data)
    for lic in ELicence.objects.select_related("registration")[:10]:
        assert services.verify_qr(lic.qr_payload).valid
        assert services.sync_registration_licence(lic.registration, acting_user=None).pk == lic.pk
    # random, unique status slots; nurse licences carry their end date
    idx = list(ELicence.objects.values_list("status_index", flat=True))
    assert len(set(idx)) == 30 and max(idx) > 1000
    assert ELicence.objects.filter(kind="nurse", expires_at__isnull=False).count() == 10


@pytest.mark.django_db
def test_only_registrations_without_a_current_licence_are_eligible(world, registration):
    assert bulk.eligible_registrations().count() == 0  # it has its first licence
    services.revoke_licence(registration.licences.get().pk, acting_user=None, reason="x")
    assert bulk.eligible_registrations().count() == 1  # active registration, no current licence
    result = bulk.issue_all(workers=1)
    assert result.issued == 1
    assert list(registration.licences.order_by("version").values_list("version", "status")) == [
        (1, "revoked"), (2, "valid")]
    registration.status = "cancelled"
    registration.save()
    services.sync_registration_licence(registration, acting_user=None)
    assert bulk.eligible_registrations().count() == 0
    registration.status = "active"
    registration.valid_until = date(2020, 1, 1)
    registration.save()
    assert bulk.eligible_registrations().count() == 0  # past its end date


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_on_postgresql(tx_world):
    if connection.vendor != "postgresql":
        pytest.skip("forked workers need a shared server database (PostgreSQL)")
    import_practitioners(tx_world, 40, seed=5)
    result = bulk.issue_all(workers=2, chunk_size=5)
    assert result.issued == 40 and result.chunks == 8 and result.workers == 2
    assert ELicence.objects.count() == 40 and bulk.eligible_registrations().count() == 0
    assert ELicence.objects.values("status_index").distinct().count() == 40


def test_raw_signing_rate_is_measured():
    assert bulk.raw_signing_rate(50) > 10


@pytest.mark.django_db
def test_a_concurrent_online_issuance_is_skipped_not_duplicated(world):
    from medreg.accounts.models import Authority
    from medreg.licences import keys
    from medreg.people.models import PracticeRegistration

    import_practitioners(world, 6, seed=9)
    plan, by_authority = bulk._plan(None)
    for authority in Authority.objects.filter(pk__in=list(by_authority)):
        keys.ensure_signing_key(authority, acting_user=None)
    # between planning and inserting, an approval issues version 1 of the first registration online
    services.sync_registration_licence(PracticeRegistration.objects.get(pk=plan[0][0]), acting_user=None)
    issued, skipped = bulk.issue_chunk(plan)
    assert (issued, skipped) == (5, 1)
    assert ELicence.objects.count() == 6 and bulk.eligible_registrations().count() == 0


@pytest.mark.django_db
def test_a_registration_moved_to_another_authority_after_planning_is_left_for_the_next_run(world):
    from medreg.accounts.models import Authority
    from medreg.licences import keys
    from medreg.people.models import PracticeRegistration

    import_practitioners(world, 4, seed=11)
    plan, by_authority = bulk._plan(None)
    for authority in Authority.objects.filter(pk__in=list(by_authority)):
        keys.ensure_signing_key(authority, acting_user=None)
    moved = plan[0][0]
    other = Authority.objects.exclude(pk=plan[0][1]).exclude(uscc="").first()
    PracticeRegistration.objects.filter(pk=moved).update(authority=other, authority_division_code=other.division_code)
    issued, skipped = bulk.issue_chunk(plan)
    assert (issued, skipped) == (3, 1)
    assert not ELicence.objects.filter(registration_id=moved).exists()
    keys.ensure_signing_key(other, acting_user=None)
    assert bulk.issue_all(workers=1).issued == 1  # the next run issues it under its new authority
    lic = ELicence.objects.get(registration_id=moved)
    assert (lic.authority_id, lic.authority_division_code) == (other.pk, other.division_code)
    assert lic.signing_key.authority_id == other.pk


def test_the_cached_check_character_matches_the_standard_one():
    from medreg.core.identifiers import iso7064_mod37_36

    for prefix, rest in (("11100000000013338W01111430000006122244L", "20230000403001"),
                         ("TEST0000000000000X001115301009083016637", "110530000000001001")):
        assert bulk._mod37_36_finish(bulk._mod37_36_state(prefix), rest) == iso7064_mod37_36(prefix + rest)
    assert bulk._mod37_36_finish(bulk._mod37_36_state("11100000000013338W01111430000006122244L"),
                                 "20230000403001") == "U"
