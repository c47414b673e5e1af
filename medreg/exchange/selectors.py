"""Reads of the exchange app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from medreg.exchange.models import Delivery, MirroredResource


def mirrored(resource_type: str, *, source_id: int | None = None,
             include_deleted: bool = False) -> QuerySet[MirroredResource]:
    """Resources pulled from source instances (the national view of provincial directories)."""
    qs = MirroredResource.objects.filter(resource_type=resource_type)
    if source_id is not None:
        qs = qs.filter(source_id=source_id)
    return qs if include_deleted else qs.filter(deleted=False)


def mirrored_practitioners_named(name: str) -> list[dict[str, Any]]:
    """Pulled Practitioner resources whose official name is ``name`` (small national look-up)."""
    return [r.content for r in mirrored("Practitioner").filter(content__name__0__text=name)]


def deliveries_for(user: Any) -> QuerySet[Delivery]:
    """Deliveries of events in the user's jurisdiction (newest first), for the delivery log."""
    return (Delivery.objects.for_user(user, "view", via="authority")
            .select_related("subscription", "event").order_by("-pk"))
