"""Open-data files of the public register: a full and a delta export, CSV and JSON Lines, with checksums.

Layout of one run (``<out>/<kind>-<YYYYMMDDTHHMMSSZ>/``)::

    practitioners.csv  practitioners.jsonl  institutions.csv  institutions.jsonl
    manifest.json      SHA256SUMS

Records come from :mod:`medreg.public.selectors` (the publication policy applies: only public fields).
A delta holds every record changed at or after ``since``; a record that left the public register since
then appears as ``{"id": ..., "withdrawn": true}``. The schema is versioned (``SCHEMA_VERSION``) and
documented in ``docs/open-data.md``; columns are only ever added at the end within a major version.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone, translation

from medreg.public import selectors

SCHEMA_VERSION = "1.0"

PRACTITIONER_COLUMNS = (
    "id", "withdrawn", "name", "gender", "profession", "profession_label", "level_code", "level",
    "category_code", "category", "scope_codes", "scopes", "main_institution_id", "main_institution",
    "practice_division_code", "practice_place", "status", "status_label", "registered_on", "valid_until",
    "title", "certificate_no", "education", "school", "practice_sites",
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
            files = _write(tmp, "practitioners", selectors.iter_practitioners(since=since), PRACTITIONER_COLUMNS,
                           lambda r: r)
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
