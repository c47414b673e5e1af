"""The physician registration items in the portals: forms render with the person's own registrations and
sites, the institution search works for every institution field, and a change of main institution is
confirmed by both institutions in the institution portal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.applications.tests.test_physician_items import PDF, activate_at
from medreg.audit.models import AuditEvent

ITEMS = ["PHY-REG-CHANGE", "PHY-REG-ADD-PLACE", "PHY-SITE-FILE", "PHY-SITE-CANCEL", "PHY-REG-UPGRADE"]


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("code", ITEMS)
def test_item_forms_render_for_a_registered_physician(client, physician, registered, code):
    response = login(client, physician).get(reverse("portals:individual:apply", args=[code]))
    assert response.status_code == 200
    body = response.content.decode()
    if code != "PHY-SITE-CANCEL":
        # the registration select lists the person's own registration, by certificate number
        assert registered.certificate_no in body and 'id="id_registration"' in body


def test_the_filing_form_offers_the_exempt_kinds_and_date_inputs(client, physician, registered):
    body = login(client, physician).get(reverse("portals:individual:apply", args=["PHY-SITE-FILE"])).content.decode()
    assert 'type="date"' in body and 'name="start_on"' in body and 'name="end_on"' in body
    assert 'value="medical_alliance"' in body and "医疗联合体内执业" in body


def test_institution_search_fills_any_items_institution_field(client, physician, registered, second_hospital):
    response = login(client, physician).get(
        reverse("portals:individual:institution_search"), {"name": "site_institution", "q": "昆明市第二"})
    body = response.content.decode()
    assert f'name="site_institution" value="{second_hospital[0].pk}"' in body
    # an unknown radio name falls back to the activation form's
    body = client.get(reverse("portals:individual:institution_search"), {"name": "evil", "q": "昆明市第二"}).content.decode()
    assert 'name="institution_id"' in body


def test_filing_through_the_portal_shows_field_errors_and_saves_nothing(client, physician, registered, second_hospital):
    login(client, physician)
    before = (Application.objects.count(), AuditEvent.objects.count())
    today = timezone.localdate()
    response = client.post(reverse("portals:individual:apply", args=["PHY-SITE-FILE"]), {
        "registration": registered.pk, "site_institution": second_hospital[0].pk, "work_kind": "consultation",
        "start_on": today.isoformat(), "end_on": (today - timedelta(days=1)).isoformat(), "declaration": "on",
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "依法无需办理多机构备案" in body and "结束日期不能早于开始日期" in body
    assert (Application.objects.count(), AuditEvent.objects.count()) == before
    response = client.post(reverse("portals:individual:apply", args=["PHY-SITE-FILE"]), {
        "registration": registered.pk, "site_institution": second_hospital[0].pk, "work_kind": "multi_site",
        "start_on": today.isoformat(), "end_on": (today + timedelta(days=90)).isoformat(), "declaration": "on",
    })
    assert response.status_code == 302
    app = Application.objects.get(item_code="PHY-SITE-FILE")
    assert app.form_data["end_on"] == (today + timedelta(days=90)).isoformat()
    detail = client.get(reverse("portals:individual:application", args=[app.pk])).content.decode()
    assert second_hospital[0].name in detail and registered.certificate_no in detail


def test_both_institutions_confirm_a_change_of_main_institution_in_their_portal(
        client, world, physician, registered, second_hospital):
    inst, admin = second_hospital
    activate_at(physician, inst, admin)
    app = apps.create_application("PHY-REG-CHANGE", acting_user=physician, data={
        "registration": registered.pk, "new_main_institution": inst.pk, "scope_codes": ["11"],
        "reason": "调动", "declaration": True})
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf", content=PDF)
    apps.submit_application(app.pk, acting_user=physician)
    detail = reverse("portals:institution:application", args=[app.pk])
    # the old institution finds it in its list and confirms it
    login(client, world.hospital_admin)
    assert app.number in client.get(reverse("portals:institution:applications")).content.decode()
    body = client.get(detail).content.decode()
    assert 'id="confirm-form"' in body and 'id="confirm-old"' in body
    assert client.post(reverse("portals:institution:confirm", args=[app.pk]), {"comment": ""}).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.co_confirmed_at is not None
    body = client.get(detail).content.decode()
    assert 'id="confirm-form"' not in body  # it has decided
    # an unrelated institution does not see it at all
    assert login(client, world.other_admin).get(detail).status_code == 404
    # the new institution confirms; the application goes to the commission
    login(client, admin)
    assert client.post(reverse("portals:institution:confirm", args=[app.pk]), {"comment": ""}).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
