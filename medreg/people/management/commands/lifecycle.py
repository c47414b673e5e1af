"""medreg lifecycle propose-cancellations: propose 注销 to the commission for physicians whose departure
(调离、退休、退职、辞退、开除) was filed two full years ago and who have not resumed practice.

    medreg lifecycle propose-cancellations                 run for today (idempotent: run it daily)
    medreg lifecycle propose-cancellations --date 2028-01-31
    medreg lifecycle propose-cancellations --enqueue       queue the task for the background worker
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from medreg.audit.context import audit_context


class Command(BaseCommand):
    help = "Physician lifecycle jobs: `propose-cancellations` (中止执业满二年 → 注销建议)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["propose-cancellations", "propose_cancellations"])
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")
        parser.add_argument("--enqueue", action="store_true", help="queue the task for `medreg worker`")

    def handle(self, *args: Any, **options: Any) -> None:
        from medreg.people.lifecycle import propose_cancellations
        from medreg.people.lifecycle_tasks import propose_cancellations_task

        on = None
        if options["date"]:
            try:
                on = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        if options["enqueue"]:
            propose_cancellations_task.enqueue(on.isoformat() if on else None)
            self.stdout.write("queued")
            return
        with audit_context(channel="command"):
            created = propose_cancellations(acting_user=None, today=on)
        self.stdout.write(f"proposed: {len(created)}")
        for proposal in created:
            self.stdout.write(f"  registration {proposal.registration_id} (basis {proposal.basis_date})")
