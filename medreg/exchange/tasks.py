"""Background work of the exchange app (Django's tasks API). Tasks take ids and are safe to run twice."""

from __future__ import annotations

from medreg.core.tasks import task


@task()
def deliver_one(delivery_id: int) -> None:
    """Send one delivery now if it is due (called after the registry change commits)."""
    from medreg.exchange.services import attempt_delivery

    attempt_delivery(delivery_id)


@task()
def deliver_due_task() -> int:
    """Send every due delivery: the periodic job behind ``medreg exchange deliver``."""
    from medreg.exchange.services import deliver_due

    return deliver_due()


@task()
def pull_sources_task() -> int:
    """Pull every configured source instance (national side of the sync)."""
    from medreg.exchange.sync import pull_all

    return pull_all()
