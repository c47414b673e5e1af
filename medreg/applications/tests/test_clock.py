"""The statutory clock counts working days with China's holidays and make-up days, and 补正 pauses it."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from medreg.accounts.choices import Role
from medreg.applications import clock
from medreg.applications import services as apps
from medreg.applications.models import Application
from medreg.applications.tests.test_first_registration_flow import activate, draft


# The clock reads the WorkingDayOverride table (at most once a minute), so even these unsaved applications
# need database access: without it, a run that crosses the minute fails at random.
@pytest.mark.django_db
def test_twenty_working_days_across_national_day_2024():
    app = Application(accepted_on=date(2024, 9, 27), statutory_limit_days=20, status="accepted")
    # 9-29 (Sunday) and 10-12 (Saturday) are make-up workdays; 10-01..10-07 are holidays
    assert clock.compute_due_on(app) == date(2024, 10, 30)


@pytest.mark.django_db
def test_clock_view_marks_near_due_and_overdue():
    app = Application(accepted_on=date(2024, 9, 27), statutory_limit_days=20, status="accepted",
                      due_on=date(2024, 10, 30))
    assert clock.clock_view(app, today=date(2024, 10, 25)).near_due  # 3 working days left
    assert not clock.clock_view(app, today=date(2024, 10, 24)).near_due  # 4 left
    on_time = clock.clock_view(app, today=date(2024, 10, 30))
    assert on_time.remaining == 0 and not on_time.overdue
    late = clock.clock_view(app, today=date(2024, 10, 31))
    assert late.overdue and late.remaining == -1


def test_correction_during_review_extends_the_due_date_by_the_paused_working_days(world, physician, monkeypatch):
    activate(world, physician)
    app = draft(world, physician)
    c = world.city.users
    apps.submit_application(app.pk, acting_user=physician)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2025, 3, 3))  # a Monday
    app = apps.accept_application(app.pk, acting_user=c[Role.CLERK])
    assert app.due_on == date(2025, 3, 31)
    apps.request_correction(app.pk, acting_user=c[Role.CLERK], items=["学历证书不清晰"])
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2025, 3, 10))  # 5 working days later
    app = apps.resubmit_correction(app.pk, acting_user=physician)
    assert app.status == "accepted"
    assert app.paused_working_days == 5
    assert app.due_on == date(2025, 4, 8)  # 2025-04-04 is 清明, a holiday
