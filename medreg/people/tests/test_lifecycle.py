"""The two-year job after a departure filing (中止执业满二年 → 注销建议), the commission's decision on a
proposal, and the small date rules of the lifecycle services."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.applications.tests.test_lifecycle_items import activate, file_departure, first_registration
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.errors import DomainError
from medreg.licences.choices import LicenceStatus
from medreg.people import lifecycle
from medreg.people.choices import RegistrationStatus
from medreg.people.choices_lifecycle import ProposalStatus
from medreg.people.models import CancellationProposal, DepartureRecord, RegistrationCancellation


@pytest.fixture
def departed(world, physician):
    """A registered physician whose retirement was filed and recorded (event 10 days ago)."""
    activate(world, physician)
    reg = first_registration(world, physician)
    file_departure(world, reg, kind="retire", days_ago=10)
    return DepartureRecord.objects.get(registration=reg)


def two_years_after(record: DepartureRecord) -> dt.date:
    return lifecycle.add_years(record.event_date, 2)


# -- date rules ---------------------------------------------------------------------------------------------
def test_add_years_handles_29_february():
    assert lifecycle.add_years(dt.date(2024, 2, 29), 2) == dt.date(2026, 2, 28)
    assert lifecycle.add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert lifecycle.add_years(dt.date(2026, 3, 1), -2) == dt.date(2024, 3, 1)


def test_report_lateness_boundary():
    event = dt.date(2026, 1, 1)
    assert not lifecycle.report_is_late(event, on=event + timedelta(days=30))
    assert lifecycle.report_is_late(event, on=event + timedelta(days=31))


# -- the proposal job -----------------------------------------------------------------------------------------
def test_no_proposal_two_years_minus_a_day_after_the_departure(departed):
    day = two_years_after(departed) - timedelta(days=1)
    assert lifecycle.propose_cancellations(acting_user=None, today=day) == []
    assert not CancellationProposal.objects.exists()


@pytest.mark.parametrize("extra_days", [0, 1])
def test_proposal_on_the_second_anniversary_and_after(departed, extra_days):
    day = two_years_after(departed) + timedelta(days=extra_days)
    created = lifecycle.propose_cancellations(acting_user=None, today=day)
    assert len(created) == 1
    proposal = created[0]
    assert proposal.registration_id == departed.registration_id and proposal.departure == departed
    assert proposal.grounds == ["practice_ceased_2y"] and proposal.basis_date == two_years_after(departed)
    assert proposal.status == ProposalStatus.OPEN
    assert AuditEvent.objects.filter(event_type=EventType.CANCELLATION_PROPOSED, subject_id=str(proposal.pk)).exists()
    approver = departed.registration.authority.memberships.filter(role=Role.APPROVER).first().user
    assert approver.notifications.filter(title__contains="注销建议").exists()


def test_the_job_is_idempotent_and_audits_each_run(departed):
    day = two_years_after(departed) + timedelta(days=1)
    assert len(lifecycle.propose_cancellations(acting_user=None, today=day)) == 1
    assert lifecycle.propose_cancellations(acting_user=None, today=day) == []
    assert lifecycle.propose_cancellations(acting_user=None, today=day + timedelta(days=30)) == []
    assert CancellationProposal.objects.count() == 1
    assert AuditEvent.objects.filter(event_type=EventType.CANCELLATION_JOB_RUN).count() == 3


def test_no_proposal_when_practice_resumed_elsewhere(world, physician, departed):
    activate(world, physician, institution=world.other_hospital)  # activated after the departure date
    day = two_years_after(departed) + timedelta(days=1)
    assert lifecycle.propose_cancellations(acting_user=None, today=day) == []


def test_no_proposal_when_the_registration_is_already_cancelled(world, departed):
    lifecycle.cancel_registration_by_authority(departed.registration_id, acting_user=world.city.users[Role.APPROVER],
                                               grounds=["death"], reason="死亡")
    assert lifecycle.propose_cancellations(acting_user=None, today=two_years_after(departed)) == []


def test_command_and_task_run_the_job(departed, capsys, settings):
    day = two_years_after(departed)
    call_command("lifecycle", "propose-cancellations", "--date", (day - timedelta(days=1)).isoformat())
    assert "proposed: 0" in capsys.readouterr().out
    call_command("lifecycle", "propose-cancellations", "--date", day.isoformat())
    assert "proposed: 1" in capsys.readouterr().out
    ev = AuditEvent.objects.filter(event_type=EventType.CANCELLATION_PROPOSED).get()
    assert ev.channel == "command"
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("lifecycle", "propose-cancellations", "--date", "31/01/2028")


def test_task_runs_the_job(departed):
    from medreg.people.lifecycle_tasks import propose_cancellations_task

    result = propose_cancellations_task.enqueue(two_years_after(departed).isoformat())
    assert result.return_value == 1
    assert AuditEvent.objects.get(event_type=EventType.CANCELLATION_PROPOSED).channel == "task"


# -- the commission decides -------------------------------------------------------------------------------------
def proposal_for(departed):
    return lifecycle.propose_cancellations(acting_user=None, today=two_years_after(departed))[0]


def test_accepting_a_proposal_cancels_the_registration(world, departed):
    proposal = proposal_for(departed)
    approver = world.city.users[Role.APPROVER]
    lifecycle.decide_cancellation_proposal(proposal.pk, acting_user=approver, accept=True)
    proposal.refresh_from_db()
    reg = departed.registration
    reg.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.decided_by == approver
    assert reg.status == RegistrationStatus.CANCELLED
    record = RegistrationCancellation.objects.get(registration=reg)
    assert record.form == "authority" and record.proposal == proposal and record.event_date == departed.event_date
    assert reg.licences.order_by("-version").first().status == LicenceStatus.REVOKED
    with pytest.raises(DomainError) as exc:
        lifecycle.decide_cancellation_proposal(proposal.pk, acting_user=approver, accept=True)
    assert exc.value.code == "proposal_closed"


def test_dismissing_a_proposal_needs_a_reason(world, departed):
    proposal = proposal_for(departed)
    approver = world.city.users[Role.APPROVER]
    with pytest.raises(DomainError) as exc:
        lifecycle.decide_cancellation_proposal(proposal.pk, acting_user=approver, accept=False, reason="")
    assert exc.value.errors[0].field == "reason"
    lifecycle.decide_cancellation_proposal(proposal.pk, acting_user=approver, accept=False, reason="已在外省执业")
    proposal.refresh_from_db()
    departed.registration.refresh_from_db()
    assert proposal.status == ProposalStatus.DISMISSED and departed.registration.status == RegistrationStatus.ACTIVE


def test_another_cancellation_closes_the_open_proposal(world, departed):
    proposal = proposal_for(departed)
    lifecycle.cancel_registration_by_authority(departed.registration_id, acting_user=world.city.users[Role.APPROVER],
                                               grounds=["death"], reason="死亡")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CLOSED


def test_proposal_decision_permission_matrix(world, physician, departed):
    from django.contrib.auth.models import AnonymousUser

    proposal = proposal_for(departed)
    before = AuditEvent.objects.count()
    cases = [
        (AnonymousUser(), 404), (physician, 404), (world.hospital_admin, 404), (world.other_admin, 404),
        (world.city.users[Role.CLERK], 403), (world.city.users[Role.REVIEWER], 403),
        (world.province.users[Role.APPROVER], 404), (world.other_province.users[Role.APPROVER], 404),
    ]
    for user, status in cases:
        with pytest.raises(DomainError) as exc:
            lifecycle.decide_cancellation_proposal(proposal.pk, acting_user=user, accept=True)
        assert exc.value.status_code == status, user
    assert AuditEvent.objects.count() == before
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


def test_proposals_are_visible_within_scope_only(world, physician, departed):
    proposal = proposal_for(departed)
    visible = CancellationProposal.objects.for_user
    assert visible(world.city.users[Role.APPROVER]).filter(pk=proposal.pk).exists()
    assert visible(world.province.users[Role.SUPERVISION]).filter(pk=proposal.pk).exists()  # watches, not acts
    assert not visible(world.province.users[Role.APPROVER], "act").filter(pk=proposal.pk).exists()
    assert not visible(world.other_province.users[Role.APPROVER]).filter(pk=proposal.pk).exists()
    assert not visible(world.other_admin).filter(pk=proposal.pk).exists()


def test_departure_event_date_is_kept_for_the_archive(departed):
    assert departed.event_date == timezone.localdate() - timedelta(days=10)
    assert departed.filed_on == timezone.localdate() and not departed.reported_late


def test_archive_records_keep_the_lifecycle_history(world, physician, departed):
    from medreg.people.selectors_lifecycle import archive_records

    lifecycle.decide_cancellation_proposal(proposal_for(departed).pk, acting_user=world.city.users[Role.APPROVER],
                                           accept=True)
    records = archive_records(physician.person)
    assert [d.kind for d in records["departures"]] == ["retire"]
    assert [c.form for c in records["cancellations"]] == ["authority"]
    assert [p.status for p in records["proposals"]] == [ProposalStatus.ACCEPTED]
    assert records["info_versions"] == []
