"""Public code tables and administrative divisions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from pydantic import Field

from medreg.api.schemas import CodeOut, DivisionOut, Problem
from medreg.core.errors import NotFound
from medreg.reference import selectors as ref
from medreg.reference.models import Division

router = Router(tags=["reference"])


@router.get("/reference/{table}", auth=None, response={200: list[CodeOut], 404: Problem})
def reference_codes(request: HttpRequest, table: str) -> list[dict[str, Any]]:
    """The codes of a reference table valid today (执业范围 ``practice_scope``, 机构类别 ...).

    Every table loaded from the data files is served; an unknown table (or one with no current code) is 404.
    """
    codes = ref.codes(table) if len(table) <= 64 else []
    if not codes:
        raise NotFound(_("未知的代码表：%(table)s"), code="unknown_table", params={"table": table})
    return [
        {"code": c.code, "name": c.name, "name_en": c.name_en, "parent_code": c.parent_code}
        for c in codes
    ]


class DivisionParams(Schema):
    parent: str = Field("", pattern=r"^(\d{6})?$", description="A division code; empty for the provinces")


@router.get("/divisions", auth=None, response={200: list[DivisionOut], 422: Problem})
def list_divisions(request: HttpRequest, params: Query[DivisionParams]) -> list[dict[str, Any]]:
    """Provinces, or the current children of the division ``parent`` (GB/T 2260 codes)."""
    parent = params.parent
    rows = ref.provinces() if not parent else list(Division.objects.current().filter(parent_id=parent))
    return [{"code": d.code, "name": d.name, "level": d.level, "parent": d.parent_id} for d in rows]
