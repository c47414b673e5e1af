"""Fixtures of the licences tests: an approved physician registration with its first licence."""

from __future__ import annotations

import io

import pytest
from PIL import Image


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 28), "white").save(buf, "PNG")
    return buf.getvalue()


def approve_first_registration(world, physician):
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
        "qualification": qual.pk, "main_institution": world.hospital.pk, "scope_codes": ["11"],
        "education": "本科", "school": "昆明医科大学", "declaration": True,
    })
    apps.add_attachment(app.pk, acting_user=physician, kind="photo", filename="p.png", content=_png())
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf",
                        content=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    app = drive(world, physician, app.pk, "approved")
    return app.result_registration


@pytest.fixture
def registration(world, physician):
    return approve_first_registration(world, physician)
