"""Writes on institutions: the registry record, its settings, and the effects of the institution items
(设置审批, 执业登记, 诊所备案, 变更, 校验, 停业, 解除停业, 注销, 补发) with their 历史沿革, plus the daily jobs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import ActivationMode, Role
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core import identifiers
from medreg.core.conf import conf
from medreg.core.errors import DomainError, ErrorItem, NotFound, PermissionDenied
from medreg.core.scoping import scope_info
from medreg.institutions import rules
from medreg.institutions.choices import (
    ChangeKind,
    InstitutionStatus,
    LicensingMode,
    VerificationOutcome,
    VerificationState,
)
from medreg.institutions.models import (
    Department,
    Institution,
    InstitutionChange,
    InstitutionSubject,
    RegistrationCheck,
    VerificationRecord,
)
from medreg.notifications import services as notify
from medreg.reference import selectors as ref

if TYPE_CHECKING:
    from medreg.accounts.models import Authority, User
    from medreg.applications.models import Application


@transaction.atomic
def create_institution(
    *, acting_user: User | None, licensing_authority: Authority, name: str, uscc: str, registration_no: str,
    category_code: str, division_code: str, address: str, legal_representative: str, principal: str,
    beds: int, licence_valid_from: date, licence_valid_until: date, subject_codes: list[str],
    departments: list[str] | None = None, aliases: str = "", grade_code: str = "", contact_phone: str = "",
    activation_mode: str = ActivationMode.CODE,
) -> Institution:
    """Enter a licensed institution into the registry, with identifiers validated and cross-checked."""
    from medreg.reference.models import Division

    if acting_user is not None and not acting_user.is_superuser:
        info = scope_info(acting_user)
        if not info.has_role(Role.AUTHORITY_ADMIN, authority_id=licensing_authority.pk):
            raise NotFound(_("未找到该记录。"), code="not_found")
    errors: list[ErrorItem] = []
    parsed = None
    try:
        uscc = identifiers.validate_uscc(uscc)
    except DomainError as exc:
        errors.extend(exc.errors)
    try:
        parsed = identifiers.parse_registration_no(registration_no)
    except DomainError as exc:
        errors.extend(exc.errors)
    if parsed is not None and not errors:
        try:
            identifiers.cross_check_registration_no_with_uscc(parsed.number, uscc)
        except DomainError as exc:
            errors.extend(exc.errors)
    if category_code not in ref.code_map("institution_category"):
        errors.append(ErrorItem("category", _("机构类别代码无效。"), field="category_code"))
    division = Division.objects.filter(code=division_code).first()
    if division is None or not division_code.startswith(licensing_authority.division_prefix):
        errors.append(ErrorItem("division", _("机构所在地不在登记机关辖区内。"), field="division_code"))
    bad_subjects = [c for c in subject_codes if c not in ref.code_map("clinical_subject")]
    if bad_subjects:
        errors.append(ErrorItem("subjects", _("诊疗科目代码无效：%(codes)s"), field="subject_codes",
                                params={"codes": "、".join(bad_subjects)}))
    if licence_valid_until <= licence_valid_from:
        errors.append(ErrorItem("validity", _("许可证有效期截止日期须晚于起始日期。"), field="licence_valid_until"))
    if Institution.objects.filter(uscc=uscc).exists():
        errors.append(ErrorItem("uscc_taken", _("该统一社会信用代码已登记。"), field="uscc"))
    if errors:
        raise DomainError(errors=errors)
    assert parsed is not None and division is not None
    inst = Institution.objects.create(
        name=name.strip(), aliases=aliases, uscc=uscc, registration_no=parsed.number, category_code=category_code,
        management_type=parsed.management_type or "9", economic_type=parsed.economic_type or "90", grade_code=grade_code,
        division=division, division_code=division.code, licensing_authority=licensing_authority,
        address=address, legal_representative=legal_representative, principal=principal, beds=beds,
        licence_valid_from=licence_valid_from, licence_valid_until=licence_valid_until,
        contact_phone=contact_phone, activation_mode=activation_mode,
    )
    InstitutionSubject.objects.bulk_create([InstitutionSubject(institution=inst, code=c) for c in sorted(set(subject_codes))])
    Department.objects.bulk_create([Department(institution=inst, name=d) for d in sorted(set(departments or []))])
    inst.verification_due_on = _first_verification_due(licence_valid_from, beds, on=timezone.localdate())
    inst.save(update_fields=["verification_due_on"])
    _history(inst, ChangeKind.CREATED, acting_user=acting_user, on=licence_valid_from,
             changes={"name": {"old": None, "new": inst.name}})
    audit.record(EventType.INSTITUTION_CREATED, actor=acting_user, subject=inst, authority_id=licensing_authority.pk,
                 institution_id=inst.pk, data={"name": inst.name, "uscc": uscc, "registration_no": inst.registration_no})
    return inst


def _first_verification_due(valid_from: date, beds: int, *, on: date) -> date:
    """The end of the 校验 period running on ``on`` for a licence valid from ``valid_from``."""
    due = rules.next_verification_due(valid_from, beds)
    while due < on:
        due = rules.next_verification_due(due, beds)
    return due


def _history(
    inst: Institution, kind: str, *, acting_user: User | None, on: date | None = None,
    changes: dict[str, Any] | None = None, note: str = "", application_number: str = "",
) -> InstitutionChange:
    """Append one entry to the institution's 历史沿革 (callers run inside their transaction)."""
    return InstitutionChange.objects.create(
        institution=inst, kind=kind, occurred_on=on or timezone.localdate(), changes=changes or {},
        note=str(note)[:300], application_number=application_number,
        actor=acting_user if getattr(acting_user, "pk", None) else None,
    )


