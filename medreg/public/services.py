"""Writes of the public-register app: publishing the open-data files (the files are the change; the
registry itself is only read)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction

from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core.conf import conf
from medreg.public import export

if TYPE_CHECKING:
    from medreg.accounts.models import User


def publish_open_data(*, since: dt.datetime | None = None, out_dir: str | None = None,
                      acting_user: User | None) -> export.ExportResult:
    """Write a full (``since`` None) or delta export of the public register and audit it
    (``PUBLIC_EXPORT_WRITTEN`` with the file names, row counts and SHA-256 digests).

    The export reads a consistent snapshot (one repeatable-read transaction on PostgreSQL is not needed:
    records are keyed by id and a delta is cut by ``updated_at``, so a row changed during the run is
    simply in the next delta too)."""
    result = export.write_export(out_dir or conf("PUBLIC_EXPORT_DIR"), since=since)
    with transaction.atomic():
        audit.record(
            EventType.PUBLIC_EXPORT_WRITTEN, actor=acting_user, subject=("public.export", result.directory.name),
            data={"kind": result.kind, "since": since.isoformat() if since else None,
                  "schema_version": export.SCHEMA_VERSION, "files": result.files},
        )
    return result
