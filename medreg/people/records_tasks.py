"""Background task of the records stream: the daily start/lift of suspensions (idempotent)."""

from __future__ import annotations

import datetime as dt

from medreg.audit.context import audit_context
from medreg.core.tasks import task


@task()
def expire_records_task(on: str | None = None) -> dict[str, int]:
    """Apply suspensions and revocations that have started and lift suspensions that have ended."""
    from medreg.people.records import expire_records

    with audit_context(channel="task"):
        return expire_records(on=dt.date.fromisoformat(on) if on else None, acting_user=None)
