"""Shared set-up for the records stream's tests: a registered physician, built through the services."""

from __future__ import annotations

import io

from PIL import Image

from medreg.accounts.choices import Role


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 28), "white").save(buf, "PNG")
    return buf.getvalue()


def activate(world, user, institution=None):
    from medreg.people import services as people

    inst = institution or world.hospital
    admin = world.hospital_admin if inst == world.hospital else world.other_admin
    aff = people.request_activation(acting_user=user, institution_id=inst.pk)
    people.send_activation_code(aff.pk, acting_user=admin)
    note = user.notifications.filter(title__contains="激活码").order_by("-pk").first()
    code = note.body.split("：")[1][:6]
    return people.activate_with_code(acting_user=user, institution_id=inst.pk, code=code)


def draft(world, user):
    from medreg.applications import services as apps

    qual = user.person.qualifications.first()
    app = apps.create_application(
        "PHY-REG-FIRST",
        acting_user=user,
        data={
            "qualification": qual.pk,
            "main_institution": world.hospital.pk,
            "scope_codes": ["11"],
            "education": "本科",
            "school": "昆明医科大学",
            "declaration": True,
        },
    )
    apps.add_attachment(app.pk, acting_user=user, kind="photo", filename="p.png", content=png_bytes())
    apps.add_attachment(
        app.pk,
        acting_user=user,
        kind="employment_proof",
        filename="e.pdf",
        content=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    )
    return app


def registered(world, user):
    """Activate ``user`` at the world's hospital and approve a first registration; returns it."""
    from medreg.demo.world import drive

    activate(world, user)
    app = draft(world, user)
    return drive(world, user, app.pk, "approved").result_registration


def city(world, role=Role.APPROVER):
    return world.city.users[role]
