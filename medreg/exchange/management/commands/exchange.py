"""medreg exchange: deliver webhooks, pull source instances, manage subscriptions, replay dead letters.

    medreg exchange deliver                      # send every due delivery (run it every minute)
    medreg exchange pull --source URL [--name N] # pull a province's mCSD _history (adds the source once)
    medreg exchange pull --all
    medreg exchange subscribe --name N --kind credit --url URL [--topic registration ...] [--division 53]
                              [--institution ID]  # prints the signing secret once
    medreg exchange replay --delivery ID | --dead [--subscription ID]
    medreg exchange backfill                     # version every existing resource (first sync of old data)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from medreg.core.errors import DomainError


class Command(BaseCommand):
    help = "Partner webhooks, instance sync and the FHIR version log."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("deliver")
        pull = sub.add_parser("pull")
        pull.add_argument("--source", help="FHIR base URL of the source instance, e.g. https://x/fhir/r4/")
        pull.add_argument("--name", default="")
        pull.add_argument("--all", action="store_true")
        s = sub.add_parser("subscribe")
        s.add_argument("--name", required=True)
        s.add_argument("--kind", required=True)
        s.add_argument("--url", required=True)
        s.add_argument("--topic", action="append", default=[])
        s.add_argument("--event", action="append", default=[])
        s.add_argument("--division", default="")
        s.add_argument("--institution", type=int)
        r = sub.add_parser("replay")
        r.add_argument("--delivery", type=int)
        r.add_argument("--dead", action="store_true")
        r.add_argument("--subscription", type=int)
        sub.add_parser("backfill")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"do_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError("; ".join(e.render() for e in exc.errors)) from exc

    def do_deliver(self, options: dict[str, Any]) -> None:
        from medreg.exchange.services import deliver_due

        self.stdout.write(f"attempted {deliver_due()} deliveries")

    def do_pull(self, options: dict[str, Any]) -> None:
        from medreg.exchange import sync

        if options["all"]:
            self.stdout.write(f"pulled {sync.pull_all()} sources")
            return
        if not options["source"]:
            raise CommandError("--source URL or --all is required")
        source = sync.add_source(options["source"], name=options["name"], acting_user=None)
        try:
            totals = sync.pull_source(source.pk, acting_user=None)
        except (OSError, ValueError) as exc:
            raise CommandError(f"pull failed: {exc}") from exc
        self.stdout.write(" ".join(f"{k}={v}" for k, v in totals.items()))

    def do_subscribe(self, options: dict[str, Any]) -> None:
        from medreg.exchange.services import create_subscription
        from medreg.institutions.models import Institution

        inst = Institution.objects.filter(pk=options["institution"]).first() if options["institution"] else None
        sub, secret = create_subscription(
            name=options["name"], kind=options["kind"], url=options["url"], topics=options["topic"],
            event_types=options["event"], division_prefix=options["division"], institution=inst, acting_user=None,
        )
        self.stdout.write(f"subscription {sub.pk} secret {secret}")

    def do_replay(self, options: dict[str, Any]) -> None:
        from medreg.exchange.services import replay_dead_letters, replay_delivery

        if options["delivery"]:
            replay_delivery(options["delivery"], acting_user=None)
            self.stdout.write("replayed 1 delivery")
        elif options["dead"]:
            n = replay_dead_letters(acting_user=None, subscription_id=options["subscription"])
            self.stdout.write(f"replayed {n} deliveries")
        else:
            raise CommandError("--delivery ID or --dead is required")

    def do_backfill(self, options: dict[str, Any]) -> None:
        from medreg.exchange.history import backfill

        self.stdout.write(f"versioned {backfill()} resources")
