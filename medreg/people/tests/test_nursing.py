"""Nurse registration services and rules: qualification import, dates, renewal window, the deemed grant job."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.audit.services import verify_chain
from medreg.core.errors import DomainError
from medreg.demo.world import make_nurse_qualification, register_nurse, registered_nurse
from medreg.licences.models import ELicence
from medreg.people import nursing
from medreg.people.choices import Profession, RegistrationStatus
from medreg.people.models import PracticeRegistration, QualificationRecord


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 28), "white").save(buf, "PNG")
    return buf.getvalue()


def today() -> date:
    return timezone.localdate()


# -- dates ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("d", "months", "expected"), [
    (date(2027, 6, 30), -3, date(2027, 3, 30)),
    (date(2027, 5, 31), -3, date(2027, 2, 28)),
    (date(2028, 2, 29), 60, date(2033, 2, 28)),
    (date(2027, 1, 15), -1, date(2026, 12, 15)),
])
def test_add_months_clips_to_month_end(d, months, expected):
    assert nursing.add_months(d, months) == expected


def test_registration_is_valid_for_five_years(settings):
    assert nursing.valid_until_for(date(2026, 12, 2)) == date(2031, 12, 2)
    settings.MEDREG = {**settings.MEDREG, "NURSE_REGISTRATION_VALID_YEARS": 4}
    assert nursing.valid_until_for(date(2026, 12, 2)) == date(2030, 12, 2)


# -- qualification import -----------------------------------------------------------------------------------
def test_import_nurse_qualification_is_idempotent_and_audited_without_personal_data(world):
    record, number = make_nurse_qualification(rng=world.rng, name="陈静", passed_on=date(2025, 5, 20))
    assert record.profession == Profession.NURSE and record.obtained_on == date(2025, 5, 20)
    again = nursing.import_nurse_qualification(acting_user=None, name="陈静", id_number=number,
                                               passed_on=date(2025, 5, 20))
    assert again.pk == record.pk
    events = AuditEvent.objects.filter(event_type=EventType.NURSE_QUALIFICATION_IMPORTED)
    assert events.count() == 1
    assert number not in str(events.get().data) and "陈静" not in str(events.get().data)


def test_import_nurse_qualification_reports_every_error_at_once(world):
    with pytest.raises(DomainError) as exc:
        nursing.import_nurse_qualification(acting_user=None, name=" ", id_number="123",
                                           passed_on=today() + timedelta(days=1))
    fields = {e.field for e in exc.value.errors}
    assert {"id_number", "name", "passed_on"} <= fields
    assert not QualificationRecord.objects.filter(profession=Profession.NURSE).exists()


def test_a_nurse_self_registers_against_the_exam_record(world):
    user = register_nurse(world)
    assert user.person.qualifications.get().profession == Profession.NURSE


# -- renewal window -----------------------------------------------------------------------------------------
def _reg(world, valid_until: date, **kw) -> PracticeRegistration:
    user = registered_nurse(world, valid_until=valid_until, **kw)
    return PracticeRegistration.objects.get(person=user.person, profession=Profession.NURSE)


@pytest.mark.parametrize(("offset_days", "open_"), [
    ("window_start", True), ("window_start-1", False), ("expiry", True), ("expiry+1", False),
])
def test_renewal_window_is_the_three_months_before_expiry(world, offset_days, open_):
    until = date(2027, 6, 30)
    reg = _reg(world, until)
    on = {
        "window_start": date(2027, 3, 30), "window_start-1": date(2027, 3, 29),
        "expiry": until, "expiry+1": until + timedelta(days=1),
    }[offset_days]
    assert nursing.in_renewal_window(reg, on) is open_


# -- registrations: legacy helper, licence ------------------------------------------------------------------
def test_registered_nurse_helper_has_a_licence_showing_the_expiry(world):
    until = today() + timedelta(days=40)
    reg = _reg(world, until)
    lic = ELicence.objects.get(registration=reg)
    assert lic.kind == "nurse" and lic.data["valid_until"] == until.isoformat()


# -- the deemed grant (行政许可法 第50条) -------------------------------------------------------------------
def _renewal_filed(world, *, days_before_expiry: int, upto: str = Status.RECEIVED):
    """A renewal filed ``days_before_expiry`` days before expiry (the registration expires then).

    The application is filed today; the registration's expiry is placed relative to today.
    """
    until = today() + timedelta(days=days_before_expiry)
    user = registered_nurse(world, valid_until=until)
    reg = PracticeRegistration.objects.get(person=user.person, profession=Profession.NURSE)
    app = apps.create_application("NUR-REG-RENEW", acting_user=user, data={
        "registration": reg.pk, "health_declaration": True, "declaration": True})
    apps.submit_application(app.pk, acting_user=user)
    if upto in (Status.RECEIVED, Status.ACCEPTED, Status.REVIEWED):
        apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    if upto in (Status.ACCEPTED, Status.REVIEWED):
        apps.accept_application(app.pk, acting_user=world.city.users[Role.CLERK])
    if upto == Status.REVIEWED:
        apps.review_application(app.pk, acting_user=world.city.users[Role.REVIEWER], opinion="同意",
                                recommend="approve")
    return user, reg, Application.objects.get(pk=app.pk)


def _day_after_expiry(reg: PracticeRegistration) -> date:
    return reg.valid_until + timedelta(days=1)


def test_renewal_filed_30_days_before_expiry_is_deemed_granted_after_expiry(world):
    user, reg, app = _renewal_filed(world, days_before_expiry=30)
    old_until = reg.valid_until
    result = nursing.grant_deemed_renewals(acting_user=None, today=_day_after_expiry(reg))
    assert result.granted == [app.number]
    app.refresh_from_db()
    reg.refresh_from_db()
    assert app.status == Status.APPROVED and app.decided_by is None and "第五十条" in app.decision_reason
    assert reg.valid_until == nursing.add_years(old_until, 5) and reg.status == RegistrationStatus.ACTIVE
    assert app.result_registration_id == reg.pk
    # a new licence version carries the new expiry; the old one is superseded
    current = ELicence.objects.filter(registration=reg, status="valid").get()
    assert current.version == 2 and current.data["valid_until"] == reg.valid_until.isoformat()
    # audited with no acting user, the applicant is told, the timeline shows the system's decision
    ev = AuditEvent.objects.get(event_type=EventType.NURSE_RENEWAL_DEEMED_GRANTED)
    assert ev.actor is None and ev.subject_id == str(app.pk)
    assert AuditEvent.objects.filter(event_type=EventType.NURSE_REGISTRATION_RENEWED, actor=None).count() == 1
    assert user.notifications.filter(title__contains="视为准予").exists()
    entry = app.timeline.last()
    assert entry.action == "approve" and entry.actor is None and entry.data == {"deemed": True}
    assert verify_chain()[0]


def test_renewal_filed_29_days_before_expiry_is_not_deemed_granted(world):
    _user, reg, app = _renewal_filed(world, days_before_expiry=29)
    result = nursing.grant_deemed_renewals(acting_user=None, today=_day_after_expiry(reg))
    assert result.granted == []
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
    assert not AuditEvent.objects.filter(event_type=EventType.NURSE_RENEWAL_DEEMED_GRANTED).exists()


def test_nothing_is_deemed_granted_on_the_expiry_day_itself(world):
    _user, reg, app = _renewal_filed(world, days_before_expiry=30)
    assert nursing.grant_deemed_renewals(acting_user=None, today=reg.valid_until).granted == []
    app.refresh_from_db()
    assert app.status == Status.RECEIVED


def test_the_job_is_idempotent(world):
    _user, reg, app = _renewal_filed(world, days_before_expiry=45, upto=Status.REVIEWED)
    day = _day_after_expiry(reg)
    assert nursing.grant_deemed_renewals(acting_user=None, today=day).granted == [app.number]
    before = AuditEvent.objects.count()
    reg.refresh_from_db()
    until = reg.valid_until
    assert nursing.grant_deemed_renewals(acting_user=None, today=day).granted == []
    reg.refresh_from_db()
    assert reg.valid_until == until and AuditEvent.objects.count() == before


def test_a_renewal_under_correction_is_not_deemed_granted(world):
    _user, reg, app = _renewal_filed(world, days_before_expiry=40)
    apps.request_correction(app.pk, acting_user=world.city.users[Role.CLERK], items=["请补充承诺"])
    assert nursing.grant_deemed_renewals(acting_user=None, today=_day_after_expiry(reg)).granted == []


def test_a_decided_renewal_is_left_alone(world):
    _user, reg, app = _renewal_filed(world, days_before_expiry=40, upto=Status.REVIEWED)
    apps.refuse_application(app.pk, acting_user=world.city.users[Role.APPROVER], reason="不符合条件")
    assert nursing.grant_deemed_renewals(acting_user=None, today=_day_after_expiry(reg)).granted == []


def test_management_command_runs_the_job(world, capsys):
    _user, reg, app = _renewal_filed(world, days_before_expiry=30)
    call_command("nurses", "auto-renew", "--date", _day_after_expiry(reg).isoformat())
    out = capsys.readouterr().out
    assert "deemed granted: 1" in out and app.number in out
    call_command("nurses", "auto-renew", "--date", _day_after_expiry(reg).isoformat())
    assert "deemed granted: 0" in capsys.readouterr().out
    ev = AuditEvent.objects.get(event_type=EventType.NURSE_RENEWAL_DEEMED_GRANTED)
    assert ev.channel == "command"


def test_task_runs_the_job(world):
    from medreg.people.nursing_tasks import grant_deemed_nurse_renewals

    _user, reg, app = _renewal_filed(world, days_before_expiry=31)
    result = grant_deemed_nurse_renewals.enqueue(_day_after_expiry(reg).isoformat())
    assert result.return_value == [app.number]
    assert AuditEvent.objects.get(event_type=EventType.NURSE_RENEWAL_DEEMED_GRANTED).channel == "task"


def test_a_renewal_of_a_registration_cancelled_meanwhile_is_not_deemed_granted(world):
    _user, reg, app = _renewal_filed(world, days_before_expiry=40)
    from medreg.people import records

    records.record_penalty(reg.person_id, acting_user=world.city.users[Role.APPROVER], data={
        "profession": "nurse", "kind": "revocation", "start_on": today().isoformat(), "reason": "严重违规"})
    result = nursing.grant_deemed_renewals(acting_user=None, today=_day_after_expiry(reg))
    assert result.granted == [] and result.skipped == 1
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
