"""Writes of the supervision app: 线上踏勘 tasks, 电子会商 threads and risk flags, and the warnings raised
for registrations affected by an institution's suspension, cancellation or 暂缓校验.

Every function is one transaction that locks the row it changes, re-checks the actor's jurisdiction with
``for_user``, writes an audit event (events 650–699) and notifies in the same transaction (the inbox row
rolls back with it; SMS are queued on commit by the notifications service).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import Role
from medreg.accounts.models import Membership
from medreg.applications import clock
from medreg.applications.choices import Status
from medreg.applications.models import Application, ClockPause
from medreg.applications.services import _check_upload
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core import calendar
from medreg.core.conf import conf
from medreg.core.errors import Conflict, DomainError, ErrorItem, NotFound, PermissionDenied
from medreg.core.scoping import scope_info
from medreg.institutions.models import Institution
from medreg.notifications import services as notify
from medreg.people.choices import RegistrationStatus
from medreg.people.models import Person, PracticeRegistration
from medreg.supervision import rules
from medreg.supervision.choices import (
    CheckResult,
    Conclusion,
    FileKind,
    InspectionStatus,
    RiskKind,
    SiteRelation,
    SubjectKind,
    ThreadStatus,
    WarningReason,
)
from medreg.supervision.models import (
    ConsultationFile,
    ConsultationMessage,
    ConsultationRead,
    ConsultationThread,
    InspectionFile,
    InspectionTask,
    RegistrationWarning,
    RiskFlag,
)

if TYPE_CHECKING:
    from medreg.accounts.models import Authority, User

SENDER_ROLES = (Role.CLERK, Role.REVIEWER)
STAFF_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISION, Role.AUTHORITY_ADMIN})
MAX_TEXT = 4000
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


# -- helpers --------------------------------------------------------------------------------------------
def _text(value: str | None, field: str, errors: list[ErrorItem], *, required: Any = None,
          limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required is not None and not value:
        errors.append(ErrorItem("required", required, field=field))
    elif len(value) > limit:
        errors.append(ErrorItem("too_long", _("最多%(max)s个字符。"), field=field, params={"max": limit}))
    return value


def application_division(app: Application) -> str:
    """Where the application's subject practises: the institution's county, else the form's division, else
    the deciding authority's division."""
    if app.institution_id and app.institution is not None:
        return app.institution.division_code
    code = str((app.form_data or {}).get("division_code") or "")
    if len(code) == 6 and code.isdigit():
        return code
    return app.authority_division_code


def _application_category(app: Application) -> str:
    if app.institution_id and app.institution is not None:
        return app.institution.category_code
    return str((app.form_data or {}).get("category_code") or "")


def _store(record: Any, content: bytes, mime: str) -> str:
    digest = hashlib.sha256(content).hexdigest()
    record.content_type, record.size, record.sha256 = mime, len(content), digest
    record.file.save(f"{digest}.{EXTENSIONS[mime]}", ContentFile(content), save=False)
    return digest


def _is_staff(user: Any) -> bool:
    info = scope_info(user)
    return info.national or any(r in STAFF_ROLES and a for r, a, _i in info.roles)


def _staff_authority(user: Any, division_code: str) -> Authority:
    """The authority ``user`` acts for on a subject in ``division_code`` (nearest covering membership)."""
    best: Authority | None = None
    for m in Membership.objects.filter(user=user, is_active=True, authority__isnull=False).select_related(
        "authority__division"
    ):
        assert m.authority is not None
        prefix = m.authority.division_prefix
        if division_code.startswith(prefix) and (best is None or len(prefix) > len(best.division_prefix)):
            best = m.authority
    if best is None:
        raise NotFound(_("未找到该记录。"), code="not_found")
    return best


def eligible_inspectors(division_code: str) -> list[User]:
    """Active supervision accounts whose authority's jurisdiction covers ``division_code``."""
    from medreg.accounts.models import User

    ids = [
        m.user_id
        for m in Membership.objects.filter(role=Role.SUPERVISION, is_active=True, authority__isnull=False,
                                           authority__is_active=True).select_related("authority__division")
        if m.authority is not None and division_code.startswith(m.authority.division_prefix)
    ]
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))


