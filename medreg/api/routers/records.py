"""Records and the personal archive (活档): 定期考核, proposals, penalties, good/bad records, legal
circumstances, trainings, 不予注册 grounds; the institution's roster, batch confirmation and phone reset.

Handlers parse, call :mod:`medreg.people.records` (writes) or :mod:`medreg.people.archive` /
:mod:`medreg.people.eligibility` (reads) and render. Outside the caller's jurisdiction the answer is 404.
No response carries an ID number or a phone number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from medreg.api.auth import caller
from medreg.api.helpers import not_found
from medreg.api.schemas import Problem
from medreg.core.errors import NotFound
from medreg.core.scoping import scope_info
from medreg.people import archive as archive_selectors
from medreg.people import records
from medreg.people.eligibility import registration_bars
from medreg.people.models import Proposal

router = Router(tags=["records"])
ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}


# -- schemas ----------------------------------------------------------------------------------------------
class EntryOut(Schema):
    on: dt.date
    end: dt.date | None = None
    category: str
    category_label: str
    title: str
    detail: str
    actor: str


class SanctionOut(Schema):
    type: str
    type_label: str
    end_on: dt.date | None = None


class ArchiveOut(Schema):
    person_id: int
    name: str
    capacity: str = Field(description="self, authority, or institution (then only the periods of employment)")
    sanctions: list[SanctionOut]
    assessment_due_on: dt.date | None = Field(None, description="last day of the current 定期考核 cycle")
    entries: list[EntryOut]


class BarOut(Schema):
    code: str
    message: str
    message_zh: str
    message_en: str
    until: str


class AssessmentIn(Schema):
    period_start: str
    period_end: str
    assessed_on: str
    result: str = Field(description="pass or fail")
    registration: int | None = None
    assessing_body: str = ""
    note: str = ""


class PenaltyIn(Schema):
    profession: str
    kind: str = Field(description="warning, suspension, revocation or ban")
    start_on: str
    reason: str
    decision_no: str = ""
    months: int | None = Field(None, description="suspension: 6-12")
    ban_basis: str = Field(
        "", description="ban: general (2 years), fraud (3 years), severe (years>=5 or lifelong)"
    )
    years: int | None = None
    lifelong: bool = False


class PracticeRecordIn(Schema):
    profession: str
    kind: str = Field(description="good or bad")
    recorded_on: str
    summary: str


class CircumstanceIn(Schema):
    kind: str
    start_on: str
    end_on: str | None = None
    note: str = ""


class TrainingIn(Schema):
    kind: str = Field(description="cme, residency, advanced or remedial")
    title: str
    provider: str = ""
    start_on: str
    end_on: str
    hours: str


class RecordOut(Schema):
    id: int
    kind: str
    person_id: int


class ProposalOut(Schema):
    id: int
    person_id: int
    person_name: str
    kind: str
    kind_label: str
    status: str
    assessment_id: int
    assessed_on: dt.date
    decided_on: dt.date | None = None
    penalty_id: int | None = None


class DecisionIn(Schema):
    accept: bool
    months: int | None = None
    start_on: str | None = None
    note: str = ""


class RosterRowOut(Schema):
    key: str
    person_id: int
    name: str
    status: str
    status_label: str
    start: dt.date | None = None
    end: dt.date | None = None
    department: str
    certificate_no: str = ""
    registration_status: str = ""


class BatchIn(Schema):
    application_ids: list[int] = Field(min_length=1, max_length=200)
    comment: str = ""


class BatchItemOut(Schema):
    application_id: int
    ok: bool
    number: str = ""
    errors: list[dict[str, Any]] = []


class PhoneResetIn(Schema):
    phone: str
    reason: str


class PhoneResetOut(Schema):
    person_id: int
    phone_verified: bool


# -- helpers ----------------------------------------------------------------------------------------------
def _access(request: HttpRequest, person_id: int) -> archive_selectors.ArchiveAccess:
    try:
        return archive_selectors.archive_access(caller(request), person_id)
    except NotFound:
        raise not_found() from None


def _archive_out(access: archive_selectors.ArchiveAccess) -> dict[str, Any]:
    data = archive_selectors.archive_data(access)
    labels = data["categories"]
    return {
        "person_id": access.person.pk,
        "name": access.person.name,
        "capacity": access.capacity,
        "sanctions": data["sanctions"],
        "assessment_due_on": data["assessment_due_on"],
        "entries": [{**e.as_dict(), "category_label": labels[e.category]} for e in data["entries"]],
    }


def _staff_of(request: HttpRequest, institution_id: int) -> int:
    if institution_id not in scope_info(caller(request)).institution_ids:
        raise not_found()
    return institution_id


def _created(obj: Any, kind: str) -> Status:
    return Status(201, {"id": obj.pk, "kind": kind, "person_id": obj.person_id})


def _data(payload: Schema) -> dict[str, Any]:
    return {k: v for k, v in payload.dict().items() if v is not None}


# -- archive ----------------------------------------------------------------------------------------------
@router.get("/me/archive", response={200: ArchiveOut, **ERRORS})
def my_archive(request: HttpRequest) -> dict[str, Any]:
    """The caller's own archive (活档) timeline, newest first."""
    user = caller(request)
    return _archive_out(_access(request, user.person_id or 0))


