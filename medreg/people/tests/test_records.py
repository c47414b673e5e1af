"""定期考核, proposals, penalties and their effect on registrations and e-licences; the daily expiry job;
permission checks (denied writes leave no audit row)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.errors import DomainError, NotFound, PermissionDenied
from medreg.people import records
from medreg.people.archive import public_sanctions
from medreg.people.eligibility import add_months
from medreg.people.models import Assessment, Penalty, PracticeRecord, Training
from medreg.people.tests.records_helpers import registered

D = dt.timedelta(days=1)


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def reg(world, physician):
    return registered(world, physician)


def fresh(obj):
    obj.refresh_from_db()
    return obj


def licence_status(reg) -> str:
    return reg.licences.order_by("-version").first().status


def assess(person, user, result, on=None):
    return records.record_assessment(
        person.pk,
        acting_user=user,
        data={
            "period_start": "2023-01-01",
            "period_end": "2025-12-31",
            "result": result,
            "assessed_on": (on or today()).isoformat(),
            "assessing_body": "昆明市医师协会",
        },
    )


def penalty(person, user, **data):
    base = {"profession": "physician", "reason": "超出执业范围执业", "decision_no": "昆卫罚〔2026〕3号"}
    return records.record_penalty(person.pk, acting_user=user, data={**base, **data})


# -- 定期考核 -------------------------------------------------------------------------------------------
def test_a_pass_creates_no_proposal(world, reg):
    a = assess(reg.person, world.city.users[Role.CLERK], "pass")
    assert a.result == "pass" and not a.proposals.exists()
    assert AuditEvent.objects.filter(event_type=EventType.ASSESSMENT_RECORDED, subject_id=str(a.pk)).exists()


def test_first_failure_proposes_suspension_second_proposes_cancellation(world, reg):
    clerk = world.city.users[Role.CLERK]
    first = assess(reg.person, clerk, "fail", today() - 100 * D)
    assert first.proposals.get().kind == "suspend" and not first.is_reassessment
    second = assess(reg.person, clerk, "fail")
    assert second.is_reassessment and second.proposals.get().kind == "cancel"
    assert fresh(reg).status == "active"  # a proposal changes nothing until the commission decides


def test_failure_after_a_pass_is_a_first_failure(world, reg):
    clerk = world.city.users[Role.CLERK]
    assess(reg.person, clerk, "fail", today() - 200 * D)
    assess(reg.person, clerk, "pass", today() - 100 * D)
    assert assess(reg.person, clerk, "fail").proposals.get().kind == "suspend"


def test_assessment_input_errors_are_reported_together(world, reg):
    with pytest.raises(DomainError) as exc:
        records.record_assessment(
            reg.person.pk,
            acting_user=world.city.users[Role.CLERK],
            data={
                "period_start": "2023-01-01",
                "period_end": "2022-01-01",
                "assessed_on": (today() + D).isoformat(),
                "result": "maybe",
            },
        )
    assert sorted(e.code for e in exc.value.errors) == ["bad_choice", "future_date", "period_order"]
    with pytest.raises(DomainError) as exc:
        records.record_assessment(
            reg.person.pk,
            acting_user=world.city.users[Role.CLERK],
            data={
                "period_start": "2020-01-01",
                "period_end": "2023-01-02",
                "assessed_on": today().isoformat(),
                "result": "pass",
            },
        )
    assert [e.code for e in exc.value.errors] == ["period_too_long"]
    assess_ok = records.record_assessment(
        reg.person.pk,
        acting_user=world.city.users[Role.CLERK],
        data={
            "period_start": "2020-01-01",
            "period_end": "2023-01-01",
            "assessed_on": today().isoformat(),
            "result": "pass",
        },
    )
    assert assess_ok.pk


@pytest.mark.parametrize("months,ok", [(2, False), (3, True), (6, True), (7, False)])
def test_accepted_suspension_proposal_is_three_to_six_months(world, reg, months, ok):
    proposal = assess(reg.person, world.city.users[Role.CLERK], "fail").proposals.get()
    approver = world.city.users[Role.APPROVER]
    if not ok:
        with pytest.raises(DomainError) as exc:
            records.decide_proposal(proposal.pk, acting_user=approver, accept=True, months=months)
        assert exc.value.code == "months_range"
        assert fresh(reg).status == "active"
        return
    decided = records.decide_proposal(proposal.pk, acting_user=approver, accept=True, months=months)
    assert decided.status == "accepted" and decided.penalty.kind == "assessment_suspension"
    assert decided.penalty.end_on == add_months(today(), months) - D
    assert fresh(reg).status == "suspended"
    assert licence_status(reg) == "suspended"


def test_only_an_approver_decides_and_only_once(world, reg):
    proposal = assess(reg.person, world.city.users[Role.CLERK], "fail").proposals.get()
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        records.decide_proposal(
            proposal.pk, acting_user=world.city.users[Role.REVIEWER], accept=True, months=3
        )
    with pytest.raises(NotFound):
        records.decide_proposal(
            proposal.pk, acting_user=world.other_province.users[Role.APPROVER], accept=True, months=3
        )
    assert AuditEvent.objects.count() == before
    records.decide_proposal(
        proposal.pk, acting_user=world.city.users[Role.APPROVER], accept=False, note="复核"
    )
    with pytest.raises(DomainError) as exc:
        records.decide_proposal(
            proposal.pk, acting_user=world.city.users[Role.APPROVER], accept=True, months=3
        )
    assert exc.value.code == "already_decided"


def test_accepted_cancellation_cancels_the_registration_and_revokes_the_licence(world, reg):
    clerk = world.city.users[Role.CLERK]
    assess(reg.person, clerk, "fail", today() - 100 * D)
    proposal = assess(reg.person, clerk, "fail").proposals.get()
    records.decide_proposal(proposal.pk, acting_user=world.city.users[Role.APPROVER], accept=True)
    assert fresh(reg).status == "cancelled"
    assert licence_status(reg) == "revoked"
    assert AuditEvent.objects.filter(event_type=EventType.REGISTRATION_CANCELLED_BY_SANCTION).count() == 1


# -- penalties ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("months,ok", [(5, False), (6, True), (12, True), (13, False)])
def test_penalty_suspension_is_six_to_twelve_months(world, reg, months, ok):
    approver = world.city.users[Role.APPROVER]
    if ok:
        p = penalty(reg.person, approver, kind="suspension", months=months, start_on=today().isoformat())
        assert p.end_on == add_months(today(), months) - D
        assert fresh(reg).status == "suspended" and licence_status(reg) == "suspended"
        assert p.registrations == [reg.pk] and p.applied_on == today()
    else:
        with pytest.raises(DomainError) as exc:
            penalty(reg.person, approver, kind="suspension", months=months, start_on=today().isoformat())
        assert exc.value.code == "months_range"
        assert not Penalty.objects.exists()


def test_warning_changes_nothing_but_is_recorded(world, reg):
    p = penalty(reg.person, world.city.users[Role.SUPERVISION], kind="warning", start_on=today().isoformat())
    assert p.kind == "warning" and p.end_on is None
    assert fresh(reg).status == "active"


def test_revocation_cancels_registration_and_revokes_licence(world, reg):
    penalty(reg.person, world.city.users[Role.APPROVER], kind="revocation", start_on=today().isoformat())
    assert fresh(reg).status == "cancelled"
    assert licence_status(reg) == "revoked"


def test_penalty_input_errors_are_reported_together(world, reg):
    with pytest.raises(DomainError) as exc:
        penalty(
            reg.person,
            world.city.users[Role.APPROVER],
            kind="fine",
            profession="vet",
            reason="",
            start_on="x",
        )
    assert sorted(e.code for e in exc.value.errors) == ["bad_choice", "bad_choice", "bad_date", "required"]


def test_suspension_is_lifted_by_the_daily_job_after_its_last_day(world, reg):
    p = penalty(
        reg.person, world.city.users[Role.APPROVER], kind="suspension", months=6, start_on=today().isoformat()
    )
    assert records.expire_records(on=p.end_on) == {"started": 0, "lifted": 0}
    assert fresh(reg).status == "suspended"
    assert records.expire_records(on=p.end_on + D) == {"started": 0, "lifted": 1}
    assert fresh(reg).status == "active"
    assert licence_status(reg) == "valid"
    assert fresh(p).lifted_on == p.end_on + D
    # idempotent
    assert records.expire_records(on=p.end_on + 2 * D) == {"started": 0, "lifted": 0}
    assert AuditEvent.objects.filter(event_type=EventType.SUSPENSION_LIFTED).count() == 1


def test_a_future_suspension_starts_on_its_first_day(world, reg):
    start = today() + 10 * D
    p = penalty(
        reg.person, world.city.users[Role.APPROVER], kind="suspension", months=6, start_on=start.isoformat()
    )
    assert fresh(reg).status == "active" and p.applied_on is None
    assert records.expire_records(on=start - D)["started"] == 0
    assert records.expire_records(on=start)["started"] == 1
    assert fresh(reg).status == "suspended"
    assert records.expire_records(on=start)["started"] == 0


def test_overlapping_suspensions_keep_the_registration_suspended(world, reg):
    approver = world.city.users[Role.APPROVER]
    first = penalty(reg.person, approver, kind="suspension", months=6, start_on=today().isoformat())
    second = penalty(reg.person, approver, kind="suspension", months=12, start_on=today().isoformat())
    records.expire_records(on=first.end_on + D)
    assert fresh(reg).status == "suspended"
    records.expire_records(on=second.end_on + D)
    assert fresh(reg).status == "active"


def test_command_runs_the_job(world, reg, capsys):
    penalty(
        reg.person,
        world.city.users[Role.APPROVER],
        kind="suspension",
        months=6,
        start_on=(add_months(today(), -6) - D).isoformat(),
    )
    call_command("records", "expire")
    assert "lifted=1" in capsys.readouterr().out
    assert fresh(reg).status == "active"


def test_public_sanctions_show_type_and_end_only(world, reg):
    approver = world.city.users[Role.APPROVER]
    assert public_sanctions(reg.person) == []
    penalty(reg.person, approver, kind="warning", start_on=today().isoformat())
    p = penalty(reg.person, approver, kind="suspension", months=6, start_on=today().isoformat())
    rows = public_sanctions(reg.person)
    assert rows == [{"type": "suspension", "type_label": "暂停执业活动", "end_on": p.end_on}]
    assert public_sanctions(reg.person, on=p.end_on + D) == []


# -- good/bad records, trainings, circumstances ---------------------------------------------------------
def test_good_and_bad_records_for_physicians_and_nurses(world, reg):
    clerk = world.city.users[Role.CLERK]
    for kind, prof in (("good", "physician"), ("bad", "nurse")):
        records.record_practice_record(
            reg.person.pk,
            acting_user=clerk,
            data={
                "profession": prof,
                "kind": kind,
                "recorded_on": today().isoformat(),
                "summary": "记录内容",
            },
        )
    assert sorted(PracticeRecord.objects.values_list("kind", flat=True)) == ["bad", "good"]
    with pytest.raises(DomainError) as exc:
        records.record_practice_record(
            reg.person.pk,
            acting_user=clerk,
            data={
                "profession": "physician",
                "kind": "good",
                "recorded_on": (today() + D).isoformat(),
                "summary": "",
            },
        )
    assert sorted(e.code for e in exc.value.errors) == ["future_date", "required"]


def test_training_by_employer_or_authority_but_not_by_another_institution(world, reg):
    data = {
        "kind": "cme",
        "title": "心血管新进展",
        "provider": "昆明医科大学",
        "start_on": "2026-03-01",
        "end_on": "2026-03-03",
        "hours": "12.5",
    }
    t = records.record_training(reg.person.pk, acting_user=world.hospital_admin, data=data)
    assert t.institution_id == world.hospital.pk and str(t.hours) == "12.5"
    records.record_training(
        reg.person.pk, acting_user=world.city.users[Role.CLERK], data={**data, "kind": "advanced"}
    )
    before = AuditEvent.objects.count()
    with pytest.raises(NotFound):
        records.record_training(reg.person.pk, acting_user=world.other_admin, data=data)
    with pytest.raises(DomainError) as exc:
        records.record_training(reg.person.pk, acting_user=world.hospital_admin, data={**data, "hours": "0"})
    assert exc.value.code == "bad_hours"
    assert AuditEvent.objects.count() == before
    assert Training.objects.count() == 2


def test_end_circumstance(world, reg):
    clerk = world.city.users[Role.CLERK]
    c = records.record_circumstance(
        reg.person.pk, acting_user=clerk, data={"kind": "criminal_penalty", "start_on": "2020-01-01"}
    )
    with pytest.raises(DomainError):
        records.end_circumstance(c.pk, acting_user=clerk, end_on="2019-01-01")
    assert records.end_circumstance(c.pk, acting_user=clerk, end_on="2021-06-30").end_on == dt.date(
        2021, 6, 30
    )


# -- permission matrix of the record-writing services ---------------------------------------------------
@pytest.mark.parametrize(
    "who",
    [
        "anonymous",
        "individual",
        "institution_own",
        "institution_other",
        "authority_other",
        "authority_clerk_for_penalty",
    ],
)
def test_recording_services_deny_outside_jurisdiction_without_audit(world, reg, physician, who):
    from django.contrib.auth.models import AnonymousUser

    users = {
        "anonymous": AnonymousUser(),
        "individual": physician,
        "institution_own": world.hospital_admin,
        "institution_other": world.other_admin,
        "authority_other": world.other_province.users[Role.APPROVER],
        "authority_clerk_for_penalty": world.city.users[Role.CLERK],
    }
    user = users[who]
    before = AuditEvent.objects.count()
    with pytest.raises((NotFound, PermissionDenied)):
        penalty(reg.person, user, kind="warning", start_on=today().isoformat())
    if who != "authority_clerk_for_penalty":
        with pytest.raises((NotFound, PermissionDenied)):
            assess(reg.person, user, "pass")
        with pytest.raises((NotFound, PermissionDenied)):
            records.record_circumstance(
                reg.person.pk, acting_user=user, data={"kind": "health_unfit", "start_on": "2026-01-01"}
            )
    assert AuditEvent.objects.count() == before
    assert not Assessment.objects.exists() and not Penalty.objects.exists()


def test_province_and_national_may_record(world, reg):
    assess(reg.person, world.province.users[Role.CLERK], "pass")
    assert Assessment.objects.get().authority == world.province.authority
