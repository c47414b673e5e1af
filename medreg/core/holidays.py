"""Feeds the working-day calendar with the WorkingDayOverride table (years the library lacks).

The table is read at most once a minute per process; a write through :func:`set_working_day`
refreshes it at once. Statutory clocks call :func:`refresh_overrides` before they count.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.db import transaction

from medreg.core import calendar
from medreg.core.models import WorkingDayOverride

_TTL_SECONDS = 60.0
_loaded_at = 0.0


def refresh_overrides(*, force: bool = False) -> None:
    global _loaded_at
    now = time.monotonic()
    if not force and now - _loaded_at < _TTL_SECONDS:
        return
    rows = list(WorkingDayOverride.objects.values_list("day", "is_working_day"))
    holidays = {d for d, work in rows if not work}
    workdays = {d for d, work in rows if work}
    calendar.set_overrides(holidays, workdays)
    _loaded_at = now


@transaction.atomic
def set_working_day(day: date, *, is_working_day: bool, note: str = "", acting_user: Any) -> WorkingDayOverride:
    """Record the official arrangement for one day (e.g. the State Council's notice for next year)."""
    from medreg.audit import services as audit
    from medreg.audit.choices import EventType

    row, _created = WorkingDayOverride.objects.update_or_create(
        day=day, defaults={"is_working_day": is_working_day, "note": note[:100]}
    )
    audit.record(EventType.REFERENCE_LOADED, actor=acting_user, subject=row,
                 data={"day": day.isoformat(), "working": is_working_day, "note": note[:100]})
    transaction.on_commit(lambda: refresh_overrides(force=True))
    return row
