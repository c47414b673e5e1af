"""Working-day calendar: real 2024/2025 arrangements, overrides and the fallback for unknown years.

Expected dates were worked out by hand from the State Council notices:
- 2024 中秋/国庆: 9-15..17 and 10-01..07 rest; 9-14 (Sat), 9-29 (Sun) and 10-12 (Sat) are make-up workdays.
- 2025 元旦: 1-01 rest. 春节: 1-28..2-04 rest; 1-26 (Sun) and 2-08 (Sat) are make-up workdays.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from medreg.core import calendar
from medreg.core.calendar import (
    add_working_days,
    clear_overrides,
    is_working_day,
    is_year_covered,
    library_years,
    next_working_day,
    set_overrides,
    working_days_between,
)

# A year far beyond any published arrangement. 2099-01-01 is a Thursday.
FAR_YEAR = 2099


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    clear_overrides()
    yield
    clear_overrides()


# --- is_working_day -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 9, 27), True),  # Friday before National Day
        (date(2024, 9, 28), False),  # ordinary Saturday
        (date(2024, 9, 29), True),  # Sunday, make-up workday
        (date(2024, 9, 30), True),  # Monday
        (date(2024, 10, 1), False),
        (date(2024, 10, 4), False),  # a Friday inside the holiday
        (date(2024, 10, 7), False),  # last day of the holiday, a Monday
        (date(2024, 10, 8), True),
        (date(2024, 10, 12), True),  # Saturday, make-up workday
        (date(2024, 10, 13), False),  # ordinary Sunday
        (date(2024, 9, 14), True),  # Saturday, make-up workday for 中秋
        (date(2024, 9, 16), False),  # 中秋 Monday
        (date(2025, 1, 1), False),  # 元旦, a Wednesday
        (date(2025, 1, 25), False),  # Saturday
        (date(2025, 1, 26), True),  # Sunday, make-up workday for 春节
        (date(2025, 1, 27), True),
        (date(2025, 1, 28), False),  # 除夕
        (date(2025, 2, 4), False),  # last day of 春节
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday, make-up workday
        (date(2025, 2, 9), False),
    ],
)
def test_is_working_day_follows_the_official_arrangement(day: date, expected: bool) -> None:
    assert is_working_day(day) is expected


def test_datetimes_are_refused_so_callers_choose_the_local_day() -> None:
    with pytest.raises(TypeError):
        is_working_day(datetime(2024, 10, 8, 9, 0))  # noqa: DTZ001 - the type itself is under test
    with pytest.raises(TypeError):
        add_working_days(datetime(2024, 10, 8, 9, 0), 1)  # noqa: DTZ001


# --- add_working_days around National Day 2024 ----------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # Day 1 is the first working day after the start: a Friday start lands on the make-up Sunday.
        (date(2024, 9, 27), 1, date(2024, 9, 29)),
        (date(2024, 9, 27), 2, date(2024, 9, 30)),
        (date(2024, 9, 27), 3, date(2024, 10, 8)),
        (date(2024, 9, 28), 1, date(2024, 9, 29)),
        (date(2024, 9, 29), 1, date(2024, 9, 30)),
        # The day before the holiday: the next working day is after the whole week off.
        (date(2024, 9, 30), 1, date(2024, 10, 8)),
        (date(2024, 9, 30), 4, date(2024, 10, 11)),
        (date(2024, 9, 30), 5, date(2024, 10, 12)),  # the make-up Saturday counts
        (date(2024, 9, 30), 6, date(2024, 10, 14)),  # the Sunday after it does not
        # Starting inside the holiday.
        (date(2024, 10, 1), 1, date(2024, 10, 8)),
        (date(2024, 10, 7), 1, date(2024, 10, 8)),
        (date(2024, 10, 8), 1, date(2024, 10, 9)),
        # A 20-working-day statutory period across the holiday.
        (date(2024, 9, 27), 20, date(2024, 10, 30)),
    ],
)
def test_add_working_days_across_national_day_2024(start: date, n: int, due: date) -> None:
    assert add_working_days(start, n) == due


# --- add_working_days around Spring Festival 2025 and New Year ------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (date(2025, 1, 24), 1, date(2025, 1, 26)),  # Friday start, make-up Sunday is day 1
        (date(2025, 1, 24), 2, date(2025, 1, 27)),
        (date(2025, 1, 24), 3, date(2025, 2, 5)),
        (date(2025, 1, 26), 1, date(2025, 1, 27)),
        (date(2025, 1, 27), 1, date(2025, 2, 5)),  # the last working day before the holiday
        (date(2025, 1, 28), 1, date(2025, 2, 5)),
        (date(2025, 2, 4), 1, date(2025, 2, 5)),
        (date(2025, 2, 5), 1, date(2025, 2, 6)),
        (date(2025, 1, 27), 4, date(2025, 2, 8)),  # make-up Saturday
        (date(2025, 1, 27), 5, date(2025, 2, 10)),
        (date(2025, 1, 20), 20, date(2025, 2, 21)),
        # Across the year boundary: 2025-01-01 is a holiday.
        (date(2024, 12, 31), 1, date(2025, 1, 2)),
        (date(2024, 12, 30), 2, date(2025, 1, 2)),
    ],
)
def test_add_working_days_across_spring_festival_2025(start: date, n: int, due: date) -> None:
    assert add_working_days(start, n) == due


def test_zero_working_days_is_the_start_day_itself() -> None:
    assert add_working_days(date(2024, 10, 1), 0) == date(2024, 10, 1)


def test_negative_periods_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2024, 10, 1), -1)


def test_a_due_date_is_always_a_working_day() -> None:
    start = date(2024, 9, 20)
    for n in range(1, 40):
        assert is_working_day(add_working_days(start, n))


# --- working_days_between and next_working_day ----------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (date(2024, 9, 27), date(2024, 10, 30), 20),
        (date(2024, 9, 30), date(2024, 10, 7), 0),  # only holiday days
        (date(2024, 9, 30), date(2024, 10, 8), 1),
        (date(2024, 9, 28), date(2024, 9, 29), 1),  # the make-up Sunday
        (date(2024, 9, 29), date(2024, 9, 29), 0),  # empty interval
        (date(2024, 10, 8), date(2024, 9, 29), 0),  # end before start
        (date(2025, 1, 24), date(2025, 2, 9), 6),  # 1-26, 1-27, 2-05, 2-06, 2-07, 2-08
        (date(2024, 12, 31), date(2025, 1, 1), 0),
    ],
)
def test_working_days_between_counts_the_half_open_interval(start: date, end: date, count: int) -> None:
    assert working_days_between(start, end) == count


@pytest.mark.parametrize("start", [date(2024, 9, 26), date(2024, 9, 30), date(2025, 1, 23), date(2025, 2, 3)])
def test_working_days_between_inverts_add_working_days(start: date) -> None:
    for n in range(0, 45):
        assert working_days_between(start, add_working_days(start, n)) == n


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 9, 27), date(2024, 9, 29)),
        (date(2024, 9, 30), date(2024, 10, 8)),
        (date(2024, 10, 11), date(2024, 10, 12)),
        (date(2025, 1, 27), date(2025, 2, 5)),
        (date(2025, 2, 7), date(2025, 2, 8)),
        (date(2025, 2, 8), date(2025, 2, 10)),
    ],
)
def test_next_working_day_is_strictly_after(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


# --- coverage, fallback and overrides ------------------------------------------------------------


def test_library_years_cover_the_test_years() -> None:
    first, last = library_years()
    assert first <= 2024 and last >= 2025
    assert is_year_covered(2024) and is_year_covered(2025)
    assert not is_year_covered(last + 1)
    assert not is_year_covered(first - 1)


def test_uncovered_year_falls_back_to_monday_to_friday_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert not is_year_covered(FAR_YEAR)
    with caplog.at_level(logging.WARNING, logger="medreg.core.calendar"):
        assert is_working_day(date(FAR_YEAR, 1, 1)) is True  # Thursday, though surely 元旦
        assert is_working_day(date(FAR_YEAR, 1, 3)) is False  # Saturday
        assert add_working_days(date(FAR_YEAR, 1, 2), 1) == date(FAR_YEAR, 1, 5)
    warnings = [r for r in caplog.records if str(FAR_YEAR) in r.getMessage()]
    assert len(warnings) == 1


def test_years_before_the_library_also_fall_back() -> None:
    first, _ = library_years()
    day = date(first - 1, 6, 2)
    assert is_working_day(day) is (day.weekday() < 5)


def test_overrides_cover_a_future_year() -> None:
    set_overrides(
        holidays={date(FAR_YEAR, 1, 1), date(FAR_YEAR, 1, 2)},
        workdays={date(FAR_YEAR, 1, 4)},  # a Sunday
    )
    assert is_year_covered(FAR_YEAR)
    assert not is_working_day(date(FAR_YEAR, 1, 1))
    assert not is_working_day(date(FAR_YEAR, 1, 2))
    assert is_working_day(date(FAR_YEAR, 1, 4))
    assert is_working_day(date(FAR_YEAR, 1, 5))
    # 12-31 of the year before is uncovered (Mon–Fri); 01-01 and 01-02 off, 01-03 Saturday, 01-04 make-up.
    assert add_working_days(date(FAR_YEAR - 1, 12, 31), 1) == date(FAR_YEAR, 1, 4)


def test_covered_override_year_does_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    set_overrides(holidays={date(FAR_YEAR, 1, 1)}, workdays=set())
    with caplog.at_level(logging.WARNING, logger="medreg.core.calendar"):
        assert is_working_day(date(FAR_YEAR, 3, 2)) is True  # a Monday
    assert not caplog.records


def test_overrides_can_declare_years_explicitly() -> None:
    set_overrides(holidays=set(), workdays=set(), years={FAR_YEAR})
    assert is_year_covered(FAR_YEAR)
    assert not is_year_covered(FAR_YEAR + 1)


def test_overrides_win_over_the_library() -> None:
    set_overrides(holidays={date(2024, 10, 8)}, workdays={date(2024, 10, 5)})
    assert not is_working_day(date(2024, 10, 8))
    assert is_working_day(date(2024, 10, 5))
    assert add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 5)
    assert add_working_days(date(2024, 10, 5), 1) == date(2024, 10, 9)


def test_set_overrides_replaces_the_previous_registry() -> None:
    set_overrides(holidays={date(2024, 10, 8)}, workdays=set())
    set_overrides(holidays=set(), workdays={date(2024, 10, 5)})
    assert is_working_day(date(2024, 10, 8))
    assert is_working_day(date(2024, 10, 5))


def test_clear_overrides_restores_the_library() -> None:
    set_overrides(holidays={date(2024, 10, 8)}, workdays=set())
    clear_overrides()
    assert is_working_day(date(2024, 10, 8))
    assert calendar.is_year_covered(FAR_YEAR) is False


def test_a_day_cannot_be_both_holiday_and_workday() -> None:
    with pytest.raises(ValueError):
        set_overrides(holidays={date(2024, 10, 8)}, workdays={date(2024, 10, 8)})


def test_overrides_refuse_datetimes() -> None:
    with pytest.raises(TypeError):
        set_overrides(holidays={datetime(2024, 10, 8, 0, 0)}, workdays=set())  # noqa: DTZ001
