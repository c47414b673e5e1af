"""线上踏勘, 电子会商 and the practitioner–institution graph, for authority staff.

Handlers only parse, call :mod:`medreg.supervision.services` and render. Reads go through ``for_user``:
supervision staff see only the inspection tasks sent to them; institution staff and individuals see
nothing here (404). Outside the caller's jurisdiction the answer is 404.
"""

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status
from pydantic import Field

from medreg.api.auth import caller
from medreg.api.helpers import not_found
from medreg.api.schemas import Problem
from medreg.applications.models import Application
from medreg.core.errors import DomainError
from medreg.institutions.models import Institution
from medreg.people.models import Person
from medreg.supervision import selectors
from medreg.supervision import services as sv
from medreg.supervision.models import (
    ConsultationThread,
    InspectionFile,
    InspectionTask,
    RegistrationWarning,
    RiskFlag,
)

router = Router(tags=["supervision"])
ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}


# -- schemas ----------------------------------------------------------------------------------------------
class InspectionIn(Schema):
    application_id: int
    assignee_id: int
    due_on: date | None = None
    instructions: str = Field("", max_length=2000)


class CheckIn(Schema):
    result: str = Field("", description="conforms | nonconforming | na")
    note: str = Field("", max_length=500)


class ReturnIn(Schema):
    results: dict[str, CheckIn] = Field(description="One entry per checklist item code")
    findings: str = Field("", max_length=4000)
    conclusion: str = Field("", description="passed | rectified | failed")
    rectification: str = Field("", max_length=4000)


class FileOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str


class CheckOut(Schema):
    code: str
    text: str
    result: str
    note: str


class InspectionOut(Schema):
    id: int
    application_id: int
    application_number: str
    status: str
    assignee: str
    sent_by: str
    sent_at: datetime
    due_on: date
    overdue: bool
    template_code: str
    template_name: str
    instructions: str
    checklist: list[CheckOut]
    findings: str
    conclusion: str
    rectification: str
    returned_at: datetime | None
    archive_sha256: str
    files: list[FileOut]


class QueueFilters(Schema):
    status: str = Field("", description="sent | returned")
    overdue: bool = False


class ThreadIn(Schema):
    subject_kind: str = Field(description="application | institution | person")
    subject_id: int
    title: str = Field("", max_length=200)
    body: str = Field("", max_length=4000)
    mention_ids: list[int] = []


class MessageIn(Schema):
    body: str = Field("", max_length=4000)
    mention_ids: list[int] = []


class FlagIn(Schema):
    kind: str = Field("", description="approval_risk | supervision_penalty")
    note: str = Field("", max_length=2000)


class CloseIn(Schema):
    conclusion: str = Field("", max_length=4000)


class MessageOut(Schema):
    id: int
    author: str
    body: str
    created_at: datetime
    mentions: list[str]
    read_by: list[str]
    files: list[FileOut]


class FlagOut(Schema):
    id: int
    kind: str
    note: str
    thread_id: int
    raised_by: str
    raised_at: datetime


class ThreadOut(Schema):
    id: int
    subject_kind: str
    subject_id: int
    subject_label: str
    title: str
    status: str
    authority: str
    opened_by: str
    opened_at: datetime
    conclusion: str
    closed_at: datetime | None
    messages: list[MessageOut] = []
    flags: list[FlagOut] = []


class ThreadFilters(Schema):
    status: str = ""


class FlagFilters(Schema):
    application: int | None = None
    institution: int | None = None
    person: int | None = None


class SubjectOut(Schema):
    code: str
    name: str
    physicians: list[str]
    covered: bool


class PhysicianOut(Schema):
    registration_id: int
    name: str
    relation: str
    scopes: list[str]
    unoffered: list[str]


class WarningOut(Schema):
    id: int
    registration_id: int
    person_name: str
    relation: str
    reason: str
    person_actions: list[str]
    authority_actions: list[str]
    flagged_at: datetime


class GraphOut(Schema):
    institution_id: int
    subjects: list[SubjectOut]
    physicians: list[PhysicianOut]
    uncovered_subjects: list[str]
    physicians_outside_scope: list[int]
    warnings: list[WarningOut]


# -- rendering --------------------------------------------------------------------------------------------
def _file_out(f: Any) -> dict[str, Any]:
    return {"id": f.pk, "kind": getattr(f, "kind", "document"), "name": f.original_name,
            "content_type": f.content_type, "size": f.size, "sha256": f.sha256}


def _task_out(task: InspectionTask) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "id": task.pk, "application_id": task.application_id, "application_number": task.application.number,
        "status": task.status, "assignee": str(task.assignee), "sent_by": str(task.sent_by), "sent_at": task.sent_at,
        "due_on": task.due_on, "overdue": task.is_open and task.due_on < timezone.localdate(),
        "template_code": task.template_code, "template_name": task.template_name, "instructions": task.instructions,
        "checklist": [{"code": r["code"], "text": r["text"], "result": r["result"], "note": r["note"]}
                      for r in task.result_rows()],
        "findings": task.findings, "conclusion": task.conclusion, "rectification": task.rectification,
        "returned_at": task.returned_at, "archive_sha256": task.archive_sha256,
        "files": [_file_out(f) for f in task.files.all()],
    }


