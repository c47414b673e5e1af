"""Writes on applications. Every move is one transaction that locks the row, re-checks the guard
against the transition table, checks the actor's role and jurisdiction, writes the timeline and the
audit event, and schedules notifications after commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import Role
from medreg.applications import clock
from medreg.applications.choices import OPEN, TRANSITIONS, Action, AttachmentKind, Stage, Status
from medreg.applications.items import get_item
from medreg.applications.models import Application, Attachment, ClockPause, TimelineEntry
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core import calendar
from medreg.core.conf import conf
from medreg.core.errors import DomainError, ErrorItem, NotFound, PermissionDenied
from medreg.core.models import Counter
from medreg.core.scoping import scope_info
from medreg.core.workflow import assert_can_transition
from medreg.notifications import services as notify

if TYPE_CHECKING:
    from medreg.accounts.models import User

INSTITUTION_ROLES = {Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER}


# -- helpers ----------------------------------------------------------------------------------------
def _not_found() -> NotFound:
    return NotFound(_("未找到该申请。"), code="not_found")


def _lock(application_id: int, user: User | None, action: str = "view") -> Application:
    """Lock the row, but only if the actor may see it at all (else 404, existence does not leak)."""
    qs = Application.objects.for_user(user, "view") if action == "view" else Application.objects.for_user(user, "act")
    if not qs.filter(pk=application_id).exists():
        raise _not_found()
    return Application.objects.select_for_update().get(pk=application_id)


def _require_applicant(app: Application, user: User | None) -> None:
    if user is None or app.applicant_id != user.pk:
        raise PermissionDenied(_("只有申请人本人可以执行此操作。"), code="not_applicant")


def _staff_institution(app: Application, user: User | None) -> int:
    """Which of the application's confirming institutions ``user`` acts for (main first)."""
    info = scope_info(user)
    for inst_id in (app.institution_id, app.co_institution_id):
        if inst_id is not None and any(info.has_role(r, institution_id=inst_id) for r in INSTITUTION_ROLES):
            return inst_id
    raise PermissionDenied(_("只有该执业机构的审核人员可以执行此操作。"), code="not_institution_staff")


def _require_institution_staff(app: Application, user: User | None) -> None:
    _staff_institution(app, user)


def _require_authority_role(app: Application, user: User | None, role: Role) -> None:
    info = scope_info(user)
    if not info.has_role(role, authority_id=app.authority_id):
        raise PermissionDenied(
            _("您在“%(authority)s”没有“%(role)s”权限。"),
            code="missing_role",
            params={"authority": app.authority.name, "role": role.label},
        )


def _actor_label(user: User | None) -> str:
    if user is None:
        with translation.override(settings.LANGUAGE_CODE):
            return str(_("系统"))
    return user.real_name or user.username


def _move(
    app: Application,
    *,
    target: Status,
    action: Action,
    acting_user: User | None,
    event: EventType,
    comment: str = "",
    data: dict[str, Any] | None = None,
    fields: tuple[str, ...] = (),
    table: dict[str, frozenset[str]] | None = None,
) -> Application:
    """Apply a status change already guarded by the caller; timeline + audit in the same txn.

    ``table`` is an item's own transition table, for the few items that leave the generic path
    (an item decided by the institution alone moves submitted → approved)."""
    assert_can_transition(table or TRANSITIONS, app.status, target)
    old = app.status
    app.status = target
    app.save(update_fields=["status", "updated_at", *fields])
    TimelineEntry.objects.create(
        application=app, action=action, from_status=old, to_status=target, actor=acting_user,
        actor_label=_actor_label(acting_user), comment=comment, data=data or {}, at=timezone.now(),
    )
    audit.record(
        event, actor=acting_user, subject=app, authority_id=app.authority_id, institution_id=app.institution_id,
        data={"from": old, "to": str(target), "number": app.number, "comment": comment, **(data or {})},
    )
    return app


def _notify_applicant(app: Application, title: Any, body: Any = "", params: dict[str, Any] | None = None) -> None:
    portal = "institution" if app.applicant.kind == "institution" else "me"
    notify.notify_user(app.applicant, title=title, body=body or app.number, params=params,
                       link=f"/portal/{portal}/applications/{app.pk}/")


