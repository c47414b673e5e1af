"""The practitioner–institution graph: 诊疗科目 against 执业范围, and registrations flagged when the
institution is suspended, cancelled or put on 暂缓校验."""

from __future__ import annotations

import pytest

from medreg.accounts.choices import Role
from medreg.api.tests.conftest import STEPS, activate, draft
from medreg.applications.choices import Status
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.errors import DomainError, NotFound
from medreg.demo.world import register_physician
from medreg.people.models import PracticeRegistration
from medreg.supervision import rules, selectors
from medreg.supervision import services as sv
from medreg.supervision.choices import WarningReason
from medreg.supervision.models import RegistrationWarning


def _approve(world, user, **overrides):
    app = draft(world, user, **overrides)
    for status, step in STEPS:
        app = step(world, user, app.pk)
        if status == Status.APPROVED:
            break
    return PracticeRegistration.objects.get(person=user.person)


@pytest.fixture
def registered(world, activated):
    return _approve(world, activated)


def test_mapping_table_is_a_data_file():
    mapping = rules.scope_subject_map()
    assert "03" in mapping["11"] and "12" in mapping["31"]
    assert rules.subjects_for_scopes(["11", "13"]) >= {"03", "05"}
    assert rules.subjects_for_scopes(["57"]) == set()


def test_report_flags_uncovered_subjects_and_physicians_outside_offered_scope(world, registered):
    dentist = register_physician(world, name="王口腔", username="wangkq", category="2")
    activate(world, dentist)
    _approve(world, dentist, scope_codes=["31"])
    report = selectors.graph_report(world.hospital)
    covered = {s.code: s.physicians for s in report.subjects}
    assert covered["03"] == [registered.person.name]
    assert {s.code for s in report.uncovered} == {"04", "05", "07"}
    assert [p.name for p in report.outside_scope] == ["王口腔"]
    assert report.outside_scope[0].unoffered == ["口腔专业"]


def test_report_counts_second_level_subjects_under_their_first_level(world, registered):
    from medreg.institutions.models import InstitutionSubject

    InstitutionSubject.objects.create(institution=world.hospital, code="03.04")
    report = selectors.graph_report(world.hospital)
    assert "03.04" not in {s.code for s in report.uncovered}


def test_flag_affected_registrations_notifies_practitioner_and_authority(world, registered):
    approver = world.city.users[Role.APPROVER]
    made = sv.flag_affected_registrations(world.hospital.pk, acting_user=approver, reason=WarningReason.SUSPENDED)
    assert [w.registration_id for w in made] == [registered.pk]
    warning = made[0]
    assert warning.relation == "main" and warning.person_actions == ["stop_at_site", "change_main"]
    person_user = registered.person.user
    assert person_user.notifications.filter(title__contains="停业").exists()
    assert world.city.users[Role.CLERK].notifications.filter(title__contains=world.hospital.name).exists()
    ev = AuditEvent.objects.get(event_type=EventType.REGISTRATIONS_FLAGGED)
    assert ev.subject_type == "institutions.institution" and ev.data["registrations"] == [registered.pk]
    # Twice is safe; another reason is a new warning.
    assert sv.flag_affected_registrations(world.hospital.pk, acting_user=approver, reason=WarningReason.SUSPENDED) == []
    again = sv.flag_affected_registrations(world.hospital.pk, acting_user=None, reason=WarningReason.CANCELLED)
    assert len(again) == 1 and RegistrationWarning.objects.count() == 2


def test_flagging_is_refused_outside_jurisdiction_and_for_unknown_reason(world, registered):
    with pytest.raises(NotFound):
        sv.flag_affected_registrations(world.hospital.pk, acting_user=world.other_province.users[Role.APPROVER],
                                       reason=WarningReason.SUSPENDED)
    with pytest.raises(DomainError):
        sv.flag_affected_registrations(world.hospital.pk, acting_user=None, reason="closed")
    assert not RegistrationWarning.objects.exists()


def test_warnings_are_scoped(world, registered):
    sv.flag_affected_registrations(world.hospital.pk, acting_user=None, reason=WarningReason.DEFERRED_VERIFICATION)
    assert selectors.warnings_for_institution(world.hospital, world.hospital_admin, via="institution").count() == 1
    assert selectors.warnings_for_institution(world.hospital, world.other_admin, via="institution").count() == 0
    assert selectors.warnings_for_person(registered.person, registered.person.user).count() == 1
    assert selectors.warnings_for_institution(world.hospital, world.other_province.users[Role.CLERK]).count() == 0
