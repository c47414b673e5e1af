"""medreg export public: write the open-data files of the public register.

    medreg export public                     a full export (CSV + JSON Lines + manifest + SHA256SUMS)
    medreg export public --since 2026-12-01  a delta: records changed at or after that time (UTC if naive)
    medreg export public --daily             what the daily schedule runs: a delta since the previous
                                             export, then a full export
    medreg export public --out DIR           write under DIR (default: settings.MEDREG["PUBLIC_EXPORT_DIR"])
    medreg export public --daily --enqueue   queue the daily task for `medreg worker` instead

Schedule the daily run from the deployment's scheduler, e.g. cron: ``15 1 * * * medreg export public --daily``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from medreg.audit.context import audit_context
from medreg.public import services, tasks


def parse_since(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--since: not an ISO date or date-time: {text!r}") from None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


class Command(BaseCommand):
    help = "Export open data: `medreg export public [--since ISO] [--daily] [--out DIR]`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", choices=["public"], help="public: the public register")
        parser.add_argument("--since", help="delta export: records changed at or after this ISO date/time")
        parser.add_argument("--daily", action="store_true", help="delta since the previous export, then full")
        parser.add_argument("--out", help="output directory (default: MEDREG_PUBLIC_EXPORT_DIR)")
        parser.add_argument("--enqueue", action="store_true", help="with --daily: queue the task for `medreg worker`")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            if not options["daily"] or options["out"]:
                raise CommandError("--enqueue runs the daily task with the configured directory: use --daily alone")
            tasks.export_public_daily.enqueue()
            self.stdout.write("queued export_public_daily")
            return
        if options["daily"]:
            if options["since"]:
                raise CommandError("--daily computes its own --since; give one or the other")
            for directory in tasks.run_daily(options["out"]):
                self.stdout.write(directory)
            return
        since = parse_since(options["since"]) if options["since"] else None
        with audit_context(channel="command"):
            result = services.publish_open_data(since=since, out_dir=options["out"], acting_user=None)
        self.stdout.write(str(result.directory))
        for f in result.files:
            self.stdout.write(f"  {f['name']}: {f['rows']} rows, {f['bytes']} bytes, sha256 {f['sha256']}")
