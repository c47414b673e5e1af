"""管理端 pages of 线上踏勘, 电子会商 and the practitioner–institution graph (mounted under
``/portal/authority/supervision/`` and, for sending an inspection, under the application's URL).

Views only parse input, call a service in :mod:`medreg.supervision.services` and render. Every read goes
through ``for_user``; outside the user's jurisdiction, or for supervision staff, outside their own tasks,
the answer is 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from medreg.accounts.models import User
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.core.errors import DomainError, NotFound
from medreg.institutions.models import Institution
from medreg.portals.institution._shared import form_rows
from medreg.portals.views import attachment_response, portal_required, raise_for_scope, render_domain_error
from medreg.supervision import selectors
from medreg.supervision import services as sv
from medreg.supervision.choices import CheckResult, Conclusion, FileKind, RiskKind, SubjectKind, ThreadStatus
from medreg.supervision.models import ConsultationThread, InspectionTask

NS = "portals:authority"
authority_page = portal_required("authority")


def _today() -> date:
    return timezone.localdate()


def _user(request: HttpRequest) -> User:
    """The signed-in user (``authority_page`` has already turned anonymous requests away)."""
    assert isinstance(request.user, User)
    return request.user


def _files(request: HttpRequest, name: str = "file") -> list[tuple[str, bytes]]:
    return [(f.name or "", f.read()) for f in request.FILES.getlist(name)]


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _ints(values: list[str]) -> list[int]:
    return [i for i in (_int(v) for v in values) if i is not None]


# -- 线上踏勘 ---------------------------------------------------------------------------------------------
@require_POST
@authority_page
def send_inspection(request: HttpRequest, pk: int) -> HttpResponse:
    """From the application page: send a 线上踏勘 task (clerk or reviewer of the deciding authority)."""
    app = get_object_or_404(Application.objects.for_user(request.user, "act", via="authority")
                            .exclude(status=Status.DRAFT), pk=pk)
    due_raw = request.POST.get("due_on", "").strip()
    due_on = parse_date(due_raw) if due_raw else None
    try:
        if due_raw and due_on is None:
            raise DomainError(_("请输入有效的日期（YYYY-MM-DD）。"), code="due_on", field="due_on")
        sv.send_inspection(app.pk, assignee_id=_int(request.POST.get("assignee")), acting_user=_user(request),
                           instructions=request.POST.get("instructions", ""), due_on=due_on)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        raise_for_scope(exc)
        for message in exc.messages():
            messages.error(request, message)
        return redirect(f"{NS}:application", pk=app.pk)
    messages.success(request, _("已向监管部门派发现场踏勘任务。"))
    return redirect(f"{NS}:application", pk=app.pk)


@require_GET
@authority_page
def inspection_queue(request: HttpRequest) -> HttpResponse:
    """The supervision work queue: overdue tasks first, then open ones, then recently returned."""
    today = _today()
    queue = selectors.task_queue(request.user, today=today)
    return render(request, "supervision/inspection_queue.html", {
        "section": "supervision", "today": today, **queue,
    })


def _task(request: HttpRequest, task_id: int) -> InspectionTask:
    return get_object_or_404(
        InspectionTask.objects.for_user(request.user).select_related("application__institution", "assignee", "sent_by"),
        pk=task_id,
    )


def _task_page(request: HttpRequest, task: InspectionTask, *, errors: dict[str, list[str]] | None = None,
               values: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    values = values or {}
    rows = task.result_rows()
    for row in rows:
        row["value"] = values.get(f"result_{row['code']}", row["result"])
        row["note_value"] = values.get(f"note_{row['code']}", row["note"])
        row["errors"] = (errors or {}).get(f"result_{row['code']}", []) + (errors or {}).get(f"note_{row['code']}", [])
    return render(request, "supervision/inspection_detail.html", {
        "section": "supervision", "task": task, "app": task.application, "rows": rows,
        "files": list(task.files.all()), "can_fill": task.is_open and task.assignee_id == request.user.pk,
        "form_rows": form_rows(task.application), "attachments": list(task.application.attachments.all()),
        "overdue": task.is_open and task.due_on < _today(),
        "check_results": CheckResult.choices, "conclusions": Conclusion.choices, "file_kinds": FileKind.choices,
        "errors": errors or {}, "values": values,
    }, status=status)


@require_GET
@authority_page
def inspection_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    return _task_page(request, _task(request, task_id))


@require_POST
@authority_page
def inspection_upload(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    try:
        uploads = _files(request)
        if not uploads:
            raise DomainError(_("请选择要上传的文件。"), code="required", field="file")
        for name, content in uploads:
            sv.add_inspection_file(task.pk, kind=request.POST.get("kind", ""), filename=name, content=content,
                                   acting_user=_user(request))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        errors = render_domain_error(None, exc, fields=("file", "kind"))
        return _task_page(request, _task(request, task_id), errors=errors, status=exc.status_code)
    messages.success(request, _("文件已上传。"))
    return redirect(f"{NS}:sv_inspection", task_id=task.pk)


@require_POST
@authority_page
def inspection_return(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    post = request.POST
    results = {i["code"]: {"result": post.get(f"result_{i['code']}", ""), "note": post.get(f"note_{i['code']}", "")}
               for i in task.checklist}
    try:
        sv.return_inspection(task.pk, results=results, findings=post.get("findings", ""),
                             conclusion=post.get("conclusion", ""), rectification=post.get("rectification", ""),
                             acting_user=_user(request))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        errors = render_domain_error(None, exc)
        return _task_page(request, _task(request, task_id), errors=errors, values=dict(post.items()),
                          status=exc.status_code)
    messages.success(request, _("现场踏勘结论表已回传审批部门。"))
    return redirect(f"{NS}:sv_inspection", task_id=task.pk)


@require_GET
@authority_page
def inspection_material(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """An application material, for whoever may see an inspection task of that application (the inspector
    needs the materials on site even when the application itself is decided outside their subtree)."""
    task = InspectionTask.objects.for_user(request.user).filter(application_id=pk).select_related("application").first()
    if task is None:
        raise Http404
    return attachment_response(get_object_or_404(task.application.attachments, pk=attachment_id))  # type: ignore[return-value]


@require_GET
@authority_page
def inspection_file(request: HttpRequest, task_id: int, file_id: int) -> HttpResponse:
    task = _task(request, task_id)
    return attachment_response(get_object_or_404(task.files, pk=file_id))  # type: ignore[arg-type,return-value]


# -- 电子会商 ---------------------------------------------------------------------------------------------
@require_GET
@authority_page
def consultations(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    threads = list(selectors.thread_list(request.user, status=status)[:200])
    return render(request, "supervision/consultation_list.html", {
        "section": "consultations", "threads": threads, "status": status, "statuses": ThreadStatus.choices,
    })


@require_POST
@authority_page
def consultation_open(request: HttpRequest) -> HttpResponse:
    """Open a thread from a subject's page (hidden subject_kind/subject_id) or from the list page."""
    post = request.POST
    back = post.get("next", "")
    try:
        thread = sv.open_consultation(
            post.get("subject_kind", ""), _int(post.get("subject_id")) or 0, title=post.get("title", ""),
            body=post.get("body", ""), mention_ids=_ints(post.getlist("mentions")), files=_files(request),
            acting_user=_user(request),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        raise_for_scope(exc)
        for message in exc.messages():
            messages.error(request, message)
        if back.startswith("/portal/authority/"):
            return redirect(back)
        return redirect(f"{NS}:sv_consultations")
    messages.success(request, _("会商已发起。"))
    return redirect(f"{NS}:sv_consultation", thread_id=thread.pk)


def _thread(request: HttpRequest, thread_id: int) -> ConsultationThread:
    return get_object_or_404(
        selectors.thread_list(request.user).select_related("application", "institution", "person", "closed_by"),
        pk=thread_id,
    )


def _thread_page(request: HttpRequest, thread: ConsultationThread, *, form: str = "",
                 errors: dict[str, list[str]] | None = None, values: dict[str, Any] | None = None,
                 status: int = 200) -> HttpResponse:
    msgs = list(thread.messages.select_related("author").prefetch_related("files", "mentions"))
    readers = selectors.readers_by_message(thread)
    return render(request, "supervision/consultation_detail.html", {
        "section": "consultations", "thread": thread,
        "rows": [{"message": m, "readers": readers.get(m.pk, [])} for m in msgs],
        "flags": list(thread.flags.select_related("raised_by")), "risk_kinds": RiskKind.choices,
        "form": form, "errors": errors or {}, "values": values or {},
    }, status=status)


@require_GET
@authority_page
def consultation_detail(request: HttpRequest, thread_id: int) -> HttpResponse:
    """Show a thread; viewing it records the user's read receipt."""
    thread = _thread(request, thread_id)
    sv.mark_read(thread.pk, acting_user=_user(request))
    return _thread_page(request, thread)


def _thread_action(request: HttpRequest, thread_id: int, form: str, call: Any, done: Any,
                   fields: tuple[str, ...]) -> HttpResponse:
    thread = _thread(request, thread_id)
    try:
        call(thread)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        errors = render_domain_error(None, exc, fields=fields)
        keyed = {(k if k == "__all__" else f"{form}_{k}"): v for k, v in errors.items()}
        values = {f"{form}_{k}": v for k, v in request.POST.items()}
        return _thread_page(request, _thread(request, thread_id), form=form, errors=keyed, values=values,
                            status=exc.status_code)
    messages.success(request, done)
    return redirect(f"{NS}:sv_consultation", thread_id=thread.pk)


@require_POST
@authority_page
def consultation_message(request: HttpRequest, thread_id: int) -> HttpResponse:
    return _thread_action(
        request, thread_id, "message",
        lambda t: sv.post_message(t.pk, body=request.POST.get("body", ""), acting_user=_user(request),
                                  mention_ids=_ints(request.POST.getlist("mentions")), files=_files(request)),
        _("消息已发送。"), ("body", "mentions", "file"),
    )


@require_POST
@authority_page
def consultation_flag(request: HttpRequest, thread_id: int) -> HttpResponse:
    return _thread_action(
        request, thread_id, "flag",
        lambda t: sv.raise_risk_flag(t.pk, kind=request.POST.get("kind", ""), note=request.POST.get("note", ""),
                                     acting_user=_user(request)),
        _("风险标记已推送。"), ("kind", "note"),
    )


@require_POST
@authority_page
def consultation_close(request: HttpRequest, thread_id: int) -> HttpResponse:
    return _thread_action(
        request, thread_id, "close",
        lambda t: sv.close_consultation(t.pk, conclusion=request.POST.get("conclusion", ""), acting_user=_user(request)),
        _("会商已结束。"), ("conclusion",),
    )


@require_GET
@authority_page
def consultation_file(request: HttpRequest, thread_id: int, file_id: int) -> HttpResponse:
    thread = _thread(request, thread_id)
    from medreg.supervision.models import ConsultationFile

    record = get_object_or_404(ConsultationFile.objects.filter(message__thread=thread), pk=file_id)
    return attachment_response(record)  # type: ignore[arg-type,return-value]


# -- the practitioner–institution graph ---------------------------------------------------------------------
@require_GET
@authority_page
def institution_graph(request: HttpRequest, pk: int) -> HttpResponse:
    inst = get_object_or_404(Institution.objects.for_user(request.user, "view", via="authority"), pk=pk)
    return render(request, "supervision/institution_graph.html", {
        "section": "supervision", "institution": inst, "report": selectors.graph_report(inst),
        "warnings": list(selectors.warnings_for_institution(inst, request.user, via="authority")),
        "flags": list(selectors.risk_flags_for(inst, request.user)),
        "threads": list(selectors.consultations_for(inst, request.user)),
        "subject_kind": SubjectKind.INSTITUTION, "portal": "authority",
    })


urlpatterns = [
    path("applications/<int:pk>/inspection/", send_inspection, name="sv_send_inspection"),
    path("supervision/inspections/", inspection_queue, name="sv_inspections"),
    path("supervision/inspections/<int:task_id>/", inspection_detail, name="sv_inspection"),
    path("supervision/inspections/<int:task_id>/files/", inspection_upload, name="sv_inspection_upload"),
    path("supervision/inspections/<int:task_id>/files/<int:file_id>/", inspection_file, name="sv_inspection_file"),
    path("supervision/inspections/<int:task_id>/return/", inspection_return, name="sv_inspection_return"),
    path("supervision/inspections/applications/<int:pk>/attachments/<int:attachment_id>/", inspection_material,
         name="sv_inspection_material"),
    path("supervision/consultations/", consultations, name="sv_consultations"),
    path("supervision/consultations/new/", consultation_open, name="sv_consultation_open"),
    path("supervision/consultations/<int:thread_id>/", consultation_detail, name="sv_consultation"),
    path("supervision/consultations/<int:thread_id>/messages/", consultation_message, name="sv_consultation_message"),
    path("supervision/consultations/<int:thread_id>/flag/", consultation_flag, name="sv_consultation_flag"),
    path("supervision/consultations/<int:thread_id>/close/", consultation_close, name="sv_consultation_close"),
    path("supervision/consultations/<int:thread_id>/files/<int:file_id>/", consultation_file,
         name="sv_consultation_file"),
    path("supervision/institutions/<int:pk>/graph/", institution_graph, name="sv_institution_graph"),
]
