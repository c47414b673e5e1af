"""Sync between instances: a national instance pulls provincial changes through mCSD ``_history`` (ITI-91).

Each :class:`SyncSource` keeps a cursor: the source's own clock (``Bundle.meta.lastUpdated`` of the first
history page) at the start of the last *complete* pull. The next pull asks for ``_since = cursor −
EXCHANGE_SYNC_OVERLAP_SECONDS`` (so changes committed late, with an earlier timestamp, are not missed),
follows the ``next`` links and upserts each entry into :class:`MirroredResource`, keeping the highest
``versionId`` per resource. Applying an entry twice changes nothing, so a pull interrupted half-way
(the cursor is only advanced at the end) is simply repeated: no duplicates, nothing lost.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core.conf import conf
from medreg.core.errors import DomainError
from medreg.exchange.models import MirroredResource, SyncSource

Fetch = Callable[[str], dict[str, Any]]
PAGE_SIZE = 200


def fetch_json(url: str) -> dict[str, Any]:
    """GET a FHIR JSON document (the default transport; tests may pass their own)."""
    req = urllib.request.Request(url, headers={"Accept": "application/fhir+json"})  # noqa: S310 - http(s) only
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        return json.loads(resp.read().decode("utf-8"))  # type: ignore[no-any-return]


def add_source(base_url: str, *, name: str = "", acting_user: Any) -> SyncSource:
    """Register a source instance (its FHIR base, e.g. ``https://yn.example/fhir/r4/``). Audits SYNC_SOURCE_ADDED."""
    base = base_url.strip()
    if not base.startswith(("http://", "https://")):
        raise DomainError(_("数据源地址必须是 http 或 https 网址"), code="url_invalid", field="base_url")
    base = base if base.endswith("/") else base + "/"
    with transaction.atomic():
        source, created = SyncSource.objects.get_or_create(base_url=base, defaults={"name": name})
        if created:
            audit.record(EventType.SYNC_SOURCE_ADDED, actor=acting_user, subject=source,
                         data={"base_url": base, "name": name})
    return source


def _entry_key(entry: dict[str, Any]) -> tuple[str, str] | None:
    url = (entry.get("request") or {}).get("url") or ""
    parts = url.split("?")[0].strip("/").split("/")
    if len(parts) >= 2:
        return parts[-2], parts[-1]
    res = entry.get("resource") or {}
    if res.get("resourceType") and res.get("id"):
        return res["resourceType"], res["id"]
    return None


def _version(entry: dict[str, Any]) -> int:
    etag = str((entry.get("response") or {}).get("etag") or "")
    digits = "".join(ch for ch in etag if ch.isdigit())
    if digits:
        return int(digits)
    return int(((entry.get("resource") or {}).get("meta") or {}).get("versionId") or 0)


def apply_page(source: SyncSource, bundle: dict[str, Any]) -> dict[str, int]:
    """Upsert one history page; returns counts (created, updated, deleted, skipped)."""
    counts = {"created": 0, "updated": 0, "deleted": 0, "skipped": 0}
    now = timezone.now()
    with transaction.atomic():
        for entry in bundle.get("entry") or []:
            key = _entry_key(entry)
            if key is None:
                counts["skipped"] += 1
                continue
            version = _version(entry)
            deleted = (entry.get("request") or {}).get("method") == "DELETE" or "resource" not in entry
            modified = parse_datetime(str((entry.get("response") or {}).get("lastModified") or ""))
            row = MirroredResource.objects.select_for_update().filter(
                source=source, resource_type=key[0], resource_id=key[1]).first()
            if row is not None and row.version_id >= version:
                counts["skipped"] += 1
                continue
            values = {"version_id": version, "deleted": deleted, "content": {} if deleted else entry["resource"],
                      "last_updated": modified, "pulled_at": now}
            if row is None:
                MirroredResource.objects.create(source=source, resource_type=key[0], resource_id=key[1], **values)
                counts["created"] += 1
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                row.save(update_fields=list(values))
                counts["updated"] += 1
            if deleted:
                counts["deleted"] += 1
    return counts


def pull_source(source_id: int, *, acting_user: Any, fetch: Fetch | None = None,
                max_pages: int | None = None, page_size: int = PAGE_SIZE) -> dict[str, int]:
    """Pull everything the source changed since the cursor; advance the cursor only when complete.

    ``max_pages`` stops early (as an interruption would): the cursor then stays where it was.
    Audits SYNC_PULLED with the counts of a complete pull.
    """
    fetch = fetch or fetch_json
    source = SyncSource.objects.get(pk=source_id)
    query: dict[str, str] = {"_count": str(page_size)}
    if source.cursor is not None:
        since = source.cursor - timedelta(seconds=conf("EXCHANGE_SYNC_OVERLAP_SECONDS"))
        query["_since"] = since.isoformat()
    url: str | None = f"{source.base_url}_history?{urlencode(query)}"
    totals = {"created": 0, "updated": 0, "deleted": 0, "skipped": 0, "pages": 0}
    started: str | None = None
    try:
        while url:
            if max_pages is not None and totals["pages"] >= max_pages:
                return totals
            bundle = fetch(url)
            if bundle.get("resourceType") != "Bundle":
                raise ValueError("the source did not answer with a Bundle")
            if started is None:
                started = (bundle.get("meta") or {}).get("lastUpdated")
            for k, v in apply_page(source, bundle).items():
                totals[k] += v
            totals["pages"] += 1
            url = next((link["url"] for link in bundle.get("link") or [] if link.get("relation") == "next"), None)
    except (OSError, ValueError) as exc:
        SyncSource.objects.filter(pk=source.pk).update(last_error=str(exc)[:300], last_pulled_at=timezone.now())
        raise
    with transaction.atomic():
        source = SyncSource.objects.select_for_update().get(pk=source.pk)
        source.cursor = parse_datetime(started or "") or source.cursor
        source.last_pulled_at, source.last_error = timezone.now(), ""
        source.pulls += 1
        source.save(update_fields=["cursor", "last_pulled_at", "last_error", "pulls"])
        audit.record(EventType.SYNC_PULLED, actor=acting_user, subject=source,
                     data={**totals, "cursor": source.cursor.isoformat() if source.cursor else None})
    return totals


def pull_all(*, acting_user: Any = None) -> int:
    """Pull every source; a failing source does not stop the others. Returns how many succeeded."""
    ok = 0
    for pk in SyncSource.objects.values_list("pk", flat=True):
        try:
            pull_source(pk, acting_user=acting_user)
            ok += 1
        except (OSError, ValueError):
            continue
    return ok
