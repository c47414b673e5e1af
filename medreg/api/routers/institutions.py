"""Public search of medical institutions (the same search the forms use to pick an institution)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from medreg.api.auth import search_throttle
from medreg.api.schemas import InstitutionOut, Problem
from medreg.institutions import services as institutions
from medreg.reference import selectors as ref

router = Router(tags=["public"])


class SearchParams(Schema):
    q: str = Field("", max_length=60, description="Name, alias, USCC or 登记号 (at least 2 characters)")
    province: str = Field("", max_length=6, pattern=r"^(\d{2}|\d{6})?$", description="Province code, e.g. 530000")
    limit: int = Field(20, ge=1, le=50)


@router.get("", auth=None, throttle=[search_throttle()], response={200: list[InstitutionOut], 422: Problem, 429: Problem})
def search_institutions(request: HttpRequest, params: Query[SearchParams]) -> list[dict[str, Any]]:
    """Active institutions matching ``q``; public fields only."""
    found = institutions.search_institutions(params.q, province_code=params.province, limit=params.limit)
    return [
        {
            "id": inst.pk,
            "name": inst.name,
            "division": inst.division.name if inst.division_id else "",
            "category": ref.code_name("institution_category", inst.category_code),
            "registration_no": inst.registration_no,
            "uscc": inst.uscc,
        }
        for inst in found
    ]
