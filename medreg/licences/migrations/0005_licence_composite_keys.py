"""PostgreSQL: the licence table's four single-column foreign keys on person, registration, signing key
and authority become two composite keys, (registration, holder) and (signing key, issuer). See
medreg/licences/schema.py and docs/decisions/0054. SQLite is left as it is."""

from django.db import migrations


def forwards(apps, schema_editor):
    from medreg.licences import schema

    schema.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from medreg.licences import schema

    schema.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("licences", "0004_licence_identifier_by_serial_division_prefix"),
        ("people", "0002_practice_sites_records_lifecycle"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