def _required_text(value: str, field: str, message: Any) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code="required", field=field)
    if len(value) > 2000:
        raise DomainError(_("最多2000个字符。"), code="too_long", field=field)
    return value


# -- applicant ----------------------------------------------------------------------------------------
@transaction.atomic
def create_application(item_code: str, *, acting_user: User, data: dict[str, Any]) -> Application:
    """Start a draft for ``item_code``. Validates what is filled in; parties resolve from the data."""
    item = get_item(item_code)
    cleaned = item.clean(data, user=acting_user, partial=True)
    parties = item.parties(cleaned, user=acting_user)
    if parties.person is not None and Application.objects.select_for_update().filter(
        person=parties.person, item_code=item.code, status__in=OPEN
    ).exists():
        raise DomainError(_("您已有一份同一事项正在办理或未提交的申请，请继续办理该申请或先撤回。"),
                          code="open_application_exists")
    app = Application.objects.create(
        number=_next_number(),
        item_code=item.code,
        applicant=acting_user,
        person=parties.person,
        institution=parties.institution,
        authority=parties.authority,
        authority_division_code=parties.authority.division_code,
        form_data=cleaned,
        statutory_limit_days=item.statutory_limit_days,
        co_institution=parties.co_institution,
        target_registration=parties.target_registration,
    )
    TimelineEntry.objects.create(application=app, action=Action.CREATE, to_status=Status.DRAFT, actor=acting_user,
                                 actor_label=_actor_label(acting_user), at=timezone.now())
    audit.record(EventType.APPLICATION_CREATED, actor=acting_user, subject=app, authority_id=app.authority_id,
                 institution_id=app.institution_id, data={"item": item.code, "number": app.number})
    return app


def _next_number() -> str:
    today = timezone.localdate()
    return f"SQ{today:%Y%m%d}{Counter.next(f'app:{today:%Y%m%d}'):06d}"


@transaction.atomic
def update_application(application_id: int, *, acting_user: User, data: dict[str, Any]) -> Application:
    """Save form changes on a draft, a returned application or one under correction."""
    app = _lock(application_id, acting_user)
    _require_applicant(app, acting_user)
    if app.status not in (Status.DRAFT, Status.RETURNED, Status.CORRECTION):
        raise DomainError(_("当前状态下不能修改申请内容。"), code="not_editable")
    item = app.item
    cleaned = item.clean({**app.form_data, **data}, user=acting_user, partial=True)
    parties = item.parties(cleaned, user=acting_user)
    if app.status != Status.DRAFT and (
        parties.institution != app.institution or parties.co_institution != app.co_institution
    ):
        raise DomainError(_("已提交的申请不能更换主要执业机构，请撤回后重新申请。"), code="institution_locked",
                          field="main_institution")
    changes = {
        name: {"old": app.form_data.get(name), "new": cleaned.get(name)}
        for name in sorted({f.name for f in item.fields} | {"level_code", "category_code"})
        if app.form_data.get(name) != cleaned.get(name)
    }
    app.form_data = cleaned
    app.institution, app.authority = parties.institution, parties.authority
    app.co_institution, app.target_registration = parties.co_institution, parties.target_registration
    app.authority_division_code = parties.authority.division_code
    app.save(update_fields=["form_data", "institution", "authority", "authority_division_code", "co_institution",
                            "target_registration", "updated_at"])
    audit.record(EventType.APPLICATION_UPDATED, actor=acting_user, subject=app, authority_id=app.authority_id,
                 institution_id=app.institution_id, data={"changes": changes})
    return app


def _check_upload(content: bytes, *, images_only: bool) -> str:
    limit = conf("UPLOAD_MAX_BYTES")
    if not content:
        raise DomainError(_("上传的文件是空的。"), code="file_empty", field="file")
    if len(content) > limit:
        raise DomainError(_("文件过大：最大%(max)s MB。"), code="file_too_large", field="file",
                          params={"max": round(limit / 1024 / 1024, 1)})
    kind = filetype.guess(content)
    allowed = ["image/jpeg", "image/png"] if images_only else conf("UPLOAD_TYPES")
    if kind is None or kind.mime not in allowed:
        raise DomainError(
            _("文件内容与允许的类型不符，仅接受%(types)s。"), code="file_type", field="file",
            params={"types": "JPEG、PNG" if images_only else "PDF、JPEG、PNG"},
        )
    return str(kind.mime)