def _tasks(request: HttpRequest) -> Any:
    return InspectionTask.objects.for_user(caller(request)).select_related("application", "assignee", "sent_by")


def _task(request: HttpRequest, task_id: int) -> dict[str, Any]:
    task = _tasks(request).filter(pk=task_id).first()
    if task is None:
        raise not_found()
    return _task_out(task)


def _flag_out(f: RiskFlag) -> dict[str, Any]:
    return {"id": f.pk, "kind": f.kind, "note": f.note, "thread_id": f.thread_id, "raised_by": str(f.raised_by),
            "raised_at": f.raised_at}


def _thread_out(t: ConsultationThread, *, full: bool = False) -> dict[str, Any]:
    kind, pk = t.subject_ref()
    out: dict[str, Any] = {
        "id": t.pk, "subject_kind": kind, "subject_id": pk, "subject_label": t.subject_label, "title": t.title,
        "status": t.status, "authority": str(t.authority), "opened_by": str(t.opened_by), "opened_at": t.opened_at,
        "conclusion": t.conclusion, "closed_at": t.closed_at,
    }
    if full:
        readers = selectors.readers_by_message(t)
        out["messages"] = [
            {"id": m.pk, "author": str(m.author), "body": m.body, "created_at": m.created_at,
             "mentions": [u.username for u in m.mentions.all()], "read_by": readers.get(m.pk, []),
             "files": [_file_out(f) for f in m.files.all()]}
            for m in t.messages.select_related("author").prefetch_related("mentions", "files")
        ]
        out["flags"] = [_flag_out(f) for f in t.flags.select_related("raised_by")]
    return out


def _thread(request: HttpRequest, thread_id: int) -> dict[str, Any]:
    thread = selectors.thread_list(caller(request)).filter(pk=thread_id).first()
    if thread is None:
        raise not_found()
    return _thread_out(thread, full=True)


def _warning_out(w: RegistrationWarning) -> dict[str, Any]:
    return {"id": w.pk, "registration_id": w.registration_id, "person_name": w.person.name, "relation": w.relation,
            "reason": w.reason, "person_actions": w.person_action_labels,
            "authority_actions": w.authority_action_labels, "flagged_at": w.flagged_at}


# -- 线上踏勘 -----------------------------------------------------------------------------------------------
@router.get("/inspections", response={200: list[InspectionOut], **ERRORS})
def list_inspections(request: HttpRequest, filters: Query[QueueFilters]) -> list[dict[str, Any]]:
    """The caller's inspection tasks (supervision staff: only theirs; approval staff: their jurisdiction)."""
    from django.utils import timezone

    qs = _tasks(request).prefetch_related("files").order_by("due_on", "pk")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overdue:
        qs = qs.filter(status="sent", due_on__lt=timezone.localdate())
    return [_task_out(t) for t in qs[:200]]


@router.post("/inspections", response={201: InspectionOut, **ERRORS})
def send_inspection(request: HttpRequest, payload: InspectionIn) -> Status:
    """Send a 线上踏勘 task for an accepted application (clerk or reviewer of the deciding authority)."""
    task = sv.send_inspection(payload.application_id, assignee_id=payload.assignee_id, acting_user=caller(request),
                              instructions=payload.instructions, due_on=payload.due_on)
    return Status(201, _task(request, task.pk))


@router.get("/inspections/{int:task_id}", response={200: InspectionOut, **ERRORS})
def inspection_detail(request: HttpRequest, task_id: int) -> dict[str, Any]:
    return _task(request, task_id)


@router.post("/inspections/{int:task_id}/files", response={201: FileOut, **ERRORS})
def add_inspection_file(request: HttpRequest, task_id: int, kind: Form[str], file: File[UploadedFile]) -> Status:
    """Upload a site photo (``kind=photo``: JPEG/PNG) or a document (``kind=document``); the assignee only."""
    content = file.read(int(settings.MEDREG["UPLOAD_MAX_BYTES"]) + 1)
    record: InspectionFile = sv.add_inspection_file(task_id, kind=kind, filename=file.name or "", content=content,
                                                    acting_user=caller(request))
    return Status(201, _file_out(record))


@router.post("/inspections/{int:task_id}/return", response={200: InspectionOut, **ERRORS})
def return_inspection(request: HttpRequest, task_id: int, payload: ReturnIn) -> dict[str, Any]:
    """Return the completed 《现场踏勘结论表》 (the assignee only)."""
    sv.return_inspection(task_id, results={k: v.dict() for k, v in payload.results.items()},
                         findings=payload.findings, conclusion=payload.conclusion,
                         rectification=payload.rectification, acting_user=caller(request))
    return _task(request, task_id)


# -- 电子会商 -----------------------------------------------------------------------------------------------
@router.get("/consultations", response={200: list[ThreadOut], **ERRORS})
def list_consultations(request: HttpRequest, filters: Query[ThreadFilters]) -> list[dict[str, Any]]:
    return [_thread_out(t) for t in selectors.thread_list(caller(request), status=filters.status)[:200]]