@transaction.atomic
def set_activation_mode(institution_id: int, *, acting_user: User, mode: str) -> Institution:
    """An institution admin chooses how staff accounts are activated: by code or automatically."""
    info = scope_info(acting_user)
    if not info.has_role(Role.INSTITUTION_ADMIN, institution_id=institution_id):
        raise NotFound(_("未找到该记录。"), code="not_found")
    if mode not in ActivationMode.values:
        raise DomainError(_("激活方式无效。"), code="invalid", field="activation_mode")
    inst = Institution.objects.select_for_update().get(pk=institution_id)
    old = inst.activation_mode
    inst.activation_mode = mode
    inst.save(update_fields=["activation_mode", "updated_at"])
    audit.record(EventType.INSTITUTION_SETTINGS_CHANGED, actor=acting_user, subject=inst, institution_id=inst.pk,
                 data={"activation_mode": {"old": old, "new": mode}})
    return inst


def search_institutions(query: str, *, province_code: str = "", limit: int = 20) -> list[Any]:
    """Search active institutions by name, alias, USCC or 登记号 (public data; used by forms)."""
    from django.db.models import Q

    q = (query or "").strip()
    if len(q) < 2:
        return []
    qs = Institution.objects.filter(status="active").filter(
        Q(name__icontains=q) | Q(aliases__icontains=q) | Q(uscc__iexact=q) | Q(registration_no__iexact=q)
    )
    if province_code:
        qs = qs.filter(division_code__startswith=province_code[:2])
    return list(qs.select_related("division", "licensing_authority").order_by("name")[:limit])


# -- institution lifecycle (issue 4): the effects of the institution items, and the jobs -------------
def _sync_licence(inst: Institution, *, acting_user: User | None, reason: str) -> None:
    """Keep the 医疗机构执业许可证 in step with the registry (licences stream contract)."""
    if inst.licensing_mode != LicensingMode.LICENCE or not inst.registration_no:
        return
    from medreg.licences import services as licences

    licences.sync_institution_licence(inst, acting_user=acting_user, reason=reason)


def _flag_registrations(inst: Institution, *, acting_user: User | None, reason: str, note: str = "") -> None:
    """Tell the practitioners registered or filed at ``inst`` (and their authorities) what they must do."""
    from medreg.supervision import services as supervision

    supervision.flag_affected_registrations(inst.pk, acting_user=acting_user, reason=reason, note=str(note)[:300])


