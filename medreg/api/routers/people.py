"""Physicians and nurses: self-registration, asking an institution for activation and activating with the
code; and the institution's side: pending requests, sending the code, the activation mode and the roster.

Handlers parse, call ``medreg.people.services`` / ``medreg.institutions.services`` and render. Reads are
scoped with ``for_user``: institution-side lists answer only the institution's own staff (``via=
"institution"``), everyone else gets 404. Responses never carry an ID number or a phone number; staff see
a masked phone (``mask_phone``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from medreg.accounts.choices import ActivationMode
from medreg.api.auth import PublicRateThrottle, caller
from medreg.api.helpers import choice_label, not_found
from medreg.api.schemas import (
    ActivateIn,
    ActivationModeIn,
    ActivationModeOut,
    ActivationRequestIn,
    ActivationRequestOut,
    ActivationRequestPage,
    AffiliationOut,
    Problem,
    RegisterIn,
    RegisterOut,
    RosterPage,
)
from medreg.core.errors import DomainError
from medreg.core.masking import mask_phone
from medreg.institutions import services as institutions
from medreg.institutions.models import Institution
from medreg.people import services as people
from medreg.people.choices import AffiliationStatus, RegistrationStatus
from medreg.people.models import Affiliation, PracticeRegistration
from medreg.reference import selectors as ref

router = Router(tags=["people"])

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
MAX_LIMIT = 200


def register_throttle() -> PublicRateThrottle:
    # Every sign-up attempt probes the qualification records by ID number: limited per address, like the
    # token endpoint (``API_REGISTER_RATE``, else ``API_TOKEN_RATE``, else 10/m).
    return PublicRateThrottle("medreg_register", "API_REGISTER_RATE", "API_TOKEN_RATE", default="10/m")


@contextmanager
def body_fields(renames: Mapping[str, str]) -> Iterator[None]:
    """Report a service's field names as this endpoint's body keys (``institution`` -> ``institution_id``)."""
    try:
        yield
    except DomainError as exc:
        items = [dataclasses.replace(e, field=renames.get(e.field, e.field)) if e.field else e for e in exc.errors]
        raise type(exc)(errors=items) from None




# -- cursor pagination (by id) ----------------------------------------------------------------------------------
class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=20, description="``next_cursor`` of the previous page")


def _page(qs: QuerySet[Any], params: PageParams) -> tuple[list[Any], str | None]:
    """One page of ``qs`` in id order, and the cursor of the next page (``None`` on the last one)."""
    if params.cursor:
        try:
            after = int(params.cursor)
        except ValueError:
            raise DomainError(_("分页游标无效，请从第一页重新开始。"), code="invalid_cursor", field="cursor") from None
        qs = qs.filter(pk__gt=after)
    rows = list(qs.order_by("pk")[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return rows, (str(rows[-1].pk) if more else None)


# -- rendering --------------------------------------------------------------------------------------------------
def affiliation_out(aff: Affiliation) -> dict[str, Any]:
    inst = aff.institution
    return {
        "id": aff.pk,
        "institution": {"id": inst.pk, "name": inst.name, "contact_phone": inst.contact_phone},
        "status": aff.status,
        "status_label": choice_label(AffiliationStatus, aff.status),
        "requested_at": aff.requested_at,
        "activated_at": aff.activated_at,
    }


def activation_request_out(aff: Affiliation) -> dict[str, Any]:
    person = aff.person
    user = getattr(person, "user", None)
    return {
        "id": aff.pk,
        "person_name": person.name,
        "gender": person.gender,
        "gender_label": ref.code_name("gender", person.gender),
        "phone_masked": mask_phone(user.phone) if user is not None and user.phone else "",
        "requested_at": aff.requested_at,
        "code_expires_at": aff.activation_code_expires_at if aff.activation_code_hash else None,
    }


def _staff_institution(request: HttpRequest, institution_id: int) -> Institution:
    """The institution, if the caller is its staff; else 404 (authority staff use the authority side)."""
    inst = Institution.objects.for_user(caller(request), "view", via="institution").filter(pk=institution_id).first()
    if inst is None:
        raise not_found()
    return inst


# -- the individual ---------------------------------------------------------------------------------------------
@router.post("/register", auth=None, throttle=[register_throttle()], tags=["public"],
             response={201: RegisterOut, 400: Problem, 409: Problem, 422: Problem, 429: Problem})
def register(request: HttpRequest, payload: RegisterIn) -> Status:
    """Self-registration of a physician or nurse, matched against the qualification records synced from the
    exam centre. Then ask an institution for activation (``POST /me/activation-requests``).
    The ID number and the phone are never echoed back, not even in error messages.
    """
    user = people.register_individual(
        acting_user=None, name=payload.name, id_number=payload.id_number, phone=payload.phone,
        password=payload.password, username=payload.username, profession=payload.profession,
    )
    return Status(201, {"username": user.username, "kind": user.kind})


@router.post("/me/activation-requests", response={201: AffiliationOut, **ERRORS})
def request_activation(request: HttpRequest, payload: ActivationRequestIn) -> Status:
    """Ask an institution to activate the caller's practice account. Asking again returns the open request.
    An institution in automatic mode activates at once (``status`` is then ``active``).
    """
    with body_fields({"institution": "institution_id"}):
        aff = people.request_activation(acting_user=caller(request), institution_id=payload.institution_id)
    return Status(201, affiliation_out(aff))


@router.get("/me/affiliations", response={200: list[AffiliationOut], 401: Problem})
def my_affiliations(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's institution affiliations, newest first (empty for staff accounts)."""
    rows = (
        Affiliation.objects.for_user(caller(request), "view", via="person")
        .select_related("institution")
        .order_by("-requested_at", "-pk")
    )
    return [affiliation_out(a) for a in rows]


