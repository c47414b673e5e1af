"""Reads on institutions: 校验 status and due dates, overdue lists, 历史沿革. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from medreg.institutions import rules
from medreg.institutions.choices import InstitutionStatus, LicensingMode, VerificationState
from medreg.institutions.models import Institution, InstitutionChange, VerificationRecord

if TYPE_CHECKING:
    from medreg.accounts.models import User


def verification_overdue_queryset(today: date) -> QuerySet[Institution]:
    """Licensed institutions whose 校验 period ended before ``today`` (unscoped: for jobs)."""
    return Institution.objects.filter(
        status__in=[InstitutionStatus.ACTIVE, InstitutionStatus.SUSPENDED],
        licensing_mode=LicensingMode.LICENCE,
        verification_due_on__lt=today,
    )


def overdue_verifications(user: User | Any, *, today: date) -> QuerySet[Institution]:
    """The overdue institutions ``user`` may see (authority work queue)."""
    return verification_overdue_queryset(today).filter(
        pk__in=Institution.objects.for_user(user, "view").values("pk")
    ).order_by("verification_due_on", "name")


@dataclass(frozen=True)
class VerificationStatus:
    """What the portals show about an institution's 校验."""

    applies: bool  # licensed institutions only (a filed clinic has no 校验 cycle)
    cycle_years: int
    due_on: date | None
    opens_on: date | None
    window_open: bool
    overdue: bool
    deferred: bool
    deferred_until: date | None
    may_practise: bool
    days_left: int | None


def verification_status(inst: Institution, *, today: date) -> VerificationStatus:
    applies = inst.licensing_mode == LicensingMode.LICENCE and inst.status != InstitutionStatus.PENDING
    due = inst.verification_due_on if applies else None
    return VerificationStatus(
        applies=applies,
        cycle_years=rules.verification_cycle_years(inst.beds),
        due_on=due,
        opens_on=rules.verification_opens_on(due) if due else None,
        window_open=rules.verification_window_open(due, today),
        overdue=applies and rules.verification_overdue(inst, today),
        deferred=inst.verification_state == VerificationState.DEFERRED,
        deferred_until=inst.deferred_until,
        may_practise=inst.may_practise,
        days_left=(due - today).days if due else None,
    )


def verification_records(inst: Institution) -> list[VerificationRecord]:
    """Every 校验 of the institution, oldest first (the licence 副本 record)."""
    return list(inst.verifications.select_related("decided_by").order_by("decided_on", "id"))


def history(inst: Institution, user: User | Any) -> QuerySet[InstitutionChange]:
    """The institution's 历史沿革, as far as ``user`` may see it."""
    return InstitutionChange.objects.for_user(user, "view").filter(institution=inst).select_related("actor").order_by(
        "occurred_on", "id"
    )