def inspection_counts_toward_clock() -> bool:
    return bool(conf("INSPECTION_COUNTS_TOWARD_CLOCK"))


# -- 线上踏勘 --------------------------------------------------------------------------------------------
@transaction.atomic
def send_inspection(
    application_id: int, *, assignee_id: int | None, acting_user: User, instructions: str = "",
    due_on: date | None = None,
) -> InspectionTask:
    """Send a 线上踏勘 task for an accepted application to a supervision account of its jurisdiction.

    Snapshots the checklist template of the institution's kind; when inspection time does not count
    toward the statutory clock (``INSPECTION_COUNTS_TOWARD_CLOCK``), opens a ClockPause ("inspection").
    Audits INSPECTION_SENT on the application and notifies the inspector.
    """
    if not Application.objects.for_user(acting_user, "act", via="authority").filter(pk=application_id).exists():
        raise NotFound(_("未找到该申请。"), code="not_found")
    app = (Application.objects.select_for_update(of=("self",)).select_related("institution", "authority")
           .get(pk=application_id))
    info = scope_info(acting_user)
    if not any(info.has_role(r, authority_id=app.authority_id) for r in SENDER_ROLES):
        raise PermissionDenied(_("只有受理或审核人员可以派发踏勘任务。"), code="missing_role")
    if app.status != Status.ACCEPTED:
        raise DomainError(_("只有已受理、审核中的申请可以派发现场踏勘。"), code="not_accepted")
    if InspectionTask.objects.filter(application=app, status=InspectionStatus.SENT).exists():
        raise Conflict(_("该申请已有未回传的踏勘任务。"), code="inspection_open")
    errors: list[ErrorItem] = []
    instructions = _text(instructions, "instructions", errors, limit=2000)
    division = application_division(app)
    inspectors = {u.pk: u for u in eligible_inspectors(division)}
    assignee = inspectors.get(assignee_id or 0)
    if assignee is None:
        errors.append(ErrorItem("assignee", _("请选择本辖区监管部门的踏勘人员。"), field="assignee"))
    today = timezone.localdate()
    if due_on is None:
        due_on = calendar.add_working_days(today, int(conf("INSPECTION_TASK_WORKING_DAYS")))
    elif due_on < today:
        errors.append(ErrorItem("due_on", _("踏勘完成期限不能早于今天。"), field="due_on"))
    if errors:
        raise DomainError(errors=errors)
    assert assignee is not None
    template = rules.template_for(_application_category(app))
    pause = None
    if not inspection_counts_toward_clock():
        pause = ClockPause.objects.create(application=app, reason="inspection", started_on=today)
    task = InspectionTask.objects.create(
        application=app, authority=app.authority, division_code=division, assignee=assignee, sent_by=acting_user,
        instructions=instructions, template_code=template["code"], template_name=template["name"],
        checklist=[{"code": i["code"], "text": i["text"]} for i in template["items"]],
        sent_at=timezone.now(), due_on=due_on, clock_pause=pause,
    )
    audit.record(EventType.INSPECTION_SENT, actor=acting_user, subject=app, authority_id=app.authority_id,
                 institution_id=app.institution_id,
                 data={"task": task.pk, "assignee": assignee.pk, "due_on": due_on.isoformat(),
                       "template": template["code"], "clock_paused": pause is not None})
    notify.notify_user(assignee, title=_("您有新的现场踏勘任务"), body=_("申请 %(number)s，请于 %(due)s 前回传踏勘结论表。"),
                       params={"number": app.number, "due": due_on.isoformat()},
                       link=f"/portal/authority/supervision/inspections/{task.pk}/")
    return task


def _lock_own_task(task_id: int, user: User) -> InspectionTask:
    if not InspectionTask.objects.for_user(user, "view").filter(pk=task_id).exists():
        raise NotFound(_("未找到该踏勘任务。"), code="not_found")
    task = InspectionTask.objects.select_for_update().get(pk=task_id)
    if task.assignee_id != user.pk:
        raise PermissionDenied(_("只有被指派的踏勘人员可以填写踏勘结论表。"), code="not_assignee")
    if task.status != InspectionStatus.SENT:
        raise DomainError(_("踏勘结论表已回传，不能再修改。"), code="inspection_returned")
    return task


