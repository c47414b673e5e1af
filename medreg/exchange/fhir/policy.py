"""The publication policy as the public FHIR directory applies it (audience: the public).

The table itself belongs to the public register (``medreg.public.policy``); this module only asks it.
If that module is not available the directory falls back to a conservative built-in table (certificate
numbers and every personal field hidden).
"""

from __future__ import annotations

from typing import Any

FALLBACK_PUBLIC = {
    "practitioner": {"listed", "name", "gender", "profession", "level", "category", "scopes", "main_institution",
                     "practice_place", "practice_sites", "status", "registered_on", "valid_until"},
    "institution": {"listed", "name", "aliases", "uscc", "registration_no", "category", "division", "address",
                    "licensing_authority", "subjects", "licence_valid_from", "licence_valid_until", "status"},
}
FALLBACK_HIDDEN_BY_STATUS = {("practitioner", "lapsed"): {"listed"}, ("practitioner", "superseded"): {"listed"},
                             ("institution", "pending"): {"listed"}}
REGISTRATION_STATUSES = ("active", "suspended", "cancelled", "lapsed", "superseded")
INSTITUTION_STATUSES = ("active", "suspended", "cancelled", "pending")


def _policy() -> Any:
    try:
        from medreg.public.policy import current_policy
    except ImportError:  # pragma: no cover - the public register is not installed
        return None
    return current_policy()


def shown(entity: str, status: str | None) -> frozenset[str]:
    """Every field (``listed`` included) the public may see of an ``entity`` record in ``status``."""
    policy = _policy()
    if policy is not None:
        return policy.shown(entity, status, "public")  # type: ignore[no-any-return]
    return frozenset(FALLBACK_PUBLIC[entity] - FALLBACK_HIDDEN_BY_STATUS.get((entity, status or ""), set()))


def visible(entity: str, field: str, status: str | None) -> bool:
    """Whether the public may see ``field`` of an ``entity`` record in ``status``."""
    return field in shown(entity, status)


def listed(entity: str, status: str | None) -> bool:
    return visible(entity, "listed", status)


def statuses(entity: str, field: str = "listed") -> list[str]:
    """The record statuses in which ``field`` is public (for queryset filters)."""
    every = REGISTRATION_STATUSES if entity == "practitioner" else INSTITUTION_STATUSES
    return [s for s in every if visible(entity, field, s) and listed(entity, s)]
