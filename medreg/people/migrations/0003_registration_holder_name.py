"""A copy of the holder's name on each practice registration, for the public 姓名 + 省份 search (decision 0057).

The backfill is one UPDATE with a correlated subquery, which both PostgreSQL and SQLite run. On a national
table (8 M registrations) it rewrites every row: run it in a maintenance window and VACUUM afterwards.
"""

from django.db import migrations, models

BACKFILL = (
    "UPDATE people_practiceregistration SET holder_name = "
    "(SELECT p.name FROM people_person p WHERE p.id = people_practiceregistration.person_id)"
)


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0002_practice_sites_records_lifecycle"),
    ]

    operations = [
        migrations.AddField(
            model_name="practiceregistration",
            name="holder_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=60),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
