"""medreg daily: every date-driven registry job, in order, for one day. Run it once a day from cron:

    15 0 * * *  cd /srv/medreg && .venv/bin/medreg daily

Each job is idempotent (running the same day twice changes nothing) and audited as a system action,
so a missed day is caught up by running ``medreg daily --date YYYY-MM-DD`` for it. The jobs:

1. sanctions: suspensions that start today begin, ended ones are lifted (``records expire``);
2. nurse renewals filed 30+ days before expiry and still undecided are deemed granted (``nurses auto-renew``);
3. physicians two years on a departure record get a cancellation proposal (``lifecycle propose-cancellations``);
4. institutions overdue for 校验, and stops that count as 歇业, are flagged (``institutions flag``).
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from medreg.audit.context import audit_context


def _sanctions(on: date) -> str:
    from medreg.people.records import expire_records

    result = expire_records(on=on, acting_user=None)
    return f"started={result['started']} lifted={result['lifted']}"


def _nurse_renewals(on: date) -> str:
    from medreg.people.nursing import grant_deemed_renewals

    result = grant_deemed_renewals(acting_user=None, today=on)
    return f"deemed granted={len(result.granted)} skipped={result.skipped}"


def _cancellation_proposals(on: date) -> str:
    from medreg.people.lifecycle import propose_cancellations

    return f"proposed={len(propose_cancellations(acting_user=None, today=on))}"


def _institutions(on: date) -> str:
    from medreg.institutions.tasks import run_flags

    result = run_flags(on)
    return f"verification overdue={len(result['verification_overdue'])} deemed closed={len(result['deemed_closed'])}"


JOBS: list[tuple[str, Callable[[date], str]]] = [
    ("sanctions", _sanctions),
    ("nurse-renewals", _nurse_renewals),
    ("cancellation-proposals", _cancellation_proposals),
    ("institutions", _institutions),
]


class Command(BaseCommand):
    help = "Run every daily registry job for one day (default today); safe to run twice."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")
        parser.add_argument("--only", choices=[name for name, _job in JOBS], action="append",
                            help="run only these jobs (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD") from None
        failed = []
        with audit_context(channel="command"):
            for name, job in JOBS:
                if options["only"] and name not in options["only"]:
                    continue
                try:
                    self.stdout.write(f"{name}: {job(on)}")
                except Exception as exc:  # one failing job must not stop the others; report and fail at the end
                    failed.append(name)
                    self.stderr.write(f"{name}: FAILED ({type(exc).__name__}: {exc})")
        if failed:
            raise CommandError(f"daily jobs failed: {', '.join(failed)}")
