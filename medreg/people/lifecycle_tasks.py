"""Background task of the lifecycle stream: propose 注销 two years after a departure filing (idempotent)."""

from __future__ import annotations

import datetime as dt

from medreg.audit.context import audit_context
from medreg.core.tasks import task


@task()
def propose_cancellations_task(on: str | None = None) -> int:
    """Run :func:`medreg.people.lifecycle.propose_cancellations` for ``on`` (default today); returns the
    number of new proposals. Safe to run twice."""
    from medreg.people.lifecycle import propose_cancellations

    with audit_context(channel="task"):
        return len(propose_cancellations(acting_user=None, today=dt.date.fromisoformat(on) if on else None))