@transaction.atomic
def add_attachment(
    application_id: int, *, acting_user: User, kind: str, filename: str, content: bytes
) -> Attachment:
    """Store one material after checking its size and its real type (by content, not by name)."""
    app = _lock(application_id, acting_user)
    _require_applicant(app, acting_user)
    if app.status not in (Status.DRAFT, Status.RETURNED, Status.CORRECTION):
        raise DomainError(_("当前状态下不能上传材料。"), code="not_editable")
    specs: dict[str, Any] = {str(a.kind): a for a in app.item.attachments}
    if kind not in specs and kind != AttachmentKind.OTHER:
        raise DomainError(_("该事项不需要此类材料。"), code="attachment_kind", field="kind")
    images_only = specs[kind].images_only if kind in specs else False
    mime = _check_upload(content, images_only=images_only)
    digest = hashlib.sha256(content).hexdigest()
    ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[mime]
    att = Attachment(application=app, kind=kind, original_name=(filename or "file")[:200], content_type=mime,
                     size=len(content), sha256=digest, uploaded_by=acting_user)
    att.file.save(f"{digest}.{ext}", ContentFile(content), save=False)
    att.save()
    if specs.get(kind) is not None and kind != AttachmentKind.OTHER:
        Attachment.objects.filter(application=app, kind=kind).exclude(pk=att.pk).delete()
    audit.record(EventType.ATTACHMENT_ADDED, actor=acting_user, subject=app, authority_id=app.authority_id,
                 institution_id=app.institution_id, data={"kind": kind, "sha256": digest, "size": len(content)})
    return att


def _missing_attachments(app: Application) -> list[ErrorItem]:
    have = set(app.attachments.values_list("kind", flat=True))
    return [
        ErrorItem("attachment_missing", _("缺少材料：%(kind)s"), field="attachments", params={"kind": spec.kind.label})
        for spec in app.item.attachments
        if spec.required and spec.kind not in have
    ]


@transaction.atomic
def submit_application(application_id: int, *, acting_user: User) -> Application:
    """Submit a draft (or re-submit a returned application) after full validation and pre-checks."""
    app = _lock(application_id, acting_user)
    _require_applicant(app, acting_user)
    if app.status not in (Status.DRAFT, Status.RETURNED):
        assert_can_transition(TRANSITIONS, app.status, Status.SUBMITTED)
    item = app.item
    cleaned = item.clean(app.form_data, user=acting_user, partial=False)
    errors = _missing_attachments(app) + item.prechecks(app)
    if errors:
        raise DomainError(errors=errors)
    app.form_data = cleaned
    now = timezone.now()
    app.submitted_at = now
    app.institution_confirmed_at = app.co_confirmed_at = None
    if item.needs_institution_confirmation:
        _move(app, target=Status.SUBMITTED, action=Action.SUBMIT, acting_user=acting_user,
              event=EventType.APPLICATION_SUBMITTED,
              fields=("form_data", "submitted_at", "institution_confirmed_at", "co_confirmed_at"))
        assert app.institution is not None
        for inst in filter(None, (app.institution, app.co_institution)):
            notify.notify_institution_staff(inst, title=_("有新的申请待确认"),
                                            body=format_lazy("{} {}", item.name, app.number),
                                            link=f"/portal/institution/applications/{app.pk}/")
    else:
        app.received_at = now
        _move(app, target=Status.RECEIVED, action=Action.SUBMIT, acting_user=acting_user,
              event=EventType.APPLICATION_SUBMITTED, fields=("form_data", "submitted_at", "received_at"))
        if getattr(item, "completes_on_receipt", False):  # 备案 items: a complete filing is recorded on the spot
            from medreg.applications.on_the_spot import complete_on_receipt

            return complete_on_receipt(app)
        _notify_clerks(app)
    return app


