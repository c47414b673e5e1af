"""Bad input gets clear, field-level errors (and changes nothing)."""

from __future__ import annotations

import cbor2
import pytest

from medreg.accounts.choices import Role
from medreg.api.tests.conftest import PDF, drive, form_data, png_bytes
from medreg.applications.models import Application, Attachment
from medreg.audit.models import AuditEvent
from medreg.licences import cose
from medreg.licences.models import ELicence


def fields(r) -> dict[str, str]:
    return {e["field"]: e["code"] for e in r.json()["errors"]}


def test_unknown_scope_code_is_a_field_error(world, activated, as_user):
    before = Application.objects.count()
    r = as_user(activated).post("/applications", {"item_code": "PHY-REG-FIRST",
                                                  "data": form_data(world, activated, scope_codes=["11", "ZZ"])})
    assert r.status_code == 400
    assert fields(r) == {"scope_codes": "unknown_scope"}
    assert "ZZ" in r.json()["errors"][0]["message_zh"]
    assert Application.objects.count() == before


def test_missing_request_fields_are_422_with_paths(world, activated, as_user):
    client = as_user(activated)
    r = client.post("/applications", {"data": {}})
    assert r.status_code == 422 and fields(r) == {"item_code": "missing"}
    r = client.post("/applications", {"item_code": "PHY-REG-FIRST", "data": {}, "colour": "red"})
    assert r.status_code == 422 and fields(r) == {"colour": "extra_forbidden"}
    app = drive(world, activated, "draft")
    r = client.post(f"/applications/{app.pk}/actions/review", {"opinion": "ok", "recommend": "maybe"})
    assert r.status_code == 422 and fields(r) == {"recommend": "literal_error"}
    r = client.post(f"/applications/{app.pk}/actions/refuse", {"grounds": "x"})
    assert r.status_code == 422 and fields(r) == {"reason": "missing", "grounds": "list_type"}


def test_submitting_an_incomplete_draft_lists_every_missing_field(world, activated, as_user):
    client = as_user(activated)
    r = client.post("/applications", {"item_code": "PHY-REG-FIRST",
                                      "data": {"main_institution": world.hospital.pk}})
    assert r.status_code == 201
    app_id = r.json()["id"]
    events = AuditEvent.objects.count()
    r = client.post(f"/applications/{app_id}/actions/submit")
    assert r.status_code == 400
    found = fields(r)
    for name in ("qualification", "scope_codes", "education", "school", "declaration"):
        assert name in found, found
    assert AuditEvent.objects.count() == events
    assert Application.objects.get(pk=app_id).status == "draft"


def test_an_empty_required_text_gets_the_service_message(world, activated, as_user):
    app = drive(world, activated, "submitted")
    r = as_user(world.hospital_admin).post(f"/applications/{app.pk}/actions/return", {"reason": "  "})
    assert r.status_code == 400 and fields(r) == {"reason": "required"}
    r = as_user(world.city.users[Role.CLERK]).post(f"/applications/{app.pk}/actions/correction", {"items": [" "]})
    assert r.status_code == 400 and fields(r) == {"items": "required"}


def test_file_too_large_is_refused_without_storing_it(world, activated, as_user, settings):
    settings.MEDREG = {**settings.MEDREG, "UPLOAD_MAX_BYTES": 1024}
    app = drive(world, activated, "draft")
    before = Attachment.objects.count()
    big = PDF + b"0" * 4096
    r = as_user(activated).upload(f"/applications/{app.pk}/attachments", "employment_proof", "big.pdf", big)
    assert r.status_code == 400 and fields(r) == {"file": "file_too_large"}
    assert Attachment.objects.count() == before


@pytest.mark.parametrize(("kind", "name", "content"), [
    ("employment_proof", "offer.pdf", b"MZ\x90\x00 this is an executable, not a PDF"),
    ("employment_proof", "offer.pdf", b"<html><script>alert(1)</script></html>"),
    ("photo", "photo.png", PDF),  # a real PDF, but the photo must be an image
])
def test_content_that_is_not_an_allowed_type_is_refused(world, activated, as_user, kind, name, content):
    app = drive(world, activated, "draft")
    before = Attachment.objects.count()
    r = as_user(activated).upload(f"/applications/{app.pk}/attachments", kind, name, content)
    assert r.status_code == 400 and fields(r) == {"file": "file_type"}
    assert Attachment.objects.count() == before


def test_upload_needs_a_known_kind_and_a_file(world, activated, as_user):
    app = drive(world, activated, "draft")
    client = as_user(activated)
    r = client.upload(f"/applications/{app.pk}/attachments", "selfie", "p.png", png_bytes())
    assert r.status_code == 400 and fields(r) == {"kind": "attachment_kind"}
    r = client.client.post(f"/api/v1/applications/{app.pk}/attachments", {"kind": "photo"}, headers=client.headers)
    assert r.status_code == 422 and fields(r) == {"file": "missing"}


def _forged_signature(qr: str) -> str:
    message = cbor2.loads(cose.decode_qr_payload(qr))
    tagged = isinstance(message, cbor2.CBORTag)
    value = list(message.value if tagged else message)
    signature = bytearray(value[3])
    signature[10] ^= 0xFF
    value[3] = bytes(signature)
    return cose.encode_qr_payload(cbor2.dumps(cbor2.CBORTag(message.tag, value) if tagged else value))


def test_malformed_qr_codes_are_field_errors_with_the_reason_code(world, activated, anon):
    drive(world, activated, "approved")
    good = ELicence.objects.get().qr_payload
    cases = {
        "https://example.org/licence/1": "qr_prefix",
        "HL1:???": "qr_encoding",
        good[:-6]: "qr_encoding",
        _forged_signature(good): "qr_signature",
    }
    for text, code in cases.items():
        r = anon.post("/verify", {"qr": text})
        assert r.status_code == 400, (code, r.content)
        assert fields(r) == {"qr": code}
    r = anon.post("/verify", {})
    assert r.status_code == 422 and fields(r) == {"qr": "missing"}
    assert anon.post("/verify", {"qr": good}).json()["valid"] is True
