"""Writes on the records that drive the registration rules, and the institution-side support services.

定期考核 results and the proposals they lead to, administrative penalties and their effect on the
registrations and e-licences, recorded circumstances (刑事处罚, 民事行为能力 …), good and bad practice
records, trainings; the daily job that starts and lifts suspensions; the institution's reset of a
practitioner's phone number and its batch confirmation of applications.

Every service is one transaction that re-checks the actor's jurisdiction (outside it: 404), locks the
rows it changes and writes an audit event (numbers 280–299).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import AuthorityLevel, Role
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core.errors import Conflict, DomainError, ErrorItem, NotFound, PermissionDenied
from medreg.core.scoping import scope_info
from medreg.notifications import services as notify
from medreg.people.choices import AffiliationStatus, Profession, RegistrationStatus
from medreg.people.eligibility import add_months, add_years, rules
from medreg.people.models import (
    Affiliation,
    Assessment,
    AssessmentResult,
    BanBasis,
    Circumstance,
    CircumstanceKind,
    Penalty,
    PenaltyKind,
    Person,
    PracticeRecord,
    PracticeRecordKind,
    PracticeRegistration,
    Proposal,
    ProposalKind,
    RecordProposalStatus,
    Training,
    TrainingKind,
)

if TYPE_CHECKING:
    from medreg.accounts.models import Authority, User

RECORDING_ROLES = frozenset(
    {Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISION, Role.AUTHORITY_ADMIN}
)
SANCTION_ROLES = frozenset({Role.APPROVER, Role.SUPERVISION})
INSTITUTION_ROLES = frozenset({Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER})
SUSPENSION_KINDS = (PenaltyKind.SUSPENSION, PenaltyKind.ASSESSMENT_SUSPENSION)


# -- helpers ----------------------------------------------------------------------------------------
def _not_found() -> NotFound:
    return NotFound(_("未找到该人员。"), code="not_found")


def _acting_authority(user: User | None, roles: frozenset[str]) -> Authority:
    """The authority the user acts for, holding one of ``roles`` (the first such membership)."""
    from medreg.accounts.models import Authority

    info = scope_info(user)
    ids = sorted(a for r, a, _i in info.roles if a is not None and r in roles)
    if not ids:
        raise PermissionDenied(_("您没有记录此类信息的权限。"), code="missing_role")
    return Authority.objects.get(pk=ids[0])


def _lock_person_for_authority(person_id: int, user: User | None) -> Person:
    """The person, locked, if within the acting authority's jurisdiction (a registration it granted, or
    an affiliation with an institution in its division); otherwise 404."""
    pid = _as_int(person_id)
    visible = pid is not None and (
        Person.objects.for_user(user, "act", via="authority").filter(pk=pid).exists()
        or PracticeRegistration.objects.for_user(user, "act", via="authority").filter(person_id=pid).exists()
    )
    if pid is None or not visible:
        raise _not_found()
    return Person.objects.select_for_update().get(pk=pid)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _as_date(value: Any, field: str, errors: list[ErrorItem], *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors.append(ErrorItem("required", _("此项为必填项。"), field=field))
        return None
    if isinstance(value, dt.datetime):  # an aware moment is dated in China time, not in its own zone
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.append(ErrorItem("bad_date", _("日期格式应为YYYY-MM-DD。"), field=field))
        return None


def _text(value: Any, field: str, errors: list[ErrorItem], *, limit: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.append(ErrorItem("required", _("此项为必填项。"), field=field))
    elif len(text) > limit:
        errors.append(ErrorItem("too_long", _("最多%(n)s个字符。"), field=field, params={"n": limit}))
    return text


def _choice(value: Any, choices: Any, field: str, errors: list[ErrorItem]) -> str:
    if value in (None, ""):
        errors.append(ErrorItem("required", _("此项为必填项。"), field=field))
        return ""
    if str(value) not in choices.values:
        errors.append(ErrorItem("bad_choice", _("无效的选项。"), field=field))
        return ""
    return str(value)


def _stamp(obj: Any, authority: Authority, user: User | None) -> None:
    obj.authority = authority
    obj.authority_division_code = authority.division_code
    obj.recorded_by = user if getattr(user, "pk", None) else None


def _sync_licence(reg: PracticeRegistration, *, acting_user: User | None, reason: str) -> None:
    from medreg.licences import services as licences

    licences.sync_registration_licence(reg, acting_user=acting_user, reason=reason)


def _set_registration_status(
    reg: PracticeRegistration,
    status: str,
    *,
    event: EventType,
    acting_user: User | None,
    penalty: Penalty | None,
    reason: str,
) -> None:
    old = reg.status
    reg.status = status
    reg.save(update_fields=["status", "updated_at"])
    from medreg.people import practice

    today = timezone.localdate()
    if status in (RegistrationStatus.CANCELLED, RegistrationStatus.LAPSED):
        practice.end_sites(reg, kinds=("main", "filed"), on=today, acting_user=acting_user, application=None)
    practice.record_changes(reg, {"status": (old, status)}, application=None, acting_user=acting_user, on=today)
    audit.record(
        event,
        actor=acting_user,
        subject=reg,
        authority_id=reg.authority_id,
        institution_id=reg.main_institution_id,
        data={"from": old, "to": status, "penalty": penalty.pk if penalty else None, "reason": reason},
    )
    _sync_licence(reg, acting_user=acting_user, reason=reason)


def _notify_person(person: Person, title: Any, body: Any = "", params: dict[str, Any] | None = None) -> None:
    """An in-app message (written in the same transaction; SMS delivery is scheduled by notify itself)."""
    notify.notify_user(
        getattr(person, "user", None), title=title, body=body, params=params, link="/portal/me/archive/"
    )


# -- 定期考核 -----------------------------------------------------------------------------------------
@transaction.atomic
def record_assessment(person_id: int, *, acting_user: User, data: dict[str, Any]) -> Assessment:
    """Record one 定期考核 result. A failure creates a proposal for the commission: the first
    暂停执业 3–6 months plus training and re-assessment, a second consecutive one cancellation.
    Audits ASSESSMENT_RECORDED (and PROPOSAL_CREATED)."""
    person = _lock_person_for_authority(person_id, acting_user)
    authority = _acting_authority(acting_user, RECORDING_ROLES)
    errors: list[ErrorItem] = []
    start = _as_date(data.get("period_start"), "period_start", errors)
    end = _as_date(data.get("period_end"), "period_end", errors)
    assessed = _as_date(data.get("assessed_on"), "assessed_on", errors)
    result = _choice(data.get("result"), AssessmentResult, "result", errors)
    body = _text(data.get("assessing_body"), "assessing_body", errors, limit=120)
    note = _text(data.get("note"), "note", errors, limit=500)
    today = timezone.localdate()
    cycle = rules("ASSESSMENT_CYCLE_YEARS")
    if start and end:
        if end <= start:
            errors.append(
                ErrorItem("period_order", _("考核周期的结束日期必须晚于开始日期。"), field="period_end")
            )
        elif end > add_years(start, cycle):
            errors.append(
                ErrorItem(
                    "period_too_long",
                    _("考核周期不能超过%(years)s年。"),
                    field="period_end",
                    params={"years": cycle},
                )
            )
    if assessed and assessed > today:
        errors.append(ErrorItem("future_date", _("考核日期不能晚于今天。"), field="assessed_on"))
    registration = None
    if data.get("registration"):
        registration = PracticeRegistration.objects.filter(
            pk=_as_int(data.get("registration")) or 0, person=person, profession=Profession.PHYSICIAN
        ).first()
        if registration is None:
            errors.append(
                ErrorItem("unknown_registration", _("该注册记录不属于此医师。"), field="registration")
            )
    if (
        not person.registrations.filter(profession=Profession.PHYSICIAN).exists()
        and not person.qualifications.filter(profession=Profession.PHYSICIAN).exists()
    ):
        errors.append(ErrorItem("not_physician", _("定期考核仅适用于医师。"), field=None))
    if errors:
        raise DomainError(errors=errors)
    assert start and end and assessed
    previous = (
        Assessment.objects.filter(person=person, assessed_on__lte=assessed)
        .order_by("-assessed_on", "-pk")
        .first()
    )
    assessment = Assessment(
        person=person,
        registration=registration,
        period_start=start,
        period_end=end,
        assessed_on=assessed,
        result=result,
        is_reassessment=bool(previous and previous.result == AssessmentResult.FAIL),
        assessing_body=body,
        note=note,
    )
    _stamp(assessment, authority, acting_user)
    assessment.save()
    audit.record(
        EventType.ASSESSMENT_RECORDED,
        actor=acting_user,
        subject=assessment,
        authority_id=authority.pk,
        data={
            "person": person.pk,
            "result": result,
            "period": [start.isoformat(), end.isoformat()],
            "reassessment": assessment.is_reassessment,
        },
    )
    if result == AssessmentResult.FAIL:
        kind = ProposalKind.CANCEL if assessment.is_reassessment else ProposalKind.SUSPEND
        proposal = Proposal(person=person, assessment=assessment, kind=kind)
        _stamp(proposal, authority, acting_user)
        proposal.save()
        audit.record(
            EventType.PROPOSAL_CREATED,
            actor=acting_user,
            subject=proposal,
            authority_id=authority.pk,
            data={"person": person.pk, "kind": kind, "assessment": assessment.pk},
        )
    _notify_person(
        person,
        _("定期考核结果已记录"),
        _("考核结果：%(result)s"),
        {"result": str(AssessmentResult(result).label)},
    )
    return assessment


@transaction.atomic
def decide_proposal(
    proposal_id: int,
    *,
    acting_user: User,
    accept: bool,
    months: int | str | None = None,
    start_on: Any = None,
    note: str = "",
) -> Proposal:
    """The commission decides a proposal. Accepting a suspension proposal records a 暂停执业 of
    ``months`` (3–6) from ``start_on``; accepting a cancellation cancels the physician's registrations
    and revokes their e-licences. Audits PROPOSAL_DECIDED."""
    pid = _as_int(proposal_id) or 0
    if not Proposal.objects.for_user(acting_user, "act", via="authority").filter(pk=pid).exists():
        raise NotFound(_("未找到该处理建议。"), code="not_found")
    proposal = Proposal.objects.select_for_update().select_related("person", "assessment").get(pk=pid)
    info = scope_info(acting_user)
    if not info.national and not info.has_role(Role.APPROVER, authority_id=proposal.authority_id):
        raise PermissionDenied(_("只有决定人员可以处理该建议。"), code="missing_role")
    if proposal.status != RecordProposalStatus.OPEN:
        raise Conflict(_("该建议已处理。"), code="already_decided")
    errors: list[ErrorItem] = []
    note = _text(note, "note", errors, limit=500, required=not accept)
    today = timezone.localdate()
    penalty = None
    authority = proposal.authority
    assert authority is not None  # proposals are always recorded by an authority
    if accept and proposal.kind == ProposalKind.SUSPEND:
        low, high = rules("ASSESSMENT_SUSPENSION_MONTHS")
        start = _as_date(start_on, "start_on", errors, required=False) or today
        if months is None or not (low <= (_as_int(months) or 0) <= high):
            errors.append(
                ErrorItem(
                    "months_range",
                    _("暂停执业期限应为%(low)s至%(high)s个月。"),
                    field="months",
                    params={"low": low, "high": high},
                )
            )
        if errors:
            raise DomainError(errors=errors)
        penalty = _create_penalty(
            proposal.person,
            profession=Profession.PHYSICIAN,
            kind=PenaltyKind.ASSESSMENT_SUSPENSION,
            start_on=start,
            end_on=add_months(start, int(months or 0)) - dt.timedelta(days=1),
            reason=str(_("定期考核不合格")),
            decision_no="",
            ban_basis="",
            authority=authority,
            acting_user=acting_user,
        )
    elif errors:
        raise DomainError(errors=errors)
    if accept and proposal.kind == ProposalKind.CANCEL:
        for reg in PracticeRegistration.objects.select_for_update().filter(
            person=proposal.person,
            profession=Profession.PHYSICIAN,
            status__in=[RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED],
        ):
            _set_registration_status(
                reg,
                RegistrationStatus.CANCELLED,
                event=EventType.REGISTRATION_CANCELLED_BY_SANCTION,
                acting_user=acting_user,
                penalty=None,
                reason="assessment_failed_twice",
            )
    proposal.status = RecordProposalStatus.ACCEPTED if accept else RecordProposalStatus.DISMISSED
    proposal.decided_on = today
    proposal.decided_by = acting_user
    proposal.decision_note = note
    proposal.penalty = penalty
    proposal.save(update_fields=["status", "decided_on", "decided_by", "decision_note", "penalty"])
    audit.record(
        EventType.PROPOSAL_DECIDED,
        actor=acting_user,
        subject=proposal,
        authority_id=proposal.authority_id,
        data={
            "person": proposal.person_id,
            "kind": proposal.kind,
            "status": proposal.status,
            "penalty": penalty.pk if penalty else None,
        },
    )
    return proposal


# -- penalties ---------------------------------------------------------------------------------------
def _create_penalty(
    person: Person,
    *,
    profession: str,
    kind: str,
    start_on: dt.date,
    end_on: dt.date | None,
    reason: str,
    decision_no: str,
    ban_basis: str,
    authority: Authority,
    acting_user: User | None,
) -> Penalty:
    penalty = Penalty(
        person=person,
        profession=profession,
        kind=kind,
        start_on=start_on,
        end_on=end_on,
        reason=reason,
        decision_no=decision_no,
        ban_basis=ban_basis,
    )
    _stamp(penalty, authority, acting_user)
    penalty.save()
    audit.record(
        EventType.PENALTY_RECORDED,
        actor=acting_user,
        subject=penalty,
        authority_id=authority.pk,
        data={
            "person": person.pk,
            "profession": profession,
            "kind": kind,
            "ban_basis": ban_basis,
            "start_on": start_on.isoformat(),
            "end_on": end_on.isoformat() if end_on else None,
            "decision_no": decision_no,
        },
    )
    if start_on <= timezone.localdate():
        _apply_penalty(penalty, acting_user=acting_user)
    _notify_person(
        person, _("您有一条新的行政处罚记录"), _("处罚种类：%(kind)s"), {"kind": str(PenaltyKind(kind).label)}
    )
    return penalty


def _apply_penalty(penalty: Penalty, *, acting_user: User | None) -> None:
    """Carry out the penalty's effect on the registrations (suspend or cancel); idempotent."""
    if penalty.applied_on is not None:
        return
    changed: list[int] = []
    if penalty.kind in SUSPENSION_KINDS:
        regs = PracticeRegistration.objects.select_for_update().filter(
            person=penalty.person_id, profession=penalty.profession, status=RegistrationStatus.ACTIVE
        )
        for reg in regs:
            _set_registration_status(
                reg,
                RegistrationStatus.SUSPENDED,
                event=EventType.REGISTRATION_SUSPENDED,
                acting_user=acting_user,
                penalty=penalty,
                reason=penalty.kind,
            )
            changed.append(reg.pk)
    elif penalty.kind == PenaltyKind.REVOCATION:
        regs = PracticeRegistration.objects.select_for_update().filter(
            person=penalty.person_id,
            profession=penalty.profession,
            status__in=[RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED],
        )
        for reg in regs:
            _set_registration_status(
                reg,
                RegistrationStatus.CANCELLED,
                event=EventType.REGISTRATION_CANCELLED_BY_SANCTION,
                acting_user=acting_user,
                penalty=penalty,
                reason="revocation",
            )
            changed.append(reg.pk)
    penalty.registrations = sorted(set(penalty.registrations) | set(changed))
    penalty.applied_on = timezone.localdate()
    penalty.save(update_fields=["registrations", "applied_on"])


