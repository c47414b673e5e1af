"""Physician registration items after the first one: change, extra place, filed sites, upgrade; and the
workflow behaviour every item gets (two-institution confirmation, extension, consistent pending changes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.tests.test_first_registration_flow import activate, draft
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.errors import DomainError, NotFound, PermissionDenied
from medreg.demo.world import make_institution, make_physician_qualification, register_physician
from medreg.people import services as people
from medreg.people.models import PracticeRegistration, PracticeSite, RegistrationChange

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def codes(exc: pytest.ExceptionInfo) -> set[str]:
    return {e.code for e in exc.value.errors}


def activate_at(physician, institution, admin):
    aff = people.request_activation(acting_user=physician, institution_id=institution.pk)
    people.send_activation_code(aff.pk, acting_user=admin)
    note = physician.notifications.filter(title__contains="激活码").order_by("-pk").first()
    code = note.body.split("：")[1][:6]
    return people.activate_with_code(acting_user=physician, institution_id=institution.pk, code=code)


def bundle_for(world, authority):
    for b in (world.city, world.county, world.province, world.other_province):
        if b.authority.pk == authority.pk:
            return b.users
    raise AssertionError(authority)


def decide(world, app_id, *, admins=(), upto="approved"):
    """Confirm by every listed institution admin, then accept, review and approve at the deciding authority."""
    for admin in admins:
        apps.confirm_by_institution(app_id, acting_user=admin)
    from medreg.applications.models import Application

    app = Application.objects.get(pk=app_id)
    users = bundle_for(world, app.authority)
    apps.accept_application(app_id, acting_user=users[Role.CLERK])
    if upto == "accepted":
        return Application.objects.get(pk=app_id)
    apps.review_application(app_id, acting_user=users[Role.REVIEWER], opinion="符合条件", recommend="approve")
    if upto == "reviewed":
        return Application.objects.get(pk=app_id)
    return apps.approve_application(app_id, acting_user=users[Role.APPROVER])


def change_app(physician, reg, **extra):
    data = {"registration": reg.pk, "scope_codes": list(reg.scope_codes), "reason": "工作需要",
            "declaration": True, **extra}
    return apps.create_application("PHY-REG-CHANGE", acting_user=physician, data=data)


# -- the main site --------------------------------------------------------------------------------------
def test_first_registration_opens_the_main_practice_site(registered):
    site = PracticeSite.objects.get(registration=registered)
    assert site.kind == "main" and site.status == "active" and site.institution_id == registered.main_institution_id
    assert site.start_on == registered.registered_on and site.end_on is None


# -- 变更注册 ----------------------------------------------------------------------------------------------
def test_scope_change_updates_the_registration_keeps_history_and_reissues_the_licence(world, physician, registered):
    app = change_app(physician, registered, scope_codes=["11", "21"])
    apps.submit_application(app.pk, acting_user=physician)
    app = decide(world, app.pk, admins=[world.hospital_admin])
    reg = PracticeRegistration.objects.get(pk=registered.pk)
    assert app.status == Status.APPROVED and reg.scope_codes == ["11", "21"]
    change = RegistrationChange.objects.get(registration=reg, field="scope_codes")
    assert change.old_value == ["11"] and change.new_value == ["11", "21"] and change.application_id == app.pk
    assert AuditEvent.objects.filter(event_type=EventType.REGISTRATION_CHANGED).count() == 1
    statuses = sorted(reg.licences.values_list("status", flat=True))
    assert statuses == ["superseded", "valid"]


def test_a_change_that_changes_nothing_is_refused_at_submission(physician, registered):
    app = change_app(physician, registered)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=physician)
    assert "no_change" in codes(exc)


def test_scope_outside_the_category_is_refused(physician, registered):
    with pytest.raises(DomainError) as exc:
        change_app(physician, registered, scope_codes=["11", "31"])  # 31: a 口腔 scope
    assert "scope_category" in codes(exc)


def test_category_change_needs_a_qualification_of_that_category(physician, registered):
    with pytest.raises(DomainError) as exc:
        change_app(physician, registered, category_code="3", scope_codes=["11"])
    assert "category_not_held" in codes(exc)


def test_change_of_main_institution_goes_through_the_old_and_the_new_institution(
        world, physician, registered, second_hospital):
    inst, admin = second_hospital
    activate_at(physician, inst, admin)
    app = change_app(physician, registered, new_main_institution=inst.pk)
    assert app.co_institution_id == world.hospital.pk and app.institution_id == inst.pk
    # without the new institution's employment proof it cannot be submitted
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=physician)
    assert "attachment_missing" in codes(exc)
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf", content=PDF)
    apps.submit_application(app.pk, acting_user=physician)
    # the old institution sees it and confirms; it still waits for the new one
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    from medreg.applications.models import Application

    assert Application.objects.get(pk=app.pk).status == Status.SUBMITTED
    with pytest.raises(DomainError):
        apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)  # not twice
    # an unrelated institution cannot even see it
    with pytest.raises(NotFound):
        apps.confirm_by_institution(app.pk, acting_user=world.other_admin)
    app = decide(world, app.pk, admins=[admin])
    reg = PracticeRegistration.objects.get(pk=registered.pk)
    assert reg.main_institution_id == inst.pk and reg.practice_division_id == "530000"
    sites = {(s.institution_id, s.status) for s in PracticeSite.objects.filter(registration=reg, kind="main")}
    assert sites == {(world.hospital.pk, "ended"), (inst.pk, "active")}
    assert RegistrationChange.objects.filter(registration=reg, field="main_institution").exists()


def test_either_institution_may_return_a_change_with_a_reason(world, physician, registered, second_hospital):
    inst, admin = second_hospital
    activate_at(physician, inst, admin)
    app = change_app(physician, registered, new_main_institution=inst.pk)
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf", content=PDF)
    apps.submit_application(app.pk, acting_user=physician)
    app = apps.return_by_institution(app.pk, acting_user=world.hospital_admin, reason="未办理离职手续")
    assert app.status == Status.RETURNED


def test_moving_to_another_province_must_be_confirmed_and_voids_nothing_else(world, physician, registered):
    activate_at(physician, world.other_hospital, world.other_admin)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(
            change_app(physician, registered, new_main_institution=world.other_hospital.pk).pk, acting_user=physician)
    assert "confirm_move" in codes(exc)


def test_confirmed_move_to_another_province_changes_the_place(world, physician, registered):
    activate_at(physician, world.other_hospital, world.other_admin)
    app = change_app(physician, registered, new_main_institution=world.other_hospital.pk, confirm_move=True)
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf", content=PDF)
    apps.submit_application(app.pk, acting_user=physician)
    assert app.authority_id == world.other_province.authority.pk
    decide(world, app.pk, admins=[world.hospital_admin, world.other_admin])
    reg = PracticeRegistration.objects.get(pk=registered.pk)
    assert reg.practice_division_id == "520000" and reg.authority_id == world.other_province.authority.pk


# -- 增加执业地点 -----------------------------------------------------------------------------------------
def add_place(physician, reg, inst, **extra):
    data = {"registration": reg.pk, "main_institution": inst.pk, "keep_original": "yes", "declaration": True, **extra}
    app = apps.create_application("PHY-REG-ADD-PLACE", acting_user=physician, data=data)
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf", content=PDF)
    return app


def test_adding_a_place_in_the_same_province_is_pointed_to_filing(physician, registered, second_hospital):
    with pytest.raises(DomainError) as exc:
        add_place(physician, registered, second_hospital[0])
    assert "same_province" in codes(exc)


def test_not_keeping_the_original_place_must_be_confirmed(world, physician, registered):
    activate_at(physician, world.other_hospital, world.other_admin)
    app = add_place(physician, registered, world.other_hospital, keep_original="no")
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=physician)
    assert "confirm_void" in codes(exc)


def test_adding_a_place_keeps_the_original_registration(world, physician, registered):
    activate_at(physician, world.other_hospital, world.other_admin)
    app = add_place(physician, registered, world.other_hospital)
    apps.submit_application(app.pk, acting_user=physician)
    app = decide(world, app.pk, admins=[world.other_admin])
    new = app.result_registration
    assert new.practice_division_id == "520000" and new.scope_codes == registered.scope_codes
    assert PracticeRegistration.objects.get(pk=registered.pk).status == "active"
    assert new.licences.filter(status="valid").count() == 1


def test_adding_a_place_without_keeping_voids_the_original_and_its_licence(world, physician, registered):
    activate_at(physician, world.other_hospital, world.other_admin)
    app = add_place(physician, registered, world.other_hospital, keep_original="no", confirm_void=True)
    apps.submit_application(app.pk, acting_user=physician)
    decide(world, app.pk, admins=[world.other_admin])
    original = PracticeRegistration.objects.get(pk=registered.pk)
    assert original.status == "cancelled"
    assert not original.licences.filter(status="valid").exists()
    assert AuditEvent.objects.filter(event_type=EventType.REGISTRATION_VOIDED).count() == 1


def test_an_assistant_cannot_add_a_place(world):
    assistant = register_physician(world, name="王助理", username="wangzl", level="2")
    activate(world, assistant)
    reg_app = draft(world, assistant)
    apps.submit_application(reg_app.pk, acting_user=assistant)
    reg = decide(world, reg_app.pk, admins=[world.hospital_admin]).result_registration
    assert reg.practice_division_id == "530102"  # an assistant's place is the county
    with pytest.raises(DomainError) as exc:
        add_place(assistant, reg, world.other_hospital)
    assert "assistant_one_place" in codes(exc)


# -- 多执业机构备案 ------------------------------------------------------------------------------------------
def filing(physician, reg, inst, **extra):
    today = timezone.localdate()
    data = {"registration": reg.pk, "site_institution": inst.pk, "work_kind": "multi_site",
            "start_on": (today + timedelta(days=1)).isoformat(), "end_on": (today + timedelta(days=365)).isoformat(),
            "declaration": True, **extra}
    return apps.create_application("PHY-SITE-FILE", acting_user=physician, data=data)


@pytest.mark.parametrize("kind", ["medical_alliance", "consultation", "further_study"])
def test_exempt_kinds_of_work_need_no_filing(physician, registered, second_hospital, kind):
    with pytest.raises(DomainError) as exc:
        filing(physician, registered, second_hospital[0], work_kind=kind)
    assert "exempt_work" in codes(exc)


def test_filing_cannot_cross_the_province(world, physician, registered):
    with pytest.raises(DomainError) as exc:
        filing(physician, registered, world.other_hospital)
    assert "other_province" in codes(exc)


def test_filing_needs_an_end_date_on_or_after_the_start(physician, registered, second_hospital):
    today = timezone.localdate()
    with pytest.raises(DomainError) as exc:
        filing(physician, registered, second_hospital[0], start_on=(today + timedelta(days=5)).isoformat(),
               end_on=(today + timedelta(days=4)).isoformat())
    assert "end_before_start" in codes(exc)
    same_day = filing(physician, registered, second_hospital[0], start_on=(today + timedelta(days=5)).isoformat(),
                      end_on=(today + timedelta(days=5)).isoformat())
    assert same_day.form_data["end_on"] == same_day.form_data["start_on"]


def test_filing_is_confirmed_by_the_main_institution_and_filed_with_the_added_ones_commission(
        world, physician, registered):
    county_hospital, county_admin = make_institution(
        world.county.authority, rng=world.rng, name="五华区人民医院", division_code="530102",
        admin_username="whh_admin")
    app = filing(physician, registered, county_hospital)
    assert app.institution_id == world.hospital.pk and app.authority_id == world.county.authority.pk
    apps.submit_application(app.pk, acting_user=physician)
    decide(world, app.pk, admins=[world.hospital_admin])
    site = PracticeSite.objects.get(registration=registered, kind="filed")
    assert site.institution_id == county_hospital.pk and site.status == "active" and site.end_on is not None
    assert site.authority_id == world.county.authority.pk
    # a second, overlapping filing at the same institution is refused at submission
    again = filing(physician, registered, county_hospital)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(again.pk, acting_user=physician)
    assert "overlapping_filing" in codes(exc)
    # cancelling it
    cancel = apps.create_application("PHY-SITE-CANCEL", acting_user=physician,
                                     data={"site": site.pk, "reason": "合作结束", "declaration": True})
    apps.withdraw_application(again.pk, acting_user=physician)
    apps.submit_application(cancel.pk, acting_user=physician)
    decide(world, cancel.pk, admins=[world.hospital_admin])
    site.refresh_from_db()
    assert site.status == "cancelled" and site.end_on == timezone.localdate()


def test_a_physician_cannot_cancel_someone_elses_filing(world, physician, registered, second_hospital):
    other = register_physician(world, name="李四", username="lisi")
    with pytest.raises(DomainError) as exc:
        apps.create_application("PHY-SITE-CANCEL", acting_user=other,
                                data={"site": PracticeSite.objects.get(registration=registered).pk, "reason": "x",
                                      "declaration": True})
    assert exc.value.errors[0].code in ("unknown_site", "required")


# -- 助理医师升执业医师 ------------------------------------------------------------------------------------------
@pytest.fixture
def assistant(world):
    user = register_physician(world, name="王助理", username="wangzl", level="2")
    activate(world, user)
    app = draft(world, user)
    apps.submit_application(app.pk, acting_user=user)
    reg = decide(world, app.pk, admins=[world.hospital_admin]).result_registration
    return user, reg


def passed_physician_exam(world, user, category="1"):
    from medreg.people.models import Person

    person = Person.objects.get(pk=user.person_id)
    number = person.id_number
    record, _ = make_physician_qualification(rng=world.rng, name=person.name, division_code="530102", level="1",
                                             category=category, id_number=number)
    return record


def test_upgrade_registers_a_physician_and_lapses_the_assistant_registration(world, assistant):
    user, reg = assistant
    qual = passed_physician_exam(world, user)
    assert qual.person_id == user.person_id
    app = apps.create_application("PHY-REG-UPGRADE", acting_user=user, data={
        "registration": reg.pk, "qualification": qual.pk, "scope_codes": ["11"], "declaration": True})
    apps.submit_application(app.pk, acting_user=user)
    app = decide(world, app.pk, admins=[world.hospital_admin])
    new = app.result_registration
    assert new.level_code == "1" and new.practice_division_id == "530000"
    assert new.main_institution_id == reg.main_institution_id
    old = PracticeRegistration.objects.get(pk=reg.pk)
    assert old.status == "lapsed" and not old.licences.filter(status="valid").exists()


def test_upgrade_needs_the_same_category(world, assistant):
    user, reg = assistant
    qual = passed_physician_exam(world, user, category="3")
    with pytest.raises(DomainError) as exc:
        apps.create_application("PHY-REG-UPGRADE", acting_user=user, data={
            "registration": reg.pk, "qualification": qual.pk, "scope_codes": ["11"], "declaration": True})
    assert "category_mismatch" in codes(exc)


# -- consistency of pending applications ----------------------------------------------------------------
def test_two_pending_changes_to_one_registration_cannot_both_be_approved(world, physician, registered):
    first = change_app(physician, registered, scope_codes=["11", "21"])
    apps.submit_application(first.pk, acting_user=physician)
    county_hospital, _admin = make_institution(
        world.county.authority, rng=world.rng, name="五华区人民医院", division_code="530102",
        admin_username="whh_admin")
    second = filing(physician, registered, county_hospital)
    apps.submit_application(second.pk, acting_user=physician)
    decide(world, second.pk, admins=[world.hospital_admin], upto="reviewed")
    decide(world, first.pk, admins=[world.hospital_admin])  # the change is approved first
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        apps.approve_application(second.pk, acting_user=world.county.users[Role.APPROVER])
    assert "registration_changed" in codes(exc)
    assert AuditEvent.objects.count() == before
    # it can still be refused (or corrected): nothing is stuck
    refused = apps.refuse_application(second.pk, acting_user=world.county.users[Role.APPROVER], reason="注册已变更")
    assert refused.status == Status.REFUSED


# -- extension of the limit --------------------------------------------------------------------------------
def test_the_approver_extends_the_limit_once_by_ten_working_days(world, physician, registered):
    from medreg.core import calendar

    app = change_app(physician, registered, scope_codes=["11", "21"])
    apps.submit_application(app.pk, acting_user=physician)
    app = decide(world, app.pk, admins=[world.hospital_admin], upto="accepted")
    due = app.due_on
    with pytest.raises(PermissionDenied):
        apps.extend_deadline(app.pk, acting_user=world.city.users[Role.CLERK], reason="需现场核查")
    with pytest.raises(DomainError) as exc:
        apps.extend_deadline(app.pk, acting_user=world.city.users[Role.APPROVER], reason=" ")
    assert "required" in codes(exc)
    app = apps.extend_deadline(app.pk, acting_user=world.city.users[Role.APPROVER], reason="需现场核查")
    assert app.extension_days == 10 and app.due_on == calendar.add_working_days(due, 10)
    assert app.timeline.filter(action="extend").count() == 1
    with pytest.raises(DomainError) as exc:
        apps.extend_deadline(app.pk, acting_user=world.city.users[Role.APPROVER], reason="再延长")
    assert "already_extended" in codes(exc)
    with pytest.raises(NotFound):
        apps.extend_deadline(app.pk, acting_user=world.other_province.users[Role.APPROVER], reason="x")


def test_a_limit_cannot_be_extended_before_acceptance(world, physician, registered):
    app = change_app(physician, registered, scope_codes=["11", "21"])
    apps.submit_application(app.pk, acting_user=physician)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    with pytest.raises(DomainError) as exc:
        apps.extend_deadline(app.pk, acting_user=world.city.users[Role.APPROVER], reason="x")
    assert "not_running" in codes(exc)


# -- first registration: training after two years ----------------------------------------------------------
@pytest.mark.parametrize(("days_over", "needs_training"), [(-1, False), (0, True)])
def test_a_qualification_two_years_old_needs_training_proof(world, days_over, needs_training):
    from medreg.people import eligibility

    today = timezone.localdate()
    # obtained so that the 2-year anniversary is tomorrow (-1) or today (0)
    obtained = eligibility.add_years(today, -2) + timedelta(days=-days_over)
    _rec, number = make_physician_qualification(rng=world.rng, name="赵老", division_code="530102",
                                                obtained_on=obtained)
    user = people.register_individual(acting_user=None, name="赵老", id_number=number, phone="13800138011",
                                      password="Medreg!2026", username="zhaolao", profession="physician")
    activate(world, user)
    app = draft(world, user)
    if needs_training:
        with pytest.raises(DomainError) as exc:
            apps.submit_application(app.pk, acting_user=user)
        assert "training_required" in codes(exc)
        apps.add_attachment(app.pk, acting_user=user, kind="training_proof", filename="t.pdf", content=PDF)
    assert apps.submit_application(app.pk, acting_user=user).status == Status.SUBMITTED


def test_items_api_lists_the_physician_items_with_their_limits(client):
    body = client.get("/api/v1/items").json()
    items = {i["code"]: i for i in (body["items"] if isinstance(body, dict) and "items" in body else body)}
    for code in ("PHY-REG-FIRST", "PHY-REG-CHANGE", "PHY-REG-ADD-PLACE", "PHY-SITE-FILE", "PHY-SITE-CANCEL",
                 "PHY-REG-UPGRADE"):
        assert items[code]["statutory_limit_days"] == 20
