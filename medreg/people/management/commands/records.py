"""medreg records expire: start due suspensions and revocations, lift suspensions whose last day has passed.

medreg records expire                    run for today (idempotent: run it daily, e.g. from cron)
medreg records expire --date 2027-01-31
medreg records expire --enqueue          queue the task for the background worker instead
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from medreg.audit.context import audit_context


class Command(BaseCommand):
    help = "Records jobs: `expire` starts due suspensions and lifts ended ones (reinstating registrations)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["expire"])
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")
        parser.add_argument("--enqueue", action="store_true", help="queue the task for `medreg worker`")

    def handle(self, *args: Any, **options: Any) -> None:
        from medreg.people.records import expire_records
        from medreg.people.records_tasks import expire_records_task

        on = None
        if options["date"]:
            try:
                on = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        if options["enqueue"]:
            expire_records_task.enqueue(on.isoformat() if on else None)
            self.stdout.write("queued")
            return
        with audit_context(channel="command"):
            result = expire_records(on=on, acting_user=None)
        self.stdout.write(f"started={result['started']} lifted={result['lifted']}")
