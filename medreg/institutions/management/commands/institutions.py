"""medreg institutions flag: flag overdue 校验 and stops over a year that count as 歇业.

    medreg institutions flag                   run for today (idempotent: run it daily, e.g. from cron)
    medreg institutions flag --date 2027-01-31
    medreg institutions flag --enqueue         queue the task for the background worker instead
    medreg institutions overdue                list the institutions whose 校验 is overdue
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class Command(BaseCommand):
    help = "Institution jobs: `flag` marks overdue 校验 and 歇业; `overdue` lists overdue institutions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["flag", "overdue"])
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")
        parser.add_argument("--enqueue", action="store_true", help="queue the task for `medreg worker`")

    def handle(self, *args: Any, **options: Any) -> None:
        from medreg.institutions.selectors import verification_overdue_queryset
        from medreg.institutions.tasks import flag_institutions, run_flags

        on = None
        if options["date"]:
            try:
                on = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        if options["action"] == "overdue":
            for inst in verification_overdue_queryset(on or timezone.localdate()).order_by("verification_due_on"):
                self.stdout.write(f"{inst.registration_no}\t{inst.verification_due_on}\t{inst.name}")
            return
        if options["enqueue"]:
            flag_institutions.enqueue(on.isoformat() if on else None)
            self.stdout.write("queued")
            return
        result = run_flags(on)
        self.stdout.write(
            f"verification overdue: {len(result['verification_overdue'])}; deemed closed: {len(result['deemed_closed'])}"
        )
