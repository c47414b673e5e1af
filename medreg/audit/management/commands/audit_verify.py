"""medreg audit-verify: walk the hash chain of the audit log and report the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from medreg.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chain."

    def handle(self, *args, **options):
        ok, bad_seq, count = verify_chain()
        if not ok:
            raise CommandError(f"audit chain broken at seq {bad_seq} (after {count} good rows)")
        self.stdout.write(f"audit chain intact: {count} events")
