"""The first-registration journey through the services, from registration to a verified e-licence."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.audit.services import verify_chain
from medreg.core.errors import DomainError
from medreg.licences import services as licences
from medreg.people import services as people


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 28), "white").save(buf, "PNG")
    return buf.getvalue()


def activate(world, physician):
    aff = people.request_activation(acting_user=physician, institution_id=world.hospital.pk)
    people.send_activation_code(aff.pk, acting_user=world.hospital_admin)
    note = physician.notifications.filter(title__contains="激活码").first()
    code = note.body.split("：")[1][:6]
    return people.activate_with_code(acting_user=physician, institution_id=world.hospital.pk, code=code)


def draft(world, physician):
    qual = physician.person.qualifications.first()
    app = apps.create_application("PHY-REG-FIRST", acting_user=physician, data={
        "qualification": qual.pk, "main_institution": world.hospital.pk, "scope_codes": ["11"],
        "education": "本科", "school": "昆明医科大学", "declaration": True,
    })
    apps.add_attachment(app.pk, acting_user=physician, kind="photo", filename="p.png", content=png_bytes())
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf",
                        content=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return app


def test_full_journey_issues_a_verifiable_licence(world, physician):
    # given an activated physician with a complete draft
    activate(world, physician)
    app = draft(world, physician)
    city = world.city.users
    # when it goes through institution, correction, acceptance, review and approval
    apps.submit_application(app.pk, acting_user=physician)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    apps.request_correction(app.pk, acting_user=city[Role.CLERK], items=["照片不清晰"])
    apps.resubmit_correction(app.pk, acting_user=physician)
    apps.accept_application(app.pk, acting_user=city[Role.CLERK])
    apps.review_application(app.pk, acting_user=city[Role.REVIEWER], opinion="材料齐全", recommend="approve")
    app = apps.approve_application(app.pk, acting_user=city[Role.APPROVER])
    # then the registration is active, the licence verifies as valid, and the audit chain is intact
    assert app.status == Status.APPROVED
    reg = app.result_registration
    assert reg.status == "active" and len(reg.certificate_no) == 15
    assert reg.practice_division_id == "530000"
    lic = reg.licences.get()
    result = licences.verify_qr(lic.qr_payload)
    assert result.valid and result.facts["holder_name"] == "张晓明"
    actions = list(app.timeline.values_list("action", flat=True))
    assert actions == ["create", "submit", "confirm", "request_correction", "resubmit", "accept", "review", "approve"]
    assert verify_chain()[0]
    assert AuditEvent.objects.filter(subject_type="applications.application", subject_id=str(app.pk)).count() >= 8


def test_province_approver_cannot_decide_for_the_city(world, physician):
    activate(world, physician)
    app = draft(world, physician)
    apps.submit_application(app.pk, acting_user=physician)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        apps.accept_application(app.pk, acting_user=world.province.users[Role.CLERK])
    assert exc.value.status_code == 404
    assert AuditEvent.objects.count() == before


def test_submission_requires_activation(world, physician):
    app = draft(world, physician)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=physician)
    assert "not_activated" in [e.code for e in exc.value.errors]
    app.refresh_from_db()
    assert app.status == Status.DRAFT


def test_a_draft_is_the_applicants_alone_and_one_per_item(world, physician):
    from medreg.applications.models import Application

    activate(world, physician)
    app = draft(world, physician)
    assert Application.objects.for_user(physician).filter(pk=app.pk).exists()
    for staff in (world.hospital_admin, world.city.users[Role.CLERK], world.province.users[Role.SUPERVISION]):
        assert not Application.objects.for_user(staff).filter(pk=app.pk).exists()
    with pytest.raises(DomainError) as exc:
        draft(world, physician)
    assert exc.value.code == "open_application_exists"
    apps.submit_application(app.pk, acting_user=physician)
    assert Application.objects.for_user(world.hospital_admin).filter(pk=app.pk).exists()


def test_editing_a_draft_audits_old_and_new_values_of_known_fields_only(world, physician):
    activate(world, physician)
    app = draft(world, physician)
    apps.update_application(app.pk, acting_user=physician, data={"school": "大理大学", "<script>": "x"})
    event = AuditEvent.objects.filter(subject_id=str(app.pk), event_type=EventType.APPLICATION_UPDATED).latest("seq")
    assert event.data["changes"] == {"school": {"old": "昆明医科大学", "new": "大理大学"}}