@transaction.atomic
def record_penalty(person_id: int, *, acting_user: User, data: dict[str, Any]) -> Penalty:
    """Record an administrative penalty decided by the commission.

    ``data``: profession, kind (warning, suspension, revocation, ban), start_on, reason, decision_no;
    for a suspension ``months`` (6–12); for a ban ``ban_basis`` (general 2 years, fraud 3 years, severe
    ``years`` ≥ 5 or ``lifelong``; a severe ban only at province level or above, 医师法 第58条).
    A revocation cancels the registrations and revokes the e-licences; a suspension that has started
    suspends them (the daily job applies later starts and lifts ended suspensions)."""
    person = _lock_person_for_authority(person_id, acting_user)
    authority = _acting_authority(acting_user, SANCTION_ROLES)
    errors: list[ErrorItem] = []
    profession = _choice(data.get("profession"), Profession, "profession", errors)
    kinds = [PenaltyKind.WARNING, PenaltyKind.SUSPENSION, PenaltyKind.REVOCATION, PenaltyKind.BAN]
    kind = str(data.get("kind") or "")
    if kind not in kinds:
        errors.append(ErrorItem("bad_choice", _("无效的选项。"), field="kind"))
    start = _as_date(data.get("start_on"), "start_on", errors)
    reason = _text(data.get("reason"), "reason", errors, limit=500, required=True)
    decision_no = _text(data.get("decision_no"), "decision_no", errors, limit=60)
    end: dt.date | None = None
    basis = ""
    cfg_years = rules("BAN_YEARS")
    if start and kind == PenaltyKind.SUSPENSION:
        low, high = rules("PENALTY_SUSPENSION_MONTHS")
        months = _as_int(data.get("months"))
        if months is None or not low <= months <= high:
            errors.append(
                ErrorItem(
                    "months_range",
                    _("暂停执业期限应为%(low)s至%(high)s个月。"),
                    field="months",
                    params={"low": low, "high": high},
                )
            )
        else:
            end = add_months(start, months) - dt.timedelta(days=1)
    elif start and kind == PenaltyKind.BAN:
        basis = _choice(data.get("ban_basis"), BanBasis, "ban_basis", errors)
        if basis == BanBasis.SEVERE:
            if authority.level not in (AuthorityLevel.PROVINCE, AuthorityLevel.NATIONAL):
                errors.append(
                    ErrorItem(
                        "ban_level",
                        _("五年以上直至终身的禁业处罚由省级以上卫生健康主管部门决定。"),
                        field="ban_basis",
                    )
                )
            lifelong = data.get("lifelong") in (True, "true", "on", "1", 1)
            years = _as_int(data.get("years"))
            if not lifelong and (years is None or years < cfg_years["severe_min"]):
                errors.append(
                    ErrorItem(
                        "ban_years",
                        _("情节严重的禁业期限为%(n)s年以上直至终身。"),
                        field="years",
                        params={"n": cfg_years["severe_min"]},
                    )
                )
            elif not lifelong and years is not None:
                end = add_years(start, years) - dt.timedelta(days=1)
        elif basis in (BanBasis.GENERAL, BanBasis.FRAUD):
            end = add_years(start, cfg_years[basis]) - dt.timedelta(days=1)
    if errors:
        raise DomainError(errors=errors)
    assert start is not None
    return _create_penalty(
        person,
        profession=profession,
        kind=kind,
        start_on=start,
        end_on=end,
        reason=reason,
        decision_no=decision_no,
        ban_basis=basis,
        authority=authority,
        acting_user=acting_user,
    )


