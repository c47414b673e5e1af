"""Applications: create, read (scoped), edit, upload materials, and one endpoint per workflow action.

Handlers only parse, call the service in ``medreg.applications.services`` and render. Who may do what is
decided by the services and by ``Application.objects.for_user``; outside the caller's scope the answer
is 404. (No ``from __future__ import annotations`` here: the per-action handlers are built in a loop and
django-ninja reads their body types from real annotations.)
"""

from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status
from pydantic import Field

from medreg.api.auth import caller
from medreg.api.helpers import choice_label
from medreg.api.schemas import (
    AcceptIn,
    ApplicationCreateIn,
    ApplicationDetail,
    ApplicationPage,
    ApplicationUpdateIn,
    ApproveIn,
    AttachmentOut,
    ConfirmIn,
    CorrectionIn,
    ExtendIn,
    Problem,
    RefuseIn,
    ResubmitIn,
    ReturnIn,
    ReviewIn,
    SubmitIn,
    WithdrawIn,
)
from medreg.applications import services
from medreg.applications.choices import Action, AttachmentKind
from medreg.applications.choices import Status as AppStatus
from medreg.applications.clock import clock_view
from medreg.applications.items import get_item
from medreg.applications.models import Application, Attachment
from medreg.core.errors import DomainError, NotFound

router = Router(tags=["applications"])

MAX_LIMIT = 100
ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
_CURSOR_SALT = "medreg.api.applications.cursor"


# -- rendering ------------------------------------------------------------------------------------------------
def _item_name(code: str) -> str:
    try:
        return str(get_item(code).name)
    except DomainError:
        return code



def summary_out(app: Application) -> dict[str, Any]:
    return {
        "id": app.pk,
        "number": app.number,
        "item_code": app.item_code,
        "item_name": _item_name(app.item_code),
        "status": app.status,
        "status_label": choice_label(AppStatus, app.status),
        "person_name": app.person.name if app.person else None,
        "institution": {"id": app.institution.pk, "name": app.institution.name} if app.institution else None,
        "authority": {"id": app.authority.pk, "name": app.authority.name},
        "created_at": app.created_at,
        "submitted_at": app.submitted_at,
        "due_on": app.due_on,
    }


def detail_out(app: Application) -> dict[str, Any]:
    clock = clock_view(app, today=timezone.localdate())
    open_pause = next((p for p in app.clock_pauses.all() if p.ended_on is None), None)
    return {
        **summary_out(app),
        "form_data": app.form_data,
        "statutory_limit_days": app.statutory_limit_days,
        "received_at": app.received_at,
        "accepted_on": app.accepted_on,
        "decided_at": app.decided_at,
        "decision_reason": app.decision_reason,
        "refusal_grounds": list(app.refusal_grounds or []),
        "review_opinion": app.review_opinion,
        "correction_items": list(open_pause.items) if open_pause else [],
        "extension_days": app.extension_days,
        "extension_reason": app.extension_reason,
        "co_institution": app.co_institution.name if app.co_institution_id else None,
        "institution_confirmed_at": app.institution_confirmed_at,
        "co_institution_confirmed_at": app.co_confirmed_at,
        "clock": {
            "due_on": clock.due_on, "remaining": clock.remaining, "running": clock.running,
            "overdue": clock.overdue, "near_due": clock.near_due,
        },
        "attachments": [attachment_out(a) for a in app.attachments.all()],
        "timeline": [
            {
                "action": t.action,
                "action_label": choice_label(Action, t.action),
                "from_status": t.from_status,
                "to_status": t.to_status,
                "actor": t.actor_label,
                "comment": t.comment,
                "data": t.data or {},
                "at": t.at,
            }
            for t in app.timeline.all()
        ],
    }


def attachment_out(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk, "kind": a.kind, "kind_label": choice_label(AttachmentKind, a.kind), "original_name": a.original_name,
        "content_type": a.content_type, "size": a.size, "sha256": a.sha256, "uploaded_at": a.uploaded_at,
    }


def _visible(request: HttpRequest) -> QuerySet[Application]:
    return Application.objects.for_user(caller(request), "view").select_related("person", "institution", "authority")


def _detail(request: HttpRequest, application_id: int) -> dict[str, Any]:
    app = (
        _visible(request)
        .prefetch_related("attachments", "timeline", "clock_pauses")
        .filter(pk=application_id)
        .first()
    )
    if app is None:
        raise NotFound(_("未找到该申请。"), code="not_found")
    return detail_out(app)


# -- cursor pagination ----------------------------------------------------------------------------------------
def _encode_cursor(app: Application) -> str:
    raw = signing.dumps([app.created_at.isoformat(), app.pk], salt=_CURSOR_SALT, compress=True)
    return urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, pk = signing.loads(raw, salt=_CURSOR_SALT)
        return datetime.fromisoformat(created), int(pk)
    except (ValueError, TypeError, UnicodeDecodeError, signing.BadSignature):
        raise DomainError(_("分页游标无效，请从第一页重新开始。"), code="invalid_cursor", field="cursor") from None


