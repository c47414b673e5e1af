"""The first-registration journey through the API only: physician, institution and city authority each
use their own bearer token; it ends with the physician's e-licence QR verifying as valid.
"""

from __future__ import annotations

from medreg.accounts.choices import Role
from medreg.api.tests.conftest import PDF, form_data, png_bytes
from medreg.audit.models import AuditEvent
from medreg.audit.services import verify_chain


def test_first_registration_through_the_api_ends_with_a_verifiable_licence(world, activated, as_user, anon):
    # given tokens for the physician, the hospital and the city commission's clerk, reviewer and approver
    doctor = as_user(activated)
    hospital = as_user(world.hospital_admin)
    clerk, reviewer, approver = (as_user(world.city.users[r]) for r in (Role.CLERK, Role.REVIEWER, Role.APPROVER))

    # when the physician drafts, fills in, uploads and submits
    r = doctor.post("/applications", {"item_code": "PHY-REG-FIRST",
                                      "data": form_data(world, activated, school="")})
    assert r.status_code == 201, r.content
    app = r.json()
    assert app["status"] == "draft" and app["authority"]["id"] == world.city.authority.pk
    url = f"/applications/{app['id']}"
    r = doctor.patch(url, {"data": {"school": "昆明医科大学"}})
    assert r.status_code == 200 and r.json()["form_data"]["school"] == "昆明医科大学"
    assert doctor.upload(url + "/attachments", "photo", "photo.png", png_bytes(), "image/png").status_code == 201
    r = doctor.upload(url + "/attachments", "employment_proof", "offer.pdf", PDF, "application/pdf")
    assert r.status_code == 201 and r.json()["content_type"] == "application/pdf"
    r = doctor.post(url + "/actions/submit")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "submitted"

    # and the hospital confirms, the clerk asks for one consolidated correction, the physician resubmits
    assert hospital.post(url + "/actions/confirm", {"comment": "属实"}).json()["status"] == "received"
    r = clerk.post(url + "/actions/correction", {"items": ["照片不清晰"], "comment": "请补正"})
    assert r.status_code == 200 and r.json()["correction_items"] == ["照片不清晰"]
    assert doctor.upload(url + "/attachments", "photo", "photo2.png", png_bytes(), "image/png").status_code == 201
    assert doctor.post(url + "/actions/resubmit", {"comment": "已更换照片"}).json()["status"] == "received"

    # and the city commission accepts, reviews and approves
    r = clerk.post(url + "/actions/accept", {})
    assert r.status_code == 200
    clock = r.json()["clock"]
    assert clock["due_on"] and clock["running"] and clock["remaining"] >= 19 and not clock["overdue"]
    r = reviewer.post(url + "/actions/review", {"opinion": "材料齐全，符合条件", "recommend": "approve"})
    assert r.json()["status"] == "reviewed"
    r = approver.post(url + "/actions/approve", {"comment": "准予注册"})
    assert r.status_code == 200, r.content
    detail = r.json()

    # then the application is approved with its whole history
    assert detail["status"] == "approved" and detail["decided_at"]
    assert [t["action"] for t in detail["timeline"]] == [
        "create", "submit", "confirm", "request_correction", "resubmit", "accept", "review", "approve",
    ]
    assert {a["kind"] for a in detail["attachments"]} == {"photo", "employment_proof"}

    # and the physician's e-licence verifies as valid for anyone holding the QR text
    r = doctor.get("/me/licences")
    assert r.status_code == 200
    (licence,) = r.json()
    assert licence["qr"].startswith("HL1:") and licence["status"] == "valid" and licence["version"] == 1
    assert licence["holder_name"] == "张晓明" and licence["kind"] == "physician"
    assert licence["category"]["code"] == "1" and [s["code"] for s in licence["scopes"]] == ["11"]
    assert licence["institution"] == world.hospital.name
    r = anon.post("/verify", {"qr": licence["qr"]})
    assert r.status_code == 200, r.content
    result = r.json()
    assert result["valid"] is True and result["status"] == "valid"
    assert result["issuer"] == world.city.authority.name
    assert result["licence"]["holder_name"] == "张晓明"
    assert result["licence"]["identifier"] == licence["identifier"]
    assert result["licence"]["licence_no"] == licence["licence_no"]
    assert verify_chain()[0]
    channels = set(AuditEvent.objects.filter(subject_type="applications.application", subject_id=str(app["id"]))
                   .values_list("channel", flat=True))
    assert channels == {"api"}
