"""Fixtures of the exchange tests: approved registrations built through the real services."""

from __future__ import annotations

import io

import pytest
from PIL import Image


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 28), "white").save(buf, "PNG")
    return buf.getvalue()


def approve_first_registration(world, physician, *, scope_codes=("11",)):
    """Drive a first registration of ``physician`` at the world's hospital to approval (by services)."""
    from medreg.applications import services as apps
    from medreg.demo.world import drive
    from medreg.people import services as people

    aff = people.request_activation(acting_user=physician, institution_id=world.hospital.pk)
    people.send_activation_code(aff.pk, acting_user=world.hospital_admin)
    note = physician.notifications.filter(title__contains="激活码").first()
    code = note.body.split("：")[1][:6]
    people.activate_with_code(acting_user=physician, institution_id=world.hospital.pk, code=code)
    qual = physician.person.qualifications.first()
    app = apps.create_application("PHY-REG-FIRST", acting_user=physician, data={
        "qualification": qual.pk, "main_institution": world.hospital.pk, "scope_codes": list(scope_codes),
        "education": "本科", "school": "昆明医科大学", "declaration": True,
    })
    apps.add_attachment(app.pk, acting_user=physician, kind="photo", filename="p.png", content=_png())
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf",
                        content=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    app = drive(world, physician, app.pk, "approved")
    app.refresh_from_db()
    return app.result_registration


@pytest.fixture
def registration(world, physician):
    return approve_first_registration(world, physician)


def cancel_registration(world, registration):
    """Cancel a registration through the registry's own service (注销 by the granting commission)."""
    from django.db import transaction

    from medreg.accounts.choices import Role

    try:
        from medreg.people.lifecycle import cancel_registration_by_authority, ground_codes
    except ImportError:  # pragma: no cover - the lifecycle module not present: void it instead
        from medreg.people.practice import void_registration

        with transaction.atomic():
            return void_registration(registration, acting_user=world.city.users[Role.APPROVER], application=None,
                                     reason="测试注销")
    codes = sorted(ground_codes("authority"))
    return cancel_registration_by_authority(registration.pk, acting_user=world.city.users[Role.APPROVER],
                                            grounds=codes[:1], reason="测试注销")
