"""The business-item catalogue (事项): what can be applied for, by whom, with which form and materials."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Router

from medreg.api.schemas import ItemOut, Problem
from medreg.applications.items import all_items, get_item
from medreg.applications.items.base import BusinessItem

# Field kinds whose choices come from a reference code table (registration and site fields list the
# applicant's own records instead: GET /api/v1/me).
CODED_KINDS = ("choice", "multichoice")

router = Router(tags=["items"])


def _in(language: str, text: Any) -> str:
    with translation.override(language):
        return str(text)


def item_out(item: BusinessItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": _in("zh-hans", item.name),
        "name_en": _in("en", item.name),
        "subject": str(item.subject),
        "subject_label": str(item.subject.label),
        "applicant": item.applicant,
        "review_chain": [{"code": str(stage), "label": str(stage.label)} for stage in item.review_chain],
        "statutory_limit_days": item.statutory_limit_days,
        "legal_basis": str(item.legal_basis),
        "description": str(item.description),
        "materials_note": str(item.materials_note),
        "fields": [
            {
                "name": f.name,
                "label": str(f.label),
                "kind": f.kind,
                "required": f.required,
                "help_text": str(f.help_text),
                "choices_table": f.choices_table if f.kind in CODED_KINDS else None,
                "choices_url": f"/api/v1/reference/{f.choices_table}"
                if f.choices_table and f.kind in CODED_KINDS else None,
                "options": [{"value": v, "label": str(label)} for v, label in f.options],
                "autofill": f.autofill,
                "max_length": f.max_length,
            }
            for f in item.fields
        ],
        "attachments": [
            {
                "kind": str(a.kind),
                "label": str(a.kind.label),
                "required": a.required,
                "images_only": a.images_only,
                "help_text": str(a.help_text),
            }
            for a in item.attachments
        ],
    }


@router.get("", auth=None, response=list[ItemOut])
def list_items(request: HttpRequest) -> list[dict[str, Any]]:
    """Every business item, with its review chain, statutory limit (working days), form and materials."""
    return [item_out(item) for item in all_items()]


@router.get("/{code}", auth=None, response={200: ItemOut, 404: Problem})
def item_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return item_out(get_item(code))
