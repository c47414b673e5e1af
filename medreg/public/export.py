"""Open-data files of the public register: a full and a delta export, CSV and JSON Lines, with checksums.

Layout of one run (``<out>/<kind>-<YYYYMMDDTHHMMSSZ>/``)::

    practitioners.csv  practitioners.jsonl  institutions.csv  institutions.jsonl
    manifest.json      SHA256SUMS

Records come from :mod:`medreg.public.selectors` (the publication policy applies: only public fields).
Practitioner records also carry the sanctions in force on the export day (kind and last day only, where
the policy publishes ``sanctions`` for the record's status), like the register's detail page.
A delta holds every record changed at or after ``since``, plus the registrations of everyone whose
published sanctions started, ended or were recorded since then (the calendar alone changes them); a
record that left the public register since then appears as ``{"id": ..., "withdrawn": true}``. The
schema is versioned (``SCHEMA_VERSION``) and documented in ``docs/open-data.md``; columns are only ever
added at the end within a major version.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone, translation

from medreg.public import selectors
from medreg.public.policy import PUBLIC, current_policy

SCHEMA_VERSION = "1.1"
SANCTION_BATCH = 2000

PRACTITIONER_COLUMNS = (
    "id", "withdrawn", "name", "gender", "profession", "profession_label", "level_code", "level",
    "category_code", "category", "scope_codes", "scopes", "main_institution_id", "main_institution",
    "practice_division_code", "practice_place", "status", "status_label", "registered_on", "valid_until",
    "title", "certificate_no", "education", "school", "practice_sites",
    "sanctions",  # 1.1
)
INSTITUTION_COLUMNS = (
    "id", "withdrawn", "name", "aliases", "uscc", "registration_no", "category_code", "category", "grade_code",
    "grade", "division_code", "division", "address", "licensing_authority", "legal_representative",
    "principal", "beds", "licence_valid_from", "licence_valid_until", "status", "status_label",
    "validation_state", "validation_due_on", "subjects",
)


@dataclass
class ExportResult:
    directory: Path
    kind: str
    since: dt.datetime | None
    generated_at: dt.datetime
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rows(self) -> dict[str, int]:
        return {f["name"]: f["rows"] for f in self.files}


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ";".join(value)
        return json.dumps(value, ensure_ascii=False, default=_json_default, separators=(",", ":"))
    return str(value)


def _flat_institution(record: dict[str, Any]) -> dict[str, Any]:
    flat = dict(record)
    validation = flat.pop("validation", None) or {}
    flat["validation_state"] = validation.get("state")
    flat["validation_due_on"] = validation.get("due_on")
    if "subjects" in flat:
        flat["subjects"] = [s["code"] for s in flat["subjects"]]
    return flat


def _batches(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _with_sanctions(records: Iterable[dict[str, Any]], on: dt.date) -> Iterator[dict[str, Any]]:
    """Add ``sanctions`` (in force on ``on``: kind, label, last day) to each practitioner record whose
    status the policy publishes them for; two queries per batch, whatever the batch holds."""
    from medreg.people.archive import public_sanctions_by_person
    from medreg.people.models import PracticeRegistration

    policy = current_policy()
    for batch in _batches(records, SANCTION_BATCH):
        ids = [r["id"] for r in batch if not r.get("withdrawn")]
        people = {
            pk: person_id
            for pk, person_id, status in PracticeRegistration.objects.filter(pk__in=ids)
            .values_list("pk", "person_id", "status")
            if policy.visible("practitioner", "sanctions", status, PUBLIC)
        }
        found = public_sanctions_by_person(sorted(set(people.values())), on) if people else {}
        for record in batch:
            person_id = people.get(record["id"])
            if person_id is not None and not record.get("withdrawn"):
                record["sanctions"] = [
                    {"kind": s["type"], "kind_label": s["type_label"], "end_on": s["end_on"]}
                    for s in found.get(person_id, [])
                ]
            yield record


def _bulk_record(registration_id: int) -> dict[str, Any] | None:
    """One registration's public record shaped like :func:`selectors.iter_practitioners` shapes it (no
    fallback site, no other registrations); ``None`` when it is not in the public register."""
    record = selectors.practitioner_detail(registration_id)
    if record is None:
        return None
    record.pop("other_registrations", None)
    record.pop("sanctions", None)  # added for every record by _with_sanctions
    if "practice_sites" in record:
        record["practice_sites"] = selectors.practice_sites([registration_id]).get(registration_id, [])
    return record


def _with_sanction_changes(records: Iterable[dict[str, Any]], since: dt.datetime,
                           on: dt.date) -> Iterator[dict[str, Any]]:
    """Merge into the delta (streamed in id order) the registrations of everyone whose published sanctions
    changed since ``since`` and that the delta does not already hold; a registration that is not in the
    public register is left out (nothing about it was published)."""
    from medreg.people.archive import public_sanction_changes
    from medreg.people.models import PracticeRegistration

    people = public_sanction_changes(since, on)
    extra = list(PracticeRegistration.objects.filter(person_id__in=sorted(people)).order_by("pk")
                 .values_list("pk", flat=True)) if people else []
    i = 0
    for record in records:
        while i < len(extra) and extra[i] < record["id"]:
            if (added := _bulk_record(extra[i])) is not None:
                yield added
            i += 1
        if i < len(extra) and extra[i] == record["id"]:
            i += 1
        yield record
    for pk in extra[i:]:
        if (added := _bulk_record(pk)) is not None:
            yield added


def _practitioners(since: dt.datetime | None, on: dt.date) -> Iterator[dict[str, Any]]:
    """The practitioner records of a full or delta export, in id order, with their sanctions."""
    records: Iterable[dict[str, Any]] = selectors.iter_practitioners(since=since)
    if since is not None:
        records = _with_sanction_changes(records, since, on)
    return _with_sanctions(records, on)


def _write(directory: Path, stem: str, records: Iterator[dict[str, Any]], columns: tuple[str, ...],
           flatten: Callable[[dict[str, Any]], dict[str, Any]]) -> list[dict[str, Any]]:
    csv_path, jsonl_path = directory / f"{stem}.csv", directory / f"{stem}.jsonl"
    rows = 0
    with open(csv_path, "w", encoding="utf-8", newline="") as cf, open(jsonl_path, "w", encoding="utf-8") as jf:
        writer = csv.writer(cf, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            record = {"withdrawn": False, **record} if not record.get("withdrawn") else record
            jf.write(json.dumps(record, ensure_ascii=False, default=_json_default, separators=(",", ":")) + "\n")
            flat = flatten(record)
            writer.writerow([_cell(flat.get(c)) for c in columns])
            rows += 1
    return [_describe(csv_path, rows), _describe(jsonl_path, rows)]


def _describe(path: Path, rows: int) -> dict[str, Any]:
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return {"name": path.name, "rows": rows, "bytes": path.stat().st_size, "sha256": digest}


def write_export(out_dir: str | os.PathLike[str], *, since: dt.datetime | None = None,
                 now: dt.datetime | None = None) -> ExportResult:
    """Write one full (``since`` is None) or delta export under ``out_dir``; returns what was written.

    Files are written into a temporary directory next to the target and renamed into place at the end,
    so a consumer never sees a half-written export."""
    now = now or timezone.now()
    kind = "delta" if since is not None else "full"
    base = Path(out_dir)
    base.mkdir(parents=True, exist_ok=True)
    name = f"{kind}-{now.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=base))
    try:
        with translation.override("zh-hans"):
            files = _write(tmp, "practitioners", _practitioners(since, timezone.localdate(now)),
                           PRACTITIONER_COLUMNS, lambda r: r)
            files += _write(tmp, "institutions", selectors.iter_institutions(since=since), INSTITUTION_COLUMNS,
                            _flat_institution)
        manifest = {
            "schema": "medreg-public-register",
            "schema_version": SCHEMA_VERSION,
            "kind": kind,
            "generated_at": now.isoformat(),
            "since": since.isoformat() if since else None,
            "documentation": "docs/open-data.md",
            "files": files,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
        sums = "".join(f"{f['sha256']}  {f['name']}\n" for f in files)
        sums += f"{_describe(tmp / 'manifest.json', 0)['sha256']}  manifest.json\n"
        (tmp / "SHA256SUMS").write_text(sums, encoding="utf-8")
        target = base / name
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ExportResult(directory=target, kind=kind, since=since, generated_at=now, files=files)


def verify_export(directory: str | os.PathLike[str]) -> list[str]:
    """Names of files whose SHA-256 does not match ``SHA256SUMS`` (empty: all good)."""
    d = Path(directory)
    bad = []
    for line in (d / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, _sep, name = line.partition("  ")
        if _describe(d / name, 0)["sha256"] != digest:
            bad.append(name)
    return bad


def last_export_time(out_dir: str | os.PathLike[str]) -> dt.datetime | None:
    """When the newest export under ``out_dir`` was generated (from its manifest), if any."""
    base = Path(out_dir)
    if not base.is_dir():
        return None
    newest = None
    for manifest in base.glob("*/manifest.json"):
        try:
            at = dt.datetime.fromisoformat(json.loads(manifest.read_text(encoding="utf-8"))["generated_at"])
        except (ValueError, KeyError, OSError):
            continue
        newest = at if newest is None or at > newest else newest
    return newest