@transaction.atomic
def add_inspection_file(task_id: int, *, kind: str, filename: str, content: bytes, acting_user: User) -> InspectionFile:
    """Attach a site photo (JPEG/PNG) or a document (PDF/JPEG/PNG) to an open task; checked by content."""
    task = _lock_own_task(task_id, acting_user)
    if kind not in FileKind.values:
        raise DomainError(_("请选择文件类别。"), code="required", field="kind")
    mime = _check_upload(content, images_only=kind == FileKind.PHOTO)
    record = InspectionFile(task=task, kind=kind, original_name=(filename or "file")[:200], uploaded_by=acting_user)
    digest = _store(record, content, mime)
    record.save()
    audit.record(EventType.INSPECTION_FILE_ADDED, actor=acting_user, subject=task.application,
                 authority_id=task.authority_id,
                 data={"task": task.pk, "file": record.pk, "kind": kind, "sha256": digest, "size": len(content)})
    return record


def _archive_digest(task: InspectionTask) -> str:
    payload = {
        "task": task.pk, "application": task.application_id, "template": task.template_code,
        "checklist": task.checklist, "results": task.results, "findings": task.findings,
        "conclusion": task.conclusion, "rectification": task.rectification,
        "files": sorted(task.files.values_list("sha256", flat=True)),
        "returned_at": task.returned_at.isoformat() if task.returned_at else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@transaction.atomic
def return_inspection(
    task_id: int, *, results: dict[str, dict[str, str]], findings: str, conclusion: str, acting_user: User,
    rectification: str = "",
) -> InspectionTask:
    """Return the completed 《现场踏勘结论表》: every checklist item judged, findings, conclusion.

    The form is then archived with the application (immutable, with a content digest). An inspection
    ClockPause ends and the application's due date moves by the paused working days. Audits
    INSPECTION_RETURNED on the application and notifies the sender and the approval staff.
    """
    task = _lock_own_task(task_id, acting_user)
    errors: list[ErrorItem] = []
    clean_results = []
    for item in task.checklist:
        entry = results.get(item["code"]) or {}
        result = str(entry.get("result") or "")
        note = str(entry.get("note") or "").strip()[:500]
        if result not in CheckResult.values:
            errors.append(ErrorItem("result_required", _("请判定踏勘项目：%(item)s"), field=f"result_{item['code']}",
                                    params={"item": item["text"]}))
        elif result == CheckResult.NONCONFORMING and not note:
            errors.append(ErrorItem("note_required", _("不符合的项目须说明情况：%(item)s"),
                                    field=f"note_{item['code']}", params={"item": item["text"]}))
        clean_results.append({"code": item["code"], "result": result, "note": note})
    findings = _text(findings, "findings", errors, required=_("请填写踏勘发现的情况。"))
    rectification = _text(rectification, "rectification", errors)
    if conclusion not in Conclusion.values:
        errors.append(ErrorItem("conclusion", _("请选择踏勘结论：合格、整改后合格或不合格。"), field="conclusion"))
    else:
        has_nonconforming = any(r["result"] == CheckResult.NONCONFORMING for r in clean_results)
        if conclusion == Conclusion.PASSED and has_nonconforming:
            errors.append(ErrorItem("conclusion_mismatch", _("有不符合项时，结论不能为“合格”。"), field="conclusion"))
        if conclusion == Conclusion.PASSED_AFTER_RECTIFICATION and not rectification:
            errors.append(ErrorItem("required", _("结论为整改后合格时，须写明整改要求及整改情况。"),
                                    field="rectification"))
    if conf("INSPECTION_PHOTO_REQUIRED") and not task.files.filter(kind=FileKind.PHOTO).exists():
        errors.append(ErrorItem("photo_required", _("请至少上传一张现场照片。"), field="files"))
    if errors:
        raise DomainError(errors=errors)
    app = Application.objects.select_for_update().get(pk=task.application_id)
    today = timezone.localdate()
    task.results, task.findings, task.conclusion, task.rectification = clean_results, findings, conclusion, rectification
    task.status, task.returned_at = InspectionStatus.RETURNED, timezone.now()
    paused_days = 0
    if task.clock_pause_id:
        pause = ClockPause.objects.select_for_update().get(pk=task.clock_pause_id)
        if pause.ended_on is None:
            pause.ended_on = today
            pause.save(update_fields=["ended_on"])
            paused_days = calendar.working_days_between(pause.started_on, today)
            if app.accepted_on is not None and app.status not in (Status.APPROVED, Status.REFUSED, Status.WITHDRAWN):
                app.paused_working_days += paused_days
                app.due_on = clock.compute_due_on(app)
                app.save(update_fields=["paused_working_days", "due_on", "updated_at"])
    task.archive_sha256 = _archive_digest(task)
    task.save(update_fields=["results", "findings", "conclusion", "rectification", "status", "returned_at",
                             "archive_sha256"])
    audit.record(EventType.INSPECTION_RETURNED, actor=acting_user, subject=app, authority_id=app.authority_id,
                 institution_id=app.institution_id,
                 data={"task": task.pk, "conclusion": conclusion, "sha256": task.archive_sha256,
                       "paused_working_days": paused_days})
    link = f"/portal/authority/applications/{app.pk}/"
    title = _("现场踏勘结论表已回传")
    body = format_lazy("{} {}：{}", app.number, _("踏勘结论"), Conclusion(conclusion).label)
    notify.notify_user(task.sent_by, title=title, body=body, link=link)
    notify.notify_authority_staff(app.authority, roles={Role.REVIEWER, Role.APPROVER}, title=title, body=body,
                                  link=link)
    return task


# -- 电子会商 --------------------------------------------------------------------------------------------
def _subject(kind: str, subject_id: int, user: User) -> tuple[Any, str, str]:
    """(object, division code, label) of a subject the user may view as authority staff, else 404."""
    if kind == SubjectKind.APPLICATION:
        app = (Application.objects.for_user(user, "view", via="authority").exclude(status=Status.DRAFT)
               .select_related("institution").filter(pk=subject_id).first())
        if app is not None:
            return app, application_division(app), f"{app.number} {app.item.name}"
    elif kind == SubjectKind.INSTITUTION:
        inst = Institution.objects.for_user(user, "view", via="authority").filter(pk=subject_id).first()
        if inst is not None:
            return inst, inst.division_code, inst.name
    elif kind == SubjectKind.PERSON:
        person = Person.objects.for_user(user, "view", via="authority").filter(pk=subject_id).first()
        if person is not None:
            return person, _person_division(person), person.name
    raise NotFound(_("未找到该会商对象。"), code="not_found")


def _person_division(person: Person) -> str:
    reg = (PracticeRegistration.objects.filter(person=person).select_related("main_institution")
           .order_by(models.Case(models.When(status=RegistrationStatus.ACTIVE, then=0), default=1), "-registered_on")
           .first())
    if reg is not None:
        return str(reg.main_institution.division_code)
    aff = person.affiliations.select_related("institution").order_by("-requested_at").first()
    return aff.institution.division_code if aff is not None else ""


def _subject_ref(thread: ConsultationThread) -> tuple[str, int]:
    labels = {"application": "applications.application", "institution": "institutions.institution",
              "person": "people.person"}
    kind, pk = thread.subject_ref()
    return labels[kind], pk


def _thread_audit(event: EventType, thread: ConsultationThread, user: User | None, data: dict[str, Any]) -> None:
    institution_id = thread.institution_id
    if thread.application_id and thread.application is not None:
        institution_id = thread.application.institution_id
    audit.record(event, actor=user, subject=_subject_ref(thread), authority_id=thread.authority_id,
                 institution_id=institution_id, data={"thread": thread.pk, **data})


MENTION_RE = re.compile(r"@([A-Za-z0-9_.\-]+)")


def _resolve_mentions(thread: ConsultationThread, body: str, mention_ids: list[int], author: User,
                      errors: list[ErrorItem]) -> list[User]:
    """Users mentioned by ``@login`` in the text or by id; each must be staff who can see the thread."""
    from medreg.accounts.models import User

    names = set(MENTION_RE.findall(body))
    found = list(User.objects.filter(models.Q(username__in=sorted(names)) | models.Q(pk__in=mention_ids)))
    ok: dict[int, User] = {}
    for user in found:
        if user.pk != author.pk and _is_staff(user) and ConsultationThread.objects.for_user(user).filter(
            pk=thread.pk
        ).exists():
            ok[user.pk] = user
    # Name what was asked for as it was asked (a login typed, or an id), never another account's login.
    allowed_names = {u.username for u in ok.values()} | {author.username}
    refused = sorted(n for n in names if n not in allowed_names)
    refused += [str(i) for i in sorted(set(mention_ids)) if i not in ok and i != author.pk]
    if refused:
        errors.append(ErrorItem("mention", _("不能提及以下人员（不存在或无权查看本会商）：%(names)s"), field="mentions",
                                params={"names": "、".join(refused)}))
    return list(ok.values())


def _post(thread: ConsultationThread, *, body: str, mention_ids: list[int], files: list[tuple[str, bytes]],
          acting_user: User, errors: list[ErrorItem]) -> ConsultationMessage | None:
    body = _text(body, "body", errors, required=_("请填写会商内容。"))
    mentioned = _resolve_mentions(thread, body, mention_ids, acting_user, errors) if body else []
    checked: list[tuple[str, bytes, str]] = []
    for name, content in files:
        try:
            checked.append((name, content, _check_upload(content, images_only=False)))
        except DomainError as exc:
            errors.extend(exc.errors)
    if errors:
        return None
    msg = ConsultationMessage.objects.create(thread=thread, author=acting_user, body=body, created_at=timezone.now())
    msg.mentions.set(mentioned)
    digests = []
    for name, content, mime in checked:
        f = ConsultationFile(message=msg, original_name=(name or "file")[:200], uploaded_by=acting_user)
        digests.append(_store(f, content, mime))
        f.save()
    _mark_read(thread, acting_user, msg.pk, audit_it=False)
    _thread_audit(EventType.CONSULTATION_MESSAGE_POSTED, thread, acting_user,
                  {"message": msg.pk, "mentions": [u.pk for u in mentioned], "files": digests})
    link = f"/portal/authority/supervision/consultations/{thread.pk}/"
    for user in mentioned:
        notify.notify_user(user, title=_("有人在会商中提及了您"), body=format_lazy("{}：{}", thread.title, body[:200]),
                           link=link)
    return msg


@transaction.atomic
def open_consultation(
    subject_kind: str, subject_id: int, *, title: str, body: str, acting_user: User,
    mention_ids: list[int] | None = None, files: list[tuple[str, bytes]] | None = None,
) -> ConsultationThread:
    """Open an 电子会商 thread on an application, institution or practitioner, with its first message.

    Approval and supervision staff only; the subject must be in the opener's jurisdiction (else 404).
    Audits CONSULTATION_OPENED (and the first message) on the subject.
    """
    if not _is_staff(acting_user):
        raise NotFound(_("未找到该会商对象。"), code="not_found")
    if subject_kind not in SubjectKind.values:
        raise DomainError(_("请选择会商对象。"), code="required", field="subject_kind")
    obj, division, label = _subject(subject_kind, subject_id, acting_user)
    errors: list[ErrorItem] = []
    title = _text(title, "title", errors, required=_("请填写会商主题。"), limit=200)
    if not (body or "").strip():
        errors.append(ErrorItem("required", _("请填写会商内容。"), field="body"))
    if errors:
        raise DomainError(errors=errors)
    authority = _staff_authority(acting_user, division)
    thread = ConsultationThread.objects.create(
        subject_kind=subject_kind, division_code=division, authority=authority, title=title,
        subject_label=label[:200], opened_by=acting_user, opened_at=timezone.now(),
        **{subject_kind: obj},
    )
    _thread_audit(EventType.CONSULTATION_OPENED, thread, acting_user, {"title": title, "kind": subject_kind})
    _post(thread, body=body, mention_ids=mention_ids or [], files=files or [], acting_user=acting_user, errors=errors)
    if errors:
        raise DomainError(errors=errors)
    return thread


def _lock_thread(thread_id: int, user: User, *, open_only: bool = True) -> ConsultationThread:
    if not _is_staff(user) or not ConsultationThread.objects.for_user(user).filter(pk=thread_id).exists():
        raise NotFound(_("未找到该会商。"), code="not_found")
    thread = (ConsultationThread.objects.select_for_update(of=("self",)).select_related("application")
              .get(pk=thread_id))
    if open_only and thread.status != ThreadStatus.OPEN:
        raise DomainError(_("会商已结束，不能再发言或标记风险。"), code="thread_closed")
    return thread


@transaction.atomic
def post_message(
    thread_id: int, *, body: str, acting_user: User, mention_ids: list[int] | None = None,
    files: list[tuple[str, bytes]] | None = None,
) -> ConsultationMessage:
    """Post a message (with files and @-mentions) to an open thread; mentioned staff are notified."""
    thread = _lock_thread(thread_id, acting_user)
    errors: list[ErrorItem] = []
    msg = _post(thread, body=body, mention_ids=mention_ids or [], files=files or [], acting_user=acting_user,
                errors=errors)
    if errors or msg is None:
        raise DomainError(errors=errors)
    return msg


def _mark_read(thread: ConsultationThread, user: User, last_id: int, *, audit_it: bool) -> bool:
    receipt, created = ConsultationRead.objects.select_for_update().get_or_create(
        thread=thread, user=user, defaults={"last_message_id": last_id, "read_at": timezone.now()}
    )
    if not created:
        if receipt.last_message_id >= last_id:
            return False
        receipt.last_message_id, receipt.read_at = last_id, timezone.now()
        receipt.save(update_fields=["last_message_id", "read_at"])
    if audit_it:
        _thread_audit(EventType.CONSULTATION_READ, thread, user, {"up_to": last_id})
    return True


@transaction.atomic
def mark_read(thread_id: int, *, acting_user: User) -> bool:
    """Record a read receipt up to the thread's latest message. Audited only when it advances."""
    thread = _lock_thread(thread_id, acting_user, open_only=False)
    last = thread.messages.order_by("-pk").values_list("pk", flat=True).first()
    if last is None:
        return False
    return _mark_read(thread, acting_user, last, audit_it=True)


@transaction.atomic
def raise_risk_flag(thread_id: int, *, kind: str, note: str, acting_user: User) -> RiskFlag:
    """Raise a 审批风险 or 监管处罚 flag in a thread; it shows on the subject's pages for both departments."""
    thread = _lock_thread(thread_id, acting_user)
    errors: list[ErrorItem] = []
    if kind not in RiskKind.values:
        errors.append(ErrorItem("required", _("请选择风险类型：审批风险或监管处罚。"), field="kind"))
    note = _text(note, "note", errors, required=_("请说明风险情况。"), limit=2000)
    if errors:
        raise DomainError(errors=errors)
    subject = {"application": None, "institution": None, "person": None}
    kind_name, _pk = thread.subject_ref()
    subject[kind_name] = getattr(thread, kind_name)
    flag = RiskFlag.objects.create(thread=thread, kind=kind, note=note, division_code=thread.division_code,
                                   authority=thread.authority, raised_by=acting_user, raised_at=timezone.now(),
                                   **subject)
    _thread_audit(EventType.RISK_FLAG_RAISED, thread, acting_user, {"flag": flag.pk, "kind": kind, "note": note})
    staff = {m.user for m in Membership.objects.filter(
        authority=thread.authority, is_active=True, role__in=sorted(STAFF_ROLES)).select_related("user")}
    for user in staff:
        if user.pk != acting_user.pk:
            notify.notify_user(user, title=format_lazy("{}：{}", RiskKind(kind).label, thread.subject_label),
                               body=note[:200], link=f"/portal/authority/supervision/consultations/{thread.pk}/")
    return flag


@transaction.atomic
def close_consultation(thread_id: int, *, conclusion: str, acting_user: User) -> ConsultationThread:
    """Close a thread with its written conclusion (required). Audits CONSULTATION_CLOSED on the subject."""
    thread = _lock_thread(thread_id, acting_user)
    errors: list[ErrorItem] = []
    conclusion = _text(conclusion, "conclusion", errors, required=_("结束会商须填写会商结论。"))
    if errors:
        raise DomainError(errors=errors)
    thread.status, thread.conclusion = ThreadStatus.CLOSED, conclusion
    thread.closed_by, thread.closed_at = acting_user, timezone.now()
    thread.save(update_fields=["status", "conclusion", "closed_by", "closed_at"])
    _thread_audit(EventType.CONSULTATION_CLOSED, thread, acting_user, {"conclusion": conclusion})
    participants = {m.author for m in thread.messages.select_related("author")} | {thread.opened_by}
    for user in participants:
        if user.pk != acting_user.pk:
            notify.notify_user(user, title=_("会商已结束"), body=format_lazy("{}：{}", thread.title, conclusion[:200]),
                               link=f"/portal/authority/supervision/consultations/{thread.pk}/")
    return thread


# -- the practitioner–institution graph: affected registrations -------------------------------------------
def _filed_sites(institution: Institution) -> list[Any]:
    """Active 备案 sites at ``institution``."""
    from medreg.people.models import PracticeSite

    return list(PracticeSite.objects.filter(institution=institution, kind="filed", status="active",
                                            registration__status=RegistrationStatus.ACTIVE)
                .select_related("registration__authority", "registration__person"))


@transaction.atomic
def flag_affected_registrations(
    institution_id: int, *, acting_user: User | None, reason: str, note: str = ""
) -> list[RegistrationWarning]:
    """Flag every active registration whose main or 备案 institution was suspended, cancelled or put on
    暂缓校验, with the actions the practitioner and the authority must take.

    Safe to call twice (an existing warning for the same registration, institution and reason is kept).
    Audits REGISTRATIONS_FLAGGED on the institution and notifies each practitioner and each deciding
    authority's clerks and supervision staff. ``acting_user`` None is a system job.
    """
    if reason not in WarningReason.values:
        raise DomainError(_("未知的机构状态变化。"), code="reason", field="reason")
    if acting_user is not None and not Institution.objects.for_user(acting_user, "act", via="authority").filter(
        pk=institution_id
    ).exists():
        raise NotFound(_("未找到该医疗机构。"), code="not_found")
    inst = Institution.objects.select_for_update().get(pk=institution_id)
    targets: list[tuple[PracticeRegistration, str, int | None]] = [
        (reg, SiteRelation.MAIN, None)
        for reg in PracticeRegistration.objects.filter(main_institution=inst, status=RegistrationStatus.ACTIVE)
        .select_related("authority", "person")
    ]
    targets += [(site.registration, SiteRelation.FILED, site.pk) for site in _filed_sites(inst)]
    existing = set(RegistrationWarning.objects.filter(institution=inst, reason=reason)
                   .values_list("registration_id", flat=True))
    created: list[RegistrationWarning] = []
    now = timezone.now()
    for reg, relation, site_id in targets:
        if reg.pk in existing:
            continue
        existing.add(reg.pk)
        created.append(RegistrationWarning.objects.create(
            registration=reg, person=reg.person, institution=inst, relation=relation, site_id=site_id,
            reason=reason, note=(note or "").strip()[:2000],
            person_actions=rules.PERSON_ACTIONS[(relation, reason)],
            authority_actions=rules.AUTHORITY_ACTIONS[(relation, reason)],
            authority=reg.authority, division_code=reg.authority_division_code, flagged_by=acting_user, flagged_at=now,
        ))
    audit.record(EventType.REGISTRATIONS_FLAGGED, actor=acting_user, subject=inst,
                 authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                 data={"reason": reason, "warnings": [w.pk for w in created],
                       "registrations": [w.registration_id for w in created]})
    label = WarningReason(reason).label
    for w in created:
        user = getattr(w.person, "user", None)
        notify.notify_user(user, title=format_lazy("{}：{}", label, inst.name),
                           body="；".join(rules.action_labels(w.person_actions)), link="/portal/me/")
    authorities = {w.authority_id: w.authority for w in created}
    for authority in authorities.values():
        count = sum(1 for w in created if w.authority_id == authority.pk)
        notify.notify_authority_staff(
            authority, roles={Role.CLERK, Role.SUPERVISION},
            title=format_lazy("{}：{}", label, inst.name),
            body=_("%(count)s 名执业人员的注册受影响，请核查处理。"), params={"count": count},
            link=f"/portal/authority/supervision/institutions/{inst.pk}/graph/",
        )
    return created