@transaction.atomic
def resubmit_correction(application_id: int, *, acting_user: User, comment: str = "") -> Application:
    """The applicant has corrected the materials; the clock resumes where it stopped."""
    app = _lock(application_id, acting_user)
    _require_applicant(app, acting_user)
    if app.status != Status.CORRECTION:
        assert_can_transition(TRANSITIONS, app.status, Status.RECEIVED)
    item = app.item
    app.form_data = item.clean(app.form_data, user=acting_user, partial=False)
    errors = _missing_attachments(app)
    if errors:
        raise DomainError(errors=errors)
    today = timezone.localdate()
    pause = app.clock_pauses.filter(ended_on__isnull=True).order_by("-started_on").first()
    if pause is not None:
        pause.ended_on = today
        pause.save(update_fields=["ended_on"])
    target = Status(app.correction_from_status or Status.RECEIVED)
    fields: tuple[str, ...] = ("form_data",)
    if target == Status.ACCEPTED and pause is not None:
        app.paused_working_days += calendar.working_days_between(pause.started_on, today)
        app.due_on = clock.compute_due_on(app)
        fields += ("paused_working_days", "due_on")
    else:
        app.received_at = timezone.now()
        fields += ("received_at",)
    _move(app, target=target, action=Action.RESUBMIT, acting_user=acting_user,
          event=EventType.APPLICATION_RESUBMITTED, comment=comment.strip()[:2000], fields=fields)
    _notify_clerks(app)
    return app


@transaction.atomic
def withdraw_application(application_id: int, *, acting_user: User, reason: str = "") -> Application:
    """The applicant withdraws at any stage before the decision."""
    app = _lock(application_id, acting_user)
    _require_applicant(app, acting_user)
    app.clock_pauses.filter(ended_on__isnull=True).update(ended_on=timezone.localdate())
    return _move(app, target=Status.WITHDRAWN, action=Action.WITHDRAW, acting_user=acting_user,
                 event=EventType.APPLICATION_WITHDRAWN, comment=(reason or "").strip()[:2000])


# -- institution ------------------------------------------------------------------------------------
@transaction.atomic
def confirm_by_institution(application_id: int, *, acting_user: User, comment: str = "") -> Application:
    """The main institution confirms the application; it goes to the licensing authority."""
    app = _lock(application_id, acting_user)
    inst_id = _staff_institution(app, acting_user)
    if institution_decides(app.item):
        return _decide_by_institution(app, inst_id, acting_user=acting_user, comment=comment)
    assert_can_transition(TRANSITIONS, app.status, Status.RECEIVED)
    if app.status != Status.SUBMITTED:
        raise DomainError(_("只有待机构确认的申请可以确认。"), code="not_submitted")
    now = timezone.now()
    as_co = inst_id == app.co_institution_id and inst_id != app.institution_id
    if as_co:
        if app.co_confirmed_at is not None:
            raise DomainError(_("本机构已确认过该申请。"), code="already_confirmed")
        app.co_confirmed_at = now
    else:
        if app.institution_confirmed_at is not None:
            raise DomainError(_("本机构已确认过该申请。"), code="already_confirmed")
        app.institution_confirmed_at = now
    if app.co_institution_id is not None and (app.co_confirmed_at is None or app.institution_confirmed_at is None):
        # one of the two institutions has confirmed; the application waits for the other
        app.save(update_fields=["institution_confirmed_at", "co_confirmed_at", "updated_at"])
        TimelineEntry.objects.create(
            application=app, action=Action.CONFIRM, from_status=app.status, to_status=app.status, actor=acting_user,
            actor_label=_actor_label(acting_user), comment=comment.strip()[:2000], data={"institution": inst_id},
            at=now,
        )
        audit.record(EventType.APPLICATION_CO_CONFIRMED, actor=acting_user, subject=app, authority_id=app.authority_id,
                     institution_id=inst_id, data={"number": app.number, "institution": inst_id})
        _notify_applicant(app, _("一家执业机构已确认您的申请，正在等待另一家机构确认"))
        return app
    app.received_at = now
    _move(app, target=Status.RECEIVED, action=Action.CONFIRM, acting_user=acting_user,
          event=EventType.APPLICATION_CONFIRMED, comment=comment.strip()[:2000],
          fields=("received_at", "institution_confirmed_at", "co_confirmed_at"), data={"institution": inst_id})
    _notify_applicant(app, _("执业机构已确认您的申请，已报送卫生健康行政部门"))
    _notify_clerks(app)
    return app


