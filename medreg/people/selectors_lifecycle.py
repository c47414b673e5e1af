"""Reads of the lifecycle records for the archive (活档) and the portals: cancellations, departure
filings, cancellation proposals and the approved versions of a person's self-maintained data."""

from __future__ import annotations

from typing import Any

from medreg.people.models import Person
from medreg.people.models_lifecycle import (
    CancellationProposal,
    DepartureRecord,
    PersonInfoVersion,
    RegistrationCancellation,
)


def archive_records(person: Person) -> dict[str, list[Any]]:
    """Everything the lifecycle stream keeps about ``person``, oldest first, for the archive timeline.

    ``info_versions`` holds every approved version of 学历/毕业院校/职称/照片 with its approver (version 1
    is the data before the first approved update).
    """
    return {
        "info_versions": list(
            PersonInfoVersion.objects.filter(person=person).select_related("approved_by", "approved_by_institution")
            .order_by("version")
        ),
        "cancellations": list(
            RegistrationCancellation.objects.filter(person=person).select_related("registration", "authority")
            .order_by("cancelled_on", "pk")
        ),
        "departures": list(
            DepartureRecord.objects.filter(person=person).select_related("institution").order_by("event_date", "pk")
        ),
        "proposals": list(
            CancellationProposal.objects.filter(person=person).select_related("registration").order_by("proposed_at")
        ),
    }
