"""Institution services: pending records, the overdue/歇业 jobs (±1 day, idempotent), the command."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.errors import DomainError, NotFound
from medreg.demo import ids
from medreg.institutions import selectors, services
from medreg.institutions.choices import ChangeKind, InstitutionStatus


def test_existing_institutions_get_a_verification_due_date(world):
    hospital = world.hospital  # 300 beds, licence from a year ago: 3-year cycle
    assert hospital.verification_due_on == hospital.licence_valid_from.replace(year=hospital.licence_valid_from.year + 3)
    assert hospital.changes.filter(kind=ChangeKind.CREATED).exists()


def test_pending_institution_is_opened_by_the_licensing_authority_admin_only(world):
    uscc, _reg = ids.institution_ids(world.rng, "530102", "A100")
    before = AuditEvent.objects.count()
    for user in (world.other_province.users[Role.AUTHORITY_ADMIN], world.city.users[Role.CLERK], world.hospital_admin):
        with pytest.raises(NotFound):
            services.create_pending_institution(
                acting_user=user, licensing_authority=world.city.authority, name="新医院", uscc=uscc,
                division_code="530102", category_code="A100")
    assert AuditEvent.objects.count() == before
    inst = services.create_pending_institution(
        acting_user=world.city.users[Role.AUTHORITY_ADMIN], licensing_authority=world.city.authority, name="新医院",
        uscc=uscc, division_code="530102", category_code="A100")
    assert inst.status == InstitutionStatus.PENDING and inst.registration_no == "" and inst.licence_valid_from is None
    assert AuditEvent.objects.filter(event_type=EventType.INSTITUTION_PENDING_CREATED).count() == 1


def test_pending_institution_reports_every_error(world):
    with pytest.raises(DomainError) as exc:
        services.create_pending_institution(
            acting_user=None, licensing_authority=world.city.authority, name="", uscc="123",
            division_code="520102", category_code="Z999")
    assert {e.field for e in exc.value.errors} == {"uscc", "name", "category_code", "division_code"}


def test_two_pending_institutions_may_both_lack_a_registration_no(world):
    for name in ("甲医院", "乙医院"):
        uscc, _reg = ids.institution_ids(world.rng, "530102", "A100")
        services.create_pending_institution(acting_user=None, licensing_authority=world.city.authority, name=name,
                                            uscc=uscc, division_code="530102", category_code="A100")


@pytest.mark.parametrize(("offset", "flagged"), [(-1, False), (0, False), (1, True)])
def test_overdue_job_flags_only_after_the_due_date(world, offset, flagged):
    due = world.hospital.verification_due_on
    result = services.flag_overdue_verifications(acting_user=None, today=due + timedelta(days=offset))
    assert (world.hospital.pk in result) is flagged
    world.hospital.refresh_from_db()
    assert (world.hospital.verification_overdue_since == due + timedelta(days=1)) is flagged


def test_overdue_job_is_safe_to_run_twice_and_lists_for_the_right_authorities(world):
    day = world.hospital.verification_due_on + timedelta(days=30)
    first = services.flag_overdue_verifications(acting_user=None, today=day)
    assert services.flag_overdue_verifications(acting_user=None, today=day) == []
    assert AuditEvent.objects.filter(event_type=EventType.INSTITUTION_VERIFICATION_OVERDUE).count() == len(first)
    assert world.hospital.changes.filter(kind=ChangeKind.VERIFICATION_OVERDUE).count() == 1
    assert world.hospital_admin.notifications.filter(title__contains="校验已逾期").count() == 1
    assert world.city.users[Role.CLERK].notifications.filter(title__contains="逾期未校验").count() == 1
    assert list(selectors.overdue_verifications(world.city.users[Role.CLERK], today=day)) == [world.hospital]
    assert world.hospital not in selectors.overdue_verifications(world.other_province.users[Role.CLERK], today=day)
    assert list(selectors.overdue_verifications(world.hospital_admin, today=day)) == [world.hospital]
    assert list(selectors.overdue_verifications(world.other_admin, today=day)) == [world.other_hospital]


def test_command_flags_and_lists(world):
    day = world.hospital.verification_due_on + timedelta(days=1)
    out = StringIO()
    call_command("institutions", "flag", "--date", day.isoformat(), stdout=out)
    assert "verification overdue: 2" in out.getvalue()  # both world hospitals share the due date
    out = StringIO()
    call_command("institutions", "overdue", "--date", day.isoformat(), stdout=out)
    assert world.hospital.registration_no in out.getvalue()


def test_verification_status_for_the_portal(world):
    today = timezone.localdate()
    status = selectors.verification_status(world.hospital, today=today)
    assert status.applies and status.cycle_years == 3 and not status.overdue and status.may_practise
    assert status.due_on == world.hospital.verification_due_on
    late = selectors.verification_status(world.hospital, today=world.hospital.verification_due_on + timedelta(days=1))
    assert late.overdue and late.window_open


def test_registered_practice_days_come_from_registrations(world, physician):
    from medreg.institutions import rules

    assert rules.registered_practice_days(physician.person, on=date(2030, 1, 1)) == 0
