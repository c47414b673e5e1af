"""多机构备案: a filed site is its own PractitionerRole (mCSD) and its institution, as an employer,
gets the partner events about that practitioner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.exchange import services
from medreg.exchange.choices import PartnerKind
from medreg.exchange.models import Delivery


@pytest.fixture
def filed(world, registration):
    from medreg.applications import services as apps
    from medreg.demo.world import make_institution

    site, _admin = make_institution(world.county.authority, rng=world.rng, name="五华区人民医院",
                                    division_code="530102", admin_username="wh_hospital_admin")
    employer, _secret = services.create_subscription(name="五华区人民医院", kind=PartnerKind.EMPLOYER,
                                                     url="http://127.0.0.1:9/x", institution=site, acting_user=None)
    user = registration.person.user
    today = timezone.localdate()
    app = apps.create_application("PHY-SITE-FILE", acting_user=user, data={
        "registration": registration.pk, "site_institution": site.pk, "work_kind": "multi_site",
        "start_on": today.isoformat(), "end_on": (today + timedelta(days=730)).isoformat(), "declaration": True,
    })
    apps.submit_application(app.pk, acting_user=user)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin, comment="同意")
    county = world.county.users
    apps.accept_application(app.pk, acting_user=county[Role.CLERK])
    apps.review_application(app.pk, acting_user=county[Role.REVIEWER], opinion="同意", recommend="approve")
    apps.approve_application(app.pk, acting_user=county[Role.APPROVER])
    return {"site": site, "employer": employer}


def test_a_filed_site_is_a_second_practitioner_role(client, world, registration, filed):
    site = filed["site"]
    bundle = client.get(f"/fhir/r4/PractitionerRole?practitioner=Practitioner/{registration.person_id}").json()
    orgs = {e["resource"]["organization"]["reference"] for e in bundle["entry"]}
    assert orgs == {f"Organization/i{world.hospital.pk}", f"Organization/i{site.pk}"}
    filed_role = next(e["resource"] for e in bundle["entry"]
                      if e["resource"]["organization"]["reference"] == f"Organization/i{site.pk}")
    assert filed_role["id"].startswith("s") and filed_role["active"] is True
    assert filed_role["period"]["end"]
    at_site = client.get(f"/fhir/r4/PractitionerRole?organization=Organization/i{site.pk}").json()
    assert [e["resource"]["id"] for e in at_site["entry"]] == [filed_role["id"]]


def test_the_filed_institution_is_alerted_about_its_practitioner(world, registration, filed):
    events = set(Delivery.objects.filter(subscription=filed["employer"]).values_list("event__event_type", flat=True))
    assert events, "the filed institution receives the filing"
    assert all(t.startswith(("registration.", "practice_site.", "licence.")) for t in events)
