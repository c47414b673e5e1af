"""The nurse items (首次注册, 变更, 延续, 重新注册, 注销) through the real services, portals and API."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core import calendar
from medreg.core.errors import DomainError, NotFound, PermissionDenied
from medreg.demo.world import DEFAULT_PASSWORD, make_institution, register_nurse, registered_nurse
from medreg.licences.models import ELicence
from medreg.people import nursing
from medreg.people import services as people
from medreg.people.choices import Profession, RegistrationStatus
from medreg.people.models import PracticeRegistration

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NURSE_LIMITS = {"NUR-REG-FIRST": 20, "NUR-REG-CHANGE": 7, "NUR-REG-RENEW": 20, "NUR-REG-RE": 20,
                "NUR-REG-CANCEL": 20}


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 28), "white").save(buf, "PNG")
    return buf.getvalue()


def today() -> date:
    return timezone.localdate()


def activate(user, institution, admin):
    aff = people.request_activation(acting_user=user, institution_id=institution.pk)
    people.send_activation_code(aff.pk, acting_user=admin)
    note = user.notifications.filter(title__contains="激活码").order_by("-created_at").first()
    code = note.body.split("：")[1][:6]
    return people.activate_with_code(acting_user=user, institution_id=institution.pk, code=code)


def codes(exc) -> set[str]:
    return {e.code for e in exc.value.errors}


def first_data(nurse, institution, **over):
    data = {
        "qualification": nurse.person.qualifications.get().pk, "main_institution": institution.pk,
        "education": "大专", "school": "昆明卫生职业学院", "programme_years": "3", "internship_months": "8",
        "health_check_on": (today() - timedelta(days=10)).isoformat(), "health_declaration": True,
        "declaration": True,
    }
    data.update(over)
    return data


def first_draft(world, nurse, **over) -> Application:
    app = apps.create_application("NUR-REG-FIRST", acting_user=nurse, data=first_data(nurse, world.hospital, **over))
    apps.add_attachment(app.pk, acting_user=nurse, kind="photo", filename="p.png", content=png_bytes())
    apps.add_attachment(app.pk, acting_user=nurse, kind="health_cert", filename="h.pdf", content=PDF)
    apps.add_attachment(app.pk, acting_user=nurse, kind="employment_proof", filename="e.pdf", content=PDF)
    return app


def decide(app_id, admin, bundle, *, approve=True):
    apps.confirm_by_institution(app_id, acting_user=admin)
    apps.accept_application(app_id, acting_user=bundle.users[Role.CLERK])
    apps.review_application(app_id, acting_user=bundle.users[Role.REVIEWER], opinion="材料齐全", recommend="approve")
    if approve:
        return apps.approve_application(app_id, acting_user=bundle.users[Role.APPROVER])
    return Application.objects.get(pk=app_id)


@pytest.fixture
def nurse(world):
    user = register_nurse(world)
    activate(user, world.hospital, world.hospital_admin)
    return user


def nurse_reg(user) -> PracticeRegistration:
    return PracticeRegistration.objects.filter(person=user.person, profession=Profession.NURSE).latest("pk")


# -- the catalogue ------------------------------------------------------------------------------------------
def test_api_lists_every_nurse_item_with_its_statutory_limit(settings):
    settings.ROOT_URLCONF = "config.urls"
    r = Client().get("/api/v1/items")
    assert r.status_code == 200
    items = {i["code"]: i for i in r.json()}
    for code, limit in NURSE_LIMITS.items():
        assert items[code]["statutory_limit_days"] == limit, code
        assert items[code]["subject"] == "nurse" and items[code]["applicant"] == "individual"
        assert [s["code"] for s in items[code]["review_chain"]] == ["institution", "acceptance", "review", "decision"]
        assert "护士条例" in items[code]["legal_basis"]
        assert items[code]["name_en"] and items[code]["name_en"] != items[code]["name"]
    attachments = {a["kind"]: a for a in items["NUR-REG-FIRST"]["attachments"]}
    assert attachments["training_proof"]["required"] is False and attachments["health_cert"]["required"]


# -- 首次注册 -----------------------------------------------------------------------------------------------
def test_first_registration_approved_creates_a_five_year_registration_and_licence(world, nurse):
    app = first_draft(world, nurse)
    apps.submit_application(app.pk, acting_user=nurse)
    app = decide(app.pk, world.hospital_admin, world.city)
    assert app.status == Status.APPROVED and app.statutory_limit_days == 20
    reg = app.result_registration
    assert reg.profession == Profession.NURSE and reg.status == RegistrationStatus.ACTIVE
    assert reg.registered_on == today() and reg.valid_until == nursing.add_years(today(), 5)
    assert reg.authority == world.city.authority and reg.main_institution == world.hospital
    assert reg.certificate_no.startswith(f"{today().year}53") and len(reg.certificate_no) == 14
    lic = ELicence.objects.get(registration=reg)
    assert lic.kind == "nurse" and lic.data["valid_until"] == reg.valid_until.isoformat()
    assert AuditEvent.objects.filter(event_type=EventType.NURSE_REGISTRATION_CREATED, subject_id=str(reg.pk)).exists()
    nurse.person.refresh_from_db()
    assert nurse.person.education == "大专"
    site = reg.sites.get()
    assert (site.kind, site.status, site.institution, site.start_on) == ("main", "active", world.hospital, today())


@pytest.mark.parametrize(("passed_days_before_deadline", "needs_training"), [(-1, False), (0, False), (1, True)])
def test_first_registration_within_three_years_of_the_exam_or_with_training(world, passed_days_before_deadline,
                                                                              needs_training):
    # the exam passed 3 years minus a day ago / exactly 3 years ago / 3 years plus a day ago
    passed = nursing.add_years(today(), -3) - timedelta(days=passed_days_before_deadline)
    user = register_nurse(world, passed_on=passed)
    activate(user, world.hospital, world.hospital_admin)
    app = first_draft(world, user)
    if not needs_training:
        assert apps.submit_application(app.pk, acting_user=user).status == Status.SUBMITTED
        return
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=user)
    assert codes(exc) == {"training_required"}
    apps.add_attachment(app.pk, acting_user=user, kind="training_proof", filename="t.pdf", content=PDF)
    assert apps.submit_application(app.pk, acting_user=user).status == Status.SUBMITTED


@pytest.mark.parametrize(("field", "bad", "good"), [("programme_years", "2", "3"), ("internship_months", "7", "8")])
def test_education_conditions_both_sides(world, nurse, field, bad, good):
    with pytest.raises(DomainError) as exc:
        apps.create_application("NUR-REG-FIRST", acting_user=nurse, data=first_data(nurse, world.hospital,
                                                                                      **{field: bad}))
    assert [(e.code, e.field) for e in exc.value.errors] == [("too_small", field)]
    app = apps.create_application("NUR-REG-FIRST", acting_user=nurse,
                                  data=first_data(nurse, world.hospital, **{field: good}))
    assert app.form_data[field] == int(good)


@pytest.mark.parametrize(("checked", "ok"), [
    (lambda: nursing.add_months(today(), -6), True),
    (lambda: nursing.add_months(today(), -6) - timedelta(days=1), False),
    (lambda: today(), True),
    (lambda: today() + timedelta(days=1), False),
])
def test_health_check_within_six_months(world, nurse, checked, ok):
    data = first_data(nurse, world.hospital, health_check_on=checked().isoformat())
    if ok:
        assert apps.create_application("NUR-REG-FIRST", acting_user=nurse, data=data)
    else:
        with pytest.raises(DomainError) as exc:
            apps.create_application("NUR-REG-FIRST", acting_user=nurse, data=data)
        assert {e.field for e in exc.value.errors} == {"health_check_on"}


def test_every_form_error_is_reported_at_once(world, nurse):
    app = apps.create_application("NUR-REG-FIRST", acting_user=nurse, data={"main_institution": world.hospital.pk})
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=nurse)
    fields = {e.field for e in exc.value.errors}
    assert {"qualification", "education", "school", "programme_years", "internship_months", "health_check_on",
            "health_declaration", "declaration"} <= fields


def test_first_registration_needs_activation_and_no_previous_registration(world):
    user = register_nurse(world)
    app = first_draft(world, user)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=user)
    assert "not_activated" in codes(exc)
    registered = registered_nurse(world, valid_until=today() + timedelta(days=500))
    data = first_data(registered, world.hospital)
    app = apps.create_application("NUR-REG-FIRST", acting_user=registered, data=data)
    for kind, name, content in (("photo", "p.png", png_bytes()), ("health_cert", "h.pdf", PDF),
                                ("employment_proof", "e.pdf", PDF)):
        apps.add_attachment(app.pk, acting_user=registered, kind=kind, filename=name, content=content)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=registered)
    assert "already_registered" in codes(exc)


def test_registration_bars_block_the_nurse_items(world, nurse, monkeypatch):
    from medreg.core.errors import ErrorItem
    from medreg.people import eligibility

    def bars(person, *, profession, on=None):
        assert profession == "nurse"
        return [ErrorItem("revoked", "吊销执业证书未满二年，至2027-01-01止不予注册。")]

    monkeypatch.setattr(eligibility, "registration_bars", bars)
    app = first_draft(world, nurse)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=nurse)
    assert codes(exc) == {"revoked"}


# -- 变更注册 -----------------------------------------------------------------------------------------------
def _change(world, user, institution, admin, bundle):
    activate(user, institution, admin)
    reg = nurse_reg(user)
    app = apps.create_application("NUR-REG-CHANGE", acting_user=user, data={
        "registration": reg.pk, "main_institution": institution.pk, "declaration": True})
    apps.add_attachment(app.pk, acting_user=user, kind="employment_proof", filename="e.pdf", content=PDF)
    apps.submit_application(app.pk, acting_user=user)
    return decide(app.pk, admin, bundle)


def test_cross_province_change_notifies_the_original_authority(world):
    user = registered_nurse(world, valid_until=today() + timedelta(days=900))
    app = _change(world, user, world.other_hospital, world.other_admin, world.other_province)
    assert app.statutory_limit_days == 7 and app.authority == world.other_province.authority
    assert app.due_on == calendar.add_working_days(app.accepted_on, 7)
    reg = nurse_reg(user)
    assert reg.main_institution == world.other_hospital and reg.practice_division_id == "520102"
    assert reg.authority == world.other_province.authority
    assert reg.valid_until == today() + timedelta(days=900)
    for staff in world.city.users.values():
        assert staff.notifications.filter(title="护士跨省变更执业注册告知").count() == 1
    lic = ELicence.objects.get(registration=reg, status="valid")
    assert lic.version == 2 and lic.data["institution_name"] == world.other_hospital.name
    ev = AuditEvent.objects.get(event_type=EventType.NURSE_REGISTRATION_CHANGED)
    assert ev.data["cross_province"] is True
    # the practice sites follow: the old main site ends today, the new one starts today
    sites = {(s.institution_id, s.status) for s in reg.sites.filter(kind="main")}
    assert sites == {(world.hospital.pk, "ended"), (world.other_hospital.pk, "active")}
    assert set(reg.changes.values_list("field", flat=True)) >= {"main_institution", "practice_division", "authority"}


def test_change_within_the_province_notifies_nobody_else(world):
    user = registered_nurse(world, valid_until=today() + timedelta(days=900))
    inst, admin = make_institution(world.county.authority, rng=world.rng, name="五华区妇幼保健院",
                                   division_code="530102", admin_username="whfy_admin")
    app = _change(world, user, inst, admin, world.county)
    assert app.status == Status.APPROVED
    assert nurse_reg(user).authority == world.county.authority
    assert not any(s.notifications.filter(title="护士跨省变更执业注册告知").exists() for s in world.city.users.values())


def test_change_to_the_same_institution_is_refused(world):
    user = registered_nurse(world, valid_until=today() + timedelta(days=900))
    app = apps.create_application("NUR-REG-CHANGE", acting_user=user, data={
        "registration": nurse_reg(user).pk, "main_institution": world.hospital.pk, "declaration": True})
    apps.add_attachment(app.pk, acting_user=user, kind="employment_proof", filename="e.pdf", content=PDF)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=user)
    assert codes(exc) == {"same_institution"}


# -- 延续注册 -----------------------------------------------------------------------------------------------
def _renewal(user) -> Application:
    return apps.create_application("NUR-REG-RENEW", acting_user=user, data={
        "registration": nurse_reg(user).pk, "health_declaration": True, "declaration": True})


@pytest.mark.parametrize(("valid_until", "offered"), [
    (lambda: nursing.add_months(today(), 3), True),  # today is the first day of the window
    (lambda: nursing.add_months(today(), 3) + timedelta(days=1), False),  # one day too early
    (lambda: today(), True),  # the expiry day itself
    (lambda: today() - timedelta(days=1), False),  # expired: 重新注册 instead
])
def test_renewal_only_within_three_months_before_expiry(world, valid_until, offered):
    from medreg.applications.items import get_item

    user = registered_nurse(world, valid_until=valid_until())
    assert get_item("NUR-REG-RENEW").offered_to(user.person) is offered
    app = _renewal(user)
    if offered:
        assert apps.submit_application(app.pk, acting_user=user).status == Status.SUBMITTED
    else:
        with pytest.raises(DomainError) as exc:
            apps.submit_application(app.pk, acting_user=user)
        assert codes(exc) == {"renewal_window"}


def test_renewal_extends_validity_by_five_years_with_a_new_licence_version(world):
    until = today() + timedelta(days=20)
    user = registered_nurse(world, valid_until=until)
    app = _renewal(user)
    apps.submit_application(app.pk, acting_user=user)
    app = decide(app.pk, world.hospital_admin, world.city)
    reg = nurse_reg(user)
    assert reg.valid_until == nursing.add_years(until, 5)
    licences = ELicence.objects.filter(registration=reg).order_by("version")
    assert [lic.status for lic in licences] == ["superseded", "valid"]
    assert licences.last().data["valid_until"] == reg.valid_until.isoformat()
    assert AuditEvent.objects.get(event_type=EventType.NURSE_REGISTRATION_RENEWED).data["deemed"] is False


def test_timely_renewal_can_still_be_approved_after_expiry(world, monkeypatch):
    until = today() + timedelta(days=10)
    user = registered_nurse(world, valid_until=until)
    app = _renewal(user)
    apps.submit_application(app.pk, acting_user=user)
    app = decide(app.pk, world.hospital_admin, world.city, approve=False)
    later = until + timedelta(days=3)
    monkeypatch.setattr(nursing, "_today", lambda on: on or later)
    app = apps.approve_application(app.pk, acting_user=world.city.users[Role.APPROVER])
    assert app.status == Status.APPROVED and nurse_reg(user).valid_until == nursing.add_years(until, 5)


def test_renewal_returned_by_the_institution_then_withdrawn(world):
    user = registered_nurse(world, valid_until=today() + timedelta(days=50))
    app = _renewal(user)
    apps.submit_application(app.pk, acting_user=user)
    app = apps.return_by_institution(app.pk, acting_user=world.hospital_admin, reason="请本人确认健康状况")
    assert app.status == Status.RETURNED
    assert user.notifications.filter(body__contains="请本人确认健康状况").exists()
    assert apps.submit_application(app.pk, acting_user=user).status == Status.SUBMITTED
    assert apps.withdraw_application(app.pk, acting_user=user, reason="改日再办").status == Status.WITHDRAWN
    assert nurse_reg(user).valid_until == today() + timedelta(days=50)


# -- 重新注册 -----------------------------------------------------------------------------------------------
def _rereg(world, user, *, training=False) -> Application:
    app = apps.create_application("NUR-REG-RE", acting_user=user, data={
        "main_institution": world.hospital.pk, "health_check_on": today().isoformat(),
        "health_declaration": True, "declaration": True})
    for kind, name, content in (("photo", "p.png", png_bytes()), ("health_cert", "h.pdf", PDF),
                                ("employment_proof", "e.pdf", PDF)):
        apps.add_attachment(app.pk, acting_user=user, kind=kind, filename=name, content=content)
    if training:
        apps.add_attachment(app.pk, acting_user=user, kind="training_proof", filename="t.pdf", content=PDF)
    return app


def test_reregistration_after_expiry_lapses_the_old_registration(world):
    user = registered_nurse(world, valid_until=today() - timedelta(days=1))
    old = nurse_reg(user)
    app = _rereg(world, user)
    apps.submit_application(app.pk, acting_user=user)
    app = decide(app.pk, world.hospital_admin, world.city)
    old.refresh_from_db()
    new = app.result_registration
    assert old.status == RegistrationStatus.LAPSED and new.status == RegistrationStatus.ACTIVE
    assert new.valid_until == nursing.add_years(today(), 5) and new.certificate_no != old.certificate_no
    assert ELicence.objects.filter(registration=new, status="valid").count() == 1
    assert not ELicence.objects.filter(registration=old, status="valid").exists()


def test_reregistration_refused_while_the_registration_is_valid(world):
    user = registered_nurse(world, valid_until=today())
    app = _rereg(world, user)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=user)
    assert codes(exc) == {"registration_valid"}


@pytest.mark.parametrize(("extra_days", "needs_training"), [(0, False), (1, True)])
def test_reregistration_after_more_than_three_years_needs_training(world, extra_days, needs_training):
    # practice ended exactly 3 years ago (not more) / 3 years and a day ago
    user = registered_nurse(world, valid_until=nursing.add_years(today(), -3) - timedelta(days=extra_days))
    app = _rereg(world, user)
    if not needs_training:
        assert apps.submit_application(app.pk, acting_user=user).status == Status.SUBMITTED
        return
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=user)
    assert codes(exc) == {"training_required"}
    apps.add_attachment(app.pk, acting_user=user, kind="training_proof", filename="t.pdf", content=PDF)
    assert apps.submit_application(app.pk, acting_user=user).status == Status.SUBMITTED


@pytest.mark.parametrize(("revoked_days_after_two_years_ago", "barred"), [(0, False), (1, True)])
def test_reregistration_two_years_after_revocation(world, revoked_days_after_two_years_ago, barred):
    # revoked exactly 2 years ago: the bar ended yesterday / 2 years minus a day ago: barred until today
    from medreg.people import records

    user = registered_nurse(world, valid_until=today() + timedelta(days=900))
    revoked_on = nursing.add_years(today(), -2) + timedelta(days=revoked_days_after_two_years_ago)
    records.record_penalty(user.person.pk, acting_user=world.city.users[Role.APPROVER], data={
        "profession": "nurse", "kind": "revocation", "start_on": revoked_on.isoformat(), "reason": "严重违规"})
    assert nurse_reg(user).status == RegistrationStatus.CANCELLED
    assert not ELicence.objects.filter(registration=nurse_reg(user), status="valid").exists()
    app = _rereg(world, user)
    if barred:
        with pytest.raises(DomainError) as exc:
            apps.submit_application(app.pk, acting_user=user)
        assert codes(exc) == {"bar_revocation"}
    else:
        assert apps.submit_application(app.pk, acting_user=user).status == Status.SUBMITTED


def test_reregistration_needs_a_previous_registration(world, nurse):
    app = _rereg(world, nurse)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=nurse)
    assert codes(exc) == {"no_previous_registration"}


# -- 注销 ---------------------------------------------------------------------------------------------------
def test_cancellation_revokes_the_licence(world):
    user = registered_nurse(world, valid_until=today() + timedelta(days=700))
    app = apps.create_application("NUR-REG-CANCEL", acting_user=user, data={
        "registration": nurse_reg(user).pk, "reason": "不再从事护理工作", "declaration": True})
    apps.submit_application(app.pk, acting_user=user)
    app = decide(app.pk, world.hospital_admin, world.city)
    reg = nurse_reg(user)
    assert reg.status == RegistrationStatus.CANCELLED
    assert not ELicence.objects.filter(registration=reg, status="valid").exists()
    assert ELicence.objects.filter(registration=reg, status="revoked").exists()
    assert AuditEvent.objects.filter(event_type=EventType.NURSE_REGISTRATION_CANCELLED).count() == 1


def test_only_the_nurse_can_apply_for_their_own_registration(world, nurse):
    other = registered_nurse(world, valid_until=today() + timedelta(days=700))
    with pytest.raises(DomainError) as exc:
        apps.create_application("NUR-REG-CANCEL", acting_user=nurse, data={
            "registration": nurse_reg(other).pk, "reason": "x", "declaration": True})
    assert "unknown_registration" in codes(exc)


# -- permissions --------------------------------------------------------------------------------------------
def test_permission_matrix_on_a_renewal(world):
    user = registered_nurse(world, valid_until=today() + timedelta(days=40))
    app = _renewal(user)
    apps.submit_application(app.pk, acting_user=user)
    other_nurse = register_nurse(world, name="刘芳", username="liuf", phone="13800138009")
    province = world.province.users
    attempts = [
        (None, "confirm", NotFound),
        (other_nurse, "confirm", NotFound),
        (world.other_admin, "confirm", NotFound),
        (user, "confirm", PermissionDenied),
        (world.city.users[Role.CLERK], "confirm", PermissionDenied),
    ]
    for actor, op, error in attempts:
        before = AuditEvent.objects.count()
        with pytest.raises(error):
            apps.OPERATIONS[op](app.pk, acting_user=actor)
        assert AuditEvent.objects.count() == before, (actor, op)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    for actor, error in [(world.other_province.users[Role.CLERK], NotFound), (world.hospital_admin, PermissionDenied),
                         (province[Role.CLERK], NotFound), (world.county.users[Role.CLERK], NotFound),
                         (user, PermissionDenied)]:
        before = AuditEvent.objects.count()
        with pytest.raises(error):
            apps.accept_application(app.pk, acting_user=actor)
        assert AuditEvent.objects.count() == before, actor
    assert Application.objects.get(pk=app.pk).status == Status.RECEIVED


def test_api_permissions_on_a_nurse_application(world, settings):
    from medreg.accounts import services as accounts

    settings.ROOT_URLCONF = "config.urls"
    user = registered_nurse(world, valid_until=today() + timedelta(days=40))
    app = _renewal(user)
    apps.submit_application(app.pk, acting_user=user)
    url = f"/api/v1/applications/{app.pk}"
    assert Client().get(url).status_code == 401

    def get(u):
        token, _row = accounts.issue_api_token(username=u.username, password=DEFAULT_PASSWORD)
        return Client().get(url, headers={"Authorization": f"Bearer {token}"})

    other = register_nurse(world, name="刘芳", username="liuf", phone="13800138009")
    assert get(other).status_code == 404
    assert get(world.other_admin).status_code == 404
    assert get(world.other_province.users[Role.CLERK]).status_code == 404
    assert get(user).status_code == 200
    assert get(world.hospital_admin).status_code == 200
    assert get(world.city.users[Role.CLERK]).status_code == 200
    assert get(world.province.users[Role.CLERK]).status_code == 200


# -- the individual portal ----------------------------------------------------------------------------------
def test_portal_offers_renewal_only_in_the_window_and_renders_every_nurse_form(world):
    inside = registered_nurse(world, valid_until=today() + timedelta(days=30))
    outside = registered_nurse(world, name="孙梅", username="sunm", phone="13800138005",
                               valid_until=today() + timedelta(days=400))
    client = Client()
    assert client.login(username=inside.username, password=DEFAULT_PASSWORD)
    body = client.get("/portal/me/").content.decode()
    assert 'id="apply-NUR-REG-RENEW"' in body and 'id="apply-NUR-REG-FIRST"' not in body
    for code in ("NUR-REG-RENEW", "NUR-REG-CHANGE", "NUR-REG-CANCEL"):
        page = client.get(f"/portal/me/apply/{code}/")
        assert page.status_code == 200, code
        assert f'value="{nurse_reg(inside).pk}"' in page.content.decode()
    page = client.get("/portal/me/apply/NUR-REG-RE/").content.decode()
    assert 'type="date"' in page and 'name="health_check_on"' in page
    client.logout()
    assert client.login(username=outside.username, password=DEFAULT_PASSWORD)
    body = client.get("/portal/me/").content.decode()
    assert 'id="apply-NUR-REG-RENEW"' not in body and 'id="apply-NUR-REG-CHANGE"' in body


def test_portal_renders_the_first_registration_form_for_a_new_nurse(world, nurse):
    client = Client()
    assert client.login(username=nurse.username, password=DEFAULT_PASSWORD)
    body = client.get("/portal/me/").content.decode()
    assert 'id="apply-NUR-REG-FIRST"' in body and 'id="apply-NUR-REG-RENEW"' not in body
    page = client.get("/portal/me/apply/NUR-REG-FIRST/").content.decode()
    assert 'name="programme_years"' in page and 'name="qualification"' in page and 'type="date"' in page


def test_authority_and_institution_portals_show_a_nurse_application(world):
    user = registered_nurse(world, valid_until=today() + timedelta(days=50))
    app = _renewal(user)
    apps.submit_application(app.pk, acting_user=user)
    client = Client(raise_request_exception=True)
    client.force_login(world.hospital_admin)
    page = client.get(f"/portal/institution/applications/{app.pk}/")
    assert page.status_code == 200 and app.number in page.content.decode()
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    client.force_login(world.city.users[Role.CLERK])
    page = client.get(f"/portal/authority/applications/{app.pk}/")
    assert page.status_code == 200 and "护士延续注册" in page.content.decode()
    client.force_login(world.other_province.users[Role.CLERK])
    assert client.get(f"/portal/authority/applications/{app.pk}/").status_code == 404
    client.force_login(world.other_admin)
    assert client.get(f"/portal/institution/applications/{app.pk}/").status_code == 404