def expire_records(*, on: dt.date | None = None, acting_user: User | None = None) -> dict[str, int]:
    """The daily job (``medreg records expire``): applies suspensions and revocations whose start has
    come, and lifts suspensions whose last day has passed (reinstating the registrations and licences
    unless another suspension is still in force). Safe to run any number of times."""
    day = on or timezone.localdate()
    started = lifted = 0
    due = Penalty.objects.filter(
        applied_on__isnull=True, start_on__lte=day, kind__in=[*SUSPENSION_KINDS, PenaltyKind.REVOCATION]
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            penalty = Penalty.objects.select_for_update().get(pk=pk)
            if penalty.applied_on is None and (penalty.end_on is None or penalty.end_on >= day):
                _apply_penalty(penalty, acting_user=acting_user)
                started += 1
            elif penalty.applied_on is None:  # started and ended while no job ran
                penalty.applied_on = day
                penalty.save(update_fields=["applied_on"])
    ended = Penalty.objects.filter(kind__in=SUSPENSION_KINDS, lifted_on__isnull=True, end_on__lt=day)
    for pk in list(ended.values_list("pk", flat=True)):
        with transaction.atomic():
            if _lift(pk, day=day, acting_user=acting_user):
                lifted += 1
    return {"started": started, "lifted": lifted}


def _lift(penalty_id: int, *, day: dt.date, acting_user: User | None) -> bool:
    from medreg.people.eligibility import active_suspension

    penalty = Penalty.objects.select_for_update().get(pk=penalty_id)
    if penalty.lifted_on is not None:
        return False
    still = active_suspension(penalty.person, day, profession=penalty.profession)
    reinstated: list[int] = []
    if still is None:
        for reg in PracticeRegistration.objects.select_for_update().filter(
            pk__in=penalty.registrations, status=RegistrationStatus.SUSPENDED
        ):
            try:
                with transaction.atomic():
                    _set_registration_status(
                        reg,
                        RegistrationStatus.ACTIVE,
                        event=EventType.REGISTRATION_REINSTATED,
                        acting_user=acting_user,
                        penalty=penalty,
                        reason="suspension_ended",
                    )
            except IntegrityError:  # another active registration took the place meanwhile
                continue
            reinstated.append(reg.pk)
    else:  # hand the registrations over to the suspension still in force
        still.registrations = sorted(set(still.registrations) | set(penalty.registrations))
        still.save(update_fields=["registrations"])
    penalty.lifted_on = day
    penalty.save(update_fields=["lifted_on"])
    audit.record(
        EventType.SUSPENSION_LIFTED,
        actor=acting_user,
        subject=penalty,
        authority_id=penalty.authority_id,
        data={
            "person": penalty.person_id,
            "reinstated": reinstated,
            "still_suspended_by": still.pk if still else None,
        },
    )
    if reinstated:
        _notify_person(penalty.person, _("暂停执业期满，执业注册已恢复"))
    return True


# -- circumstances, good/bad records, trainings ------------------------------------------------------
@transaction.atomic
def record_circumstance(person_id: int, *, acting_user: User, data: dict[str, Any]) -> Circumstance:
    """Record a legal circumstance that bars registration (刑事处罚 with the day the sentence was served,
    民事行为能力, health, exam cheating, forged qualification). Audits CIRCUMSTANCE_RECORDED."""
    person = _lock_person_for_authority(person_id, acting_user)
    authority = _acting_authority(acting_user, RECORDING_ROLES)
    errors: list[ErrorItem] = []
    kind = _choice(data.get("kind"), CircumstanceKind, "kind", errors)
    start = _as_date(data.get("start_on"), "start_on", errors)
    end = _as_date(data.get("end_on"), "end_on", errors, required=False)
    note = _text(data.get("note"), "note", errors, limit=500)
    if start and end and end < start:
        errors.append(ErrorItem("period_order", _("结束日期不能早于开始日期。"), field="end_on"))
    if errors:
        raise DomainError(errors=errors)
    assert start is not None
    item = Circumstance(person=person, kind=kind, start_on=start, end_on=end, note=note)
    _stamp(item, authority, acting_user)
    item.save()
    audit.record(
        EventType.CIRCUMSTANCE_RECORDED,
        actor=acting_user,
        subject=item,
        authority_id=authority.pk,
        data={
            "person": person.pk,
            "kind": kind,
            "start_on": start.isoformat(),
            "end_on": end.isoformat() if end else None,
        },
    )
    return item


@transaction.atomic
def end_circumstance(circumstance_id: int, *, acting_user: User, end_on: Any) -> Circumstance:
    """Set the end of a recorded circumstance (e.g. the sentence has been served). Audits the change."""
    cid = _as_int(circumstance_id) or 0
    if not Circumstance.objects.for_user(acting_user, "act", via="authority").filter(pk=cid).exists():
        raise NotFound(_("未找到该记录。"), code="not_found")
    item = Circumstance.objects.select_for_update().get(pk=cid)
    errors: list[ErrorItem] = []
    end = _as_date(end_on, "end_on", errors)
    if end and end < item.start_on:
        errors.append(ErrorItem("period_order", _("结束日期不能早于开始日期。"), field="end_on"))
    if errors:
        raise DomainError(errors=errors)
    old = item.end_on
    item.end_on = end
    item.save(update_fields=["end_on"])
    audit.record(
        EventType.CIRCUMSTANCE_UPDATED,
        actor=acting_user,
        subject=item,
        authority_id=item.authority_id,
        data={
            "person": item.person_id,
            "end_on": {"old": old.isoformat() if old else None, "new": end.isoformat() if end else None},
        },
    )
    return item


@transaction.atomic
def record_practice_record(person_id: int, *, acting_user: User, data: dict[str, Any]) -> PracticeRecord:
    """Add a 执业良好记录 or 不良记录 to a physician's or nurse's archive (护士条例 第11条)."""
    person = _lock_person_for_authority(person_id, acting_user)
    authority = _acting_authority(acting_user, RECORDING_ROLES)
    errors: list[ErrorItem] = []
    profession = _choice(data.get("profession"), Profession, "profession", errors)
    kind = _choice(data.get("kind"), PracticeRecordKind, "kind", errors)
    day = _as_date(data.get("recorded_on"), "recorded_on", errors)
    summary = _text(data.get("summary"), "summary", errors, limit=500, required=True)
    if day and day > timezone.localdate():
        errors.append(ErrorItem("future_date", _("日期不能晚于今天。"), field="recorded_on"))
    if errors:
        raise DomainError(errors=errors)
    assert day is not None
    item = PracticeRecord(person=person, profession=profession, kind=kind, recorded_on=day, summary=summary)
    _stamp(item, authority, acting_user)
    item.save()
    audit.record(
        EventType.PRACTICE_RECORD_ADDED,
        actor=acting_user,
        subject=item,
        authority_id=authority.pk,
        data={"person": person.pk, "profession": profession, "kind": kind, "recorded_on": day.isoformat()},
    )
    return item


@transaction.atomic
def record_training(person_id: int, *, acting_user: User, data: dict[str, Any]) -> Training:
    """Record a training (CME, 规培, 进修, remedial) with hours. Authority staff in jurisdiction, or staff
    of an institution where the person is actively employed, may record it."""
    pid = _as_int(person_id) or 0
    info = scope_info(acting_user)
    institution_id = None
    authority = None
    employer = (
        Affiliation.objects.for_user(acting_user, "act", via="institution")
        .filter(person_id=pid, status=AffiliationStatus.ACTIVE)
        .first()
    )
    if employer is not None and any(
        info.has_role(r, institution_id=employer.institution_id) for r in INSTITUTION_ROLES
    ):
        person = Person.objects.select_for_update().get(pk=pid)
        institution_id = employer.institution_id
    else:
        person = _lock_person_for_authority(pid, acting_user)
        authority = _acting_authority(acting_user, RECORDING_ROLES)
    errors: list[ErrorItem] = []
    kind = _choice(data.get("kind"), TrainingKind, "kind", errors)
    title = _text(data.get("title"), "title", errors, limit=120, required=True)
    provider = _text(data.get("provider"), "provider", errors, limit=120)
    start = _as_date(data.get("start_on"), "start_on", errors)
    end = _as_date(data.get("end_on"), "end_on", errors)
    if start and end and end < start:
        errors.append(ErrorItem("period_order", _("结束日期不能早于开始日期。"), field="end_on"))
    try:
        hours = Decimal(str(data.get("hours", "")).strip())
        if not Decimal("0") < hours <= Decimal("9999"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.append(ErrorItem("bad_hours", _("学时应为大于0的数字。"), field="hours"))
        hours = Decimal("0")
    if errors:
        raise DomainError(errors=errors)
    assert start and end
    item = Training(
        person=person,
        kind=kind,
        title=title,
        provider=provider,
        start_on=start,
        end_on=end,
        hours=hours,
        institution_id=institution_id,
    )
    if authority is not None:
        _stamp(item, authority, acting_user)
    else:
        item.recorded_by = acting_user
    item.save()
    audit.record(
        EventType.TRAINING_RECORDED,
        actor=acting_user,
        subject=item,
        authority_id=authority.pk if authority else None,
        institution_id=institution_id,
        data={"person": person.pk, "kind": kind, "hours": str(hours)},
    )
    return item


# -- institution side --------------------------------------------------------------------------------
@transaction.atomic
def reset_practitioner_phone(
    person_id: int, *, acting_user: User, institution_id: int, phone: str, reason: str
) -> User:
    """The institution changes the phone number of one of its active staff (lost phone), with a reason.

    The new number is unverified until the practitioner verifies it. Audits PHONE_RESET_BY_INSTITUTION
    (without the number) and notifies the practitioner in the portal."""
    from medreg.accounts.models import User as UserModel
    from medreg.people.services import PHONE_RE, phone_index

    info = scope_info(acting_user)
    iid = _as_int(institution_id) or 0
    pid = _as_int(person_id) or 0
    if not any(info.has_role(r, institution_id=iid) for r in INSTITUTION_ROLES):
        raise NotFound(_("未找到该人员。"), code="not_found")
    affiliation = (
        Affiliation.objects.for_user(acting_user, "act", via="institution")
        .filter(person_id=pid, institution_id=iid, status=AffiliationStatus.ACTIVE)
        .first()
    )
    if affiliation is None:
        raise NotFound(_("未找到该人员。"), code="not_found")
    errors: list[ErrorItem] = []
    phone = (phone or "").strip()
    if not PHONE_RE.match(phone):
        errors.append(ErrorItem("phone", _("请输入11位中国大陆手机号码。"), field="phone"))
    reason = _text(reason, "reason", errors, limit=500, required=True)
    if errors:
        raise DomainError(errors=errors)
    user = UserModel.objects.select_for_update().filter(person_id=pid).first()
    if user is None:
        raise DomainError(_("该人员尚未注册个人账户。"), code="no_account")
    if user.phone_index == phone_index(phone):
        raise DomainError(_("新手机号码与原号码相同。"), code="same_phone", field="phone")
    user.phone = phone
    user.phone_index = phone_index(phone)
    user.phone_verified_at = None
    user.save(update_fields=["phone", "phone_index", "phone_verified_at"])
    audit.record(
        EventType.PHONE_RESET_BY_INSTITUTION,
        actor=acting_user,
        subject=user,
        institution_id=iid,
        data={"person": pid, "reason": reason},
    )
    notify.notify_user(
        user,
        title=_("您的手机号码已由执业机构更改"),
        body=_(
            "“%(institution)s”已更改您账户绑定的手机号码，原因：%(reason)s。如非本人申请，请立即联系机构。"
        ),
        params={"institution": affiliation.institution.name, "reason": reason},
        link="/portal/me/",
    )
    return user


@dataclass
class BatchResult:
    """The outcome of one application in a batch confirmation."""

    application_id: int
    ok: bool
    number: str = ""
    errors: list[dict[str, Any]] | None = None


def batch_confirm_applications(
    application_ids: list[Any], *, acting_user: User, comment: str = ""
) -> list[BatchResult]:
    """Confirm several applications at once. Each is confirmed in its own transaction through
    ``applications.services.confirm_by_institution`` (same checks and audit as one by one); a refused
    one does not stop the others. Returns one result per id, in order."""
    from medreg.applications import services as apps

    results: list[BatchResult] = []
    seen: set[int] = set()
    for raw in application_ids:
        app_id = _as_int(raw)
        if app_id is None or app_id in seen:
            continue
        seen.add(app_id)
        try:
            app = apps.confirm_by_institution(app_id, acting_user=acting_user, comment=comment)
        except DomainError as exc:
            results.append(BatchResult(app_id, False, errors=[e.as_dict() for e in exc.errors]))
        else:
            results.append(BatchResult(app_id, True, number=app.number))
    return results


def record_archive_export(person: Person, *, acting_user: User, fmt: str) -> None:
    """Audit that ``acting_user`` exported ``person``'s archive (who saw the personal file, and when)."""
    with transaction.atomic():
        audit.record(EventType.ARCHIVE_EXPORTED, actor=acting_user, subject=person, data={"format": fmt})


def record_roster_export(institution_id: int, *, acting_user: User, rows: int) -> None:
    """Audit an institution roster export."""
    with transaction.atomic():
        audit.record(
            EventType.ROSTER_EXPORTED,
            actor=acting_user,
            subject=("institutions.institution", institution_id),
            institution_id=institution_id,
            data={"rows": rows},
        )
