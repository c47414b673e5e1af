"""The caller: who they are, their roles, and their e-licences (with the signed QR payload)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Router

from medreg.accounts.choices import UserKind
from medreg.api.auth import caller
from medreg.api.helpers import choice_label
from medreg.api.routers.accounts import account_out
from medreg.api.schemas import LicenceOut, MeOut, Problem
from medreg.core.scoping import scope_info
from medreg.licences.choices import LicenceKind, LicenceStatus
from medreg.licences.models import ELicence
from medreg.reference import selectors as ref

router = Router(tags=["me"])



@router.get("", response={200: MeOut, 401: Problem})
def who_am_i(request: HttpRequest) -> dict[str, Any]:
    """The signed-in account. The person summary carries no ID number, birth date or phone."""
    user = caller(request)
    person = user.person if user.kind == UserKind.INDIVIDUAL else None
    return {
        **account_out(user),
        "person": None if person is None else {
            "id": person.pk, "name": person.name, "gender": person.gender, "education": person.education,
            "school": person.school, "title": person.title,
        },
    }


def licence_out(lic: ELicence) -> dict[str, Any]:
    d = lic.data or {}
    category = d.get("category_code") or ""
    return {
        "identifier": lic.identifier,
        "version": lic.version,
        "status": lic.status,
        "status_label": choice_label(LicenceStatus, lic.status),
        "kind": lic.kind,
        "kind_label": choice_label(LicenceKind, lic.kind),
        "licence_no": lic.licence_no,
        "holder_name": lic.holder_name,
        "issued_at": lic.issued_at,
        "issuer": lic.authority.name,
        "category": {"code": category, "name": ref.code_name("practice_category", category)} if category else None,
        "scopes": [{"code": s, "name": ref.code_name("practice_scope", s)} for s in d.get("scope_codes") or []],
        "institution": d.get("institution_name", ""),
        "qr": lic.qr_payload,
    }


@router.get("/licences", response={200: list[LicenceOut], 401: Problem})
def my_licences(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's own e-licences, newest first: a physician's or nurse's practice licences, or the
    licences of the institution a staff account belongs to. Superseded versions are listed with their
    status so that a verifier's answer can be matched.
    """
    info = scope_info(caller(request))
    mine = Q(pk__in=[])
    if info.person_id is not None:
        mine |= Q(person_id=info.person_id)
    if info.institution_ids:
        mine |= Q(institution_id__in=sorted(info.institution_ids))
    rows = (
        ELicence.objects.for_user(caller(request), "view")
        .filter(mine)
        .select_related("authority")
        .order_by("-issued_at", "-version")
    )
    return [licence_out(lic) for lic in rows]
