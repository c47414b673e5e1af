"""Reads of the code tables, cached per process (they change only when data files are reloaded)."""

from __future__ import annotations

import time
from datetime import date

from django.core.cache import cache

from medreg.reference.models import Code, Division


def codes(table: str, *, on: date | None = None) -> list[Code]:
    return list(Code.objects.current(on).filter(table=table).order_by("sort", "code"))


#: table -> (monotonic deadline, code map): a per-process copy in front of the shared cache, so that a page
#: labelling twenty rows does not unpickle the whole table (LocMem) or fetch it from Redis for every label.
_LOCAL: dict[str, tuple[float, dict[str, Code]]] = {}
LOCAL_SECONDS = 60.0


_DIVISIONS: dict[str, tuple[float, dict[str, tuple[str, str | None]]]] = {}


def forget_local() -> None:
    """Drop this process's copies (after reloading the reference data, and between tests)."""
    _LOCAL.clear()
    _DIVISIONS.clear()


def _division_index() -> dict[str, tuple[str, str | None]]:
    """code -> (name, parent code) of every division, current or not (~3,500 rows; per process)."""
    now = time.monotonic()
    hit = _DIVISIONS.get("all")
    if hit is not None and hit[0] > now:
        return hit[1]
    rows = Division.objects.values_list("code", "name", "parent_id")
    index: dict[str, tuple[str, str | None]] = {code: (name, parent) for code, name, parent in rows}
    _DIVISIONS["all"] = (now + LOCAL_SECONDS, index)
    return index


def division_chain(code: str | None) -> tuple[str, ...]:
    """The names from the province down to ``code`` (at most three), e.g. ("云南省", "昆明市", "五华区");
    read from a per-process copy, so that public pages need no join to the division table."""
    index = _division_index()
    names: list[str] = []
    while code and len(names) < 3:
        found = index.get(code)
        if found is None:
            break
        names.append(found[0])
        code = found[1]
    return tuple(reversed(names))


def code_map(table: str) -> dict[str, Code]:
    """Every code of ``table`` by code (current or not). Shared: callers must not modify it."""
    now = time.monotonic()
    hit = _LOCAL.get(table)
    if hit is not None and hit[0] > now:
        return hit[1]
    key = f"medreg:codes:{table}"
    found = cache.get(key)
    if found is None:
        found = {c.code: c for c in Code.objects.filter(table=table)}
        cache.set(key, found, 300)
    _LOCAL[table] = (now + LOCAL_SECONDS, found)
    return found


def code_name(table: str, code: str) -> str:
    c = code_map(table).get(code)
    return c.name if c else code


def is_current_code(table: str, code: str, *, on: date | None = None) -> bool:
    return Code.objects.current(on).filter(table=table, code=code).exists()


def provinces() -> list[Division]:
    return list(Division.objects.current().filter(level="province"))


def division(code: str) -> Division | None:
    return Division.objects.select_related("parent__parent").filter(code=code).first()