@router.post("/me/activation", response={200: AffiliationOut, **ERRORS})
def activate(request: HttpRequest, payload: ActivateIn) -> dict[str, Any]:
    """Activate with the code the institution sent. Five wrong codes void it; ask the institution for a new one."""
    with body_fields({"institution": "institution_id"}):
        aff = people.activate_with_code(
            acting_user=caller(request), institution_id=payload.institution_id, code=payload.code
        )
    return affiliation_out(aff)


# -- the institution --------------------------------------------------------------------------------------------
@router.get("/institutions/{int:institution_id}/activation-requests", response={200: ActivationRequestPage, **ERRORS})
def institution_activation_requests(
    request: HttpRequest, institution_id: int, params: Query[PageParams]
) -> dict[str, Any]:
    """Pending activation requests at the institution, oldest first (its staff only)."""
    inst = _staff_institution(request, institution_id)
    qs = (
        Affiliation.objects.for_user(caller(request), "view", via="institution")
        .filter(institution_id=inst.pk, status=AffiliationStatus.PENDING)
        .select_related("person__user")
    )
    rows, next_cursor = _page(qs, params)
    return {"items": [activation_request_out(a) for a in rows], "next_cursor": next_cursor}


@router.post("/activation-requests/{int:affiliation_id}/send-code", response={200: ActivationRequestOut, **ERRORS})
def send_activation_code(request: HttpRequest, affiliation_id: int) -> dict[str, Any]:
    """Send (or send again) a one-time code to the person's phone and inbox; valid for 24 hours."""
    aff = people.send_activation_code(affiliation_id, acting_user=caller(request))
    return activation_request_out(aff)


@router.put("/institutions/{int:institution_id}/activation-mode", response={200: ActivationModeOut, **ERRORS})
def set_activation_mode(request: HttpRequest, institution_id: int, payload: ActivationModeIn) -> dict[str, Any]:
    """How staff accounts are activated: ``code`` or ``auto`` (institution admins only)."""
    with body_fields({"activation_mode": "mode"}):
        inst = institutions.set_activation_mode(institution_id, acting_user=caller(request), mode=payload.mode)
    return {
        "institution": {"id": inst.pk, "name": inst.name},
        "activation_mode": inst.activation_mode,
        "activation_mode_label": choice_label(ActivationMode, inst.activation_mode),
    }


@router.get("/institutions/{int:institution_id}/roster", response={200: RosterPage, **ERRORS})
def institution_roster(request: HttpRequest, institution_id: int, params: Query[PageParams]) -> dict[str, Any]:
    """Active staff with their department and their registration at this institution (its staff only)."""
    user = caller(request)
    inst = _staff_institution(request, institution_id)
    registrations = (
        PracticeRegistration.objects.for_user(user, "view", via="institution")
        .filter(main_institution_id=inst.pk)
        .order_by(
            Case(When(status=RegistrationStatus.ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField()),
            "-registered_on", "-pk",
        )
    )
    qs = (
        Affiliation.objects.for_user(user, "view", via="institution")
        .filter(institution_id=inst.pk, status=AffiliationStatus.ACTIVE)
        .select_related("person", "department")
        .prefetch_related(Prefetch("person__registrations", queryset=registrations, to_attr="here"))
    )
    rows, next_cursor = _page(qs, params)
    items = []
    for aff in rows:
        person = aff.person
        reg = person.here[0] if person.here else None
        items.append({
            "affiliation_id": aff.pk,
            "person_name": person.name,
            "gender": person.gender,
            "gender_label": ref.code_name("gender", person.gender),
            "department": aff.department.name if aff.department else "",
            "registration": None if reg is None else {
                "certificate_no": reg.certificate_no,
                "status": reg.status,
                "status_label": choice_label(RegistrationStatus, reg.status),
            },
        })
    return {"items": items, "next_cursor": next_cursor}
