"""Top-down administration by authority admins: subordinate authorities, staff accounts and the accounts of
the institutions an authority licensed.

Handlers parse, call ``medreg.accounts.services`` and render; the services decide who may act (403). The
target authority or institution is looked up with ``for_user(user, "view")``: outside the caller's scope
it does not exist (404). Phones are stored encrypted and never returned.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from medreg.accounts import services as accounts
from medreg.accounts.choices import AuthorityKind, AuthorityLevel, Role, UserKind
from medreg.accounts.models import Authority, Membership, User
from medreg.api.auth import caller
from medreg.api.helpers import choice_label, not_found
from medreg.api.schemas import AccountIn, AccountOut, AuthorityIn, AuthorityOut, Problem
from medreg.institutions.models import Institution

router = Router(tags=["accounts"])

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}




def authority_out(a: Authority) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "level": a.level,
        "level_label": choice_label(AuthorityLevel, a.level),
        "kind": a.kind,
        "kind_label": choice_label(AuthorityKind, a.kind),
        "division_code": a.division_code,
        "division_name": a.division.name if a.division else "",
        "parent": {"id": a.parent.pk, "name": a.parent.name} if a.parent else None,
        "uscc": a.uscc,
    }


def account_out(user: User) -> dict[str, Any]:
    memberships = (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("authority", "institution")
        .order_by("authority_id", "institution_id", "role")
    )
    return {
        "id": user.pk,
        "username": user.username,
        "kind": user.kind,
        "kind_label": choice_label(UserKind, user.kind),
        "real_name": user.real_name,
        "roles": [
            {
                "role": m.role,
                "label": choice_label(Role, m.role),
                "authority": {"id": m.authority.pk, "name": m.authority.name} if m.authority else None,
                "institution": {"id": m.institution.pk, "name": m.institution.name} if m.institution else None,
            }
            for m in memberships
        ],
    }


@router.post("/authorities", response={201: AuthorityOut, **ERRORS})
def create_authority(request: HttpRequest, payload: AuthorityIn) -> Status:
    """Create a subordinate commission or approval bureau. Only an admin of a higher authority whose
    division holds ``division_code`` may (403 otherwise).
    """
    authority = accounts.create_authority(
        acting_user=caller(request), name=payload.name, level=payload.level,
        division_code=payload.division_code or None, uscc=payload.uscc, kind=payload.kind,
    )
    return Status(201, authority_out(authority))


@router.post("/authorities/{int:authority_id}/staff", response={201: AccountOut, **ERRORS})
def create_staff_account(request: HttpRequest, authority_id: int, payload: AccountIn) -> Status:
    """A staff account with roles (clerk, reviewer, approver, supervision, authority_admin) at the authority:
    the admin's own authority or one below it.
    """
    user = caller(request)
    authority = Authority.objects.for_user(user, "view").filter(pk=authority_id).select_related("division").first()
    if authority is None:
        raise not_found()
    account = accounts.create_staff_account(
        acting_user=user, authority=authority, username=payload.username, real_name=payload.real_name,
        password=payload.password, roles=payload.roles, phone=payload.phone,
    )
    return Status(201, account_out(account))


@router.post("/institutions/{int:institution_id}/accounts", response={201: AccountOut, **ERRORS})
def create_institution_account(request: HttpRequest, institution_id: int, payload: AccountIn) -> Status:
    """An account (institution_admin, institution_reviewer) for an institution; only admins of the authority
    that licensed it may create one.
    """
    user = caller(request)
    institution = Institution.objects.for_user(user, "view").filter(pk=institution_id).first()
    if institution is None:
        raise not_found()
    account = accounts.create_institution_account(
        acting_user=user, institution=institution, username=payload.username, real_name=payload.real_name,
        password=payload.password, roles=payload.roles, phone=payload.phone,
    )
    return Status(201, account_out(account))
