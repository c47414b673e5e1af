"""Daily institution jobs: flag overdue 校验 and stops that count as 歇业.

Run daily from the deployment's scheduler, as ``medreg institutions flag`` or by enqueueing
``flag_institutions`` for ``medreg worker``. Both jobs are safe to run twice.
"""

from __future__ import annotations

from datetime import date

from medreg.audit.context import audit_context
from medreg.core.tasks import task


def run_flags(on: date | None = None) -> dict[str, list[int]]:
    from medreg.institutions import services

    with audit_context(channel="task"):
        overdue = services.flag_overdue_verifications(acting_user=None, today=on)
        closed = services.flag_deemed_closures(acting_user=None, today=on)
    return {"verification_overdue": overdue, "deemed_closed": closed}


@task()
def flag_institutions(on: str | None = None) -> dict[str, list[int]]:
    return run_flags(date.fromisoformat(on) if on else None)