def institution_decides(item: Any) -> bool:
    """Items whose review chain is the institution alone (个人信息更新): its confirmation is the decision."""
    return bool(item.extra.get("institution_transitions")) or tuple(item.review_chain) == (Stage.INSTITUTION,)


def _decide_by_institution(app: Application, inst_id: int, *, acting_user: User, comment: str) -> Application:
    item = app.item
    table = item.extra.get("institution_transitions") or {Status.SUBMITTED: frozenset({Status.APPROVED})}
    assert_can_transition(table, app.status, Status.APPROVED)
    problems = item.prechecks(app) + conflicting_decisions(app, lock=True)
    if problems:
        raise DomainError(errors=problems)
    effects = item.on_approve(app, acting_user=acting_user)
    app.decided_at, app.decided_by = timezone.now(), acting_user
    app.institution_confirmed_at = app.decided_at
    app.decision_reason = comment.strip()[:2000]
    _move(app, target=Status.APPROVED, action=Action.APPROVE, acting_user=acting_user,
          event=EventType.APPLICATION_APPROVED, comment=app.decision_reason, table=table,
          fields=("decided_at", "decided_by", "decision_reason", "institution_confirmed_at"),
          data={"by": "institution", "institution": inst_id, **{k: str(v) for k, v in effects.items()}})
    _notify_applicant(app, _("执业机构已审核通过您的申请，已生效"))
    return app


def decide_by_institution(application_id: int, *, acting_user: User, comment: str = "") -> Application:
    """The institution's decision on an item it decides alone; any other item is refused."""
    with transaction.atomic():
        app = _lock(application_id, acting_user)
        inst_id = _staff_institution(app, acting_user)
        if not institution_decides(app.item):
            raise DomainError(_("该事项须报卫生健康行政部门决定。"), code="not_institution_decided")
        return _decide_by_institution(app, inst_id, acting_user=acting_user, comment=comment)


@transaction.atomic
def return_by_institution(application_id: int, *, acting_user: User, reason: str) -> Application:
    """The institution returns the application to the applicant with a reason."""
    reason = _required_text(reason, "reason", _("请填写退回原因。"))
    app = _lock(application_id, acting_user)
    inst_id = _staff_institution(app, acting_user)
    if app.status != Status.SUBMITTED:
        assert_can_transition(TRANSITIONS, app.status, Status.RETURNED)
    _move(app, target=Status.RETURNED, action=Action.RETURN, acting_user=acting_user,
          event=EventType.APPLICATION_RETURNED, comment=reason, data={"institution": inst_id})
    _notify_applicant(app, _("执业机构退回了您的申请"), reason)
    return app


# -- authority ------------------------------------------------------------------------------------------
def _notify_clerks(app: Application) -> None:
    notify.notify_authority_staff(app.authority, roles={Role.CLERK}, title=_("有新的申请待受理"),
                                  body=format_lazy("{} {}", app.item.name, app.number), link=f"/portal/authority/applications/{app.pk}/")


@transaction.atomic
def request_correction(application_id: int, *, acting_user: User, items: list[str], comment: str = "") -> Application:
    """One consolidated 补正 notice listing everything to correct. The clock stops until resubmission."""
    clean_items = [i.strip()[:300] for i in items if i and i.strip()]
    if not clean_items:
        raise DomainError(_("请逐项列出需要补正的内容（一次性告知）。"), code="required", field="items")
    app = _lock(application_id, acting_user, "act")
    _require_authority_role(app, acting_user, Role.CLERK)
    assert_can_transition(TRANSITIONS, app.status, Status.CORRECTION)
    limit = conf("CORRECTION_MAX_PER_APPLICATION")
    if app.correction_count >= limit:
        raise DomainError(_("补正须一次性告知，本申请已发出过补正通知。"), code="correction_once")
    today = timezone.localdate()
    ClockPause.objects.create(application=app, started_on=today, items=clean_items)
    app.correction_count += 1
    app.correction_from_status = app.status
    _move(app, target=Status.CORRECTION, action=Action.REQUEST_CORRECTION, acting_user=acting_user,
          event=EventType.APPLICATION_CORRECTION_REQUESTED, comment=comment.strip()[:2000],
          data={"items": clean_items}, fields=("correction_count", "correction_from_status"))
    _notify_applicant(app, _("请补正申请材料"), "；".join(clean_items))
    return app


