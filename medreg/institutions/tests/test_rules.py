"""Institution rules at their boundaries: 校验 cycles (99/100 beds), windows, due dates ±1 day, 歇业."""

from __future__ import annotations

from datetime import date

import pytest

from medreg.institutions import rules
from medreg.institutions.models import Institution


@pytest.mark.parametrize(("d", "months", "expected"), [
    (date(2025, 1, 31), 1, date(2025, 2, 28)), (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2025, 3, 3), -3, date(2024, 12, 3)), (date(2025, 12, 15), 1, date(2026, 1, 15)),
])
def test_add_months_clips_to_the_month_end(d, months, expected):
    assert rules.add_months(d, months) == expected


@pytest.mark.parametrize(("beds", "years"), [(0, 1), (99, 1), (100, 3), (101, 3)])
def test_cycle_is_one_year_below_100_beds_and_three_years_from_100(beds, years):
    assert rules.verification_cycle_years(beds) == years


def test_window_opens_exactly_three_months_before_the_due_date():
    due = date(2026, 3, 3)
    assert rules.verification_opens_on(due) == date(2025, 12, 3)
    assert not rules.verification_window_open(due, date(2025, 12, 2))
    assert rules.verification_window_open(due, date(2025, 12, 3))
    assert rules.verification_window_open(due, date(2026, 3, 4))  # still open once late
    assert not rules.verification_window_open(None, date(2026, 3, 4))


@pytest.mark.parametrize(("day", "overdue"), [(date(2026, 3, 2), False), (date(2026, 3, 3), False),
                                              (date(2026, 3, 4), True)])
def test_overdue_only_after_the_due_date(day, overdue):
    inst = Institution(status="active", licensing_mode="licence", verification_due_on=date(2026, 3, 3))
    assert rules.verification_overdue(inst, day) is overdue


def test_filed_clinics_and_cancelled_institutions_are_never_overdue():
    due = date(2026, 3, 3)
    assert not rules.verification_overdue(Institution(status="active", licensing_mode="filing",
                                                      verification_due_on=due), date(2027, 1, 1))
    assert not rules.verification_overdue(Institution(status="cancelled", licensing_mode="licence",
                                                      verification_due_on=due), date(2027, 1, 1))


@pytest.mark.parametrize(("months", "ok"), [(0, False), (1, True), (6, True), (7, False)])
def test_deferral_months(months, ok):
    assert rules.valid_deferral_months(months) is ok


@pytest.mark.parametrize(("reason", "day", "closed"), [
    ("other", date(2026, 3, 10), False), ("other", date(2026, 3, 11), True),
    ("rebuilding", date(2030, 1, 1), False), ("relocation", date(2030, 1, 1), False),
])
def test_stop_of_more_than_a_year_counts_as_closure_except_rebuilding(reason, day, closed):
    assert rules.suspension_counts_as_closure(date(2025, 3, 10), reason, day) is closed


@pytest.mark.parametrize(("beds", "state", "practises"), [(0, "deferred", False), (1, "deferred", True),
                                                          (0, "normal", True)])
def test_bed_less_institution_may_not_practise_while_deferred(beds, state, practises):
    assert Institution(status="active", beds=beds, verification_state=state).may_practise is practises


@pytest.mark.parametrize(("category", "years"), [("D211", 5), ("D215", 5), ("D212", 3), ("D213", 3)])
def test_founder_years_by_clinic_kind(category, years):
    assert rules.founder_min_years(category) == years
