"""Reads of the code tables, cached per process (they change only when data files are reloaded)."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache

from medreg.reference.models import Code, Division


def codes(table: str, *, on: date | None = None) -> list[Code]:
    return list(Code.objects.current(on).filter(table=table).order_by("sort", "code"))


def code_map(table: str) -> dict[str, Code]:
    key = f"medreg:codes:{table}"
    found = cache.get(key)
    if found is None:
        found = {c.code: c for c in Code.objects.filter(table=table)}
        cache.set(key, found, 300)
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
