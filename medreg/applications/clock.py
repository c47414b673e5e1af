"""The statutory clock: working days from acceptance, paused while the applicant corrects materials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from medreg.applications.models import Application
from medreg.core import calendar
from medreg.core.holidays import refresh_overrides


def compute_due_on(app: Application) -> date | None:
    """Acceptance date + limit + extension + paused working days, counted in working days."""
    if app.accepted_on is None:
        return None
    refresh_overrides()
    total = app.statutory_limit_days + app.extension_days + app.paused_working_days
    return calendar.add_working_days(app.accepted_on, total)


@dataclass(frozen=True)
class ClockView:
    """What the portals show: the due date and the working days left (negative when overdue)."""

    due_on: date | None
    remaining: int | None
    running: bool
    overdue: bool
    near_due: bool


NEAR_DUE_DAYS = 3


def clock_view(app: Application, *, today: date) -> ClockView:
    if app.due_on is None or app.is_final:
        return ClockView(app.due_on, None, False, False, False)
    refresh_overrides()
    running = app.status != "correction"
    if today <= app.due_on:
        remaining = calendar.working_days_between(today, app.due_on)
    else:
        remaining = -calendar.working_days_between(app.due_on, today)
    return ClockView(app.due_on, remaining, running, remaining < 0, 0 <= remaining <= NEAR_DUE_DAYS)
