"""``medreg daily`` runs every date-driven job for a day and is safe to run twice."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from medreg.applications.choices import Status
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent


def run(*args: str) -> str:
    out = StringIO()
    call_command("daily", *args, stdout=out)
    return out.getvalue()


def test_daily_runs_every_job_and_grants_an_undecided_timely_renewal_once(world):
    from medreg.people.tests.test_nursing import _renewal_filed

    _user, reg, app = _renewal_filed(world, days_before_expiry=40)
    day_after_expiry = (reg.valid_until + timedelta(days=1)).isoformat()
    out = run("--date", day_after_expiry)
    for job in ("sanctions:", "nurse-renewals: deemed granted=1", "cancellation-proposals:", "institutions:"):
        assert job in out
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    granted = AuditEvent.objects.filter(event_type=EventType.NURSE_RENEWAL_DEEMED_GRANTED)
    assert granted.count() == 1
    assert "deemed granted=0" in run("--date", day_after_expiry)
    assert granted.count() == 1


def test_only_and_bad_dates(world):
    assert run("--only", "sanctions").startswith("sanctions:")
    with pytest.raises(CommandError):
        run("--date", "2026-02-30")