@router.post("/consultations", response={201: ThreadOut, **ERRORS})
def open_consultation(request: HttpRequest, payload: ThreadIn) -> Status:
    """Open a thread on an application, an institution or a practitioner, with its first message."""
    thread = sv.open_consultation(payload.subject_kind, payload.subject_id, title=payload.title, body=payload.body,
                                  mention_ids=payload.mention_ids, acting_user=caller(request))
    return Status(201, _thread(request, thread.pk))


@router.get("/consultations/{int:thread_id}", response={200: ThreadOut, **ERRORS})
def consultation_detail(request: HttpRequest, thread_id: int) -> dict[str, Any]:
    return _thread(request, thread_id)


@router.post("/consultations/{int:thread_id}/messages", response={201: ThreadOut, **ERRORS})
def post_message(request: HttpRequest, thread_id: int, payload: MessageIn) -> Status:
    sv.post_message(thread_id, body=payload.body, mention_ids=payload.mention_ids, acting_user=caller(request))
    return Status(201, _thread(request, thread_id))


@router.post("/consultations/{int:thread_id}/files", response={201: ThreadOut, **ERRORS})
def post_file(request: HttpRequest, thread_id: int, body: Form[str], file: File[UploadedFile]) -> Status:
    """Post a message with one attached file (multipart: ``body`` and ``file``; PDF, JPEG or PNG by content)."""
    content = file.read(int(settings.MEDREG["UPLOAD_MAX_BYTES"]) + 1)
    sv.post_message(thread_id, body=body, files=[(file.name or "", content)], acting_user=caller(request))
    return Status(201, _thread(request, thread_id))


@router.post("/consultations/{int:thread_id}/read", response={200: ThreadOut, **ERRORS})
def mark_read(request: HttpRequest, thread_id: int) -> dict[str, Any]:
    """Record the caller's read receipt up to the latest message."""
    sv.mark_read(thread_id, acting_user=caller(request))
    return _thread(request, thread_id)


@router.post("/consultations/{int:thread_id}/flags", response={201: FlagOut, **ERRORS})
def raise_flag(request: HttpRequest, thread_id: int, payload: FlagIn) -> Status:
    flag = sv.raise_risk_flag(thread_id, kind=payload.kind, note=payload.note, acting_user=caller(request))
    return Status(201, _flag_out(flag))


@router.post("/consultations/{int:thread_id}/close", response={200: ThreadOut, **ERRORS})
def close_consultation(request: HttpRequest, thread_id: int, payload: CloseIn) -> dict[str, Any]:
    sv.close_consultation(thread_id, conclusion=payload.conclusion, acting_user=caller(request))
    return _thread(request, thread_id)


@router.get("/risk-flags", response={200: list[FlagOut], **ERRORS})
def risk_flags(request: HttpRequest, filters: Query[FlagFilters]) -> list[dict[str, Any]]:
    """Risk flags on one subject (give exactly one of application, institution, person)."""
    user = caller(request)
    chosen = [(k, v) for k, v in (("application", filters.application), ("institution", filters.institution),
                                  ("person", filters.person)) if v is not None]
    if len(chosen) != 1:
        from django.utils.translation import gettext_lazy as _

        raise DomainError(_("请指定一个会商对象。"), code="subject", field="subject")
    kind, pk = chosen[0]
    model: Any = {"application": Application, "institution": Institution, "person": Person}[kind]
    subject = model.objects.filter(pk=pk).first()
    # Visible: the subject itself, or a consultation about it (supervision staff of a county see threads on
    # applications decided by the city).
    if subject is None or not (
        model.objects.for_user(user, "view", via="authority").filter(pk=pk).exists()
        or ConsultationThread.objects.for_user(user).filter(**{kind: subject}).exists()
    ):
        raise not_found()
    return [_flag_out(f) for f in selectors.risk_flags_for(subject, user)]


# -- the practitioner–institution graph ----------------------------------------------------------------------
@router.get("/institutions/{int:institution_id}/graph", response={200: GraphOut, **ERRORS})
def institution_graph(request: HttpRequest, institution_id: int) -> dict[str, Any]:
    """诊疗科目 vs the physicians' 执业范围, and the registration warnings (authority staff and the
    institution's own staff)."""
    user = caller(request)
    inst = Institution.objects.for_user(user, "view").filter(pk=institution_id).first()
    if inst is None:
        raise not_found()
    report = selectors.graph_report(inst)
    return {
        "institution_id": inst.pk,
        "subjects": [{"code": s.code, "name": s.name, "physicians": s.physicians, "covered": s.covered}
                     for s in report.subjects],
        "physicians": [{"registration_id": p.registration_id, "name": p.name, "relation": p.relation,
                        "scopes": p.scopes, "unoffered": p.unoffered} for p in report.physicians],
        "uncovered_subjects": [s.code for s in report.uncovered],
        "physicians_outside_scope": [p.registration_id for p in report.outside_scope],
        "warnings": [_warning_out(w) for w in selectors.warnings_for_institution(inst, user)],
    }
