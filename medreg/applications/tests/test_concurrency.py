"""Two approvers decide the same application at the same moment: exactly one decision is recorded."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from medreg.accounts import services as accounts
from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.applications.tests.test_first_registration_flow import activate, draft
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.audit.services import verify_chain
from medreg.core.errors import DomainError
from medreg.demo.world import DEFAULT_PASSWORD, drive, register_physician
from medreg.licences.models import ELicence

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_approvers_at_once_record_exactly_one_decision(tx_world):
    world = tx_world
    physician = register_physician(world)
    activate(world, physician)
    app = draft(world, physician)
    city = world.city.users
    drive(world, physician, app.pk, "reviewed")
    second = accounts.create_staff_account(
        acting_user=None, authority=world.city.authority, username="km_approver2", real_name="第二决定人",
        password=DEFAULT_PASSWORD, roles=[Role.APPROVER],
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(user, how):
        try:
            barrier.wait(timeout=10)
            if how == "approve":
                apps.approve_application(app.pk, acting_user=user, comment="准予")
            else:
                apps.refuse_application(app.pk, acting_user=user, reason="不符合条件")
            outcomes.append(how)
        except DomainError as exc:
            outcomes.append(f"rejected:{exc.code}")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(city[Role.APPROVER], "approve")),
        threading.Thread(target=decide, args=(second, "refuse")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    app = Application.objects.get(pk=app.pk)
    decisions = AuditEvent.objects.filter(
        subject_id=str(app.pk), event_type__in=[EventType.APPLICATION_APPROVED, EventType.APPLICATION_REFUSED]
    )
    assert sorted(o.split(":")[0] for o in outcomes) in (["approve", "rejected"], ["refuse", "rejected"])
    assert decisions.count() == 1
    assert app.status in (Status.APPROVED, Status.REFUSED)
    assert ELicence.objects.filter(person=physician.person).count() == (1 if app.status == Status.APPROVED else 0)
    assert verify_chain()[0]
