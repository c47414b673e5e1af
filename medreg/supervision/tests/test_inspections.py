"""线上踏勘: sending a task, filling and returning the 《现场踏勘结论表》, the clock and the work queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.applications.models import Application, ClockPause
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core import calendar
from medreg.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from medreg.supervision import rules, selectors
from medreg.supervision import services as sv
from medreg.supervision.choices import CheckResult, Conclusion, InspectionStatus
from medreg.supervision.models import InspectionTask
from medreg.supervision.tests.conftest import PDF, png_bytes


def _send(world, app, inspector=None, **kw):
    inspector = inspector or world.county.users[Role.SUPERVISION]
    return sv.send_inspection(app.pk, assignee_id=inspector.pk, acting_user=world.city.users[Role.CLERK], **kw)


def _all(task, result=CheckResult.CONFORMS):
    return {i["code"]: {"result": result, "note": "情况说明"} for i in task.checklist}


def _return(task, user, **kw):
    sv.add_inspection_file(task.pk, kind="photo", filename="site.png", content=png_bytes(), acting_user=user)
    args = {"results": _all(task), "findings": "场所与材料一致", "conclusion": Conclusion.PASSED}
    args.update(kw)
    return sv.return_inspection(task.pk, acting_user=user, **args)


def test_clerk_sends_task_to_supervision_of_the_jurisdiction_with_template_snapshot(world, accepted):
    task = _send(world, accepted, instructions="重点核查消毒隔离")
    assert task.status == InspectionStatus.SENT
    assert task.division_code == world.hospital.division_code
    assert task.template_code == rules.template_for("A100")["code"] == "hospital"
    assert [i["code"] for i in task.checklist] == [i["code"] for i in rules.template_for("A100")["items"]]
    today = timezone.localdate()
    assert task.due_on == calendar.add_working_days(today, 10)
    ev = AuditEvent.objects.get(event_type=EventType.INSPECTION_SENT)
    assert ev.subject_type == "applications.application" and ev.subject_id == str(accepted.pk)
    inspector = world.county.users[Role.SUPERVISION]
    assert inspector.notifications.filter(title__contains="踏勘").exists()


@pytest.mark.parametrize("prefix,template", [("A100", "hospital"), ("D110", "outpatient"), ("D211", "clinic"),
                                              ("G100", "hospital"), ("B100", "default"), ("", "default")])
def test_template_is_chosen_by_institution_kind(prefix, template):
    assert rules.template_for(prefix)["code"] == template


def test_inspector_outside_jurisdiction_or_without_role_is_refused(world, accepted):
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        _send(world, accepted, inspector=world.other_province.users[Role.SUPERVISION])
    assert exc.value.errors[0].field == "assignee"
    with pytest.raises(DomainError):
        _send(world, accepted, inspector=world.city.users[Role.REVIEWER])  # not a supervision account
    assert AuditEvent.objects.count() == before


def test_only_clerk_or_reviewer_of_the_deciding_authority_may_send(world, accepted):
    inspector = world.county.users[Role.SUPERVISION]
    with pytest.raises(PermissionDenied):
        sv.send_inspection(accepted.pk, assignee_id=inspector.pk, acting_user=world.city.users[Role.APPROVER])
    with pytest.raises(NotFound):  # a province may watch the city's queue, not act on it
        sv.send_inspection(accepted.pk, assignee_id=inspector.pk, acting_user=world.province.users[Role.CLERK])
    task = sv.send_inspection(accepted.pk, assignee_id=inspector.pk, acting_user=world.city.users[Role.REVIEWER])
    assert task.sent_by == world.city.users[Role.REVIEWER]


def test_only_accepted_applications_and_one_open_task_at_a_time(world, activated):
    from medreg.api.tests.conftest import drive
    from medreg.applications.choices import Status

    received = drive(world, activated, Status.RECEIVED)
    with pytest.raises(DomainError) as exc:
        _send(world, received)
    assert exc.value.code == "not_accepted"
    from medreg.applications import services as apps

    apps.accept_application(received.pk, acting_user=world.city.users[Role.CLERK])
    _send(world, received)
    with pytest.raises(Conflict):
        _send(world, received)


def test_due_date_in_the_past_is_refused_today_is_accepted(world, accepted):
    today = timezone.localdate()
    with pytest.raises(DomainError) as exc:
        _send(world, accepted, due_on=today - timedelta(days=1))
    assert exc.value.errors[0].field == "due_on"
    assert _send(world, accepted, due_on=today).due_on == today


def test_returned_form_is_validated_all_at_once(world, accepted):
    task = _send(world, accepted)
    inspector = world.county.users[Role.SUPERVISION]
    first = task.checklist[0]["code"]
    results = {first: {"result": CheckResult.NONCONFORMING, "note": ""}}
    with pytest.raises(DomainError) as exc:
        sv.return_inspection(task.pk, results=results, findings="", conclusion="", acting_user=inspector)
    fields = {e.field for e in exc.value.errors}
    assert f"note_{first}" in fields and f"result_{task.checklist[1]['code']}" in fields
    assert {"findings", "conclusion", "files"} <= fields


def test_nonconforming_item_cannot_be_concluded_passed_and_rectified_needs_requirements(world, accepted):
    task = _send(world, accepted)
    inspector = world.county.users[Role.SUPERVISION]
    sv.add_inspection_file(task.pk, kind="photo", filename="a.png", content=png_bytes(), acting_user=inspector)
    results = _all(task)
    results[task.checklist[0]["code"]] = {"result": CheckResult.NONCONFORMING, "note": "消毒记录缺失"}
    with pytest.raises(DomainError) as exc:
        sv.return_inspection(task.pk, results=results, findings="x", conclusion=Conclusion.PASSED,
                             acting_user=inspector)
    assert exc.value.code == "conclusion_mismatch"
    with pytest.raises(DomainError) as exc:
        sv.return_inspection(task.pk, results=results, findings="x", conclusion=Conclusion.PASSED_AFTER_RECTIFICATION,
                             acting_user=inspector)
    assert exc.value.errors[0].field == "rectification"
    done = sv.return_inspection(task.pk, results=results, findings="x", conclusion=Conclusion.PASSED_AFTER_RECTIFICATION,
                                rectification="已补齐消毒记录", acting_user=inspector)
    assert done.conclusion == Conclusion.PASSED_AFTER_RECTIFICATION


def test_only_the_assignee_fills_the_form_and_a_returned_form_is_frozen(world, accepted):
    task = _send(world, accepted)
    with pytest.raises(NotFound):  # another supervision account does not even see the task
        sv.add_inspection_file(task.pk, kind="photo", filename="a.png", content=png_bytes(),
                               acting_user=world.city.users[Role.SUPERVISION])
    with pytest.raises(PermissionDenied):  # the clerk sees it but may not fill it in
        sv.add_inspection_file(task.pk, kind="photo", filename="a.png", content=png_bytes(),
                               acting_user=world.city.users[Role.CLERK])
    inspector = world.county.users[Role.SUPERVISION]
    done = _return(task, inspector)
    assert done.status == InspectionStatus.RETURNED and len(done.archive_sha256) == 64
    with pytest.raises(DomainError) as exc:
        _return(task, inspector)
    assert exc.value.code == "inspection_returned"
    ev = AuditEvent.objects.get(event_type=EventType.INSPECTION_RETURNED)
    assert ev.data["conclusion"] == Conclusion.PASSED
    assert world.city.users[Role.CLERK].notifications.filter(title__contains="踏勘结论表已回传").exists()


def test_files_are_checked_by_content(world, accepted):
    task = _send(world, accepted)
    inspector = world.county.users[Role.SUPERVISION]
    with pytest.raises(DomainError) as exc:
        sv.add_inspection_file(task.pk, kind="photo", filename="a.png", content=PDF, acting_user=inspector)
    assert exc.value.code == "file_type"
    doc = sv.add_inspection_file(task.pk, kind="document", filename="a.pdf", content=PDF, acting_user=inspector)
    assert doc.content_type == "application/pdf"


def test_inspection_time_counts_toward_clock_by_default(world, accepted):
    due = accepted.due_on
    task = _send(world, accepted)
    assert task.clock_pause is None
    _return(task, world.county.users[Role.SUPERVISION])
    assert Application.objects.get(pk=accepted.pk).due_on == due


def test_inspection_time_pauses_the_clock_when_configured(world, accepted, settings, monkeypatch):
    settings.MEDREG = {**settings.MEDREG, "INSPECTION_COUNTS_TOWARD_CLOCK": False}
    due = accepted.due_on
    task = _send(world, accepted)
    pause = ClockPause.objects.get(pk=task.clock_pause_id)
    assert pause.reason == "inspection" and pause.ended_on is None
    # The inspector returns the form three working days later.
    later = calendar.add_working_days(timezone.localdate(), 3)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later)
    _return(task, world.county.users[Role.SUPERVISION])
    pause.refresh_from_db()
    app = Application.objects.get(pk=accepted.pk)
    assert pause.ended_on == later
    assert app.paused_working_days == 3
    assert app.due_on == calendar.add_working_days(due, 3)


def test_work_queue_lists_overdue_tasks_boundary(world, accepted):
    task = _send(world, accepted)
    inspector = world.county.users[Role.SUPERVISION]
    on_due = selectors.task_queue(inspector, today=task.due_on)
    assert on_due["open"] == [task] and on_due["overdue"] == []
    after = selectors.task_queue(inspector, today=task.due_on + timedelta(days=1))
    assert after["overdue"] == [task] and after["open"] == []
    # Another supervision account in the same city sees none of it; the clerk sees it.
    assert selectors.task_queue(world.city.users[Role.SUPERVISION], today=task.due_on)["open"] == []
    assert selectors.task_queue(world.city.users[Role.CLERK], today=task.due_on)["open"] == [task]
    assert selectors.task_queue(world.other_province.users[Role.CLERK], today=task.due_on)["open"] == []


def test_scoping_of_tasks(world, accepted, national):
    task = _send(world, accepted)
    visible = lambda u: InspectionTask.objects.for_user(u).filter(pk=task.pk).exists()  # noqa: E731
    assert visible(world.county.users[Role.SUPERVISION])
    assert visible(world.province.users[Role.CLERK])
    assert visible(national)
    assert not visible(world.city.users[Role.SUPERVISION])
    assert not visible(world.hospital_admin)
    assert not visible(world.other_province.users[Role.CLERK])


def test_prechecks_for_items_that_need_inspection(world, accepted, settings):
    settings.MEDREG = {**settings.MEDREG, "INSPECTION_REQUIRED_ITEMS": [accepted.item_code]}
    app = Application.objects.get(pk=accepted.pk)
    assert [e.code for e in selectors.inspection_prechecks(app)] == ["inspection_missing"]
    task = _send(world, app)
    assert [e.code for e in selectors.inspection_prechecks(app)] == ["inspection_missing"]
    inspector = world.county.users[Role.SUPERVISION]
    sv.add_inspection_file(task.pk, kind="photo", filename="a.png", content=png_bytes(), acting_user=inspector)
    results = _all(task, CheckResult.NONCONFORMING)
    sv.return_inspection(task.pk, results=results, findings="不符合", conclusion=Conclusion.FAILED, acting_user=inspector)
    assert [e.code for e in selectors.inspection_prechecks(app)] == ["inspection_failed"]
    settings.MEDREG = {**settings.MEDREG, "INSPECTION_REQUIRED_ITEMS": []}
    assert selectors.inspection_prechecks(app) == []
