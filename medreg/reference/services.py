"""Loading the code tables from the repository's data files (idempotent, one transaction)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.reference.models import Code, Division

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(path: Path) -> Iterator[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    body = io.StringIO("".join(line + "\n" for line in text.splitlines() if not line.startswith("#")))
    yield from csv.DictReader(body)


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


@transaction.atomic
def load_reference_data(*, acting_user: Any, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Insert or update every division and code from the data files. Returns counts per table."""
    counts: dict[str, int] = {}
    div_rows = list(_rows(data_dir / "divisions.csv"))
    existing = {d.code: d for d in Division.objects.all()}
    order = {"province": 0, "city": 1, "county": 2}
    div_rows.sort(key=lambda r: order[r["level"]])
    to_create, to_update = [], []
    for r in div_rows:
        values = {
            "name": r["name"],
            "level": r["level"],
            "parent_id": r["parent_code"] or None,
            "valid_from": _date(r["valid_from"]),
            "valid_to": _date(r["valid_to"]),
        }
        current = existing.get(r["code"])
        if current is None:
            to_create.append(Division(code=r["code"], **values))
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            to_update.append(current)
    for level in ("province", "city", "county"):
        Division.objects.bulk_create([d for d in to_create if d.level == level], batch_size=500)
    if to_update:
        Division.objects.bulk_update(to_update, ["name", "level", "parent", "valid_from", "valid_to"], batch_size=500)
    counts["division"] = len(div_rows)

    existing_codes = {(c.table, c.code): c for c in Code.objects.all()}
    new_codes, changed = [], []
    fields = ["name", "name_en", "parent_code", "sort", "valid_from", "valid_to", "extra"]
    # code_tables.csv plus one code_tables_<topic>.csv per added group of tables
    for r in (row for path in sorted(data_dir.glob("code_tables*.csv")) for row in _rows(path)):
        values = {
            "name": r["name"],
            "name_en": r.get("name_en", ""),
            "parent_code": r.get("parent_code", ""),
            "sort": int(r["sort"] or 0),
            "valid_from": _date(r["valid_from"]),
            "valid_to": _date(r["valid_to"]),
            "extra": json.loads(r.get("extra") or "{}"),
        }
        counts[r["table"]] = counts.get(r["table"], 0) + 1
        current = existing_codes.get((r["table"], r["code"]))
        if current is None:
            new_codes.append(Code(table=r["table"], code=r["code"], **values))
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            changed.append(current)
    Code.objects.bulk_create(new_codes, batch_size=500)
    if changed:
        Code.objects.bulk_update(changed, fields, batch_size=500)
    if to_create or to_update or new_codes or changed:
        audit.record(
            EventType.REFERENCE_LOADED,
            actor=acting_user,
            subject=("reference", "tables"),
            data={"created": len(to_create) + len(new_codes), "updated": len(to_update) + len(changed)},
        )
    from medreg.reference.selectors import forget_local

    forget_local()
    return counts
