"""PostgreSQL indexes for the public register's searches (no models; SQLite needs nothing).

* institution name / alias substring search (``LIKE '%...%'``) and trigram similarity: GIN ``pg_trgm``;
* 姓名 + 省份: persons by name already have a btree (people.Person.name); registrations are reached by
  ``person_id`` and filtered on the practice division prefix, which this composite index covers without
  touching the table (``text_pattern_ops`` serves ``LIKE '53%'``).

The app owns these through RunSQL so no migration is added to ``people`` or ``institutions``.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS public_inst_name_trgm ON institutions_institution USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS public_inst_alias_trgm ON institutions_institution USING gin (aliases gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS public_reg_person_place ON people_practiceregistration "
    "(person_id, profession, practice_division_id text_pattern_ops, status)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS public_reg_person_place",
    "DROP INDEX IF EXISTS public_inst_alias_trgm",
    "DROP INDEX IF EXISTS public_inst_name_trgm",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("institutions", "0001_initial"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
