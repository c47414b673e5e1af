"""The holder's dynamic QR and PDF in the individual portal: own licences only."""

from __future__ import annotations

import pytest

from medreg.licences import services

pytestmark = pytest.mark.django_db


def test_dynamic_qr_and_pdf_for_the_holder_only(client, world, registration, physician):
    lic = registration.licences.get()
    base = f"/portal/me/licences/{lic.pk}"
    # anonymous → login
    assert client.get(f"{base}/dynamic/").status_code == 302
    # the holder
    client.force_login(physician)
    page = client.get(f"{base}/dynamic/")
    assert page.status_code == 200 and "no-cache" in page["Cache-Control"]
    assert "dynamic-qr" in page.content.decode()
    one = client.get(f"{base}/dynamic.json").json()
    two = client.get(f"{base}/dynamic.json").json()
    assert one["qr"] != two["qr"] and one["refresh_seconds"] == 30
    assert services.verify_qr(two["qr"]).valid
    pdf = client.get(f"{base}/licence.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    listing = client.get("/portal/me/licences/").content.decode()
    assert f"{base}/dynamic/" in listing and f"{base}/licence.pdf" in listing
    # a superseded version has no dynamic code
    registration.scope_codes = ["11", "12"]
    registration.save()
    services.sync_registration_licence(registration, acting_user=None)
    assert client.get(f"{base}/dynamic.json").status_code == 404


def test_other_people_get_404_or_are_refused(client, world, registration):
    from medreg.demo.world import register_physician

    lic = registration.licences.get()
    other = register_physician(world, name="王五", username="wangwu")
    client.force_login(other)
    for suffix in ("dynamic/", "dynamic.json", "licence.pdf"):
        assert client.get(f"/portal/me/licences/{lic.pk}/{suffix}").status_code == 404
    client.force_login(world.hospital_admin)
    assert client.get(f"/portal/me/licences/{lic.pk}/dynamic.json").status_code in (302, 403, 404)
