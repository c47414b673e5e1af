"""Portal pages of the inst stream, with their permission matrices: the institution's licence and 校验
page, and the authority's institution detail, overdue list, 不予登记 checklist and 暂缓校验 decision."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.audit.models import AuditEvent
from medreg.demo.world import register_physician
from medreg.institutions.models import RegistrationCheck
from medreg.institutions.testing import (
    PASSWORD,
    decide,
    draft_with_materials,
    make_pending_institution,
    registration_form,
)


def login(client, user):
    client.force_login(user)
    return client


def test_licence_page_shows_licence_verification_and_history(client, world, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2025, 3, 3))
    inst, admin = make_pending_institution(world)
    decide(world, draft_with_materials("INST-REG-PRACTICE", admin, registration_form(inst, beds=99)))
    inst.refresh_from_db()
    page = login(client, admin).get(reverse("portals:institution:licence"))
    assert page.status_code == 200
    body = page.content.decode()
    assert inst.registration_no in body and "2026-03-03" in body and "2025-12-03" in body
    assert "执业登记" in body and "互联网医院" in body


def test_licence_page_flags_an_overdue_verification(client, world, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: world.hospital.verification_due_on + timedelta(days=1))
    body = login(client, world.hospital_admin).get(reverse("portals:institution:licence")).content.decode()
    assert "逾期未校验" in body


@pytest.mark.parametrize("who", ["anonymous", "individual", "authority"])
def test_licence_page_permission_matrix(client, world, who):
    url = reverse("portals:institution:licence")
    if who == "anonymous":
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    user = register_physician(world) if who == "individual" else world.city.users[Role.CLERK]
    assert login(client, user).get(url).status_code == 404


def test_licence_page_other_institution_is_404(client, world):
    url = reverse("portals:institution:licence") + f"?inst={world.other_hospital.pk}"
    assert login(client, world.hospital_admin).get(url).status_code == 404


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("individual", 404), ("institution_own", 404), ("authority_own", 200),
    ("authority_other", 404), ("province", 200),
])
def test_institution_detail_permission_matrix(client, world, who, status):
    url = reverse("portals:authority:institution_detail", args=[world.hospital.pk])
    users = {
        "individual": lambda: register_physician(world), "institution_own": lambda: world.hospital_admin,
        "authority_own": lambda: world.city.users[Role.CLERK],
        "authority_other": lambda: world.other_province.users[Role.CLERK],
        "province": lambda: world.province.users[Role.REVIEWER],
    }
    if who != "anonymous":
        login(client, users[who]())
    response = client.get(url)
    assert response.status_code == status
    if status == 200:
        assert "历史沿革" in response.content.decode()


def test_overdue_list_shows_only_the_jurisdiction(client, world, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: world.hospital.verification_due_on + timedelta(days=1))
    body = login(client, world.city.users[Role.CLERK]).get(reverse("portals:authority:institutions_overdue")).content
    assert world.hospital.name in body.decode() and world.other_hospital.name not in body.decode()
    client.logout()
    assert login(client, world.hospital_admin).get(reverse("portals:authority:institutions_overdue")).status_code == 404


@pytest.fixture
def accepted_registration(world):
    inst, admin = make_pending_institution(world)
    app = draft_with_materials("INST-REG-PRACTICE", admin, registration_form(inst))
    apps.submit_application(app.pk, acting_user=admin)
    apps.accept_application(app.pk, acting_user=world.city.users[Role.CLERK])
    return app, admin


def test_reviewer_records_the_checklist_in_the_portal(client, world, accepted_registration):
    app, _admin = accepted_registration
    url = reverse("portals:authority:registration_checks", args=[app.pk])
    login(client, world.city.users[Role.REVIEWER])
    assert client.get(url).status_code == 200
    from medreg.institutions.services import authority_grounds

    data = {f"ground_{g}": "pass" for g in authority_grounds()}
    response = client.post(url, data)
    assert response.status_code == 302
    assert RegistrationCheck.objects.filter(application_id=app.pk, passed=True).count() == len(authority_grounds())


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("institution_own", 404), ("clerk", 403), ("authority_other", 404), ("province", 404),
])
def test_checklist_post_permission_matrix(client, world, accepted_registration, who, status):
    app, admin = accepted_registration
    users = {"institution_own": admin, "clerk": world.city.users[Role.CLERK],
             "authority_other": world.other_province.users[Role.REVIEWER], "province": world.province.users[Role.REVIEWER]}
    if who != "anonymous":
        login(client, users[who])
    before = AuditEvent.objects.count()
    response = client.post(reverse("portals:authority:registration_checks", args=[app.pk]), {"ground_premises": "pass"})
    assert response.status_code == status
    assert AuditEvent.objects.count() == before
    assert not RegistrationCheck.objects.filter(application_id=app.pk).exists()


def test_defer_verification_in_the_portal(client, world, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: world.hospital.verification_due_on - timedelta(days=10))
    app = draft_with_materials("INST-VERIFY", world.hospital_admin, {"self_inspection": "依法执业", "declaration": True})
    apps.submit_application(app.pk, acting_user=world.hospital_admin)
    apps.accept_application(app.pk, acting_user=world.city.users[Role.CLERK])
    apps.review_application(app.pk, acting_user=world.city.users[Role.REVIEWER], opinion="整改", recommend="refuse")
    url = reverse("portals:authority:defer_verification", args=[app.pk])
    before = AuditEvent.objects.count()
    login(client, world.other_province.users[Role.APPROVER])
    assert client.post(url, {"months": "3", "reason": "整改"}).status_code == 404
    assert AuditEvent.objects.count() == before
    client.logout()
    login(client, world.city.users[Role.APPROVER])
    assert client.post(url, {"months": "3", "reason": "院感整改"}).status_code == 302
    assert Application.objects.get(pk=app.pk).status == Status.REFUSED
    world.hospital.refresh_from_db()
    assert world.hospital.verification_state == "deferred"


def test_password_constant_is_the_demo_password():
    assert PASSWORD == "Medreg!2026"


# -- 机构业务申请 (the institution applies through the portal) ----------------------------------------------
def test_pending_institution_applies_for_registration_through_the_portal(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from medreg.institutions.testing import PDF

    inst, admin = make_pending_institution(world)
    login(client, admin)
    listing = client.get(reverse("portals:institution:apply"))
    assert listing.status_code == 200 and "医疗机构执业登记" in listing.content.decode()
    url = reverse("portals:institution:apply_item", args=["INST-REG-PRACTICE"])
    form = client.get(url)
    assert form.status_code == 200 and inst.name in form.content.decode()
    data = registration_form(inst)
    post = {k: v for k, v in data.items() if k not in ("subject_codes", "declaration")}
    post.update({"subject_codes": data["subject_codes"], "declaration": "on", "action": "submit",
                 "material": SimpleUploadedFile("m.pdf", PDF, content_type="application/pdf")})
    response = client.post(url, post)
    assert response.status_code == 302, response.content.decode()[:2000]
    app = Application.objects.get(institution=inst, item_code="INST-REG-PRACTICE")
    assert app.status == Status.RECEIVED and app.attachments.count() == 1
    assert client.get(reverse("portals:institution:application", args=[app.pk])).status_code == 200


def test_portal_application_reports_field_errors(client, world):
    _inst, admin = make_pending_institution(world)
    login(client, admin)
    url = reverse("portals:institution:apply_item", args=["INST-REG-PRACTICE"])
    response = client.post(url, {"name": "", "beds": "-3", "action": "submit"})
    assert response.status_code == 400
    assert not Application.objects.filter(item_code="INST-REG-PRACTICE").exists()


@pytest.mark.parametrize(("who", "status"), [("anonymous", 302), ("individual", 404), ("authority", 404),
                                             ("reviewer_only", 404), ("admin", 200)])
def test_apply_permission_matrix(client, world, who, status):
    from medreg.accounts import services as accounts

    url = reverse("portals:institution:apply_item", args=["INST-VERIFY"])
    users = {
        "individual": lambda: register_physician(world), "authority": lambda: world.city.users[Role.CLERK],
        "reviewer_only": lambda: accounts.create_institution_account(
            acting_user=None, institution=world.hospital, username="km1h_rev", real_name="审核员",
            password=PASSWORD, roles=[Role.INSTITUTION_REVIEWER]),
        "admin": lambda: world.hospital_admin,
    }
    if who != "anonymous":
        login(client, users[who]())
    before = AuditEvent.objects.count()
    assert client.get(url).status_code == status
    if status != 200:
        assert client.post(url, {"self_inspection": "x", "action": "save"}).status_code == status
        assert AuditEvent.objects.count() == before


def test_apply_unknown_or_non_institution_item_is_404(client, world):
    login(client, world.hospital_admin)
    assert client.get(reverse("portals:institution:apply_item", args=["PHY-REG-FIRST"])).status_code == 404
    assert client.get(reverse("portals:institution:apply_item", args=["NOPE"])).status_code == 404
    assert client.get(reverse("portals:institution:apply_item", args=["INST-VERIFY"])
                      + f"?inst={world.other_hospital.pk}").status_code == 404


def test_authority_application_page_links_the_checklist_and_the_institution(client, world, accepted_registration):
    app, _admin = accepted_registration
    body = login(client, world.city.users[Role.REVIEWER]).get(
        reverse("portals:authority:application", args=[app.pk])).content.decode()
    assert reverse("portals:authority:registration_checks", args=[app.pk]) in body
    assert reverse("portals:authority:institution_detail", args=[app.institution_id]) in body


def test_institution_resubmits_after_a_correction_notice(client, world):
    inst, admin = make_pending_institution(world)
    app = draft_with_materials("INST-REG-PRACTICE", admin, registration_form(inst))
    apps.submit_application(app.pk, acting_user=admin)
    apps.request_correction(app.pk, acting_user=world.city.users[Role.CLERK], items=["注册资金与验资证明不符"])
    login(client, admin)
    detail = client.get(reverse("portals:institution:application", args=[app.pk])).content.decode()
    assert "edit-own-application" in detail
    url = reverse("portals:institution:apply_item", args=["INST-REG-PRACTICE"])
    data = registration_form(inst, registered_capital="1300")
    post = {k: v for k, v in data.items() if k not in ("subject_codes", "declaration")}
    post.update({"subject_codes": data["subject_codes"], "declaration": "on", "action": "submit", "draft": app.pk})
    assert client.post(url, post).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.RECEIVED and app.form_data["registered_capital"] == "1300.00"