@transaction.atomic
def accept_application(application_id: int, *, acting_user: User, comment: str = "") -> Application:
    """受理: the statutory clock starts the next working day."""
    app = _lock(application_id, acting_user, "act")
    _require_authority_role(app, acting_user, Role.CLERK)
    assert_can_transition(TRANSITIONS, app.status, Status.ACCEPTED)
    if app.status != Status.RECEIVED:
        raise DomainError(_("只有待受理的申请可以受理。"), code="not_received")
    app.accepted_on = timezone.localdate()
    app.due_on = clock.compute_due_on(app)
    _move(app, target=Status.ACCEPTED, action=Action.ACCEPT, acting_user=acting_user,
          event=EventType.APPLICATION_ACCEPTED, comment=comment.strip()[:2000],
          data={"due_on": app.due_on.isoformat() if app.due_on else None}, fields=("accepted_on", "due_on"))
    _notify_applicant(app, _("您的申请已受理"), _("法定办结期限：%(due)s"), {"due": app.due_on})
    return app


@transaction.atomic
def review_application(application_id: int, *, acting_user: User, opinion: str, recommend: str) -> Application:
    """The reviewer records an opinion and a recommendation (approve or refuse) for the approver."""
    opinion = _required_text(opinion, "opinion", _("请填写审核意见。"))
    if recommend not in ("approve", "refuse"):
        raise DomainError(_("请选择审核建议：准予或不予。"), code="required", field="recommend")
    app = _lock(application_id, acting_user, "act")
    _require_authority_role(app, acting_user, Role.REVIEWER)
    app.review_opinion = opinion
    _move(app, target=Status.REVIEWED, action=Action.REVIEW, acting_user=acting_user,
          event=EventType.APPLICATION_REVIEWED, comment=opinion, data={"recommend": recommend},
          fields=("review_opinion",))
    _notify_applicant(app, _("您的申请已完成审核，等待作出决定"))
    return app


@transaction.atomic
def approve_application(application_id: int, *, acting_user: User, comment: str = "") -> Application:
    """准予: re-run the pre-checks, apply the item's effect on the registry, record the decision."""
    app = _lock(application_id, acting_user, "act")
    _require_authority_role(app, acting_user, Role.APPROVER)
    assert_can_transition(TRANSITIONS, app.status, Status.APPROVED)
    item = app.item
    problems = item.prechecks(app) + conflicting_decisions(app, lock=True)
    if problems:
        raise DomainError(errors=problems)
    effects = item.on_approve(app, acting_user=acting_user)
    app.decided_at, app.decided_by = timezone.now(), acting_user
    app.decision_reason = comment.strip()[:2000]
    registration = effects.get("registration")
    fields: tuple[str, ...] = ("decided_at", "decided_by", "decision_reason")
    if registration is not None:
        app.result_registration = registration
        fields += ("result_registration",)
    _move(app, target=Status.APPROVED, action=Action.APPROVE, acting_user=acting_user,
          event=EventType.APPLICATION_APPROVED, comment=app.decision_reason, fields=fields,
          data={k: str(v) for k, v in effects.items()})
    if effects.get("licence") is not None:
        _notify_applicant(app, _("您的申请已获准予，电子证照已生成"))
    else:
        _notify_applicant(app, _("您的申请已获准予"))
    return app


