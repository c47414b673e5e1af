"""Status list caching, the online status endpoint, logged 查验 and the dynamic QR."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.errors import DomainError, PermissionDenied
from medreg.licences import cose, services, status_list
from medreg.licences.models import LicenceCheck, StatusListSnapshot

pytestmark = pytest.mark.django_db


def test_status_list_etag_and_regeneration(client, registration):
    lic = registration.licences.get()
    url = f"/sl/{lic.authority_id}"
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"] and "max-age=60" in first["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # a status change marks the list dirty in the same transaction; the next request regenerates
    services.revoke_licence(lic.pk, acting_user=None, reason="注销")
    assert StatusListSnapshot.objects.get(authority_id=lic.authority_id).dirty
    second = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200 and second["ETag"] != first["ETag"]
    token = cose.verify_cwt(second.content, services._resolve_key, now=timezone.now(), max_size=1 << 22)
    assert status_list.read_status(token.claims[status_list.STATUS_LIST_CLAIM]["lst"], lic.status_index) == 1


def test_a_rolled_back_change_leaves_the_list_clean(client, registration):
    lic = registration.licences.get()
    client.get(f"/sl/{lic.authority_id}")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.revoke_licence(lic.pk, acting_user=None, reason="x")
        raise RuntimeError
    assert not StatusListSnapshot.objects.get(authority_id=lic.authority_id).dirty


def test_suspended_slot_reads_2_and_snapshot_refreshes_after_a_minute(registration):
    lic = registration.licences.get()
    snap = status_list.current(lic.authority)
    registration.status = "suspended"
    registration.save()
    services.sync_registration_licence(registration, acting_user=None)
    snap2 = status_list.current(lic.authority)
    token = cose.verify_cwt(bytes(snap2.body), services._resolve_key, now=timezone.now(), max_size=1 << 22)
    assert status_list.read_status(token.claims[status_list.STATUS_LIST_CLAIM]["lst"], lic.status_index) == 2
    assert snap2.etag != snap.etag
    # unchanged and fresh: the same bytes; older than a minute: regenerated
    assert status_list.current(lic.authority).etag == snap2.etag
    StatusListSnapshot.objects.filter(pk=snap2.pk).update(generated_at=timezone.now() - timedelta(seconds=61))
    assert status_list.current(lic.authority).generated_at > snap2.generated_at


def test_online_status_endpoint(client, registration):
    lic = registration.licences.get()
    r = client.get(f"/api/v1/licence-status/{lic.identifier}")
    body = r.json()
    assert r.status_code == 200 and body["status"] == "valid" and body["outcome"] == "valid"
    assert body["licence"]["holder_name"] == lic.holder_name
    assert "id_number" not in str(body) and "birth" not in str(body)
    services.revoke_licence(lic.pk, acting_user=None, reason="注销")
    assert client.get(f"/api/v1/licence-status/{lic.identifier}").json()["outcome"] == "revoked"
    bad = client.get("/api/v1/licence-status/1.2.156.3005.2.X")
    assert bad.status_code == 400 and bad.json()["code"] == "elicence_format"
    unknown = lic.identifier.rsplit(".", 2)[0] + ".009."
    from medreg.core.identifiers import iso7064_mod37_36

    parts = unknown.split(".")
    check = iso7064_mod37_36("".join(parts[5:8]) + "009")
    assert client.get(f"/api/v1/licence-status/{unknown}{check}").status_code == 404


def test_verify_api_returns_outcome_for_expired_code(client, registration):
    lic = registration.licences.get()
    r = client.post("/api/v1/verify", {"qr": lic.qr_payload}, content_type="application/json")
    assert r.status_code == 200 and r.json()["valid"] is True


def test_verification_corrects_a_stored_status_that_is_behind_its_registration_or_end_date(registration):
    from medreg.people.models import PracticeRegistration

    lic = registration.licences.get()
    regs = PracticeRegistration.objects.filter(pk=registration.pk)
    first = services.verify_qr(lic.qr_payload)
    assert (first.status, first.issuer, first.licence_id) == ("valid", lic.authority.name, lic.pk)
    assert services.licence_status(lic.identifier).kid == lic.signing_key.kid
    regs.update(status="suspended")  # the registration changed; the licence row was not synchronised yet
    assert services.verify_qr(lic.qr_payload).status == "suspended"
    assert services.licence_status(lic.identifier).status == "suspended"
    regs.update(status="cancelled")
    assert services.verify_qr(lic.qr_payload).outcome == "revoked"
    regs.update(status="active")
    type(lic).objects.filter(pk=lic.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert services.licence_status(lic.identifier).outcome == "expired"


# -- logged 查验 --------------------------------------------------------------------------------------
def test_logged_check_records_reason_for_authority_and_institution_users(world, registration):
    lic = registration.licences.get()
    other_commission = world.other_province.users[Role.SUPERVISION]
    result = services.check_licence(acting_user=other_commission, reason="互联网医院备案核验", qr=lic.qr_payload,
                                    item_code="HOSP-ONLINE")
    assert result.valid
    row = LicenceCheck.objects.get()
    assert (row.checked_by, row.licence_id, row.reason, row.result) == (other_commission, lic.pk, "互联网医院备案核验",
                                                                       "valid")
    services.check_licence(acting_user=world.other_admin, reason="聘用核验", identifier=lic.identifier)
    assert LicenceCheck.objects.count() == 2
    assert AuditEvent.objects.filter(event_type=EventType.LICENCE_CHECKED).count() == 2


def test_logged_check_needs_a_reason_and_a_verifier_role(world, registration, physician):
    lic = registration.licences.get()
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as info:
        services.check_licence(acting_user=world.hospital_admin, reason="", qr="")
    assert {e.code for e in info.value.errors} == {"reason_required", "subject_required"}
    with pytest.raises(PermissionDenied):
        services.check_licence(acting_user=physician, reason="看看", qr=lic.qr_payload)
    assert AuditEvent.objects.count() == before and not LicenceCheck.objects.exists()


def test_check_view(client, world, registration, physician):
    lic = registration.licences.get()
    r = client.get("/portal/licence-check/")
    assert r.status_code == 302 and "login" in r["Location"]
    client.force_login(physician)
    r = client.post("/portal/licence-check/", {"reason": "看看", "qr": lic.qr_payload})
    assert r.status_code == 200 and not LicenceCheck.objects.exists()
    client.force_login(world.hospital_admin)
    r = client.post("/portal/licence-check/", {"reason": "聘用核验", "identifier": lic.identifier})
    assert r.status_code == 200 and "check-result" in r.content.decode()
    r = client.post("/portal/licence-check/", {"reason": "聘用核验", "qr": lic.qr_payload},
                    content_type="application/json")
    assert r.json()["status"] == "valid"
    assert LicenceCheck.objects.count() == 2


# -- dynamic QR ---------------------------------------------------------------------------------------
def test_dynamic_qr_is_short_lived_and_verifiable(registration):
    lic = registration.licences.get()
    text, exp = services.dynamic_qr(lic)
    assert exp <= timezone.now() + timedelta(seconds=31)
    assert services.verify_qr(text).valid
    assert cose.qr_info(text).version <= 14
    with pytest.raises(cose.QRVerificationError) as info:
        services.verify_qr(text, now=timezone.now() + timedelta(seconds=31))
    assert info.value.code == "qr_expired"
    # two codes differ (random cti), so a screenshot cannot be told apart from a replay only by content
    assert services.dynamic_qr(lic)[0] != text
    services.revoke_licence(lic.pk, acting_user=None, reason="注销")
    assert services.verify_qr(services.dynamic_qr(lic)[0]).outcome == "revoked"


def test_logged_check_api(client, world, registration, physician):
    lic = registration.licences.get()
    body = {"reason": "互联网医院备案核验", "qr": lic.qr_payload, "item_code": "NET-HOSP"}
    assert client.post("/api/v1/licence-checks", body, content_type="application/json").status_code == 401
    client.force_login(physician)
    before = AuditEvent.objects.count()
    r = client.post("/api/v1/licence-checks", body, content_type="application/json")
    assert r.status_code == 403 and AuditEvent.objects.count() == before
    client.force_login(world.other_province.users[Role.SUPERVISION])
    r = client.post("/api/v1/licence-checks", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["outcome"] == "valid"
    r = client.post("/api/v1/licence-checks", {"reason": "", "identifier": ""}, content_type="application/json")
    assert r.status_code == 400
    assert LicenceCheck.objects.get().reason == "互联网医院备案核验"
