"""Institution rules as pure functions: 设置审批 kinds, 校验 cycles and windows, 歇业, clinic founders.

Every limit comes from ``settings.MEDREG`` (the rules are [K] in the domain document), read with
:func:`medreg.core.conf.conf`.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from medreg.core.conf import conf

if TYPE_CHECKING:
    from medreg.institutions.models import Institution
    from medreg.people.models import Person


def add_months(d: date, months: int) -> date:
    """``d`` moved by ``months`` calendar months; the day is clipped to the month's end (01-31 + 1 → 02-28)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


# -- 设置审批 ------------------------------------------------------------------------------------------
def needs_setup_approval(category_code: str, *, grade_code: str = "", economic_type: str = "") -> bool:
    """Whether a 设置医疗机构批准书 is still required for this kind (domain doc §2.3, configurable).

    三级医院 and 三级妇幼保健院: hospital kinds whose category carries ``setup_approval_if_grade`` and
    whose grade is at the configured level; 急救中心/站 and 临床检验中心 by category; 中外合资合作 and
    港澳台独资 by economic type.
    """
    from medreg.reference import selectors as ref

    if category_code in conf("INSTITUTION_SETUP_APPROVAL_CATEGORIES"):
        return True
    if economic_type and economic_type in conf("INSTITUTION_SETUP_APPROVAL_ECONOMIC_TYPES"):
        return True
    cat = ref.code_map("institution_category").get(category_code)
    if cat is not None and cat.extra.get("setup_approval_if_grade") and grade_code:
        grade = ref.code_map("hospital_grade").get(grade_code)
        level = grade.extra.get("level") if grade is not None else None
        return level == conf("INSTITUTION_SETUP_APPROVAL_GRADE_LEVEL")
    return False


# -- 校验 --------------------------------------------------------------------------------------------
def verification_cycle_years(beds: int) -> int:
    """Fewer than 100 beds: every year; 100 or more: every 3 years (条例 22; 细则 35 [K])."""
    if beds >= conf("INSTITUTION_VERIFICATION_LONG_CYCLE_MIN_BEDS"):
        return int(conf("INSTITUTION_VERIFICATION_LONG_CYCLE_YEARS"))
    return int(conf("INSTITUTION_VERIFICATION_SHORT_CYCLE_YEARS"))


def next_verification_due(start: date, beds: int) -> date:
    """The end of the 校验 period that starts on ``start``."""
    return add_months(start, 12 * verification_cycle_years(beds))


def verification_opens_on(due_on: date) -> date:
    """The first day the institution may apply: 3 months before the period ends."""
    return add_months(due_on, -int(conf("INSTITUTION_VERIFICATION_OPENS_MONTHS_BEFORE")))


def verification_window_open(due_on: date | None, on: date) -> bool:
    """Whether the 校验 item is open on ``on`` (from 3 months before the due date, and after it when late)."""
    return due_on is not None and on >= verification_opens_on(due_on)


def verification_overdue(inst: Institution, on: date) -> bool:
    """An institution with a licence whose 校验 period ended before ``on`` without a 校验 decision."""
    from medreg.institutions.choices import InstitutionStatus, LicensingMode

    return (
        inst.status in (InstitutionStatus.ACTIVE, InstitutionStatus.SUSPENDED)
        and inst.licensing_mode == LicensingMode.LICENCE
        and inst.verification_due_on is not None
        and on > inst.verification_due_on
    )


def valid_deferral_months(months: int) -> bool:
    return int(conf("INSTITUTION_DEFERRAL_MIN_MONTHS")) <= months <= int(conf("INSTITUTION_DEFERRAL_MAX_MONTHS"))


# -- 停业 / 歇业 ---------------------------------------------------------------------------------------
def suspension_counts_as_closure(suspended_on: date | None, reason: str, on: date) -> bool:
    """A stop of more than one year, other than for rebuilding or relocation, counts as 歇业 (条例 21)."""
    from medreg.institutions.choices import SuspensionReason

    if suspended_on is None or reason in (SuspensionReason.REBUILDING, SuspensionReason.RELOCATION):
        return False
    return on > add_months(suspended_on, int(conf("INSTITUTION_SUSPENSION_CLOSURE_MONTHS")))


# -- 诊所备案 -----------------------------------------------------------------------------------------
def registered_practice_days(person: Person, *, on: date) -> int:
    """Days of registered physician practice, from the registry (not typed in).

    The union of the periods of the person's physician registrations: from ``registered_on`` to today
    while active, or to the day the registration stopped (its last update) when it is no longer active.
    Suspended periods are not counted beyond the suspension.
    """
    from medreg.people.models import PracticeRegistration

    spans: list[tuple[date, date]] = []
    for reg in PracticeRegistration.objects.filter(person=person, profession="physician").only(
        "registered_on", "status", "updated_at"
    ):
        end = on if reg.status == "active" else min(on, timezone.localdate(reg.updated_at))
        if reg.registered_on < end:
            spans.append((reg.registered_on, end))
    spans.sort()
    total, cur_start, cur_end = 0, None, None
    for start, end in spans:
        if cur_end is None or start > cur_end:
            if cur_end is not None and cur_start is not None:
                total += (cur_end - cur_start).days
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_start is not None and cur_end is not None:
        total += (cur_end - cur_start).days
    return total


def has_practice_years(person: Person, years: int, *, on: date) -> bool:
    """Whether the person has ``years`` full years of registered practice on ``on`` (exactly N years counts)."""
    threshold = add_months(on, -12 * years)
    return registered_practice_days(person, on=on) >= (on - threshold).days


def founder_min_years(category_code: str) -> int:
    """5 years for clinics; 中医(综合)/中西医结合 clinics follow the 中医诊所 rule (3 years)."""
    if category_code in conf("TCM_CLINIC_CATEGORIES"):
        return int(conf("TCM_CLINIC_FOUNDER_MIN_PRACTICE_YEARS"))
    return int(conf("CLINIC_FOUNDER_MIN_PRACTICE_YEARS"))
