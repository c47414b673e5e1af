"""Working days for statutory clocks (行政许可法 第82条: periods count working days, not statutory holidays).

China moves weekends around its holidays: some weekdays are rest days and some Saturdays or Sundays are
make-up workdays (调休). The official calendar comes from the maintained ``chinesecalendar`` package
(import name ``chinese_calendar``), which knows the years the State Council has published.

Overrides: the application layer feeds :func:`set_overrides` from a database table, both to add years the
library does not know yet (the State Council publishes each year's arrangement in November or December)
and to correct single days. An override always wins over the library.

Years that neither the library nor an override covers fall back to "Monday to Friday are working days"
and log one warning per year; :func:`is_year_covered` lets the UI say that a due date is provisional.

Counting convention: a period of *n* working days that starts on day ``start`` (the day of acceptance,
receipt or decision) begins counting on the **next** day, as statutory periods do. Day 1 is the first
working day after ``start`` and the due date is the n-th such day (:func:`add_working_days`);
:func:`working_days_between` is its inverse.

All functions take :class:`datetime.date`, never :class:`datetime.datetime`: the caller decides which
calendar day (in China) an instant belongs to.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar

__all__ = [
    "add_working_days",
    "clear_overrides",
    "is_working_day",
    "is_year_covered",
    "library_years",
    "next_working_day",
    "set_overrides",
    "working_days_between",
]

logger = logging.getLogger(__name__)

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class _Overrides:
    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]


_EMPTY = _Overrides(frozenset(), frozenset(), frozenset())
# Replaced as a whole by set_overrides, so a reader always sees one consistent snapshot.
_overrides: _Overrides = _EMPTY
_warned_years: set[int] = set()
_lock = threading.Lock()

# The library's own supported range is the span of years in its holiday table.
_LIBRARY_FIRST_YEAR: int = min(chinese_calendar.holidays).year
_LIBRARY_LAST_YEAR: int = max(chinese_calendar.holidays).year


def library_years() -> tuple[int, int]:
    """The first and last year the installed ``chinese_calendar`` has official data for."""
    return _LIBRARY_FIRST_YEAR, _LIBRARY_LAST_YEAR


def set_overrides(
    holidays: Iterable[date], workdays: Iterable[date], *, years: Iterable[int] | None = None
) -> None:
    """Replace the override registry.

    ``holidays`` are rest days and ``workdays`` are working days (make-up workdays included); both win
    over the library. ``years`` are the years the overrides describe completely, which makes
    :func:`is_year_covered` true for them; by default, every year that has an override holiday (every
    published arrangement has at least New Year's Day). Raises :class:`ValueError` if a day is in both
    sets, or if a :class:`datetime.datetime` is given.
    """
    rest = frozenset(holidays)
    work = frozenset(workdays)
    for d in rest | work:
        _check_date(d)
    both = rest & work
    if both:
        raise ValueError(f"days cannot be both holiday and workday: {sorted(both)}")
    covered = frozenset(years) if years is not None else frozenset(d.year for d in rest)
    global _overrides
    with _lock:
        _overrides = _Overrides(rest, work, covered)
        _warned_years.difference_update(covered)


def clear_overrides() -> None:
    """Drop every override and forget which years were already warned about (the initial state)."""
    global _overrides
    with _lock:
        _overrides = _EMPTY
        _warned_years.clear()


def is_year_covered(year: int) -> bool:
    """Whether working days in ``year`` follow an official arrangement (library or override).

    When False, :func:`is_working_day` treats Monday to Friday as working days, and due dates in that
    year are provisional.
    """
    return _LIBRARY_FIRST_YEAR <= year <= _LIBRARY_LAST_YEAR or year in _overrides.years


def _check_date(d: date) -> None:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError("working-day functions take datetime.date values, not datetime or other types")


def _warn_uncovered(year: int) -> None:
    with _lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    logger.warning(
        "No official holiday arrangement for %s (library covers %s-%s, no override): "
        "treating Monday to Friday as working days",
        year,
        _LIBRARY_FIRST_YEAR,
        _LIBRARY_LAST_YEAR,
    )


def is_working_day(d: date) -> bool:
    """Whether ``d`` is a working day in mainland China (make-up workdays count, holidays do not)."""
    _check_date(d)
    overrides = _overrides
    if d in overrides.workdays:
        return True
    if d in overrides.holidays:
        return False
    if _LIBRARY_FIRST_YEAR <= d.year <= _LIBRARY_LAST_YEAR:
        return bool(chinese_calendar.is_workday(d))
    if d.year not in overrides.years:
        _warn_uncovered(d.year)
    return d.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The due date of a period of ``n`` working days that starts on ``start``.

    Counting begins the day after ``start``: the result is the n-th working day after ``start`` (for
    ``n == 0``, ``start`` itself). A period started on a Friday before a three-day holiday and a normal
    weekend ends on a working day, never on a rest day. Raises :class:`ValueError` for negative ``n``.
    """
    _check_date(start)
    if n < 0:
        raise ValueError("n must not be negative")
    d = start
    while n:
        d += _ONE_DAY
        if is_working_day(d):
            n -= 1
    return d


def working_days_between(start: date, end: date) -> int:
    """The number of working days in ``(start, end]``: 0 when ``end`` is not after ``start``.

    The inverse of :func:`add_working_days`: ``working_days_between(s, add_working_days(s, n)) == n``.
    """
    _check_date(start)
    _check_date(end)
    count = 0
    d = start + _ONE_DAY
    while d <= end:
        if is_working_day(d):
            count += 1
        d += _ONE_DAY
    return count


def next_working_day(d: date) -> date:
    """The first working day strictly after ``d``."""
    return add_working_days(d, 1)
