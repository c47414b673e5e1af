"""Institution items through the real application workflow: 执业登记 first (INST-REG-PRACTICE)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core import identifiers
from medreg.core.errors import DomainError, NotFound
from medreg.institutions import services as institutions
from medreg.institutions.choices import ChangeKind, InstitutionStatus
from medreg.institutions.testing import (
    decide,
    draft_with_materials,
    make_pending_institution,
    registration_form,
)
from medreg.licences.models import ELicence

REG = "INST-REG-PRACTICE"


@pytest.fixture
def pending(world):
    return make_pending_institution(world)


def codes(exc: pytest.ExceptionInfo[DomainError]) -> set[str]:
    return {e.code for e in exc.value.errors}


def test_registration_approved_activates_the_institution_and_issues_its_licence(world, pending):
    inst, admin = pending
    app = draft_with_materials(REG, admin, registration_form(inst))
    assert app.institution == inst and app.authority == world.city.authority and app.statutory_limit_days == 45
    app = decide(world, app)
    inst.refresh_from_db()
    assert app.status == Status.APPROVED
    assert inst.status == InstitutionStatus.ACTIVE
    assert inst.aliases == "昆明康宁互联网医院"
    assert sorted(inst.subjects.values_list("code", flat=True)) == ["03", "03.01", "04"]
    assert str(inst.registered_capital) == "1200.50"
    parsed = identifiers.parse_registration_no(inst.registration_no)
    assert identifiers.cross_check_registration_no_with_uscc(parsed, inst.uscc)
    assert (parsed.division_code, parsed.economic_type, parsed.category_code, parsed.management_type) == (
        "530102", "11", "A100", "1")
    lic = ELicence.objects.filter(institution_id=inst.pk).order_by("-pk").first()
    assert lic is not None and lic.licence_no == inst.registration_no
    assert inst.changes.filter(kind=ChangeKind.REGISTERED, application_number=app.number).exists()
    assert AuditEvent.objects.filter(event_type=EventType.INSTITUTION_REGISTERED, subject_id=str(inst.pk)).exists()


def test_given_registration_no_is_cross_checked_with_the_uscc(world, pending):
    inst, admin = pending
    other_org = identifiers.build_registration_no("12345678", "530102", "11", "A100", "1")
    app = draft_with_materials(REG, admin, registration_form(inst, registration_no=other_org))
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=admin)
    assert "regno_uscc_mismatch" in codes(exc)


def test_given_registration_no_must_match_the_registered_items(world, pending):
    inst, admin = pending
    number = identifiers.build_registration_no(inst.uscc[8:17], "530102", "17", "A100", "2")
    app = draft_with_materials(REG, admin, registration_form(inst, registration_no=number))
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=admin)
    assert "regno_items_mismatch" in codes(exc)
    apps.update_application(app.pk, acting_user=admin, data={"economic_type": "17", "management_type": "2"})
    app = decide(world, app)
    inst.refresh_from_db()
    assert inst.registration_no == number


def test_every_field_error_is_reported_at_once(world, pending):
    inst, admin = pending
    with pytest.raises(DomainError) as exc:
        apps.create_application(REG, acting_user=admin, data=registration_form(
            inst, category_code="Z999", subject_codes=["03", "99.99"], beds=-1, registered_capital="0",
            economic_type="88"))
    assert {e.field for e in exc.value.errors} >= {"category_code", "subject_codes", "beds", "registered_capital",
                                                  "economic_type"}


def test_dental_institution_must_register_dental_chairs(world):
    inst, admin = make_pending_institution(world, category_code="D152", name="五华口腔门诊部", admin_username="kq_admin")
    app = apps.create_application(REG, acting_user=admin, data=registration_form(inst, dental_chairs=0, beds=0))
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=admin)
    assert "dental_chairs" in codes(exc)


@pytest.mark.parametrize(("failed", "approvable"), [(None, True), ("asepsis_test", False)])
def test_a_failed_refusal_ground_blocks_approval(world, pending, failed, approvable):
    inst, admin = pending
    app = draft_with_materials(REG, admin, registration_form(inst))
    checks = {g: g != failed for g in institutions.authority_grounds()}
    if approvable:
        assert decide(world, app, checks=checks).status == Status.APPROVED
    else:
        with pytest.raises(DomainError) as exc:
            decide(world, app, checks=checks)
        assert "refusal_ground" in codes(exc)


def test_approval_needs_every_authority_ground_checked(world, pending):
    inst, admin = pending
    app = draft_with_materials(REG, admin, registration_form(inst))
    grounds = institutions.authority_grounds()
    partial = {g: True for g in grounds[:-1]}
    with pytest.raises(DomainError) as exc:
        decide(world, app, checks=partial)
    assert "checks_missing" in codes(exc)


def test_kinds_that_need_setup_approval_cannot_register_without_it(world):
    inst, admin = make_pending_institution(world, category_code="E100", name="昆明市急救中心", admin_username="jj_admin")
    app = draft_with_materials(REG, admin, registration_form(inst, beds=0))
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=admin)
    assert "setup_approval_missing" in codes(exc)


def test_an_active_institution_cannot_register_again(world):
    app = apps.create_application(REG, acting_user=world.hospital_admin, data=registration_form(world.hospital))
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=world.hospital_admin)
    assert "institution_status" in codes(exc)


def test_only_the_deciding_authority_reviewer_records_checks(world, pending):
    inst, admin = pending
    app = draft_with_materials(REG, admin, registration_form(inst))
    apps.submit_application(app.pk, acting_user=admin)
    apps.accept_application(app.pk, acting_user=world.city.users[Role.CLERK])
    before = AuditEvent.objects.filter(event_type=EventType.INSTITUTION_REGISTRATION_CHECKED).count()
    for user in (world.other_province.users[Role.REVIEWER], admin, world.other_admin):
        with pytest.raises(NotFound):
            institutions.record_registration_checks(app.pk, acting_user=user, results={"premises": True})
    with pytest.raises(Exception) as exc:
        institutions.record_registration_checks(app.pk, acting_user=world.city.users[Role.CLERK],
                                                results={"premises": True})
    assert getattr(exc.value, "errors", [None])[0].code == "missing_role"
    assert AuditEvent.objects.filter(event_type=EventType.INSTITUTION_REGISTRATION_CHECKED).count() == before


# -- helpers for the lifecycle items -----------------------------------------------------------------------
D0 = date(2025, 3, 3)  # a Monday


def on(monkeypatch, day):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)


def registered(world, monkeypatch, *, beds=99, name="昆明康宁医院", username="kangning_admin", day=D0):
    on(monkeypatch, day)
    inst, admin = make_pending_institution(world, name=name, admin_username=username)
    decide(world, draft_with_materials(REG, admin, registration_form(inst, beds=beds)))
    inst.refresh_from_db()
    return inst, admin


def simple(item, admin, **data):
    return draft_with_materials(item, admin, {"declaration": True, **data})


# -- 校验 -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("beds", "due"), [(99, date(2026, 3, 3)), (100, date(2028, 3, 3)), (0, date(2026, 3, 3))])
def test_verification_period_is_one_year_below_100_beds_and_three_years_from_100(world, monkeypatch, beds, due):
    inst, _admin = registered(world, monkeypatch, beds=beds)
    assert inst.verification_due_on == due


@pytest.mark.parametrize(("day", "opens"), [(date(2025, 12, 2), False), (date(2025, 12, 3), True),
                                            (date(2026, 3, 4), True)])
def test_verification_opens_three_months_before_the_due_date(world, monkeypatch, day, opens):
    _inst, admin = registered(world, monkeypatch, beds=99)  # due 2026-03-03, opens 2025-12-03
    on(monkeypatch, day)
    app = simple("INST-VERIFY", admin, self_inspection="依法执业，无违规")
    if opens:
        assert apps.submit_application(app.pk, acting_user=admin).status == Status.RECEIVED
    else:
        with pytest.raises(DomainError) as exc:
            apps.submit_application(app.pk, acting_user=admin)
        assert "verification_not_open" in codes(exc)


def test_verification_qualified_starts_the_next_period_and_lists_on_the_licence_copy(world, monkeypatch):
    inst, admin = registered(world, monkeypatch, beds=99)
    on(monkeypatch, date(2026, 2, 2))
    app = decide(world, simple("INST-VERIFY", admin, self_inspection="依法执业"))
    inst.refresh_from_db()
    assert app.statutory_limit_days == 30
    assert inst.verification_due_on == date(2027, 3, 3)  # the cycle does not move with the decision date
    record = inst.verifications.get()
    assert (record.outcome, record.period_due_on, record.next_due_on) == ("qualified", date(2026, 3, 3),
                                                                         date(2027, 3, 3))
    lic = ELicence.objects.filter(institution_id=inst.pk).order_by("-pk").first()
    assert any("校验" in text for _day, text in lic.data["copy_lines"])


@pytest.mark.parametrize(("months", "ok"), [(0, False), (1, True), (6, True), (7, False)])
def test_deferral_lasts_one_to_six_months(world, monkeypatch, months, ok):
    inst, admin = registered(world, monkeypatch, beds=99)
    on(monkeypatch, date(2026, 2, 2))
    app = simple("INST-VERIFY", admin, self_inspection="依法执业")
    apps.submit_application(app.pk, acting_user=admin)
    apps.accept_application(app.pk, acting_user=world.city.users[Role.CLERK])
    apps.review_application(app.pk, acting_user=world.city.users[Role.REVIEWER], opinion="需整改", recommend="refuse")
    approver = world.city.users[Role.APPROVER]
    if not ok:
        with pytest.raises(DomainError) as exc:
            institutions.defer_verification(app.pk, acting_user=approver, months=months, reason="整改")
        assert "deferral_months" in codes(exc)
        return
    record = institutions.defer_verification(app.pk, acting_user=approver, months=months, reason="院感制度需整改")
    inst.refresh_from_db()
    assert record.outcome == "deferred" and inst.verification_state == "deferred"
    assert inst.deferred_until == inst.verification_due_on == record.deferred_until
    assert inst.may_practise  # 99 beds: practises during the deferral


def test_a_bed_less_institution_may_not_practise_while_deferred(world, monkeypatch):
    inst, admin = registered(world, monkeypatch, beds=0)
    on(monkeypatch, date(2026, 2, 2))
    app = simple("INST-VERIFY", admin, self_inspection="依法执业")
    apps.submit_application(app.pk, acting_user=admin)
    apps.accept_application(app.pk, acting_user=world.city.users[Role.CLERK])
    apps.review_application(app.pk, acting_user=world.city.users[Role.REVIEWER], opinion="需整改", recommend="refuse")
    institutions.defer_verification(app.pk, acting_user=world.city.users[Role.APPROVER], months=3, reason="整改")
    inst.refresh_from_db()
    assert not inst.may_practise
    assert Application.objects.get(pk=app.pk).status == Status.REFUSED


def test_only_the_deciding_approver_defers(world, monkeypatch):
    _inst, admin = registered(world, monkeypatch, beds=99)
    on(monkeypatch, date(2026, 2, 2))
    app = simple("INST-VERIFY", admin, self_inspection="依法执业")
    apps.submit_application(app.pk, acting_user=admin)
    before = AuditEvent.objects.count()
    for user in (world.other_province.users[Role.APPROVER], admin):
        with pytest.raises(NotFound):
            institutions.defer_verification(app.pk, acting_user=user, months=3, reason="整改")
    assert AuditEvent.objects.count() == before


# -- 停业 / 解除停业 / 注销 / 补发 / 变更 -------------------------------------------------------------------
def test_suspension_and_resumption_follow_the_licence(world, monkeypatch):
    inst, admin = registered(world, monkeypatch)
    decide(world, simple("INST-SUSPEND", admin, start_on="2025-03-10", reason_code="other", reason_text="装修"))
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.SUSPENDED and inst.suspended_on == date(2025, 3, 10)
    assert ELicence.objects.filter(institution_id=inst.pk).order_by("-pk").first().status == "suspended"
    decide(world, simple("INST-RESUME", admin, reason_text="恢复执业"))
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.ACTIVE and inst.suspended_on is None
    assert ELicence.objects.filter(institution_id=inst.pk).order_by("-pk").first().status == "valid"
    kinds = list(inst.changes.values_list("kind", flat=True))
    assert kinds[-3:] == [ChangeKind.REGISTERED, ChangeKind.SUSPENDED, ChangeKind.RESUMED]


@pytest.mark.parametrize(("reason", "day", "closed"), [
    ("other", date(2026, 3, 10), False), ("other", date(2026, 3, 11), True), ("rebuilding", date(2027, 3, 11), False),
])
def test_a_stop_over_a_year_other_than_rebuilding_counts_as_closure(world, monkeypatch, reason, day, closed):
    inst, admin = registered(world, monkeypatch)
    decide(world, simple("INST-SUSPEND", admin, start_on="2025-03-10", reason_code=reason, reason_text="停业"))
    on(monkeypatch, day)
    flagged = institutions.flag_deemed_closures(acting_user=None)
    assert (inst.pk in flagged) is closed
    app = simple("INST-RESUME", admin, reason_text="恢复执业")
    if closed:
        with pytest.raises(DomainError) as exc:
            apps.submit_application(app.pk, acting_user=admin)
        assert "deemed_closed" in codes(exc)
        assert institutions.flag_deemed_closures(acting_user=None) == []  # safe to run twice
    else:
        assert apps.submit_application(app.pk, acting_user=admin).status == Status.RECEIVED


def test_cancellation_revokes_the_licence(world, monkeypatch):
    inst, admin = registered(world, monkeypatch)
    decide(world, simple("INST-CANCEL", admin, reason_text="歇业"))
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.CANCELLED
    assert ELicence.objects.filter(institution_id=inst.pk).order_by("-pk").first().status == "revoked"


def test_licence_replacement_issues_a_new_version(world, monkeypatch):
    inst, admin = registered(world, monkeypatch)
    first = ELicence.objects.filter(institution_id=inst.pk).order_by("-pk").first()
    decide(world, simple("INST-LICENCE-REPLACE", admin, reason_code="lost", reason_text="遗失，已登报声明"))
    latest = ELicence.objects.filter(institution_id=inst.pk).order_by("-pk").first()
    assert latest.pk != first.pk and latest.status == "valid"
    assert inst.changes.filter(kind=ChangeKind.LICENCE_REPLACED).exists()


def test_change_registration_updates_items_and_history(world, monkeypatch):
    inst, admin = registered(world, monkeypatch, beds=99)
    decide(world, simple("INST-CHANGE", admin, name="昆明康宁综合医院", beds=120, subject_codes=["03", "07"],
                         reason="扩建病房"))
    inst.refresh_from_db()
    assert (inst.name, inst.beds) == ("昆明康宁综合医院", 120)
    assert sorted(inst.subjects.values_list("code", flat=True)) == ["03", "07"]
    change = inst.changes.filter(kind=ChangeKind.CHANGED).get()
    assert change.changes["beds"] == {"old": 99, "new": 120} and "subject_codes" in change.changes
    lic = ELicence.objects.filter(institution_id=inst.pk).order_by("-pk").first()
    assert lic.holder_name == "昆明康宁综合医院"


def test_change_registration_needs_something_to_change(world, monkeypatch):
    _inst, admin = registered(world, monkeypatch)
    app = simple("INST-CHANGE", admin, reason="无")
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=admin)
    assert "nothing_to_change" in codes(exc)


# -- 设置审批 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("category", "grade", "econ", "needed"), [
    ("E100", "", "11", True), ("P110", "", "11", True), ("A100", "31A", "11", True), ("G100", "31B", "11", True),
    ("A100", "21A", "11", False), ("A100", "", "31", True), ("D211", "", "23", True), ("D211", "", "21", False),
])
def test_setup_approval_only_for_the_configured_kinds(category, grade, econ, needed, db):
    from medreg.institutions import rules

    assert rules.needs_setup_approval(category, grade_code=grade, economic_type=econ) is needed


def test_setup_approval_then_registration_within_the_approved_beds(world, monkeypatch):
    on(monkeypatch, D0)
    inst, admin = make_pending_institution(world, category_code="E100", name="昆明市急救中心", admin_username="jj_admin")
    setup = decide(world, draft_with_materials("INST-SETUP", admin, registration_form(inst, beds=20)))
    assert setup.statutory_limit_days == 30
    inst.refresh_from_db()
    assert inst.setup_approval_no and inst.setup_approved_beds == 20
    app = draft_with_materials(REG, admin, registration_form(inst, beds=21))
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=admin)
    assert "setup_mismatch" in codes(exc)
    apps.update_application(app.pk, acting_user=admin, data={"beds": 20})
    assert decide(world, app).status == Status.APPROVED


def test_setup_approval_is_refused_up_front_for_other_kinds(world):
    inst, admin = make_pending_institution(world)
    app = draft_with_materials("INST-SETUP", admin, registration_form(inst, grade_code="21A"))
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=admin)
    assert "setup_not_required" in codes(exc)


# -- 诊所备案 -----------------------------------------------------------------------------------------------
def legacy_physician(world, *, registered_on, category="1", name="孙志远"):
    from medreg.demo import ids
    from medreg.people.imports import LegacyPractitioner, import_legacy_practitioners
    from medreg.people.models import PracticeRegistration

    number = ids.citizen_id(world.rng, "530102")
    cat2 = {"1": "10", "4": "41"}[category]
    rec = LegacyPractitioner(
        profession="physician", name=name, id_number=number, institution_id=world.hospital.pk,
        registered_on=registered_on, qualification_obtained_on=date(2010, 1, 1), level_code="1",
        category_code=category, scope_codes=("11",) if category == "1" else ("51",),
        qualification_code=ids.physician_qualification_code(2010, "53", "1", cat2, number),
    )
    result = import_legacy_practitioners([rec], acting_user=None)
    assert not result.rejected, result.rejected
    return PracticeRegistration.objects.get(person__name=name)


def clinic_form(inst, reg, **overrides):
    data = {"name": inst.name, "address": inst.address, "legal_representative": reg.person.name,
            "principal": reg.person.name, "economic_type": "17", "category_code": inst.category_code,
            "management_type": "2", "subject_codes": ["03"], "responsible_certificate_no": reg.certificate_no}
    data.update(overrides)
    return data


@pytest.mark.parametrize(("registered_on", "filed"), [(date(2020, 3, 3), True), (date(2020, 3, 4), False)])
def test_clinic_filing_needs_five_years_of_registered_practice(world, monkeypatch, registered_on, filed):
    reg = legacy_physician(world, registered_on=registered_on)
    on(monkeypatch, D0)
    inst, admin = make_pending_institution(world, authority=world.county.authority, category_code="D211",
                                           name="五华孙志远诊所", admin_username="szy_admin")
    app = simple("INST-CLINIC-FILING", admin, **clinic_form(inst, reg))
    if filed:
        app = apps.submit_application(app.pk, acting_user=admin)  # receipt on the spot, no review chain
        inst.refresh_from_db()
        assert app.status == Status.APPROVED and app.authority == world.county.authority
        assert inst.status == InstitutionStatus.ACTIVE and inst.licensing_mode == "filing" and inst.filing_no
        assert inst.changes.filter(kind=ChangeKind.FILED).exists()
    else:
        with pytest.raises(DomainError) as exc:
            apps.submit_application(app.pk, acting_user=admin)
        assert "founder_years" in codes(exc)
        inst.refresh_from_db()
        assert inst.status == InstitutionStatus.PENDING


def test_clinic_founder_years_come_from_the_registry_and_the_name_must_match(world, monkeypatch):
    reg = legacy_physician(world, registered_on=date(2010, 1, 1))
    on(monkeypatch, D0)
    inst, admin = make_pending_institution(world, authority=world.county.authority, category_code="D211",
                                           name="五华诊所", admin_username="whzs_admin")
    app = simple("INST-CLINIC-FILING", admin, **clinic_form(inst, reg, principal="李四"))
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=admin)
    assert "founder_unknown" in codes(exc)


@pytest.mark.parametrize(("category", "registered_on", "problem"), [
    ("4", date(2022, 3, 3), None), ("4", date(2022, 3, 4), "founder_years"), ("1", date(2010, 1, 1), "founder_not_tcm"),
])
def test_tcm_clinics_follow_their_own_rule(world, monkeypatch, category, registered_on, problem):
    reg = legacy_physician(world, registered_on=registered_on, category=category)
    on(monkeypatch, D0)
    inst, admin = make_pending_institution(world, authority=world.county.authority, category_code="D212",
                                           name="五华中医诊所", admin_username="zy_admin")
    app = simple("INST-CLINIC-FILING", admin, **clinic_form(inst, reg, subject_codes=["50"]))
    if problem is None:
        assert apps.submit_application(app.pk, acting_user=admin).status == Status.APPROVED
    else:
        with pytest.raises(DomainError) as exc:
            apps.submit_application(app.pk, acting_user=admin)
        assert problem in codes(exc)


def test_only_clinics_may_file(world):
    inst, admin = make_pending_institution(world)
    with pytest.raises(DomainError) as exc:
        apps.create_application("INST-CLINIC-FILING", acting_user=admin, data={"category_code": "A100"})
    assert "not_a_clinic" in codes(exc)


def test_clinic_filing_goes_to_a_county_authority(world, monkeypatch):
    reg = legacy_physician(world, registered_on=date(2010, 1, 1))
    on(monkeypatch, D0)
    inst, admin = make_pending_institution(world, category_code="D211", name="昆明市区诊所", admin_username="sq_admin")
    app = simple("INST-CLINIC-FILING", admin, **clinic_form(inst, reg))
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=admin)
    assert "filing_authority" in codes(exc)


def test_a_suspension_flags_the_registrations_at_the_institution(world, physician):
    from medreg.applications.tests.test_first_registration_flow import activate
    from medreg.applications.tests.test_first_registration_flow import draft as physician_draft
    from medreg.supervision.models import RegistrationWarning

    activate(world, physician)
    reg_app = physician_draft(world, physician)
    apps.submit_application(reg_app.pk, acting_user=physician)
    apps.confirm_by_institution(reg_app.pk, acting_user=world.hospital_admin)
    c = world.city.users
    apps.accept_application(reg_app.pk, acting_user=c[Role.CLERK])
    apps.review_application(reg_app.pk, acting_user=c[Role.REVIEWER], opinion="符合", recommend="approve")
    registration = apps.approve_application(reg_app.pk, acting_user=c[Role.APPROVER]).result_registration
    today = timezone.localdate().isoformat()
    decide(world, simple("INST-SUSPEND", world.hospital_admin, start_on=today, reason_code="other", reason_text="装修"))
    warning = RegistrationWarning.objects.get(registration=registration)
    assert warning.reason == "suspended" and warning.institution_id == world.hospital.pk
    assert physician.notifications.filter(title__contains=world.hospital.name).exists()
