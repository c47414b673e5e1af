"""medreg calendar: the working-day calendar behind every statutory clock.

The installed ``chinese_calendar`` carries the State Council's holiday arrangements up to its last
year; later years count Monday to Friday until their arrangement is entered here (see
``medreg.core.holidays``):

    medreg calendar show --year 2027
    medreg calendar set 2027-01-01 --rest --note 元旦
    medreg calendar set 2027-02-20 --work --note 春节调休上班
    medreg calendar load arrangement-2027.csv      # day,working(0|1),note — one transaction

Every change is audited; running clocks pick it up within a minute.
"""

from __future__ import annotations

import csv
from argparse import ArgumentParser
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from medreg.core import calendar
from medreg.core.holidays import refresh_overrides, set_working_day
from medreg.core.models import WorkingDayOverride


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = "Show or set the official working-day arrangement used by the statutory clocks."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="List rest days on weekdays and make-up working days of a year.")
        show.add_argument("--year", type=int, required=True)
        one = sub.add_parser("set", help="Record one day as a rest day or a working day.")
        one.add_argument("day")
        kind = one.add_mutually_exclusive_group(required=True)
        kind.add_argument("--rest", action="store_true", help="a public holiday (no work)")
        kind.add_argument("--work", action="store_true", help="a working day (e.g. a make-up workday)")
        one.add_argument("--note", default="")
        load = sub.add_parser("load", help="Load a CSV of day,working(0|1),note rows in one transaction.")
        load.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "show":
            self._show(options["year"])
        elif action == "set":
            row = set_working_day(_day(options["day"]), is_working_day=bool(options["work"]),
                                  note=options["note"], acting_user=None)
            self.stdout.write(f"{row.day.isoformat()} {'working day' if row.is_working_day else 'rest day'}")
        else:
            self._load(Path(options["path"]))

    def _load(self, path: Path) -> None:
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        rows: list[tuple[date, bool, str]] = []
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for n, rec in enumerate(csv.reader(fh), start=1):
                if not rec or rec[0].startswith("#") or rec[0].strip().lower() == "day":
                    continue
                if len(rec) < 2 or rec[1].strip() not in ("0", "1"):
                    raise CommandError(f"line {n}: expected day,working(0|1)[,note]")
                rows.append((_day(rec[0]), rec[1].strip() == "1", rec[2].strip() if len(rec) > 2 else ""))
        with transaction.atomic():
            for day, working, note in rows:
                set_working_day(day, is_working_day=working, note=note, acting_user=None)
        self.stdout.write(f"loaded {len(rows)} day(s) from {path.name}")

    def _show(self, year: int) -> None:
        refresh_overrides(force=True)
        first, last = calendar.library_years()
        source = ("chinese_calendar" if first <= year <= last
                  else "override table" if calendar.is_year_covered(year) else "NONE: Monday to Friday assumed")
        self.stdout.write(f"{year}: official arrangement from {source}")
        notes = dict(WorkingDayOverride.objects.filter(day__year=year).values_list("day", "note"))
        day, total = date(year, 1, 1), 0
        while day.year == year:
            weekday = day.weekday() < 5
            working = calendar.is_working_day(day)
            total += working
            if weekday != working:
                label = "rest" if weekday else "make-up working day"
                self.stdout.write(f"  {day.isoformat()} {label} {notes.get(day, '')}".rstrip())
            day += timedelta(days=1)
        self.stdout.write(f"  working days in {year}: {total}")