def _lock_institution(institution_id: int, acting_user: User | None) -> Institution:
    """Lock the institution, re-checking that a (non-system) actor may act on it; else 404."""
    if acting_user is not None and not Institution.objects.for_user(acting_user, "act", via="authority").filter(
        pk=institution_id
    ).exists():
        raise NotFound(_("未找到该记录。"), code="not_found")
    return Institution.objects.select_for_update().get(pk=institution_id)


def _require_authority_admin(authority: Authority, acting_user: User | None) -> None:
    if acting_user is not None and not acting_user.is_superuser:
        info = scope_info(acting_user)
        if not info.has_role(Role.AUTHORITY_ADMIN, authority_id=authority.pk):
            raise NotFound(_("未找到该记录。"), code="not_found")


@transaction.atomic
def create_pending_institution(
    *, acting_user: User | None, licensing_authority: Authority, name: str, uscc: str, division_code: str,
    category_code: str, address: str = "", legal_representative: str = "", principal: str = "",
    economic_type: str = "11", management_type: str = "1",
) -> Institution:
    """Open the registry record of an institution that is about to apply (设置审批, 执业登记 or 诊所备案).

    The record has status 待执业登记, no 登记号 and no licence; the authority then creates its applicant
    account (``accounts.services.create_institution_account``). Audits INSTITUTION_PENDING_CREATED.
    """
    from medreg.reference.models import Division

    _require_authority_admin(licensing_authority, acting_user)
    errors: list[ErrorItem] = []
    try:
        uscc = identifiers.validate_uscc(uscc)
    except DomainError as exc:
        errors.extend(exc.errors)
    if not name.strip():
        errors.append(ErrorItem("required", _("此项为必填项。"), field="name"))
    if category_code not in ref.code_map("institution_category"):
        errors.append(ErrorItem("category", _("机构类别代码无效。"), field="category_code"))
    division = Division.objects.filter(code=division_code).first()
    if division is None or not division_code.startswith(licensing_authority.division_prefix):
        errors.append(ErrorItem("division", _("机构所在地不在登记机关辖区内。"), field="division_code"))
    if Institution.objects.filter(uscc=uscc).exists():
        errors.append(ErrorItem("uscc_taken", _("该统一社会信用代码已登记。"), field="uscc"))
    if errors:
        raise DomainError(errors=errors)
    assert division is not None
    inst = Institution.objects.create(
        name=name.strip(), uscc=uscc, registration_no="", category_code=category_code,
        management_type=management_type, economic_type=economic_type, division=division,
        division_code=division.code, licensing_authority=licensing_authority, address=address.strip(),
        legal_representative=legal_representative.strip(), principal=principal.strip(),
        status=InstitutionStatus.PENDING,
    )
    _history(inst, ChangeKind.CREATED, acting_user=acting_user, changes={"name": {"old": None, "new": inst.name}})
    audit.record(EventType.INSTITUTION_PENDING_CREATED, actor=acting_user, subject=inst,
                 authority_id=licensing_authority.pk, institution_id=inst.pk,
                 data={"name": inst.name, "uscc": uscc, "category_code": category_code})
    return inst


def _app_institution(application: Application, acting_user: User | None) -> Institution:
    assert application.institution_id is not None
    return _lock_institution(application.institution_id, acting_user)


def _registered_values(data: dict[str, Any]) -> dict[str, Any]:
    """The registered items of a 执业登记/变更登记 form, as Institution field values."""
    values: dict[str, Any] = {}
    for name in ("name", "address", "legal_representative", "principal", "economic_type", "category_code",
                 "management_type", "grade_code"):
        if name in data:
            values[name] = data[name]
    if "second_names" in data:
        raw = data["second_names"]
        values["aliases"] = "；".join(raw) if isinstance(raw, list) else str(raw or "")
    for name in ("beds", "dental_chairs"):
        if name in data and data[name] is not None:
            values[name] = int(data[name])
    if data.get("registered_capital") not in (None, ""):
        values["registered_capital"] = Decimal(str(data["registered_capital"]))
    return values