@router.get("/persons/{int:person_id}/archive", response={200: ArchiveOut, **ERRORS})
def person_archive(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """A practitioner's archive: whole for the person and the competent authority; for an institution
    only the entries within the person's employment there (no legal circumstances)."""
    return _archive_out(_access(request, person_id))


@router.get("/persons/{int:person_id}/archive.pdf", response={200: None, **ERRORS})
def person_archive_pdf(request: HttpRequest, person_id: int) -> HttpResponse:
    """The same archive as a PDF (audited as an export)."""
    access = _access(request, person_id)
    content = archive_selectors.archive_pdf(access)
    records.record_archive_export(access.person, acting_user=caller(request), fmt="pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="archive-{person_id}.pdf"'
    return response


@router.get("/persons/{int:person_id}/registration-bars", response={200: list[BarOut], **ERRORS})
def person_bars(
    request: HttpRequest, person_id: int, profession: str = "physician", on: dt.date | None = None
) -> list[dict[str, Any]]:
    """The 不予注册 grounds that apply (the person and authority staff only)."""
    access = _access(request, person_id)
    if access.capacity == "institution":
        raise not_found()
    if profession not in ("physician", "nurse"):
        profession = "physician"
    return [
        {**b.as_dict(), "until": str(b.params.get("until", ""))}
        for b in registration_bars(access.person, profession=profession, on=on or timezone.localdate())
    ]


# -- recording (authority staff) --------------------------------------------------------------------------
@router.post("/persons/{int:person_id}/assessments", response={201: RecordOut, **ERRORS})
def create_assessment(request: HttpRequest, person_id: int, payload: AssessmentIn) -> Status:
    """Record a 定期考核 result; a failure creates a proposal (suspension; cancellation on a second failure)."""
    return _created(
        records.record_assessment(person_id, acting_user=caller(request), data=_data(payload)), "assessment"
    )


@router.post("/persons/{int:person_id}/penalties", response={201: RecordOut, **ERRORS})
def create_penalty(request: HttpRequest, person_id: int, payload: PenaltyIn) -> Status:
    """Record an administrative penalty (approver or supervision staff)."""
    return _created(
        records.record_penalty(person_id, acting_user=caller(request), data=_data(payload)), "penalty"
    )


@router.post("/persons/{int:person_id}/practice-records", response={201: RecordOut, **ERRORS})
def create_practice_record(request: HttpRequest, person_id: int, payload: PracticeRecordIn) -> Status:
    """Add a 执业良好记录 or 不良记录."""
    return _created(
        records.record_practice_record(person_id, acting_user=caller(request), data=_data(payload)),
        "practice_record",
    )


@router.post("/persons/{int:person_id}/circumstances", response={201: RecordOut, **ERRORS})
def create_circumstance(request: HttpRequest, person_id: int, payload: CircumstanceIn) -> Status:
    """Record a legal circumstance that bars registration (刑事处罚, 民事行为能力, …)."""
    return _created(
        records.record_circumstance(person_id, acting_user=caller(request), data=_data(payload)),
        "circumstance",
    )


@router.post("/persons/{int:person_id}/trainings", response={201: RecordOut, **ERRORS})
def create_training(request: HttpRequest, person_id: int, payload: TrainingIn) -> Status:
    """Record a training with hours (authority staff, or the person's current institution)."""
    return _created(
        records.record_training(person_id, acting_user=caller(request), data=_data(payload)), "training"
    )


@router.get("/proposals", response={200: list[ProposalOut], **ERRORS})
def list_proposals(request: HttpRequest, status: str = "open") -> list[dict[str, Any]]:
    """Proposals from failed assessments the caller's authority may decide (``status``: open, accepted,
    dismissed)."""
    rows = (
        Proposal.objects.for_user(caller(request), "act", via="authority")
        .filter(status=status)
        .select_related("person", "assessment")
        .order_by("pk")[:500]
    )
    return [_proposal_out(p) for p in rows]


def _proposal_out(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "person_id": p.person_id,
        "person_name": p.person.name,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "status": p.status,
        "assessment_id": p.assessment_id,
        "assessed_on": p.assessment.assessed_on,
        "decided_on": p.decided_on,
        "penalty_id": p.penalty_id,
    }


@router.post("/proposals/{int:proposal_id}/decision", response={200: ProposalOut, **ERRORS})
def decide_proposal(request: HttpRequest, proposal_id: int, payload: DecisionIn) -> dict[str, Any]:
    """Accept (with 3–6 months for a suspension) or dismiss (with a reason) a proposal. Approvers only."""
    p = records.decide_proposal(
        proposal_id,
        acting_user=caller(request),
        accept=payload.accept,
        months=payload.months,
        start_on=payload.start_on,
        note=payload.note,
    )
    return _proposal_out(p)


# -- institution side -------------------------------------------------------------------------------------
class RosterParams(Schema):
    status: str | None = Field(None, description="active, left, retired, deceased or multi_site")


def _roster(
    request: HttpRequest, institution_id: int, status: str | None
) -> list[archive_selectors.RosterRow]:
    _staff_of(request, institution_id)
    if status not in archive_selectors.ROSTER_STATUSES:
        status = None
    return archive_selectors.roster(institution_id, caller(request), status=status)


@router.get("/institutions/{int:institution_id}/roster", response={200: list[RosterRowOut], **ERRORS})
def roster(request: HttpRequest, institution_id: int, params: Query[RosterParams]) -> list[dict[str, Any]]:
    """The institution's staff roster with statuses and dates (its staff only)."""
    out = []
    for r in _roster(request, institution_id, params.status):
        reg = r.registration
        out.append(
            {
                "key": r.key,
                "person_id": r.person.pk,
                "name": r.person.name,
                "status": r.status,
                "status_label": r.status_label,
                "start": r.start,
                "end": r.end,
                "department": r.department,
                "certificate_no": reg.certificate_no if reg else "",
                "registration_status": reg.status if reg else "",
            }
        )
    return out


@router.get("/institutions/{int:institution_id}/roster.xlsx", response={200: None, **ERRORS})
def roster_xlsx(request: HttpRequest, institution_id: int, params: Query[RosterParams]) -> HttpResponse:
    """The roster as an Excel workbook (audited)."""
    from medreg.institutions.models import Institution

    rows = _roster(request, institution_id, params.status)
    name = Institution.objects.get(pk=institution_id).name
    content = archive_selectors.roster_xlsx(rows, institution_name=name)
    records.record_roster_export(institution_id, acting_user=caller(request), rows=len(rows))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="roster.xlsx"'
    return response


@router.post("/institutions/{int:institution_id}/batch-confirm", response={200: list[BatchItemOut], **ERRORS})
def batch_confirm(request: HttpRequest, institution_id: int, payload: BatchIn) -> list[dict[str, Any]]:
    """Confirm several applications; one result per id (a refused one does not stop the others)."""
    _staff_of(request, institution_id)
    results = records.batch_confirm_applications(
        payload.application_ids, acting_user=caller(request), comment=payload.comment
    )
    return [
        {"application_id": r.application_id, "ok": r.ok, "number": r.number, "errors": r.errors or []}
        for r in results
    ]


@router.post(
    "/institutions/{int:institution_id}/staff/{int:person_id}/phone", response={200: PhoneResetOut, **ERRORS}
)
def reset_phone(
    request: HttpRequest, institution_id: int, person_id: int, payload: PhoneResetIn
) -> dict[str, Any]:
    """Change the phone number of one of the institution's active staff, with a reason (audited)."""
    user = records.reset_practitioner_phone(
        person_id,
        acting_user=caller(request),
        institution_id=institution_id,
        phone=payload.phone,
        reason=payload.reason,
    )
    return {"person_id": person_id, "phone_verified": user.phone_verified_at is not None}
