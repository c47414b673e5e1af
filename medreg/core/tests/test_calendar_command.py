"""``medreg calendar``: entering next year's official arrangement moves the statutory clocks."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from medreg.audit.models import AuditEvent
from medreg.core import calendar
from medreg.core.holidays import refresh_overrides
from medreg.core.models import WorkingDayOverride

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_overrides():
    calendar.clear_overrides()
    yield
    calendar.clear_overrides()


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_a_year_past_the_library_is_reported_as_assumed_until_entered():
    _first, last = calendar.library_years()
    year = last + 1
    assert "NONE" in run("show", "--year", str(year))
    run("set", f"{year}-01-01", "--rest", "--note", "元旦")
    assert "override table" in run("show", "--year", str(year))


def test_set_moves_a_due_date_and_is_audited():
    _first, last = calendar.library_years()
    year = last + 1
    # a Friday in the uncovered year: first counted as a working day
    friday = next(date(year, 3, d) for d in range(1, 8) if date(year, 3, d).weekday() == 4)
    thursday = friday - timedelta(days=1)
    before = calendar.add_working_days(thursday, 1)
    events = AuditEvent.objects.count()
    run("set", friday.isoformat(), "--rest", "--note", "调休")
    refresh_overrides(force=True)
    assert calendar.add_working_days(thursday, 1) > before
    assert AuditEvent.objects.count() == events + 1


def test_load_reads_a_csv_in_one_transaction(tmp_path):
    _first, last = calendar.library_years()
    year = last + 1
    good = tmp_path / "ok.csv"
    good.write_text(f"day,working,note\n{year}-01-01,0,元旦\n{year}-02-06,1,春节调休上班\n", encoding="utf-8")
    assert "loaded 2" in run("load", str(good))
    assert WorkingDayOverride.objects.get(day=date(year, 2, 6)).is_working_day
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{year}-05-01,0,劳动节\n{year}-05-02,maybe\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run("load", str(bad))
    assert not WorkingDayOverride.objects.filter(day=date(year, 5, 1)).exists()


def test_a_bad_date_is_a_clear_error():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("set", "2027-13-01", "--rest")
