"""The open read API of the public register: keyless, published fields only, cursor paging, no result cap.

Every operation reads through :mod:`medreg.public.selectors`, so it returns exactly what the publication
policy makes public (a withheld field is left out of the object). Rate limit: ``PUBLIC_API_RATE`` per
client address (default 60 requests a minute); past it the answer is ``429`` with ``Retry-After``. For
the whole register, use the daily open-data files (``docs/open-data.md``) instead of paging the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from pydantic import Field

from medreg.api.auth import PublicRateThrottle
from medreg.api.helpers import not_found
from medreg.api.schemas import Out, Problem
from medreg.core.errors import DomainError
from medreg.people.choices import Profession
from medreg.public import policy as publication
from medreg.public import selectors
from medreg.public import status as status_query

RATE_DOC = (
    "Keyless. Rate limit per client address: `PUBLIC_API_RATE` (default **60 requests per minute**, shared by "
    "every `/public/` operation); past it the answer is `429` with a `Retry-After` header (seconds). "
    "Results are never counted; page with `next_cursor`."
)


def public_api_throttle() -> PublicRateThrottle:
    return PublicRateThrottle("medreg_public_api", "PUBLIC_API_RATE", default="60/m")


router = Router(tags=["public"])
ERRORS = {400: Problem, 404: Problem, 422: Problem}  # 429 (with Retry-After) comes from _openapi()


def _openapi(limit_doc: str = RATE_DOC) -> dict[str, Any]:
    rate = str(settings.MEDREG.get("PUBLIC_API_RATE") or "60/m")
    return {
        "x-rate-limit": {"scope": "client-address", "default": "60/m", "configured": rate,
                         "setting": "MEDREG_PUBLIC_API_RATE"},
        "responses": {
            "429": {
                "description": "Too many requests from this address. " + limit_doc,
                "headers": {"Retry-After": {"description": "Seconds until the limit resets",
                                            "schema": {"type": "integer"}}},
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
        },
    }


# -- schemas --------------------------------------------------------------------------------------------------
class Site(Out):
    institution_id: int
    institution: str
    kind: str = Field(description="`main` or `filed` (多机构备案)")
    kind_label: str
    current: bool
    start_on: dt.date | None = None
    end_on: dt.date | None = None


class Sanction(Out):
    kind: str
    kind_label: str
    start_on: dt.date | None = None
    end_on: dt.date | None = Field(None, description="The day the sanction ends; it drops off after it")


class PractitionerOut(Out):
    """One practice registration; fields the publication policy withholds for its status are left out."""

    id: int
    name: str | None = None
    gender: str | None = None
    profession: str | None = None
    profession_label: str | None = None
    level_code: str | None = None
    level: str | None = None
    category_code: str | None = None
    category: str | None = None
    scope_codes: list[str] | None = None
    scopes: str | None = None
    main_institution_id: int | None = None
    main_institution: str | None = None
    practice_division_code: str | None = None
    practice_place: str | None = None
    status: str | None = Field(None, description="active, suspended, cancelled, ...")
    status_label: str | None = None
    registered_on: dt.date | None = None
    valid_until: dt.date | None = None
    title: str | None = None


class PractitionerDetailOut(PractitionerOut):
    practice_sites: list[Site] | None = None
    sanctions: list[Sanction] | None = None
    other_registrations: list[PractitionerOut] = []


class PractitionerPage(Out):
    items: list[PractitionerOut]
    next_cursor: str | None = Field(None, description="Pass back as `cursor`; absent on the last page")


class SubjectOut(Out):
    code: str
    label: str


class ValidationOut(Out):
    state: str = Field(description="normal, deferred (暂缓校验) or overdue (逾期未校验)")
    state_label: str
    due_on: dt.date | None = None
    overdue_since: dt.date | None = None


class InstitutionPublicOut(Out):
    id: int
    name: str | None = None
    aliases: list[str] | None = None
    uscc: str | None = None
    registration_no: str | None = None
    category_code: str | None = None
    category: str | None = None
    grade_code: str | None = None
    grade: str | None = None
    division_code: str | None = None
    division: str | None = None
    address: str | None = None
    licensing_authority: str | None = None
    legal_representative: str | None = None
    principal: str | None = None
    beds: int | None = None
    licence_valid_from: dt.date | None = None
    licence_valid_until: dt.date | None = None
    status: str | None = None
    status_label: str | None = None
    validation: ValidationOut | None = None
    subjects: list[SubjectOut] | None = None


class InstitutionPage(Out):
    items: list[InstitutionPublicOut]
    next_cursor: str | None = None


class PractitionerQuery(Schema):
    name: str = Field("", max_length=30, description="Full name; with `province`, searches 姓名 + 省份. "
                      "Without both, lists the whole register page by page.")
    province: str = Field("", max_length=6, pattern=r"^(\d{2}|\d{6})?$", description="Province code, e.g. 530000")
    institution: str = Field("", max_length=60, description="Part of the main institution's name (optional)")
    profession: Profession | None = Field(None, description="physician or nurse (search default: physician)")
    cursor: str | None = Field(None, max_length=40)
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=selectors.MAX_PAGE_SIZE)


class InstitutionQuery(Schema):
    q: str = Field("", max_length=60, description="Name or alias (≥ 2 characters), USCC or 登记号; "
                   "empty lists every institution page by page")
    province: str = Field("", max_length=6, pattern=r"^(\d{2}|\d{6})?$")
    cursor: str | None = Field(None, max_length=40)
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=selectors.MAX_PAGE_SIZE)


class StatusIn(Schema):
    number: str = Field(max_length=24, description="申请编号")
    name: str = Field(max_length=120, description="The applicant's name (an institution's name for its items)")


class StatusOut(Schema):
    number: str
    item_name: str
    status: str
    status_label: str
    submitted_on: dt.date | None = None
    accepted_on: dt.date | None = None
    due_on: dt.date | None = Field(None, description="Statutory due date (working days, paused during 补正)")
    remaining_working_days: int | None = None
    overdue: bool
    correction_items: list[str] = Field(description="What to correct while a 补正 is pending")
    correction_since: dt.date | None = None
    final: bool
    decided_on: dt.date | None = None


class PolicyRow(Schema):
    field: str
    label: str
    default: str = Field(description="public, employer or regulator")
    by_status: dict[str, str]


class PolicyOut(Schema):
    version: int
    practitioner: list[PolicyRow]
    institution: list[PolicyRow]


def _describe(text: str) -> str:
    return " ".join(text.split()) + "\n\n" + RATE_DOC


# -- operations -----------------------------------------------------------------------------------------------
@router.get("/practitioners", auth=None, throttle=[public_api_throttle()], exclude_none=True,
            response={200: PractitionerPage, **ERRORS}, openapi_extra=_openapi(),
            description=_describe("""Physicians and nurses in the public register. With `name` and `province`: 姓名 + 省份 search
    (optionally `institution`). Without `name`: the whole register in id order (optionally one province or
    profession), with no result cap. There is no lookup by ID number. """))
def list_public_practitioners(request: HttpRequest, params: Query[PractitionerQuery]) -> dict[str, Any]:
    if params.name:
        if not params.province:
            raise DomainError(_("请选择省份。"), code="required", field="province")
        rows, nxt = selectors.search_practitioners(
            name=params.name, province_code=params.province, institution=params.institution,
            profession=params.profession or Profession.PHYSICIAN, cursor=params.cursor, limit=params.limit)
    else:
        rows, nxt = selectors.list_practitioners(cursor=params.cursor, limit=params.limit,
                                                 profession=params.profession or "", province_code=params.province)
    return {"items": rows, "next_cursor": nxt}


@router.get("/practitioners/{registration_id}", auth=None, throttle=[public_api_throttle()], exclude_none=True,
            response={200: PractitionerDetailOut, **ERRORS}, openapi_extra=_openapi(),
            description=_describe("""One registration with its 多机构 practice sites (dates), active sanctions (with end date) and the
    person's other public registrations. """))
