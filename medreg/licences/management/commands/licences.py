"""``medreg licences issue|expire``: bulk issuance of e-licences and the expiry job."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Bulk-issue e-licences for every eligible registration without one (idempotent, resumable, parallel)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="issue every eligible registration's missing licence")
        issue.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
        issue.add_argument("--chunk", type=int, default=2000, help="registrations per transaction")
        issue.add_argument("--limit", type=int, default=None, help="at most this many (for trials)")
        issue.add_argument("--no-progress", action="store_true", help="no progress bar")
        sub.add_parser("expire", help="mark licences past their end date as expired")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "expire":
            from medreg.licences.services import expire_due_licences

            self.stdout.write(f"expired {expire_due_licences()} licence(s)")
            return
        from tqdm import tqdm

        from medreg.licences.bulk import issue_all

        bar = None

        def total(n: int) -> None:
            nonlocal bar
            if not opts["no_progress"]:
                bar = tqdm(total=n, unit="licence", smoothing=0.1, file=self.stderr._out)

        def progress(n: int) -> None:
            if bar is not None:
                bar.update(n)

        result = issue_all(workers=opts["workers"], chunk_size=opts["chunk"], limit=opts["limit"],
                           progress=progress, total=total)
        if bar is not None:
            bar.close()
        self.stdout.write(
            f"eligible {result.eligible}, issued {result.issued}, skipped {result.skipped} "
            f"in {result.seconds:.1f} s ({result.rate:,.0f}/s, {result.workers} workers, {result.chunks} chunks)"
        )
        self.stdout.write(
            f"time: plan {result.plan_seconds:.1f} s; worker-seconds fetch {result.fetch_seconds:.1f}, "
            f"sign {result.sign_seconds:.1f}, insert+commit {result.insert_seconds:.1f}"
        )
