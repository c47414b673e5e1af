"""The FHIR resource version log outside the audit path: a one-off backfill for data that existed
before the exchange app (so a first national pull sees every resource)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from medreg.exchange.fhir.resources import TYPES
from medreg.exchange.fhir.search import Params, matches
from medreg.exchange.models import ResourceVersion

BATCH = 2000


def backfill() -> int:
    """Append one version for every served resource that has none yet. Safe to run twice."""
    now = timezone.now()
    created = 0
    for name, rtype in TYPES.items():
        known = set(ResourceVersion.objects.filter(resource_type=name).values_list("resource_id", flat=True))
        start = None
        while True:
            rows = matches(rtype, Params(), start=start, limit=BATCH)
            if not rows:
                break
            ids = []
            for idx, obj in rows:
                src = rtype.sources()[idx]
                rid = (f"i{obj.institution_id}-{obj.code}" if name == "HealthcareService"
                       else f"{src.prefix}{obj.pk}")
                if rid not in known:
                    ids.append(rid)
            with transaction.atomic():
                ResourceVersion.objects.bulk_create(
                    [ResourceVersion(resource_type=name, resource_id=rid, occurred_at=now) for rid in ids])
            created += len(ids)
            start = (rows[-1][0], rows[-1][1].pk)
            if len(rows) < BATCH:
                break
    return created
