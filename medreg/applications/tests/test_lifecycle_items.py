"""The physician lifecycle items through the real services: 注销 (physician / institution), 机构备案,
重新注册, 换领/补发 and 个人信息更新 — each with its boundaries and who may file it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.errors import DomainError
from medreg.licences.choices import LicenceStatus
from medreg.people import lifecycle
from medreg.people import services as people
from medreg.people.choices import AffiliationStatus, RegistrationStatus
from medreg.people.models import (
    CancellationProposal,
    DepartureRecord,
    PersonInfoVersion,
    RegistrationCancellation,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 28), "white").save(buf, "PNG")
    return buf.getvalue()


def activate(world, user, institution=None):
    institution = institution or world.hospital
    admin = world.hospital_admin if institution == world.hospital else world.other_admin
    aff = people.request_activation(acting_user=user, institution_id=institution.pk)
    people.send_activation_code(aff.pk, acting_user=admin)
    note = user.notifications.filter(title__contains="激活码").order_by("-created_at").first()
    code = note.body.split("：")[1][:6]
    return people.activate_with_code(acting_user=user, institution_id=institution.pk, code=code)


def first_registration(world, user):
    qual = user.person.qualifications.first()
    app = apps.create_application("PHY-REG-FIRST", acting_user=user, data={
        "qualification": qual.pk, "main_institution": world.hospital.pk, "scope_codes": ["11"],
        "education": "本科", "school": "昆明医科大学", "declaration": True,
    })
    apps.add_attachment(app.pk, acting_user=user, kind="photo", filename="p.png", content=png_bytes())
    apps.add_attachment(app.pk, acting_user=user, kind="employment_proof", filename="e.pdf", content=PDF)
    apps.submit_application(app.pk, acting_user=user)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    return decide(world, app.pk).result_registration


def decide(world, app_id, *, authority=None):
    users = (authority or world.city).users
    apps.accept_application(app_id, acting_user=users[Role.CLERK])
    apps.review_application(app_id, acting_user=users[Role.REVIEWER], opinion="符合规定", recommend="approve")
    return apps.approve_application(app_id, acting_user=users[Role.APPROVER])


@pytest.fixture
def reg(world, physician):
    activate(world, physician)
    return first_registration(world, physician)


def current_licence(registration):
    return registration.licences.order_by("-version").first()


# -- 注销: applied for by the physician --------------------------------------------------------------------
def self_cancel(world, physician, reg, *, submit=True):
    app = apps.create_application("PHY-REG-CANCEL", acting_user=physician, data={
        "registration": reg.pk, "reason": "出国定居", "declaration": True})
    if submit:
        app = apps.submit_application(app.pk, acting_user=physician)
    return app


def test_self_cancellation_goes_through_the_institution_and_revokes_the_licence(world, physician, reg):
    app = self_cancel(world, physician, reg)
    assert app.status == Status.SUBMITTED  # the institution confirms first
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    app = decide(world, app.pk)
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.CANCELLED
    record = RegistrationCancellation.objects.get(registration=reg)
    assert record.form == "self" and record.grounds == ["voluntary"] and record.application_id == app.pk
    assert current_licence(reg).status == LicenceStatus.REVOKED
    assert AuditEvent.objects.filter(event_type=EventType.REGISTRATION_CANCELLED, subject_id=str(reg.pk)).count() == 1


def test_self_cancellation_only_of_ones_own_live_registration(world, physician, reg):
    from medreg.demo.world import register_physician

    other = register_physician(world, name="李四", username="lisi01")
    with pytest.raises(DomainError) as exc:
        apps.create_application("PHY-REG-CANCEL", acting_user=other, data={"registration": reg.pk})
    assert exc.value.errors[0].code == "unknown_registration"
    # and an institution user cannot file the physician's own item
    with pytest.raises(DomainError) as exc:
        apps.create_application("PHY-REG-CANCEL", acting_user=world.hospital_admin, data={"registration": reg.pk})
    assert exc.value.code == "not_individual"


def test_two_pending_cancellations_of_one_registration_cannot_both_proceed(world, physician, reg):
    self_cancel(world, physician, reg)
    report = apps.create_application("PHY-REG-CANCEL-REPORT", acting_user=world.hospital_admin, data={
        "registration": reg.pk, "ground": "death", "event_date": timezone.localdate().isoformat(),
        "details": "病故"})
    with pytest.raises(DomainError) as exc:
        apps.submit_application(report.pk, acting_user=world.hospital_admin)
    assert "cancellation_pending" in [e.code for e in exc.value.errors]


def test_missing_reason_and_declaration_are_reported_together(world, physician, reg):
    app = apps.create_application("PHY-REG-CANCEL", acting_user=physician, data={"registration": reg.pk})
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=physician)
    assert {e.field for e in exc.value.errors} >= {"reason", "declaration"}


# -- 注销: reported by the institution -------------------------------------------------------------------
def report(world, reg, *, days_ago, ground="criminal_penalty", user=None):
    day = timezone.localdate() - timedelta(days=days_ago)
    user = user or world.hospital_admin
    app = apps.create_application("PHY-REG-CANCEL-REPORT", acting_user=user, data={
        "registration": reg.pk, "ground": ground, "event_date": day.isoformat(), "details": "法院判决"})
    return apps.submit_application(app.pk, acting_user=user)


@pytest.mark.parametrize(("days_ago", "late"), [(30, False), (31, True)])
def test_institution_report_on_day_30_is_on_time_and_day_31_is_late_but_accepted(world, physician, reg,
                                                                                 days_ago, late):
    app = report(world, reg, days_ago=days_ago)
    assert app.status == Status.RECEIVED  # no institution confirmation: the institution is the applicant
    assert app.form_data["late"] is late
    decide(world, app.pk)
    record = RegistrationCancellation.objects.get(registration=reg)
    assert record.form == "institution" and record.reported_late is late
    assert record.grounds == ["criminal_penalty"]
    assert current_licence(reg).status == LicenceStatus.REVOKED


def test_institution_report_event_date_today_is_fine_tomorrow_is_refused(world, physician, reg):
    today = timezone.localdate()
    base = {"registration": reg.pk, "ground": "death", "details": "病故"}
    with pytest.raises(DomainError) as exc:
        apps.create_application("PHY-REG-CANCEL-REPORT", acting_user=world.hospital_admin,
                                data={**base, "event_date": (today + timedelta(days=1)).isoformat()})
    assert exc.value.errors[0].code == "future_date"
    app = apps.create_application("PHY-REG-CANCEL-REPORT", acting_user=world.hospital_admin,
                                  data={**base, "event_date": today.isoformat()})
    assert app.form_data["late"] is False


def test_institution_report_rejects_grounds_reserved_to_others(world, physician, reg):
    with pytest.raises(DomainError) as exc:
        apps.create_application("PHY-REG-CANCEL-REPORT", acting_user=world.hospital_admin, data={
            "registration": reg.pk, "ground": "voluntary", "event_date": "2026-01-01", "details": "x"})
    assert exc.value.errors[0].code == "unknown_choice"


def test_institution_report_permissions(world, physician, reg):
    before = AuditEvent.objects.count()
    data = {"registration": reg.pk, "ground": "death", "event_date": timezone.localdate().isoformat(),
            "details": "病故"}
    # another institution does not see the registration; the physician may not file the institution's item
    for user, statuses in ((world.other_admin, (400, 404)), (physician, (403,)),
                           (world.city.users[Role.CLERK], (400, 403, 404))):
        with pytest.raises(DomainError) as exc:
            apps.create_application("PHY-REG-CANCEL-REPORT", acting_user=user, data=data)
        assert exc.value.status_code in statuses
    assert AuditEvent.objects.count() == before


# -- 注销 decided by the commission -------------------------------------------------------------------------
def test_commission_cancels_on_its_own_findings(world, physician, reg):
    approver = world.city.users[Role.APPROVER]
    record = lifecycle.cancel_registration_by_authority(reg.pk, acting_user=approver,
                                                        grounds=["certificate_misuse"], reason="出借执业证书，经查属实")
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.CANCELLED and record.form == "authority"
    assert current_licence(reg).status == LicenceStatus.REVOKED
    assert AuditEvent.objects.filter(event_type=EventType.REGISTRATION_CANCELLED, actor=approver).exists()
    with pytest.raises(DomainError) as exc:
        lifecycle.cancel_registration_by_authority(reg.pk, acting_user=approver, grounds="death", reason="再次")
    assert exc.value.code == "not_cancellable"


def test_commission_cancellation_reports_every_input_error_at_once(world, physician, reg):
    with pytest.raises(DomainError) as exc:
        lifecycle.cancel_registration_by_authority(reg.pk, acting_user=world.city.users[Role.APPROVER],
                                                   grounds=["voluntary"], reason=" ")
    assert {e.field for e in exc.value.errors} == {"grounds", "reason"}


def test_commission_cancellation_permission_matrix(world, physician, reg):
    from django.contrib.auth.models import AnonymousUser

    from medreg.accounts.models import User

    national = User.objects.filter(is_superuser=True).first()
    cases = [
        (AnonymousUser(), 404), (physician, 404), (world.hospital_admin, 404), (world.other_admin, 404),
        (world.city.users[Role.CLERK], 403), (world.province.users[Role.APPROVER], 404),
        (world.other_province.users[Role.APPROVER], 404),
    ]
    if national is not None:
        cases.append((national, 403))
    before = AuditEvent.objects.count()
    for user, status in cases:
        with pytest.raises(DomainError) as exc:
            lifecycle.cancel_registration_by_authority(reg.pk, acting_user=user, grounds=["death"], reason="x")
        assert exc.value.status_code == status, user
    assert AuditEvent.objects.count() == before
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.ACTIVE


# -- 机构备案 -------------------------------------------------------------------------------------------------
def file_departure(world, reg, *, kind="retire", days_ago=10):
    day = timezone.localdate() - timedelta(days=days_ago)
    app = apps.create_application("PHY-DEPARTURE-FILING", acting_user=world.hospital_admin, data={
        "registration": reg.pk, "kind": kind, "event_date": day.isoformat(), "note": ""})
    apps.submit_application(app.pk, acting_user=world.hospital_admin)
    return decide(world, app.pk)


@pytest.mark.parametrize(("days_ago", "late"), [(30, False), (31, True)])
def test_departure_filing_ends_the_affiliation_and_flags_late_filings(world, physician, reg, days_ago, late):
    app = file_departure(world, reg, days_ago=days_ago)
    record = DepartureRecord.objects.get(application=app)
    assert record.reported_late is late and record.kind == "retire"
    aff = physician.person.affiliations.get(institution=world.hospital)
    assert aff.status == AffiliationStatus.RETIRED and aff.ended_on == record.event_date
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.ACTIVE  # a filing alone does not cancel
    assert not CancellationProposal.objects.exists()


def test_a_filing_submitted_after_midnight_beijing_time_is_filed_on_the_beijing_date(world, reg):
    from datetime import UTC, date, datetime

    from medreg.applications.models import Application

    day = timezone.localdate() - timedelta(days=5)
    app = apps.create_application("PHY-DEPARTURE-FILING", acting_user=world.hospital_admin, data={
        "registration": reg.pk, "kind": "retire", "event_date": day.isoformat(), "note": ""})
    apps.submit_application(app.pk, acting_user=world.hospital_admin)
    submitted = timezone.localtime(Application.objects.get(pk=app.pk).submitted_at)
    # 01:30 in Beijing on the submission day is 17:30 UTC on the day before
    late_night = datetime(submitted.year, submitted.month, submitted.day, 1, 30,
                          tzinfo=timezone.get_current_timezone()).astimezone(UTC)
    Application.objects.filter(pk=app.pk).update(submitted_at=late_night)
    decide(world, app.pk)
    record = DepartureRecord.objects.get(application_id=app.pk)
    assert late_night.date() != record.filed_on == date(submitted.year, submitted.month, submitted.day)


def test_a_death_filing_proposes_cancellation_at_once(world, physician, reg):
    app = file_departure(world, reg, kind="death", days_ago=3)
    aff = physician.person.affiliations.get(institution=world.hospital)
    assert aff.status == AffiliationStatus.DECEASED
    proposal = CancellationProposal.objects.get(registration=reg)
    assert proposal.grounds == ["death"] and proposal.departure.application_id == app.pk


def test_departure_filing_only_by_the_main_institution(world, physician, reg):
    with pytest.raises(DomainError) as exc:
        apps.create_application("PHY-DEPARTURE-FILING", acting_user=world.other_admin, data={
            "registration": reg.pk, "kind": "retire", "event_date": "2026-01-01"})
    assert exc.value.status_code in (400, 404)
    with pytest.raises(DomainError) as exc:
        apps.create_application("PHY-DEPARTURE-FILING", acting_user=world.hospital_admin, data={
            "registration": reg.pk, "kind": "holiday", "event_date": "2026-01-01"})
    assert exc.value.errors[0].field == "kind"


# -- 重新注册 -------------------------------------------------------------------------------------------------
def reregister(world, physician, *, passed_on=None, proof=True, submit=True):
    qual = physician.person.qualifications.first()
    passed_on = passed_on or timezone.localdate()
    app = apps.create_application("PHY-REG-AGAIN", acting_user=physician, data={
        "qualification": qual.pk, "main_institution": world.hospital.pk, "scope_codes": ["11"],
        "education": "本科", "school": "昆明医科大学", "assessment_passed_on": passed_on.isoformat(),
        "declaration": True,
    })
    apps.add_attachment(app.pk, acting_user=physician, kind="photo", filename="p.png", content=png_bytes())
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf", content=PDF)
    if proof:
        apps.add_attachment(app.pk, acting_user=physician, kind="assessment_proof", filename="a.pdf", content=PDF)
    if submit:
        app = apps.submit_application(app.pk, acting_user=physician)
    return app


def test_reregistration_after_cancellation_creates_a_new_registration_and_licence(world, physician, reg):
    lifecycle.cancel_registration_by_authority(reg.pk, acting_user=world.city.users[Role.APPROVER],
                                               grounds=["practice_ceased_2y"], reason="中止执业满二年")
    app = reregister(world, physician)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    app = decide(world, app.pk)
    new = app.result_registration
    assert new.pk != reg.pk and new.status == RegistrationStatus.ACTIVE
    assert current_licence(new).status == LicenceStatus.VALID


def test_reregistration_needs_a_previous_registration_and_the_assessment_proof(world, physician, reg):
    app = reregister(world, physician, proof=False, submit=False)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=physician)
    codes = {e.code for e in exc.value.errors}
    assert {"attachment_missing", "no_previous_registration", "duplicate_registration"} <= codes


def test_reregistration_assessment_date_today_ok_tomorrow_refused(world, physician, reg):
    lifecycle.cancel_registration_by_authority(reg.pk, acting_user=world.city.users[Role.APPROVER],
                                               grounds=["health_unfit"], reason="体检不合格")
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(DomainError) as exc:
        reregister(world, physician, passed_on=tomorrow, submit=False)
    assert [e.field for e in exc.value.errors] == ["assessment_passed_on"]
    app = reregister(world, physician, passed_on=timezone.localdate())
    assert app.status == Status.SUBMITTED


def test_reregistration_is_blocked_by_a_registration_bar(world, physician, reg, monkeypatch):
    from medreg.core.errors import ErrorItem
    from medreg.people import eligibility

    lifecycle.cancel_registration_by_authority(reg.pk, acting_user=world.city.users[Role.APPROVER],
                                               grounds=["assessment_failed"], reason="再次考核不合格")
    bar = ErrorItem("bar_assessment", "定期考核不合格被注销不满一年")
    monkeypatch.setattr(eligibility, "registration_bars", lambda person, *, profession, on=None: [bar])
    app = reregister(world, physician, submit=False)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=physician)
    assert [e.code for e in exc.value.errors] == ["bar_assessment"]
    monkeypatch.setattr(eligibility, "registration_bars", lambda person, *, profession, on=None: [])
    assert apps.submit_application(app.pk, acting_user=physician).status == Status.SUBMITTED


# -- 换领/补发 -------------------------------------------------------------------------------------------------
def replacement(physician, reg, *, reason="lost", lost_days_ago=20, notice_after=15, attach=True):
    today = timezone.localdate()
    lost_on = today - timedelta(days=lost_days_ago)
    data = {"registration": reg.pk, "reason": reason, "declaration": True}
    if reason == "lost":
        data |= {"lost_on": lost_on.isoformat(), "notice_on": (lost_on + timedelta(days=notice_after)).isoformat()}
    app = apps.create_application("PHY-CERT-REPLACE", acting_user=physician, data=data)
    if attach:
        kind = "loss_notice" if reason == "lost" else "damaged_cert"
        apps.add_attachment(app.pk, acting_user=physician, kind=kind, filename="n.pdf", content=PDF)
    return app


@pytest.mark.parametrize(("after", "late"), [(15, False), (16, True)])
def test_loss_notice_within_15_days_is_on_time_16_is_flagged(world, physician, reg, after, late):
    app = replacement(physician, reg, notice_after=after)
    apps.submit_application(app.pk, acting_user=physician)
    app.refresh_from_db()
    assert app.form_data["notice_late"] is late


def test_reissue_after_loss_issues_a_new_licence_version(world, physician, reg):
    old = current_licence(reg)
    app = replacement(physician, reg)
    apps.submit_application(app.pk, acting_user=physician)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    decide(world, app.pk)
    new = current_licence(reg)
    old.refresh_from_db()
    assert new.version == old.version + 1 and new.status == LicenceStatus.VALID
    assert old.status == LicenceStatus.SUPERSEDED
    assert AuditEvent.objects.filter(event_type=EventType.CERTIFICATE_REPLACED, subject_id=str(reg.pk)).exists()


@pytest.mark.parametrize("reason", ["lost", "damaged"])
def test_replacement_needs_its_evidence(world, physician, reg, reason):
    app = replacement(physician, reg, reason=reason, attach=False)
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=physician)
    assert [e.code for e in exc.value.errors] == ["attachment_missing"]


def test_loss_needs_both_dates_and_a_notice_not_before_the_loss(world, physician, reg):
    app = apps.create_application("PHY-CERT-REPLACE", acting_user=physician,
                                  data={"registration": reg.pk, "reason": "lost", "declaration": True})
    with pytest.raises(DomainError) as exc:
        apps.submit_application(app.pk, acting_user=physician)
    assert {e.field for e in exc.value.errors} == {"lost_on", "notice_on"}
    with pytest.raises(DomainError) as exc:
        replacement(physician, reg, notice_after=-1)
    assert exc.value.errors[0].code == "notice_before_loss"


# -- 个人信息更新 -------------------------------------------------------------------------------------------------
def info_update(physician, **values):
    app = apps.create_application("PHY-INFO-UPDATE", acting_user=physician,
                                  data={"education": "硕士研究生", "school": "四川大学", "title": "主治医师",
                                        "declaration": True, **values})
    return apps.submit_application(app.pk, acting_user=physician)


def test_info_update_takes_effect_only_on_institution_approval_and_keeps_both_versions(world, physician, reg):
    person = physician.person
    app = info_update(physician)
    person.refresh_from_db()
    assert (person.education, person.school) == ("本科", "昆明医科大学")  # not yet
    app = lifecycle.approve_info_update_by_institution(app.pk, acting_user=world.hospital_admin, comment="核实无误")
    assert app.status == Status.APPROVED
    person.refresh_from_db()
    assert (person.education, person.school, person.title) == ("硕士研究生", "四川大学", "主治医师")
    versions = list(PersonInfoVersion.objects.filter(person=person).order_by("version"))
    assert [(v.version, v.education) for v in versions] == [(1, "本科"), (2, "硕士研究生")]
    assert versions[1].approved_by == world.hospital_admin and versions[1].approved_by_institution == world.hospital
    assert list(app.timeline.values_list("action", flat=True))[-1] == "approve"


def test_info_update_approval_permissions(world, physician, reg):
    app = info_update(physician)
    before = AuditEvent.objects.count()
    # outside the scope: 404; visible but not the institution's staff: 403
    for user, status in ((world.other_admin, 404), (physician, 403), (world.city.users[Role.APPROVER], 403)):
        with pytest.raises(DomainError) as exc:
            lifecycle.approve_info_update_by_institution(app.pk, acting_user=user)
        assert exc.value.status_code == status
    assert AuditEvent.objects.count() == before
    # and only a submitted update can be approved (not twice)
    lifecycle.approve_info_update_by_institution(app.pk, acting_user=world.hospital_admin)
    with pytest.raises(DomainError) as exc:
        lifecycle.approve_info_update_by_institution(app.pk, acting_user=world.hospital_admin)
    assert exc.value.code == "invalid_transition"


def test_info_update_without_a_change_is_refused(world, physician, reg):
    with pytest.raises(DomainError) as exc:
        info_update(physician, education="本科", school="昆明医科大学", title="")
    assert exc.value.code == "no_change"


def test_info_update_with_a_new_photo_only(world, physician, reg):
    app = apps.create_application("PHY-INFO-UPDATE", acting_user=physician,
                                  data={"education": "", "school": "", "title": "", "declaration": True})
    att = apps.add_attachment(app.pk, acting_user=physician, kind="photo", filename="p.png", content=png_bytes())
    apps.submit_application(app.pk, acting_user=physician)
    lifecycle.approve_info_update_by_institution(app.pk, acting_user=world.hospital_admin)
    latest = lifecycle.current_info(physician.person)
    assert latest.photo_id == att.pk and latest.education == "本科"


def test_the_generic_confirmation_of_an_info_update_is_its_decision(world, physician, reg):
    app = apps.confirm_by_institution(info_update(physician).pk, acting_user=world.hospital_admin)
    assert app.status == Status.APPROVED and app.decided_by == world.hospital_admin
    physician.person.refresh_from_db()
    assert physician.person.school == "四川大学"


def test_other_items_are_not_decided_by_the_institution(world, physician, reg):
    app = self_cancel(world, physician, reg)
    with pytest.raises(DomainError) as exc:
        lifecycle.approve_info_update_by_institution(app.pk, acting_user=world.hospital_admin)
    assert exc.value.code == "not_institution_decided"


# -- portals ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["PHY-REG-CANCEL", "PHY-REG-AGAIN", "PHY-CERT-REPLACE", "PHY-INFO-UPDATE"])
def test_individual_portal_renders_the_physician_items(client, world, physician, reg, code):
    client.force_login(physician)
    response = client.get(f"/portal/me/apply/{code}/")
    assert response.status_code == 200
    if code in ("PHY-REG-CANCEL", "PHY-CERT-REPLACE"):
        assert reg.certificate_no in response.content.decode()


def test_individual_portal_files_a_cancellation(client, world, physician, reg):
    client.force_login(physician)
    response = client.post("/portal/me/apply/PHY-REG-CANCEL/",
                           {"registration": reg.pk, "reason": "出国", "declaration": "on"})
    assert response.status_code == 302
    from medreg.applications.models import Application

    app = Application.objects.get(item_code="PHY-REG-CANCEL")
    assert client.get(f"/portal/me/applications/{app.pk}/").status_code == 200
    # the institution-filed items are not offered to individuals
    assert client.get("/portal/me/apply/PHY-REG-CANCEL-REPORT/").status_code == 404


def test_institution_portal_files_a_cancellation_report(client, world, physician, reg):
    from medreg.applications.models import Application

    client.force_login(world.hospital_admin)
    page = client.get("/portal/institution/lifecycle/")
    assert page.status_code == 200 and "PHY-REG-CANCEL-REPORT" in page.content.decode()
    form = client.get("/portal/institution/lifecycle/apply/PHY-REG-CANCEL-REPORT/")
    assert form.status_code == 200 and reg.certificate_no in form.content.decode()
    assert "本人申请注销" not in form.content.decode()  # the self-only ground is not offered
    bad = client.post("/portal/institution/lifecycle/apply/PHY-REG-CANCEL-REPORT/",
                      {"registration": reg.pk, "event_date": "2999-01-01"})
    assert bad.status_code == 400
    day = (timezone.localdate() - timedelta(days=40)).isoformat()
    response = client.post("/portal/institution/lifecycle/apply/PHY-REG-CANCEL-REPORT/", {
        "registration": reg.pk, "ground": "criminal_penalty", "event_date": day, "details": "判决生效"})
    assert response.status_code == 302
    app = Application.objects.get(item_code="PHY-REG-CANCEL-REPORT")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = client.post(f"/portal/institution/lifecycle/applications/{app.pk}/upload/",
                         {"kind": "event_proof", "file": SimpleUploadedFile("j.pdf", PDF, "application/pdf")})
    assert upload.status_code == 302
    assert "注销事由证明材料" in client.get(f"/portal/institution/lifecycle/applications/{app.pk}/").content.decode()
    response = client.post(f"/portal/institution/lifecycle/applications/{app.pk}/submit/")
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.RECEIVED and app.form_data["late"] is True
    assert "逾期报告" in client.get(f"/portal/institution/lifecycle/applications/{app.pk}/").content.decode()
    # another institution's staff and the physician do not see it
    client.force_login(world.other_admin)
    assert client.get(f"/portal/institution/lifecycle/applications/{app.pk}/").status_code == 404
    assert client.post(f"/portal/institution/lifecycle/applications/{app.pk}/withdraw/").status_code == 404
    client.force_login(physician)
    assert client.get("/portal/institution/lifecycle/").status_code == 404


def test_institution_portal_approves_an_info_update(client, world, physician, reg):
    app = info_update(physician)
    client.force_login(world.other_admin)
    before = AuditEvent.objects.count()
    assert client.post(f"/portal/institution/lifecycle/info-updates/{app.pk}/approve/").status_code == 404
    assert AuditEvent.objects.count() == before
    client.force_login(world.hospital_admin)
    page = client.get("/portal/institution/lifecycle/")
    assert f"info-update-{app.pk}" in page.content.decode()
    assert client.post(f"/portal/institution/lifecycle/info-updates/{app.pk}/approve/").status_code == 302
    physician.person.refresh_from_db()
    assert physician.person.title == "主治医师"


def test_anonymous_is_sent_to_login(client, world):
    for url in ("/portal/institution/lifecycle/", "/portal/authority/lifecycle/proposals/",
                "/portal/authority/lifecycle/cancel/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_authority_portal_decides_a_proposal(client, world, physician, reg):
    file_departure(world, reg, kind="death", days_ago=2)
    proposal = CancellationProposal.objects.get(registration=reg)
    client.force_login(world.province.users[Role.SUPERVISION])  # sees the subtree, may not decide
    page = client.get("/portal/authority/lifecycle/proposals/")
    assert page.status_code == 200 and f"proposal-{proposal.pk}" in page.content.decode()
    assert f"/portal/authority/lifecycle/proposals/{proposal.pk}/decide/" not in page.content.decode()
    client.force_login(world.other_province.users[Role.APPROVER])
    assert f"proposal-{proposal.pk}" not in client.get("/portal/authority/lifecycle/proposals/").content.decode()
    assert client.post(f"/portal/authority/lifecycle/proposals/{proposal.pk}/decide/",
                       {"decision": "accept"}).status_code == 404
    client.force_login(world.city.users[Role.CLERK])
    assert client.post(f"/portal/authority/lifecycle/proposals/{proposal.pk}/decide/",
                       {"decision": "accept"}).status_code == 403
    client.force_login(world.hospital_admin)
    assert client.get("/portal/authority/lifecycle/proposals/").status_code == 404
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.ACTIVE
    client.force_login(world.city.users[Role.APPROVER])
    response = client.post(f"/portal/authority/lifecycle/proposals/{proposal.pk}/decide/", {"decision": "accept"})
    assert response.status_code == 302
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.CANCELLED


def test_authority_portal_cancels_on_own_findings(client, world, physician, reg):
    url = "/portal/authority/lifecycle/cancel/"
    client.force_login(world.other_province.users[Role.APPROVER])
    page = client.get(url, {"certificate_no": reg.certificate_no})
    assert page.status_code == 200 and "registration-not-found" in page.content.decode()
    assert client.post(url, {"certificate_no": reg.certificate_no, "grounds": ["death"],
                             "reason": "x"}).status_code == 400
    client.force_login(world.city.users[Role.APPROVER])
    page = client.get(url, {"certificate_no": reg.certificate_no})
    assert "registration-found" in page.content.decode()
    bad = client.post(url, {"certificate_no": reg.certificate_no, "reason": ""})
    assert bad.status_code == 400
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.ACTIVE
    response = client.post(url, {"certificate_no": reg.certificate_no, "grounds": ["exam_cheating"],
                                 "reason": "考试作弊经查属实"})
    assert response.status_code == 302
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.CANCELLED


def test_the_items_api_lists_the_lifecycle_items_with_their_limits(client, db):
    items = {i["code"]: i for i in client.get("/api/v1/items").json()}
    for code in ("PHY-REG-CANCEL", "PHY-REG-CANCEL-REPORT", "PHY-DEPARTURE-FILING", "PHY-REG-AGAIN",
                 "PHY-CERT-REPLACE", "PHY-INFO-UPDATE"):
        assert items[code]["statutory_limit_days"] == 20
        assert items[code]["name_en"] != items[code]["name"]
    assert items["PHY-REG-CANCEL-REPORT"]["applicant"] == "institution"
    assert [s["code"] for s in items["PHY-INFO-UPDATE"]["review_chain"]] == ["institution"]
    kinds = {a["kind"] for a in items["PHY-CERT-REPLACE"]["attachments"]}
    assert kinds == {"loss_notice", "damaged_cert"}


def test_individual_portal_shows_a_replacement_with_its_materials(client, world, physician, reg):
    app = replacement(physician, reg)
    client.force_login(physician)
    page = client.get(f"/portal/me/applications/{app.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "遗失声明" in text and reg.certificate_no in text


def test_generic_workflow_applies_return_correction_refusal_and_withdrawal(world, physician, reg):
    city = world.city.users
    app = self_cancel(world, physician, reg)
    apps.return_by_institution(app.pk, acting_user=world.hospital_admin, reason="请说明去向")
    apps.submit_application(app.pk, acting_user=physician)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    apps.request_correction(app.pk, acting_user=city[Role.CLERK], items=["补充出国证明"])
    apps.resubmit_correction(app.pk, acting_user=physician)
    apps.accept_application(app.pk, acting_user=city[Role.CLERK])
    apps.review_application(app.pk, acting_user=city[Role.REVIEWER], opinion="理由不充分", recommend="refuse")
    app = apps.refuse_application(app.pk, acting_user=city[Role.APPROVER], reason="正在接受调查，暂不予注销")
    reg.refresh_from_db()
    assert app.status == Status.REFUSED and reg.status == RegistrationStatus.ACTIVE
    assert current_licence(reg).status == LicenceStatus.VALID
    withdrawn = report(world, reg, days_ago=1)
    apps.withdraw_application(withdrawn.pk, acting_user=world.hospital_admin, reason="误报")
    withdrawn.refresh_from_db()
    assert withdrawn.status == Status.WITHDRAWN
    assert not RegistrationCancellation.objects.exists()