def _set_subjects(inst: Institution, codes: list[str]) -> dict[str, Any] | None:
    old = sorted(inst.subjects.values_list("code", flat=True))
    new = sorted(set(codes))
    if old == new:
        return None
    inst.subjects.exclude(code__in=new).delete()
    InstitutionSubject.objects.bulk_create(
        [InstitutionSubject(institution=inst, code=c) for c in new if c not in old]
    )
    return {"old": old, "new": new}


def _apply(inst: Institution, values: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, value in values.items():
        old = getattr(inst, name)
        if old != value:
            changes[name] = {"old": str(old) if isinstance(old, Decimal | date) else old,
                             "new": str(value) if isinstance(value, Decimal | date) else value}
            setattr(inst, name, value)
    return changes


def _save(inst: Institution, changes: dict[str, Any], *extra: str) -> None:
    """Save the changed fields only (the row is locked by the caller)."""
    fields = {f.name for f in Institution._meta.concrete_fields}
    names = {"aliases" if k == "second_names" else k for k in changes} | set(extra)
    inst.save(update_fields=sorted(n for n in names if n in fields) + ["updated_at"])


def generate_registration_no(inst: Institution, *, economic_type: str, category_code: str,
                             management_type: str) -> str:
    """A 22-character 登记号 built from the USCC's 组织机构代码 and the registered items."""
    return identifiers.build_registration_no(
        inst.uscc[8:17], inst.division_code, economic_type, category_code, management_type
    )


def _unique_registration_no(number: str, inst: Institution) -> None:
    if Institution.objects.filter(registration_no=number).exclude(pk=inst.pk).exists():
        raise DomainError(_("该医疗机构登记号已被其他机构使用。"), code="regno_taken", field="registration_no")


def approve_setup(application: Application, *, acting_user: User | None) -> Institution:
    """设置审批 approved: record the 设置医疗机构批准书 on the pending institution.

    Runs inside the approval transaction. Audits INSTITUTION_SETUP_APPROVED; writes the 历史沿革.
    """
    inst = _app_institution(application, acting_user)
    data = application.form_data
    today = timezone.localdate()
    changes = _apply(inst, _registered_values(data))
    inst.setup_approval_no = f"SZ{today:%Y}{inst.division_code}{application.number[-6:]}"
    inst.setup_approved_on = today
    inst.setup_approved_beds = int(data.get("beds") or 0)
    _save(inst, changes, "setup_approval_no", "setup_approved_on", "setup_approved_beds")
    changes["setup_approval_no"] = {"old": None, "new": inst.setup_approval_no}
    _history(inst, ChangeKind.SETUP_APPROVED, acting_user=acting_user, changes=changes,
             application_number=application.number)
    audit.record(EventType.INSTITUTION_SETUP_APPROVED, actor=acting_user, subject=inst,
                 authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                 data={"setup_approval_no": inst.setup_approval_no, "application": application.number})
    return inst


def register_institution(application: Application, *, acting_user: User | None) -> Institution:
    """执业登记 approved: write the registered items, give the 登记号, activate and start the 校验 cycle.

    Runs inside the approval transaction; the caller issues the licence. Audits INSTITUTION_REGISTERED.
    """
    inst = _app_institution(application, acting_user)
    data = application.form_data
    today = timezone.localdate()
    values = _registered_values(data)
    number = data.get("registration_no") or generate_registration_no(
        inst, economic_type=values["economic_type"], category_code=values["category_code"],
        management_type=values["management_type"],
    )
    _unique_registration_no(number, inst)
    values.update(
        registration_no=number, status=InstitutionStatus.ACTIVE, licensing_mode=LicensingMode.LICENCE,
        licence_valid_from=today,
        licence_valid_until=rules.add_months(today, 12 * int(conf("INSTITUTION_LICENCE_VALID_YEARS"))),
        verification_due_on=rules.next_verification_due(today, int(values.get("beds", inst.beds))),
    )
    changes = _apply(inst, values)
    _save(inst, changes)
    subjects = _set_subjects(inst, data.get("subject_codes") or [])
    if subjects:
        changes["subject_codes"] = subjects
    _history(inst, ChangeKind.REGISTERED, acting_user=acting_user, changes=changes,
             application_number=application.number)
    audit.record(EventType.INSTITUTION_REGISTERED, actor=acting_user, subject=inst,
                 authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                 data={"registration_no": number, "application": application.number})
    return inst


def file_clinic(application: Application, *, acting_user: User | None) -> Institution:
    """诊所备案 recorded: the clinic may practise on its 诊所备案凭证 (no licence, no 校验 cycle).

    Runs inside the transaction that completes the application. Audits INSTITUTION_FILED.
    """
    inst = _app_institution(application, acting_user)
    data = application.form_data
    today = timezone.localdate()
    values = _registered_values(data)
    values.update(status=InstitutionStatus.ACTIVE, licensing_mode=LicensingMode.FILING,
                  filing_no=f"BA{today:%Y}{inst.division_code}{application.number[-6:]}", filed_on=today)
    changes = _apply(inst, values)
    _save(inst, changes)
    subjects = _set_subjects(inst, data.get("subject_codes") or [])
    if subjects:
        changes["subject_codes"] = subjects
    _history(inst, ChangeKind.FILED, acting_user=acting_user, changes=changes, application_number=application.number)
    audit.record(EventType.INSTITUTION_FILED, actor=acting_user, subject=inst,
                 authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                 data={"filing_no": inst.filing_no, "application": application.number})
    return inst


def change_registration(application: Application, *, acting_user: User | None) -> Institution:
    """变更登记 approved: apply the changed items (name, address, 主要负责人, 诊疗科目, beds).

    A change of beds across the 100-bed line moves the institution to the other 校验 cycle from its next
    period. Audits INSTITUTION_CHANGED; syncs the licence.
    """
    inst = _app_institution(application, acting_user)
    data = application.form_data
    changes = _apply(inst, _registered_values({k: v for k, v in data.items() if k in CHANGEABLE_FIELDS}))
    _save(inst, changes)
    if "subject_codes" in data:
        subjects = _set_subjects(inst, data["subject_codes"])
        if subjects:
            changes["subject_codes"] = subjects
    _history(inst, ChangeKind.CHANGED, acting_user=acting_user, changes=changes, application_number=application.number)
    audit.record(EventType.INSTITUTION_CHANGED, actor=acting_user, subject=inst,
                 authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                 data={"changes": changes, "application": application.number})
    _sync_licence(inst, acting_user=acting_user, reason="变更登记")
    return inst


CHANGEABLE_FIELDS = ("name", "second_names", "address", "principal", "beds", "dental_chairs")


def record_verification(application: Application, *, acting_user: User | None) -> VerificationRecord:
    """校验合格: record it on the licence's 副本 list and start the next period.

    The next period starts where the last one ended (a late 校验 does not move the cycle). A 暂缓校验 ends.
    Audits INSTITUTION_VERIFIED; syncs the licence.
    """
    inst = _app_institution(application, acting_user)
    today = timezone.localdate()
    period_due = inst.verification_due_on or today
    if inst.verification_state == VerificationState.DEFERRED:
        # the period the deferral interrupted is closed now; the next one starts today
        next_due = rules.next_verification_due(today, inst.beds)
    else:
        next_due = rules.next_verification_due(period_due, inst.beds)
    record = VerificationRecord.objects.create(
        institution=inst, period_due_on=period_due, outcome=VerificationOutcome.QUALIFIED, next_due_on=next_due,
        beds=inst.beds, decided_on=today, application_number=application.number,
        decided_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    changes = _apply(inst, {"verification_due_on": next_due, "verification_state": VerificationState.NORMAL,
                            "deferred_until": None, "verification_overdue_since": None})
    _save(inst, changes)
    _history(inst, ChangeKind.VERIFIED, acting_user=acting_user, changes=changes,
             note=str(VerificationOutcome.QUALIFIED.label), application_number=application.number)
    audit.record(EventType.INSTITUTION_VERIFIED, actor=acting_user, subject=inst,
                 authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                 data={"outcome": "qualified", "period_due_on": period_due.isoformat(),
                       "next_due_on": next_due.isoformat(), "application": application.number})
    _sync_licence(inst, acting_user=acting_user, reason="校验合格")
    return record


@transaction.atomic
def defer_verification(application_id: int, *, acting_user: User, months: int, reason: str) -> VerificationRecord:
    """暂缓校验 (1–6 months): the 校验 application is decided as not passed, the institution is deferred.

    A bed-less institution may not practise during the deferral (see ``Institution.may_practise``); its
    licence is suspended through the licence sync. The institution must pass 校验 again by the deferral's
    end (the new due date). Audits INSTITUTION_VERIFIED with outcome ``deferred``.
    """
    from medreg.applications import services as apps
    from medreg.applications.models import Application as App

    reason = (reason or "").strip()
    errors: list[ErrorItem] = []
    if not rules.valid_deferral_months(months):
        errors.append(ErrorItem("deferral_months", _("暂缓校验期为%(min)s至%(max)s个月。"), field="months",
                                params={"min": conf("INSTITUTION_DEFERRAL_MIN_MONTHS"),
                                        "max": conf("INSTITUTION_DEFERRAL_MAX_MONTHS")}))
    if not reason:
        errors.append(ErrorItem("required", _("请填写暂缓校验的理由。"), field="reason"))
    if errors:
        raise DomainError(errors=errors)
    found = App.objects.for_user(acting_user, "act", via="authority").filter(pk=application_id).first()
    if found is None or found.item_code != "INST-VERIFY":
        raise NotFound(_("未找到该申请。"), code="not_found")
    app = apps.refuse_application(application_id, acting_user=acting_user, reason=reason,
                                  grounds=[str(VerificationOutcome.DEFERRED.label)])
    inst = _app_institution(app, acting_user)
    today = timezone.localdate()
    until = rules.add_months(today, months)
    record = VerificationRecord.objects.create(
        institution=inst, period_due_on=inst.verification_due_on or today, outcome=VerificationOutcome.DEFERRED,
        deferred_months=months, deferred_until=until, next_due_on=until, beds=inst.beds, decided_on=today,
        application_number=app.number, decided_by=acting_user, note=reason[:300],
    )
    changes = _apply(inst, {"verification_state": VerificationState.DEFERRED, "deferred_until": until,
                            "verification_due_on": until, "verification_overdue_since": None})
    _save(inst, changes)
    _history(inst, ChangeKind.VERIFIED, acting_user=acting_user, changes=changes,
             note=f"{VerificationOutcome.DEFERRED.label}：{reason}", application_number=app.number)
    audit.record(EventType.INSTITUTION_VERIFIED, actor=acting_user, subject=inst,
                 authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                 data={"outcome": "deferred", "months": months, "deferred_until": until.isoformat(),
                       "application": app.number, "may_practise": inst.may_practise})
    _sync_licence(inst, acting_user=acting_user, reason="暂缓校验")
    _flag_registrations(inst, acting_user=acting_user, reason="deferred", note=reason)
    return record


def suspend_institution(application: Application, *, acting_user: User | None) -> Institution:
    """停业 approved: the institution stops practising from the date given. Audits INSTITUTION_SUSPENDED."""
    inst = _app_institution(application, acting_user)
    data = application.form_data
    start = date.fromisoformat(data["start_on"]) if data.get("start_on") else timezone.localdate()
    changes = _apply(inst, {"status": InstitutionStatus.SUSPENDED, "suspended_on": start,
                            "suspension_reason": data.get("reason_code", "other"), "deemed_closed_on": None})
    _save(inst, changes)
    _history(inst, ChangeKind.SUSPENDED, acting_user=acting_user, changes=changes,
             note=data.get("reason_text", ""), application_number=application.number)
    audit.record(EventType.INSTITUTION_SUSPENDED, actor=acting_user, subject=inst,
                 authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                 data={"suspended_on": start.isoformat(), "reason": inst.suspension_reason,
                       "application": application.number})
    _sync_licence(inst, acting_user=acting_user, reason="停业")
    _flag_registrations(inst, acting_user=acting_user, reason="suspended", note=data.get("reason_text", ""))
    return inst


def resume_institution(application: Application, *, acting_user: User | None) -> Institution:
    """解除停业 approved: practising again. Audits INSTITUTION_RESUMED; syncs the licence."""
    inst = _app_institution(application, acting_user)
    changes = _apply(inst, {"status": InstitutionStatus.ACTIVE, "suspended_on": None, "suspension_reason": "",
                            "deemed_closed_on": None})
    _save(inst, changes)
    _history(inst, ChangeKind.RESUMED, acting_user=acting_user, changes=changes, application_number=application.number)
    audit.record(EventType.INSTITUTION_RESUMED, actor=acting_user, subject=inst,
                 authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                 data={"application": application.number})
    _sync_licence(inst, acting_user=acting_user, reason="解除停业")
    return inst


def cancel_institution(application: Application, *, acting_user: User | None) -> Institution:
    """注销 approved: the institution is cancelled and its licence revoked. Audits INSTITUTION_CANCELLED."""
    inst = _app_institution(application, acting_user)
    changes = _apply(inst, {"status": InstitutionStatus.CANCELLED})
    _save(inst, changes)
    _history(inst, ChangeKind.CANCELLED, acting_user=acting_user, changes=changes,
             note=application.form_data.get("reason_text", ""), application_number=application.number)
    audit.record(EventType.INSTITUTION_CANCELLED, actor=acting_user, subject=inst,
                 authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                 data={"application": application.number})
    _sync_licence(inst, acting_user=acting_user, reason="注销")
    _flag_registrations(inst, acting_user=acting_user, reason="cancelled",
                        note=application.form_data.get("reason_text", ""))
    return inst


def replace_licence(application: Application, *, acting_user: User | None) -> Institution:
    """补发 (licence replacement after loss or damage): a new licence version. Audits INSTITUTION_LICENCE_REPLACED."""
    inst = _app_institution(application, acting_user)
    _history(inst, ChangeKind.LICENCE_REPLACED, acting_user=acting_user,
             note=application.form_data.get("reason_text", ""), application_number=application.number)
    audit.record(EventType.INSTITUTION_LICENCE_REPLACED, actor=acting_user, subject=inst,
                 authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                 data={"application": application.number, "reason": application.form_data.get("reason_code", "")})
    from medreg.licences import services as licences

    licences.issue_for_institution(inst, acting_user=acting_user)  # a new version even if nothing else changed
    return inst


@transaction.atomic
def record_registration_checks(
    application_id: int, *, acting_user: User, results: dict[str, bool], notes: dict[str, str] | None = None
) -> list[RegistrationCheck]:
    """The authority records its finding on each 不予登记 ground of a 执业登记 application.

    Only reviewers and approvers of the deciding authority, while the application is under review.
    Audits INSTITUTION_REGISTRATION_CHECKED.
    """
    from medreg.applications.choices import Status
    from medreg.applications.models import Application as App

    app = App.objects.for_user(acting_user, "act", via="authority").filter(pk=application_id).first()
    if app is None or app.item_code != "INST-REG-PRACTICE" or app.institution_id is None:
        raise NotFound(_("未找到该申请。"), code="not_found")
    info = scope_info(acting_user)
    if not any(info.has_role(r, authority_id=app.authority_id) for r in (Role.REVIEWER, Role.APPROVER)):
        raise PermissionDenied(_("只有审核或决定人员可以记录不予登记情形的核查结果。"), code="missing_role")
    app = App.objects.select_for_update().get(pk=app.pk)
    if app.status not in (Status.ACCEPTED, Status.REVIEWED):
        raise DomainError(_("只有受理后、决定前的申请可以记录核查结果。"), code="not_under_review")
    grounds = authority_grounds()
    unknown = sorted(set(results) - set(grounds))
    if unknown:
        raise DomainError(_("未知的不予登记情形：%(codes)s"), code="unknown_ground", field="results",
                          params={"codes": "、".join(unknown)})
    notes = notes or {}
    assert app.institution_id is not None
    out = []
    for ground, passed in sorted(results.items()):
        check, _created = RegistrationCheck.objects.update_or_create(
            application_id=app.pk, ground=ground,
            defaults={"institution_id": app.institution_id, "passed": bool(passed),
                      "note": (notes.get(ground) or "").strip()[:300], "checked_by": acting_user},
        )
        out.append(check)
    audit.record(EventType.INSTITUTION_REGISTRATION_CHECKED, actor=acting_user, subject=app,
                 authority_id=app.authority_id, institution_id=app.institution_id,
                 data={"results": {k: bool(v) for k, v in sorted(results.items())}})
    return out


def authority_grounds() -> list[str]:
    """The 不予登记 grounds the authority must check itself (reference table, ``extra.check``)."""
    return [c.code for c in sorted(ref.code_map("institution_refusal_ground").values(), key=lambda c: c.sort)
            if c.extra.get("check") == "authority"]


# -- jobs ------------------------------------------------------------------------------------------------
@transaction.atomic
def flag_overdue_verifications(*, acting_user: User | None, today: date | None = None) -> list[int]:
    """Flag institutions whose 校验 period ended without a decision (条例 45: ordered to complete it).

    Safe to run twice: only institutions not flagged yet are touched. Audits
    INSTITUTION_VERIFICATION_OVERDUE per institution. Returns the ids flagged now.
    """
    from medreg.institutions.selectors import verification_overdue_queryset

    today = today or timezone.localdate()
    flagged: list[int] = []
    ids = list(verification_overdue_queryset(today).filter(verification_overdue_since__isnull=True)
               .values_list("pk", flat=True))
    for inst in Institution.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        assert inst.verification_due_on is not None
        since = inst.verification_due_on + timedelta(days=1)
        inst.verification_overdue_since = since
        inst.save(update_fields=["verification_overdue_since", "updated_at"])
        _history(inst, ChangeKind.VERIFICATION_OVERDUE, acting_user=acting_user, on=today,
                 changes={"verification_due_on": {"old": None, "new": inst.verification_due_on.isoformat()}})
        audit.record(EventType.INSTITUTION_VERIFICATION_OVERDUE, actor=acting_user, subject=inst,
                     authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                     data={"due_on": inst.verification_due_on.isoformat()})
        notify.notify_institution_staff(
            inst, title=_("本机构校验已逾期"), body=_("校验期已于%(date)s届满，请尽快申请校验；拒不校验的，将依法吊销执业许可证。"),
            params={"date": inst.verification_due_on.isoformat()}, link="/portal/institution/licence/")
        notify.notify_authority_staff(
            inst.licensing_authority, roles={Role.CLERK, Role.SUPERVISION}, title=_("医疗机构逾期未校验"),
            body=inst.name, link=f"/portal/authority/institutions/{inst.pk}/")
        flagged.append(inst.pk)
    return flagged


@transaction.atomic
def flag_deemed_closures(*, acting_user: User | None, today: date | None = None) -> list[int]:
    """Mark institutions stopped for over a year (not for rebuilding or relocation) as 歇业 (条例 21).

    The authority then proceeds to 注销. Safe to run twice. Audits INSTITUTION_DEEMED_CLOSED.
    """
    today = today or timezone.localdate()
    flagged: list[int] = []
    for inst in Institution.objects.select_for_update().filter(
        status=InstitutionStatus.SUSPENDED, deemed_closed_on__isnull=True
    ).order_by("pk"):
        if not rules.suspension_counts_as_closure(inst.suspended_on, inst.suspension_reason, today):
            continue
        inst.deemed_closed_on = today
        inst.save(update_fields=["deemed_closed_on", "updated_at"])
        _history(inst, ChangeKind.DEEMED_CLOSED, acting_user=acting_user, on=today,
                 changes={"suspended_on": {"old": None, "new": str(inst.suspended_on)}})
        audit.record(EventType.INSTITUTION_DEEMED_CLOSED, actor=acting_user, subject=inst,
                     authority_id=inst.licensing_authority_id, institution_id=inst.pk,
                     data={"suspended_on": str(inst.suspended_on)})
        flagged.append(inst.pk)
    return flagged