def get_public_practitioner(request: HttpRequest, registration_id: int) -> dict[str, Any]:
    record = selectors.practitioner_detail(registration_id)
    if record is None:
        raise not_found()
    return record


@router.get("/institutions", auth=None, throttle=[public_api_throttle()], exclude_none=True,
            response={200: InstitutionPage, **ERRORS}, openapi_extra=_openapi(),
            description=_describe("""Institutions by name or alias (substring; fuzzy on PostgreSQL), USCC or 登记号; without `q`, every
    institution in id order with its 诊疗科目. """))
def list_public_institutions(request: HttpRequest, params: Query[InstitutionQuery]) -> dict[str, Any]:
    if params.q:
        rows, nxt = selectors.search_institutions(q=params.q, province_code=params.province,
                                                  cursor=params.cursor, limit=params.limit)
    else:
        rows, nxt = selectors.list_institutions(cursor=params.cursor, limit=params.limit,
                                                province_code=params.province)
    return {"items": rows, "next_cursor": nxt}


@router.get("/institutions/{institution_id}", auth=None, throttle=[public_api_throttle()], exclude_none=True,
            response={200: InstitutionPublicOut, **ERRORS}, openapi_extra=_openapi(),
            description=_describe("""One institution: 诊疗科目, 校验 status and licence validity. """))
def get_public_institution(request: HttpRequest, institution_id: int) -> dict[str, Any]:
    record = selectors.institution_detail(institution_id)
    if record is None:
        raise not_found()
    return record


@router.post("/application-status", auth=None, throttle=[public_api_throttle()],
             response={200: StatusOut, **ERRORS}, openapi_extra=_openapi(),
            description=_describe("""办理状态查询: stage, due date and what is missing while a 补正 is pending, for an application number
    plus the applicant's name. A wrong name answers exactly like an unknown number (404). The full timeline
    is for the applicant only: `GET /api/v1/applications/{id}`. """))
def application_status(request: HttpRequest, payload: StatusIn) -> Any:
    found = status_query.find(payload.number, payload.name)
    if found is None:
        raise not_found()
    return found


@router.get("/publication-policy", auth=None, throttle=[public_api_throttle()],
            response={200: PolicyOut}, openapi_extra=_openapi(),
            description=_describe("""The publication policy in force: per field, who may see it by default and per record status. """))
def publication_policy(request: HttpRequest) -> dict[str, Any]:
    pol = publication.current_policy()
    out: dict[str, Any] = {"version": pol.version}
    for entity in publication.ENTITIES:
        rows = []
        for name in [publication.LISTED, *pol.fields(entity)]:
            by_status = {s: row[name] for s, row in pol.rules[entity].items() if s and name in row}
            rows.append({"field": name, "label": str(publication.field_label(entity, name)),
                         "default": pol.required(entity, name), "by_status": by_status})
        out[entity] = rows
    return out


