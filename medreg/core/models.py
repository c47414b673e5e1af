"""Infrastructure tables shared by every app (no domain models live here)."""

from __future__ import annotations

from django.db import models, transaction


class Counter(models.Model):
    """A named gap-free sequence (application numbers, certificate serials), incremented under lock."""

    name = models.CharField(max_length=60, primary_key=True)
    value = models.BigIntegerField(default=0)

    @classmethod
    def next(cls, name: str) -> int:
        with transaction.atomic():
            cls.objects.get_or_create(name=name)
            row = cls.objects.select_for_update().get(name=name)
            row.value += 1
            row.save(update_fields=["value"])
            return row.value


class WorkingDayOverride(models.Model):
    """A date whose working-day status differs from the calendar library (future years, local rules)."""

    day = models.DateField(unique=True)
    is_working_day = models.BooleanField()
    note = models.CharField(max_length=100, blank=True)
