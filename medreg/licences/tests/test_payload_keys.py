"""QR payload content and size, keys per authority, rotation with overlap, the signed trust list."""

from __future__ import annotations

import zlib
from datetime import timedelta

import cbor2
import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.identifiers import validate_elicence_identifier
from medreg.licences import cose, keys, services
from medreg.licences.models import KeyPurpose, SigningKey

pytestmark = pytest.mark.django_db


def claims_of(text: str) -> dict:
    raw = cose.decode_qr_payload(text)
    return cbor2.loads(cbor2.loads(raw).value[2])


def test_physician_qr_has_code_based_claims_and_fits_version_14_at_q(registration):
    lic = registration.licences.get()
    info = cose.qr_info(lic.qr_payload)
    assert info.version <= 14 and info.error in ("Q", "H"), info
    assert len(lic.qr_payload) <= 376
    claims = claims_of(lic.qr_payload)
    assert all(isinstance(k, int) for k in claims)
    licence = claims[cose.LICENCE]
    assert all(isinstance(k, int) for k in licence)
    # identifier (compact: root, type and issuer implied), kind, holder name, key fields, issuer, iat, exp, status
    assert services.expand_identifier(licence[2], kind=cose.LicenceKindCode(licence[1]),
                                      issuer=lic.authority.uscc, licence_no=licence[4]) == lic.identifier
    assert licence[1] == 1 and licence[3] == lic.holder_name and licence[5] == "1" and licence[6] == ["11"]
    assert licence[4] == int(lic.licence_no) and licence[7] == registration.main_institution.uscc
    assert claims[1] == lic.authority.division_code and claims[4] > claims[6]
    assert claims[cose.STATUS]["status_list"]["idx"] == lic.status_index
    # never the ID number or the birth date
    person = registration.person
    flat = repr(claims)
    assert person.name in flat
    for secret in (getattr(person, "id_number", None), getattr(person, "birth_date", None)):
        if secret:
            assert str(secret) not in flat and str(secret).replace("-", "") not in flat


def test_a_long_case_still_fits_version_14(settings, registration):
    """Budget: a production base URL of 25 characters, a 4-character name and two scopes."""
    settings.PUBLIC_BASE_URL = "https://medreg.nhc.gov.cn"
    person = registration.person
    person.name = "欧阳晓明"
    person.save()
    registration.scope_codes = ["11", "12"]
    registration.save()
    lic = services.sync_registration_licence(registration, acting_user=None)
    assert lic.version == 2 and "https://medreg.nhc.gov.cn/sl/" in repr(claims_of(lic.qr_payload))
    assert cose.qr_info(lic.qr_payload).version <= 14, len(lic.qr_payload)


def test_institution_qr_fits_version_14(world):
    lic = services.issue_for_institution(world.hospital, acting_user=None)
    assert cose.qr_info(lic.qr_payload).version <= 14
    claims = claims_of(lic.qr_payload)[cose.LICENCE]
    assert claims[1] == 3 and claims[4] == world.hospital.registration_no and claims[8] // 10000 >= 2000
    result = services.verify_qr(lic.qr_payload)
    assert result.valid and result.facts["identifier"] == lic.identifier


def test_identifier_check_character_and_public_samples(registration):
    lic = registration.licences.get()
    parsed = validate_elicence_identifier(lic.identifier)
    assert parsed.type_code == "TEST0000000000000X001" and parsed.issuer_code == lic.authority.uscc
    assert parsed.serial == registration.certificate_no and parsed.version == 1
    # the public samples of the standards document (§D.2)
    for sample in ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
                   "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0"):
        assert validate_elicence_identifier(sample).identifier == sample


def test_type_codes_are_configuration(settings, registration):
    settings.MEDREG = {**settings.MEDREG, "ELICENCE_TYPE_CODES": {
        "physician": "ABCDEFGHJKLMNPQRST001", "nurse": "ABCDEFGHJKLMNPQRST002", "institution": "ABCDEFGHJKLMNPQRST003"}}
    registration.scope_codes = ["11", "13"]
    registration.save()
    lic = services.sync_registration_licence(registration, acting_user=None)
    assert ".ABCDEFGHJKLMNPQRST001." in lic.identifier
    assert services.verify_qr(lic.qr_payload).valid


def test_qr_png_decodes_with_an_independent_decoder(registration):
    lic = registration.licences.get()
    png = cose.render_qr_png(lic.qr_payload, scale=4)
    import io

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [r.text for r in found] == [lic.qr_payload]


