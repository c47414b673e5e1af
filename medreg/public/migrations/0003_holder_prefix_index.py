"""The holder-name index also serves prefixes and hands over the person: ``text_pattern_ops`` on the name
lets ``LIKE '王艳%'`` (FHIR ``Practitioner?name=``, a starts-with match) read one range, and ``INCLUDE
(person_id)`` answers it from the index alone. Equality (姓名 + 省份) uses it as before. It replaces
``public_reg_holder_place`` of 0002: one index on the registrations, not two. PostgreSQL only."""

import importlib

from django.db import migrations

_run = importlib.import_module("medreg.public.migrations.0001_search_indexes")._run

FORWARD = [
    "CREATE INDEX IF NOT EXISTS public_reg_holder ON people_practiceregistration "
    "(holder_name text_pattern_ops, profession, practice_division_id text_pattern_ops, status) INCLUDE (person_id)",
    "DROP INDEX IF EXISTS public_reg_holder_place",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS public_reg_holder_place ON people_practiceregistration "
    "(holder_name, profession, practice_division_id text_pattern_ops, status)",
    "DROP INDEX IF EXISTS public_reg_holder",
]


class Migration(migrations.Migration):
    dependencies = [("public", "0002_holder_name_index")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