class ListFilters(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    cursor: str | None = None
    status: str | None = None
    item_code: str | None = None


# -- endpoints ------------------------------------------------------------------------------------------------
@router.get("", response={200: ApplicationPage, **ERRORS})
def list_applications(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Applications the caller may see, newest first. Pass ``next_cursor`` back as ``cursor``."""
    qs = _visible(request).order_by("-created_at", "-id")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.item_code:
        qs = qs.filter(item_code=filters.item_code)
    if filters.cursor:
        created, pk = _decode_cursor(filters.cursor)
        qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk))
    rows = list(qs[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {"items": [summary_out(a) for a in rows], "next_cursor": _encode_cursor(rows[-1]) if more else None}


@router.post("", response={201: ApplicationDetail, **ERRORS})
def create_application(request: HttpRequest, payload: ApplicationCreateIn) -> Status:
    """Start a draft. ``data`` holds the item's form fields (see ``GET /items/{code}``)."""
    app = services.create_application(payload.item_code, acting_user=caller(request), data=payload.data)
    return Status(201, _detail(request, app.pk))


@router.get("/{int:application_id}", response={200: ApplicationDetail, **ERRORS})
def application_detail(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return _detail(request, application_id)


@router.patch("/{int:application_id}", response={200: ApplicationDetail, **ERRORS})
def update_application(request: HttpRequest, application_id: int, payload: ApplicationUpdateIn) -> dict[str, Any]:
    """Change form fields of a draft, a returned application or one under correction."""
    services.update_application(application_id, acting_user=caller(request), data=payload.data)
    return _detail(request, application_id)


@router.post("/{int:application_id}/attachments", response={201: AttachmentOut, **ERRORS})
def add_attachment(
    request: HttpRequest, application_id: int, kind: Form[str], file: File[UploadedFile]
) -> Status:
    """Upload one material (multipart: ``kind`` and ``file``). The type is checked by content."""
    # Read at most one byte over the limit: the service rejects it as too large without the whole
    # upload ever being held in memory.
    content = file.read(int(settings.MEDREG["UPLOAD_MAX_BYTES"]) + 1)
    att = services.add_attachment(application_id, acting_user=caller(request), kind=kind,
                                  filename=file.name or "", content=content)
    return Status(201, attachment_out(att))


# -- workflow actions -----------------------------------------------------------------------------------------
ACTIONS: dict[str, tuple[type[Schema], str]] = {
    "submit": (SubmitIn, "Submit a draft or a returned application (applicant)."),
    "withdraw": (WithdrawIn, "Withdraw before the decision (applicant)."),
    "resubmit": (ResubmitIn, "Resubmit after correcting the materials (applicant)."),
    "confirm": (ConfirmIn, "Confirm the application for the licensing authority (institution reviewer)."),
    "return": (ReturnIn, "Return the application to the applicant with a reason (institution reviewer)."),
    "correction": (CorrectionIn, "One consolidated correction notice; the clock stops (authority clerk)."),
    "accept": (AcceptIn, "Accept; the statutory clock starts (authority clerk)."),
    "review": (ReviewIn, "Record the review opinion and recommendation (authority reviewer)."),
    "approve": (ApproveIn, "Approve; the registration and the e-licence are issued (authority approver)."),
    "refuse": (RefuseIn, "Refuse with reasons and grounds (authority approver)."),
    "extend": (ExtendIn, "Extend the limit once by 10 working days, with a reason (authority approver)."),
}


def _register_action(action: str, schema: type[Schema], summary: str) -> None:
    def perform(request: HttpRequest, application_id: int, payload: Schema | None) -> dict[str, Any]:
        body = (payload or schema()).model_dump()
        services.OPERATIONS[action](application_id, acting_user=caller(request), **body)
        return _detail(request, application_id)

    def with_body(request: HttpRequest, application_id: int, payload: schema) -> dict[str, Any]:  # type: ignore[valid-type]
        return perform(request, application_id, payload)

    def body_optional(request: HttpRequest, application_id: int, payload: schema = None) -> dict[str, Any]:  # type: ignore[valid-type,assignment]
        return perform(request, application_id, payload)

    # When the action takes nothing required, an empty body (or none at all) is fine.
    run_action = with_body if any(f.is_required() for f in schema.model_fields.values()) else body_optional

    run_action.__name__ = f"action_{action}"
    run_action.__doc__ = summary
    router.post(
        f"/{{int:application_id}}/actions/{action}",
        response={200: ApplicationDetail, **ERRORS},
        summary=f"Action: {action}",
        operation_id=f"application_action_{action}",
        url_name=f"application-action-{action}",
    )(run_action)


for _name, (_schema, _summary) in ACTIONS.items():
    _register_action(_name, _schema, _summary)