def conflicting_decisions(app: Application, *, lock: bool = False) -> list[ErrorItem]:
    """Pending applications on one registration stay consistent: once one of them has been approved,
    any other that was submitted before that decision was made on stale data and cannot be approved."""
    if app.target_registration_id is None:
        return []
    from medreg.people.models import PracticeRegistration

    if lock:  # inside a decision: serialise decisions on one registration
        PracticeRegistration.objects.select_for_update().filter(pk=app.target_registration_id).first()
    since = app.submitted_at or app.created_at
    other = (
        Application.objects.filter(target_registration_id=app.target_registration_id, status=Status.APPROVED,
                                   decided_at__gte=since)
        .exclude(pk=app.pk).order_by("decided_at").first()
    )
    if other is None:
        return []
    return [ErrorItem(
        "registration_changed",
        _("该注册在本申请提交后已因申请%(number)s（%(item)s）发生变化，不能再按本申请准予；请退回补正或不予许可。"),
        params={"number": other.number, "item": other.item.name},
    )]


@transaction.atomic
def extend_deadline(application_id: int, *, acting_user: User, reason: str) -> Application:
    """延长办理期限: once, by the configured working days, signed off by the approver (行政许可法 第42条)."""
    reason = _required_text(reason, "reason", _("请填写延长期限的理由。"))
    app = _lock(application_id, acting_user, "act")
    _require_authority_role(app, acting_user, Role.APPROVER)
    if app.status not in (Status.ACCEPTED, Status.REVIEWED, Status.CORRECTION) or app.accepted_on is None:
        raise DomainError(_("只有已受理、尚未决定的申请可以延长办理期限。"), code="not_running")
    if app.extension_days:
        raise DomainError(_("办理期限只能延长一次。"), code="already_extended")
    old_due = app.due_on
    app.extension_days = conf("EXTENSION_WORKING_DAYS")
    app.extension_reason = reason
    app.due_on = clock.compute_due_on(app)
    app.save(update_fields=["extension_days", "extension_reason", "due_on", "updated_at"])
    data = {"days": app.extension_days, "old_due_on": old_due.isoformat() if old_due else None,
            "due_on": app.due_on.isoformat() if app.due_on else None}
    TimelineEntry.objects.create(
        application=app, action=Action.EXTEND, from_status=app.status, to_status=app.status, actor=acting_user,
        actor_label=_actor_label(acting_user), comment=reason, data=data, at=timezone.now(),
    )
    audit.record(EventType.APPLICATION_EXTENDED, actor=acting_user, subject=app, authority_id=app.authority_id,
                 institution_id=app.institution_id, data={"number": app.number, "reason": reason, **data})
    _notify_applicant(app, _("您的申请办理期限已依法延长"), _("新的办结期限：%(due)s"), {"due": app.due_on})
    return app


@transaction.atomic
def refuse_application(application_id: int, *, acting_user: User, reason: str, grounds: list[str] | None = None) -> Application:
    """不予: a written refusal with reasons (and the statutory grounds, where they apply)."""
    reason = _required_text(reason, "reason", _("不予许可必须说明理由。"))
    app = _lock(application_id, acting_user, "act")
    _require_authority_role(app, acting_user, Role.APPROVER)
    app.decided_at, app.decided_by = timezone.now(), acting_user
    app.decision_reason = reason
    app.refusal_grounds = [g.strip()[:200] for g in (grounds or []) if g and g.strip()]
    _move(app, target=Status.REFUSED, action=Action.REFUSE, acting_user=acting_user,
          event=EventType.APPLICATION_REFUSED, comment=reason, data={"grounds": app.refusal_grounds},
          fields=("decided_at", "decided_by", "decision_reason", "refusal_grounds"))
    _notify_applicant(app, _("您的申请未获准予"), reason)
    return app


# The operations a user can trigger from the portals and the API, by name.
OPERATIONS: dict[str, Callable[..., Application]] = {
    "submit": submit_application,
    "withdraw": withdraw_application,
    "resubmit": resubmit_correction,
    "confirm": confirm_by_institution,
    "return": return_by_institution,
    "correction": request_correction,
    "accept": accept_application,
    "review": review_application,
    "approve": approve_application,
    "refuse": refuse_application,
    "extend": extend_deadline,
}

__all__ = ["OPEN", *OPERATIONS]
