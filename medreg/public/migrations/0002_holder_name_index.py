"""姓名 + 省份 as one index range: registrations by the holder's name (copied onto the registration by
``people.0003``), profession and practice-division prefix (``text_pattern_ops`` serves ``LIKE '53%'``), with
the status for the published-status filter. PostgreSQL only, like 0001; SQLite needs nothing."""

import importlib

from django.db import migrations

# the PostgreSQL-only runner of 0001 (a migration module's name starts with a digit: imported by name)
_run = importlib.import_module("medreg.public.migrations.0001_search_indexes")._run

FORWARD = [
    "CREATE INDEX IF NOT EXISTS public_reg_holder_place ON people_practiceregistration "
    "(holder_name, profession, practice_division_id text_pattern_ops, status)",
]
BACKWARD = ["DROP INDEX IF EXISTS public_reg_holder_place"]


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_registration_holder_name"),
        ("public", "0001_search_indexes"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
