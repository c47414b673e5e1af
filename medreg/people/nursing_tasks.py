"""Scheduled nurse jobs (Django tasks API). Tasks take plain values, re-read state and are safe to run twice."""

from __future__ import annotations

from datetime import date

from medreg.audit.context import audit_context
from medreg.core.tasks import task


@task()
def grant_deemed_nurse_renewals(on: str | None = None) -> list[str]:
    """Daily: deem granted the nurse renewals undecided at expiry (行政许可法 第50条). Returns their numbers.

    ``on`` is an ISO date (default: today). Enqueue it once a day, e.g. from cron with
    ``medreg nurses auto-renew`` or from a scheduler calling ``grant_deemed_nurse_renewals.enqueue()``.
    """
    from medreg.people.nursing import grant_deemed_renewals

    with audit_context(channel="task"):
        result = grant_deemed_renewals(acting_user=None, today=date.fromisoformat(on) if on else None)
    return result.granted
