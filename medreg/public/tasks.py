"""Scheduled work of the public register: the daily open-data export (full + delta).

Run it daily from the scheduler of the deployment (cron or a systemd timer; django-tasks has no clock of
its own), either as ``medreg export public --daily`` or by enqueueing ``export_public_daily`` for the
``medreg worker``. Safe to run twice: each run writes a new timestamped directory, and the delta starts
where the previous export ended.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from medreg.audit.context import audit_context
from medreg.core.conf import conf
from medreg.core.tasks import task
from medreg.public import export, services


def run_daily(out_dir: str | None = None) -> list[str]:
    """A full export, then a delta since the previous export (or the last 24 hours on the first run)."""
    target = out_dir or conf("PUBLIC_EXPORT_DIR")
    since = export.last_export_time(target) or (timezone.now() - dt.timedelta(days=1))
    with audit_context(channel="task"):
        delta = services.publish_open_data(since=since, out_dir=target, acting_user=None)
        full = services.publish_open_data(since=None, out_dir=target, acting_user=None)
    return [str(full.directory), str(delta.directory)]


@task()
def export_public_daily() -> list[str]:
    return run_daily()
