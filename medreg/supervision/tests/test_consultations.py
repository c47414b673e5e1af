"""电子会商: threads on applications, institutions and practitioners; messages, files, @-mentions, read
receipts, risk flags, closing with a conclusion; audit in the subject's history; scoping."""

from __future__ import annotations

import pytest

from medreg.accounts.choices import Role
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.errors import DomainError, NotFound
from medreg.supervision import selectors
from medreg.supervision import services as sv
from medreg.supervision.choices import RiskKind, ThreadStatus
from medreg.supervision.models import ConsultationThread
from medreg.supervision.tests.conftest import PDF


def _open(world, app, user=None, **kw):
    args = {"title": "关于该申请的执业场所", "body": "请监管部门核实场所情况"}
    args.update(kw)
    return sv.open_consultation("application", app.pk, acting_user=user or world.city.users[Role.CLERK], **args)


def test_open_thread_on_application_with_first_message_and_file(world, accepted):
    thread = _open(world, accepted, files=[("site.pdf", PDF)])
    assert thread.status == ThreadStatus.OPEN and thread.authority == world.city.authority
    msg = thread.messages.get()
    assert msg.files.get().content_type == "application/pdf"
    events = list(AuditEvent.objects.filter(event_type__in=[EventType.CONSULTATION_OPENED,
                                                            EventType.CONSULTATION_MESSAGE_POSTED]))
    assert {(e.subject_type, e.subject_id) for e in events} == {("applications.application", str(accepted.pk))}


def test_open_thread_on_institution_and_person(world, accepted, activated):
    sup = world.county.users[Role.SUPERVISION]
    t1 = sv.open_consultation("institution", world.hospital.pk, title="机构监管", body="近期投诉较多", acting_user=sup)
    assert t1.authority == world.county.authority and t1.division_code == world.hospital.division_code
    t2 = sv.open_consultation("person", activated.person.pk, title="医师情况", body="请核实", acting_user=sup)
    assert t2.subject_label == activated.person.name


def test_open_requires_title_and_body_all_at_once(world, accepted):
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        _open(world, accepted, title="", body=" ")
    assert {e.field for e in exc.value.errors} == {"title", "body"}
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("who", ["other_province_clerk", "own_institution", "individual", "other_province_supervision"])
def test_outsiders_cannot_open_or_see_a_thread(world, accepted, actors, who):
    with pytest.raises(NotFound):
        _open(world, accepted, user=actors[who])
    thread = _open(world, accepted)
    assert not ConsultationThread.objects.for_user(actors[who]).filter(pk=thread.pk).exists()
    with pytest.raises(NotFound):
        sv.post_message(thread.pk, body="x", acting_user=actors[who])


def test_mentions_notify_and_unknown_or_outside_mentions_are_refused(world, accepted):
    thread = _open(world, accepted)
    sup = world.county.users[Role.SUPERVISION]
    msg = sv.post_message(thread.pk, body=f"@{sup.username} 请安排现场核查", acting_user=world.city.users[Role.REVIEWER])
    assert list(msg.mentions.all()) == [sup]
    assert sup.notifications.filter(title__contains="提及").exists()
    outsider = world.other_province.users[Role.CLERK]
    with pytest.raises(DomainError) as exc:
        sv.post_message(thread.pk, body=f"@{outsider.username} @nobody 你好", acting_user=sup)
    assert exc.value.code == "mention" and "nobody" in exc.value.errors[0].render()
    assert thread.messages.count() == 2


def test_read_receipts(world, accepted):
    thread = _open(world, accepted)
    clerk, sup = world.city.users[Role.CLERK], world.county.users[Role.SUPERVISION]
    first = thread.messages.get()
    assert selectors.readers_by_message(thread)[first.pk] == []
    assert sv.mark_read(thread.pk, acting_user=sup) is True
    assert sv.mark_read(thread.pk, acting_user=sup) is False  # nothing new: not audited again
    assert selectors.readers_by_message(thread)[first.pk] == [str(sup)]
    reply = sv.post_message(thread.pk, body="已安排", acting_user=sup)
    readers = selectors.readers_by_message(thread)
    assert readers[reply.pk] == []  # the clerk has not read the reply yet
    sv.mark_read(thread.pk, acting_user=clerk)
    assert selectors.readers_by_message(thread)[reply.pk] == [str(clerk)]
    assert AuditEvent.objects.filter(event_type=EventType.CONSULTATION_READ).count() == 2


def test_risk_flag_shows_on_the_subject_for_both_departments(world, accepted):
    thread = _open(world, accepted)
    sup = world.county.users[Role.SUPERVISION]
    with pytest.raises(DomainError) as exc:
        sv.raise_risk_flag(thread.pk, kind="other", note="", acting_user=sup)
    assert {e.field for e in exc.value.errors} == {"kind", "note"}
    flag = sv.raise_risk_flag(thread.pk, kind=RiskKind.SUPERVISION_PENALTY, note="该机构2025年受过行政处罚", acting_user=sup)
    assert list(selectors.risk_flags_for(accepted, world.city.users[Role.APPROVER])) == [flag]
    assert list(selectors.risk_flags_for(accepted, sup)) == [flag]
    assert list(selectors.risk_flags_for(accepted, world.other_province.users[Role.CLERK])) == []
    assert list(selectors.risk_flags_for(accepted, world.hospital_admin)) == []


def test_risk_flag_on_institution_appears_on_its_applications(world, accepted):
    sup = world.county.users[Role.SUPERVISION]
    t = sv.open_consultation("institution", world.hospital.pk, title="机构监管", body="处罚信息", acting_user=sup)
    flag = sv.raise_risk_flag(t.pk, kind=RiskKind.APPROVAL_RISK, note="注意", acting_user=sup)
    assert list(selectors.risk_flags_for(accepted, world.city.users[Role.CLERK])) == [flag]
    assert list(selectors.risk_flags_for(world.hospital, world.city.users[Role.CLERK])) == [flag]


def test_closing_needs_a_conclusion_and_freezes_the_thread(world, accepted):
    thread = _open(world, accepted)
    clerk = world.city.users[Role.CLERK]
    with pytest.raises(DomainError) as exc:
        sv.close_consultation(thread.pk, conclusion="  ", acting_user=clerk)
    assert exc.value.errors[0].field == "conclusion"
    closed = sv.close_consultation(thread.pk, conclusion="场所属实，可以准予", acting_user=clerk)
    assert closed.status == ThreadStatus.CLOSED and closed.closed_by == clerk
    with pytest.raises(DomainError):
        sv.post_message(thread.pk, body="还有问题", acting_user=clerk)
    with pytest.raises(DomainError):
        sv.raise_risk_flag(thread.pk, kind=RiskKind.APPROVAL_RISK, note="x", acting_user=clerk)
    ev = AuditEvent.objects.get(event_type=EventType.CONSULTATION_CLOSED)
    assert ev.subject_id == str(accepted.pk) and ev.data["conclusion"] == "场所属实，可以准予"
    assert list(selectors.consultations_for(accepted, clerk)) == [closed]


def test_mention_by_id_of_an_outsider_is_refused_without_revealing_the_login(world, accepted, activated):
    thread = _open(world, accepted)
    with pytest.raises(DomainError) as exc:
        sv.post_message(thread.pk, body="请看", mention_ids=[activated.pk], acting_user=world.city.users[Role.CLERK])
    message = exc.value.errors[0].render()
    assert str(activated.pk) in message and activated.username not in message