def test_eddsa_is_configurable(settings, world):
    settings.MEDREG = {**settings.MEDREG, "SIGNING_ALGORITHM": "EdDSA"}
    lic = services.issue_for_institution(world.hospital, acting_user=None)
    assert lic.signing_key.algorithm == "EdDSA"
    protected = cbor2.loads(cbor2.loads(cose.decode_qr_payload(lic.qr_payload)).value[0])
    assert protected[1] == cose.ALG_EDDSA
    assert services.verify_qr(lic.qr_payload).valid


def test_each_authority_has_its_own_key_with_encrypted_private_part(world, registration):
    lic = registration.licences.get()
    other = services.issue_for_institution(world.other_hospital, acting_user=None)
    assert lic.signing_key.authority_id != other.signing_key.authority_id
    assert lic.signing_key.kid != other.signing_key.kid
    raw = SigningKey.objects.filter(pk=lic.signing_key.pk).values_list("private_key_pem", flat=True).get()
    assert "BEGIN PRIVATE KEY" not in raw  # encrypted at rest (EncryptedTextField over encrypted PKCS#8)
    assert "ENCRYPTED PRIVATE KEY" in lic.signing_key.private_key_pem
    # kid = first 8 bytes of SHA-256 over the SPKI
    assert bytes.fromhex(lic.signing_key.kid) == cose.kid_for(keys.public_key(lic.signing_key))


def test_rotation_keeps_old_codes_verifying_during_the_overlap(world, registration):
    lic = registration.licences.get()
    old = lic.signing_key
    [new] = keys.rotate_keys(acting_user=None, authority=lic.authority)
    old.refresh_from_db()
    assert new.kid != old.kid and new.is_active and not old.is_active
    assert old.not_after <= timezone.now() + keys.overlap() + timedelta(seconds=5)
    assert services.verify_qr(lic.qr_payload).valid  # still trusted in the overlap
    assert AuditEvent.objects.filter(event_type=EventType.SIGNING_KEY_ROTATED).count() == 1
    # new licences are signed by the new key
    registration.scope_codes = ["11", "12"]
    registration.save()
    assert services.sync_registration_licence(registration, acting_user=None).signing_key_id == new.pk
    # after the overlap the old key is no longer on the trust list
    later = old.not_after + timedelta(seconds=1)
    assert old.kid not in [k.kid for k in keys.trusted_keys(later)]
    # a withdrawn key makes its codes fail at once
    keys.withdraw_key(new.kid, acting_user=None, reason="compromised")
    with pytest.raises(cose.QRVerificationError) as info:
        services.verify_qr(services.sync_registration_licence(registration, acting_user=None).qr_payload)
    assert info.value.code == "qr_unknown_key"


def test_keys_rotate_command(world, registration):
    from django.core.management import call_command

    before = set(SigningKey.objects.values_list("kid", flat=True))
    call_command("keys", "rotate")
    after = SigningKey.objects.filter(is_active=True, purpose=KeyPurpose.DOCUMENT)
    assert after.count() == 1 and after.get().kid not in before


def test_signed_trust_list(client, registration):
    lic = registration.licences.get()
    resp = client.get("/.well-known/medreg/trust-list")
    assert resp.status_code == 200 and resp["ETag"] and "max-age" in resp["Cache-Control"]
    body = resp.json()
    assert lic.signing_key.kid in [k["kid"] for k in body["keys"]]
    assert body["signer"]["kid"] and body["not_after"] > body["issued_at"]
    signer = cose.load_public_key_spki(bytes.fromhex(body["signer"]["spki"]))
    token = cose.verify_cwt(bytes.fromhex(body["cose"]), {bytes.fromhex(body["signer"]["kid"]): signer}.get,
                            now=timezone.now(), max_size=1 << 20)
    signed = token.claims[-70002]
    assert signed[3] == bytes.fromhex(body["signer"]["kid"])
    assert bytes.fromhex(lic.signing_key.kid) in [k[1] for k in signed[4]]
    assert token.expires_at > timezone.now() + timedelta(days=6)
    raw = client.get("/.well-known/medreg/trust-list?format=cose")
    assert raw.content == bytes.fromhex(body["cose"])
    assert client.get("/.well-known/medreg/trust-list", HTTP_IF_NONE_MATCH=resp["ETag"]).status_code == 304
    # the trust-list signer is not a document key: it cannot sign licences
    assert body["signer"]["kid"] not in [k["kid"] for k in body["keys"]]


def test_tampering_any_byte_fails(registration):
    lic = registration.licences.get()
    raw = cose.decode_qr_payload(lic.qr_payload)
    for i in range(len(raw)):
        bad = bytearray(raw)
        bad[i] ^= 0x01
        text = cose.QR_PREFIX + __import__("base45").b45encode(zlib.compress(bytes(bad))).decode()
        with pytest.raises(cose.QRVerificationError):
            services.verify_qr(text)
