"""medreg nurses auto-renew: deem granted the nurse renewals still undecided at expiry (行政许可法 第50条).

    medreg nurses auto-renew                 run for today (idempotent: run it daily, e.g. from cron)
    medreg nurses auto-renew --date 2027-01-31
    medreg nurses auto-renew --enqueue       queue the task for the background worker instead
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from medreg.audit.context import audit_context


class Command(BaseCommand):
    help = "Nurse registration jobs: `auto-renew` deems granted renewals undecided at expiry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["auto-renew", "auto_renew"])
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")
        parser.add_argument("--enqueue", action="store_true", help="queue the task for `medreg worker`")

    def handle(self, *args: Any, **options: Any) -> None:
        from medreg.people.nursing import grant_deemed_renewals
        from medreg.people.nursing_tasks import grant_deemed_nurse_renewals

        on = None
        if options["date"]:
            try:
                on = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        if options["enqueue"]:
            grant_deemed_nurse_renewals.enqueue(on.isoformat() if on else None)
            self.stdout.write("queued")
            return
        with audit_context(channel="command"):
            result = grant_deemed_renewals(acting_user=None, today=on)
        self.stdout.write(f"deemed granted: {len(result.granted)}; skipped: {result.skipped}")
        for number in result.granted:
            self.stdout.write(f"  {number}")
