"""Reads about persons: qualifications, affiliations, registrations and the archive."""

from __future__ import annotations

from typing import Any

from medreg.people.choices import AffiliationStatus, Profession, RegistrationStatus
from medreg.people.models import Affiliation, Person, PracticeRegistration, QualificationRecord


def physician_qualifications(person: Person) -> list[QualificationRecord]:
    return list(person.qualifications.filter(profession=Profession.PHYSICIAN).order_by("-obtained_on"))


def qualification_for(person: Person | None, pk: Any) -> QualificationRecord | None:
    if person is None:
        return None
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return person.qualifications.filter(pk=pk).first()


def active_affiliations(person: Person) -> list[Affiliation]:
    return list(
        person.affiliations.filter(status=AffiliationStatus.ACTIVE).select_related("institution").order_by("-activated_at")
    )


def open_affiliations(person: Person) -> list[Affiliation]:
    return list(
        person.affiliations.filter(status__in=[AffiliationStatus.ACTIVE, AffiliationStatus.PENDING])
        .select_related("institution")
        .order_by("-requested_at")
    )


def active_registrations(person: Person) -> list[PracticeRegistration]:
    return list(
        person.registrations.filter(status=RegistrationStatus.ACTIVE).select_related(
            "main_institution", "practice_division", "authority"
        )
    )


def registrations_with_sites(person: Person) -> list[PracticeRegistration]:
    """The person's active and suspended registrations, each with its practice sites (main and filed) in
    ``site_list``: current ones first, then past ones, newest first."""
    from django.db.models import Prefetch

    from medreg.people.models import PracticeSite

    sites = PracticeSite.objects.select_related("institution").order_by("status", "-start_on")
    regs: list[PracticeRegistration] = list(
        person.registrations.filter(status__in=[RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED])
        .select_related("main_institution", "practice_division", "authority")
        .prefetch_related(Prefetch("sites", queryset=sites, to_attr="site_list"))
        .order_by("registered_on")
    )
    return regs


def archive(person: Person) -> dict[str, Any]:
    """The person's living archive: qualifications, affiliations, registrations, licences, applications."""
    return {
        "person": person,
        "qualifications": list(person.qualifications.order_by("obtained_on")),
        "affiliations": list(person.affiliations.select_related("institution").order_by("-requested_at")),
        "registrations": list(
            person.registrations.select_related("main_institution", "practice_division", "authority").order_by(
                "-registered_on"
            )
        ),
        "licences": list(person.licences.select_related("authority").order_by("-issued_at")),
        "applications": list(person.applications.select_related("institution", "authority").order_by("-created_at")),
    }
