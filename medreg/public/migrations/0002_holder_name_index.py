"""姓名 + 省份 as one index range: registrations by the holder's name (copied onto the registration by
``people.0003``), profession and practice-division prefix (``text_pattern_ops`` serves ``LIKE '53%'``), with
the status for the published-status filter. PostgreSQL only, like 0001; SQLite needs nothing."""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS public_reg_holder_place ON people_practiceregistration "
    "(holder_name, profession, practice_division_id text_pattern_ops, status)",
]
BACKWARD = ["DROP INDEX IF EXISTS public_reg_holder_place"]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_registration_holder_name"),
        ("public", "0001_search_indexes"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
