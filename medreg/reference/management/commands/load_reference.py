"""medreg load-reference: load the code tables and divisions from the repository's data files."""

from django.core.management.base import BaseCommand

from medreg.audit.context import audit_context
from medreg.reference.services import load_reference_data


class Command(BaseCommand):
    help = "Load GB/T 2260 divisions and the effective-dated code tables from medreg/reference/data."

    def handle(self, *args, **options):
        with audit_context(channel="command"):
            counts = load_reference_data(acting_user=None)
        for table, n in sorted(counts.items()):
            self.stdout.write(f"{table}: {n}")
