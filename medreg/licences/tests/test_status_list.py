"""The status list a verifier caches says valid, then revoked, for the same QR slot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.applications.tests.test_first_registration_flow import activate, draft
from medreg.demo.world import drive
from medreg.licences import cose, services
from medreg.licences.status_list import STATUS_LIST_CLAIM, read_status


def approved_licence(world, physician):
    activate(world, physician)
    app = drive(world, physician, draft(world, physician).pk, "approved")
    return app.result_registration.licences.get()


def fetch_slot(client, lic):
    token = cose.decode_qr_payload(lic.qr_payload)
    claims = cose.verify_cwt(token, services._resolve_key, now=timezone.now()).claims
    status = claims[cose.STATUS]["status_list"]
    assert status["uri"].endswith(f"/sl/{lic.authority_id}")
    resp = client.get(f"/sl/{lic.authority_id}")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/statuslist+cwt"
    verified = cose.verify_cwt(resp.content, services._resolve_key, now=timezone.now() + timedelta(seconds=1),
                               max_size=1 << 22)
    return read_status(verified.claims[STATUS_LIST_CLAIM]["lst"], status["idx"])


def test_status_list_tracks_revocation(client, world, physician):
    lic = approved_licence(world, physician)
    assert fetch_slot(client, lic) == 0
    services.revoke_licence(lic.pk, acting_user=world.city.users[Role.APPROVER], reason="注销注册")
    assert fetch_slot(client, lic) == 1
    assert services.verify_qr(lic.qr_payload).valid is False


def test_trust_list_publishes_the_signing_key(client, world, physician):
    lic = approved_licence(world, physician)
    body = client.get("/api/v1/trust-list").json()
    assert lic.signing_key.kid in [k["kid"] for k in body["keys"]]
    assert all("PRIVATE" not in k["spki_pem"] for k in body["keys"])


def test_a_licence_signed_by_another_trusted_key_is_not_vouched_for(world, physician):
    lic = approved_licence(world, physician)
    other = services.ensure_signing_key(world.other_province.authority, acting_user=None)
    claims = cose.verify_cwt(cose.decode_qr_payload(lic.qr_payload), services._resolve_key,
                             now=timezone.now()).claims
    private = cose.load_private_key(other.private_key_pem.encode(), services._key_password())
    forged = cose.encode_qr_payload(cose.sign_cwt(claims, private, bytes.fromhex(other.kid)))
    # the iss names the city commission, the key belongs to another province: refused outright
    with pytest.raises(cose.QRVerificationError) as info:
        services.verify_qr(forged)
    assert info.value.code == "qr_structure"
    # with the other province's iss, the implied identifier's check character no longer matches
    claims[cose.ISS] = services.issuer_code(world.other_province.authority)
    forged = cose.encode_qr_payload(cose.sign_cwt(claims, private, bytes.fromhex(other.kid)))
    with pytest.raises(cose.QRVerificationError) as info:
        services.verify_qr(forged)
    assert info.value.code == "qr_structure"
