"""Writes of a physician registration's lifecycle: 注销 (three forms), 机构备案 of departures, the
two-year cancellation proposals, certificate replacement and approved personal-data updates.

Top-level services (``cancel_registration_by_authority``, ``decide_cancellation_proposal``,
``propose_cancellations``, ``approve_info_update_by_institution``) are one transaction each: they lock
the row, re-check scope and role, write the audit event and leave side effects to ``on_commit``.
The ``apply_*``/``record_*`` helpers run inside an application's approval transaction (called from the
items' ``on_approve``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import Role
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core.conf import conf
from medreg.core.errors import DomainError, ErrorItem, NotFound, PermissionDenied
from medreg.core.scoping import scope_info
from medreg.notifications import services as notify
from medreg.people.choices import AffiliationStatus, RegistrationStatus
from medreg.people.choices_lifecycle import CancellationForm, ProposalStatus
from medreg.people.models import Affiliation, Person, PracticeRegistration
from medreg.people.models_lifecycle import (
    CancellationProposal,
    DepartureRecord,
    PersonInfoVersion,
    RegistrationCancellation,
)

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application

LIVE_STATUSES = (RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED)
GROUND_TABLE = "cancellation_ground"
DEPARTURE_TABLE = "departure_kind"
INSTITUTION_STAFF_ROLES = (Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER)
INFO_FIELDS = ("education", "school", "title")


# -- small rules ----------------------------------------------------------------------------------------
def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole calendar years; 29 February falls back to 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def report_is_late(event_date: dt.date, *, on: dt.date) -> bool:
    """An institution must report within ``LIFECYCLE_REPORT_DAYS`` days of the event (day 30 is on time)."""
    return (on - event_date).days > int(conf("LIFECYCLE_REPORT_DAYS"))


def inactivity_due_on(event_date: dt.date) -> dt.date:
    """The day a departure record reaches ``LIFECYCLE_INACTIVITY_YEARS`` full years (中止执业满二年)."""
    return add_years(event_date, int(conf("LIFECYCLE_INACTIVITY_YEARS")))


def parse_date(value: Any, field: str, errors: list[ErrorItem], *, required: bool = True,
               not_after: dt.date | None = None) -> dt.date | None:
    """A ``YYYY-MM-DD`` form value; errors are collected, not raised."""
    if isinstance(value, dt.date):
        day: dt.date | None = value
    else:
        text = str(value or "").strip()
        if not text:
            if required:
                errors.append(ErrorItem("required", _("此项为必填项。"), field=field))
            return None
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            errors.append(ErrorItem("bad_date", _("请按“年-月-日”格式填写日期，例如2026-01-31。"), field=field))
            return None
    if day is not None and not_after is not None and day > not_after:
        errors.append(ErrorItem("future_date", _("日期不能晚于今天。"), field=field))
        return None
    return day


def ground_codes(form: str) -> dict[str, Any]:
    """The current 注销事由 codes open to ``form`` (self / institution / authority), by code."""
    from medreg.reference import selectors as ref

    return {c.code: c for c in ref.codes(GROUND_TABLE) if form in (c.extra or {}).get("forms", [])}


def clean_grounds(raw: Any, *, form: str, field: str, errors: list[ErrorItem]) -> list[str]:
    values = [raw] if isinstance(raw, str) else list(raw or [])
    values = [str(v).strip() for v in values if str(v).strip()]
    if not values:
        errors.append(ErrorItem("required", _("请选择注销事由。"), field=field))
        return []
    allowed = ground_codes(form)
    bad = [v for v in values if v not in allowed]
    if bad:
        errors.append(ErrorItem("unknown_ground", _("注销事由无效：%(codes)s"), field=field,
                                params={"codes": "、".join(bad)}))
    return list(dict.fromkeys(values))


def registrations_for(user: User | None, *, via: str) -> Any:
    """Physician registrations ``user`` may pick in a form: their own (via person) or their staff's."""
    return PracticeRegistration.objects.for_user(user, "view", via=via).filter(  # type: ignore[arg-type]
        profession="physician"
    ).select_related("person", "main_institution", "authority")


def _person_user(person: Person) -> Any:
    try:
        return person.user  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a person without an account (legacy import)
        return None


def _require_role(user: User | None, role: str, *, authority_id: int) -> None:
    if not scope_info(user).has_role(role, authority_id=authority_id):
        raise PermissionDenied(_("您没有“%(role)s”权限。"), code="missing_role", params={"role": Role(role).label})


# -- 注销 -----------------------------------------------------------------------------------------------
def cancel_registration(
    registration: PracticeRegistration,
    *,
    acting_user: User | None,
    form: str,
    grounds: list[str],
    reason: str = "",
    event_date: dt.date | None = None,
    reported_late: bool = False,
    application: Application | None = None,
    proposal: CancellationProposal | None = None,
) -> RegistrationCancellation:
    """Cancel a registration inside the caller's transaction; revoke its e-licence; audit; notify.

    Open cancellation proposals for the registration are closed (the one acted on is accepted).
    """
    from medreg.licences.services import sync_registration_licence

    reg = PracticeRegistration.objects.select_for_update().select_related("person").get(pk=registration.pk)
    if reg.status not in LIVE_STATUSES:
        raise DomainError(_("该执业注册已注销或失效，不能再次注销。"), code="not_cancellable")
    old = reg.status
    reg.status = RegistrationStatus.CANCELLED
    reg.save(update_fields=["status", "updated_at"])
    today = timezone.localdate()
    from medreg.people import practice

    practice.end_sites(reg, kinds=("main", "filed"), on=today, acting_user=acting_user, application=application)
    practice.record_changes(reg, {"status": (old, RegistrationStatus.CANCELLED)}, application=application,
                            acting_user=acting_user, on=today)
    record = RegistrationCancellation.objects.create(
        registration=reg, person=reg.person, form=form, grounds=list(grounds), reason=reason[:2000],
        event_date=event_date, reported_late=reported_late, cancelled_on=today, application=application,
        proposal=proposal, decided_by=acting_user, authority_id=reg.authority_id,
        authority_division_code=reg.authority_division_code,
    )
    others = CancellationProposal.objects.filter(registration=reg, status=ProposalStatus.OPEN)
    if proposal is not None:
        others = others.exclude(pk=proposal.pk)
    others.update(status=ProposalStatus.CLOSED, decided_at=timezone.now(), decided_by=acting_user)
    audit.record(
        EventType.REGISTRATION_CANCELLED, actor=acting_user, subject=reg, authority_id=reg.authority_id,
        institution_id=reg.main_institution_id,
        data={"from": old, "form": form, "grounds": list(grounds), "certificate_no": reg.certificate_no,
              "event_date": event_date.isoformat() if event_date else None, "late": reported_late,
              "application": application.number if application else None,
              "proposal": proposal.pk if proposal else None},
    )
    sync_registration_licence(reg, acting_user=acting_user, reason="cancelled")
    notify.notify_user(
        _person_user(reg.person), title=_("您的执业注册已注销"),
        body=_("执业证书%(no)s已注销，电子证照同时废止。"), params={"no": reg.certificate_no},
        link="/portal/me/archive/",
    )
    return record


@transaction.atomic
def cancel_registration_by_authority(
    registration_id: int, *, acting_user: User, grounds: Iterable[str] | str, reason: str
) -> RegistrationCancellation:
    """注销 decided by the granting commission on its own findings (医师法 第17条). Approver only."""
    if not PracticeRegistration.objects.for_user(acting_user, "act", via="authority").filter(
        pk=registration_id
    ).exists():
        raise NotFound(_("未找到该执业注册。"), code="not_found")
    reg = PracticeRegistration.objects.select_for_update().get(pk=registration_id)
    _require_role(acting_user, Role.APPROVER, authority_id=reg.authority_id)
    errors: list[ErrorItem] = []
    codes = clean_grounds(grounds, form=CancellationForm.AUTHORITY, field="grounds", errors=errors)
    reason = (reason or "").strip()
    if not reason:
        errors.append(ErrorItem("required", _("请填写注销理由。"), field="reason"))
    if errors:
        raise DomainError(errors=errors)
    return cancel_registration(reg, acting_user=acting_user, form=CancellationForm.AUTHORITY, grounds=codes,
                               reason=reason)


# -- 机构备案 and the two-year proposal ---------------------------------------------------------------------
def record_departure(application: Application, *, acting_user: User | None) -> DepartureRecord:
    """Apply an approved 机构备案: end the affiliation and keep the departure record (inside the approval)."""
    from medreg.reference import selectors as ref

    data = application.form_data
    reg = PracticeRegistration.objects.select_for_update().get(pk=data["registration"])
    event_date = dt.date.fromisoformat(data["event_date"])
    kind = data["kind"]
    code = ref.code_map(DEPARTURE_TABLE).get(kind)
    status = (code.extra or {}).get("affiliation_status", AffiliationStatus.LEFT) if code else AffiliationStatus.LEFT
    aff = Affiliation.objects.select_for_update().filter(
        person_id=reg.person_id, institution_id=reg.main_institution_id, status=AffiliationStatus.ACTIVE
    ).first()
    if aff is not None:
        aff.status = status
        aff.ended_on = event_date
        aff.save(update_fields=["status", "ended_on"])
    record = DepartureRecord.objects.create(
        person_id=reg.person_id, institution_id=reg.main_institution_id, affiliation=aff, registration=reg,
        kind=kind, event_date=event_date, filed_on=timezone.localdate(application.submitted_at or timezone.now()),
        reported_late=bool(data.get("late")), note=str(data.get("note") or "")[:2000], application=application,
        authority_id=reg.authority_id, authority_division_code=reg.authority_division_code,
        recorded_by=acting_user,
    )
    audit.record(
        EventType.DEPARTURE_FILED, actor=acting_user, subject=record, authority_id=reg.authority_id,
        institution_id=reg.main_institution_id,
        data={"kind": kind, "event_date": event_date.isoformat(), "late": record.reported_late,
              "affiliation": aff.pk if aff else None, "affiliation_status": status if aff else None,
              "application": application.number},
    )
    if kind == "death":  # nothing to wait for: propose the 注销 at once
        _propose(record, grounds=["death"], basis_date=event_date, acting_user=acting_user)
    return record


def resumed_practice(record: DepartureRecord) -> bool:
    """Whether the person practises again after the departure (new main institution, new affiliation
    or a newer registration)."""
    reg = record.registration
    if reg.main_institution_id != record.institution_id:
        return True
    if Affiliation.objects.filter(
        person_id=record.person_id, status=AffiliationStatus.ACTIVE, activated_at__date__gt=record.event_date
    ).exists():
        return True
    return PracticeRegistration.objects.filter(
        person_id=record.person_id, status=RegistrationStatus.ACTIVE, registered_on__gt=record.event_date
    ).exclude(pk=reg.pk).exists()


def _propose(record: DepartureRecord, *, grounds: list[str], basis_date: dt.date,
             acting_user: User | None) -> CancellationProposal | None:
    reg = record.registration
    if reg.status not in LIVE_STATUSES:
        return None
    if CancellationProposal.objects.filter(registration=reg, status=ProposalStatus.OPEN).exists():
        return None
    try:
        with transaction.atomic():
            proposal = CancellationProposal.objects.create(
                registration=reg, person_id=record.person_id, departure=record, grounds=grounds,
                basis_date=basis_date, proposed_at=timezone.now(), authority_id=reg.authority_id,
                authority_division_code=reg.authority_division_code,
            )
    except IntegrityError:  # a concurrent run proposed it first
        return None
    audit.record(
        EventType.CANCELLATION_PROPOSED, actor=acting_user, subject=proposal, authority_id=reg.authority_id,
        institution_id=record.institution_id,
        data={"registration": reg.pk, "departure": record.pk, "grounds": grounds,
              "basis_date": basis_date.isoformat()},
    )
    notify.notify_authority_staff(
        reg.authority, roles={Role.APPROVER}, title=_("系统提出注销建议"),
        body=_("执业证书%(no)s：%(reason)s"), params={"no": reg.certificate_no, "reason": _proposal_reason(grounds)},
        link="/portal/authority/lifecycle/proposals/",
    )
    return proposal


def _proposal_reason(grounds: list[str]) -> str:
    from medreg.reference import selectors as ref

    return "、".join(ref.code_name(GROUND_TABLE, g) for g in grounds)


def propose_cancellations(*, acting_user: User | None, today: dt.date | None = None) -> list[CancellationProposal]:
    """The scheduled job: propose 注销 for every departure record ``LIFECYCLE_INACTIVITY_YEARS`` full
    years old whose registration is still live and whose holder has not resumed practice.

    Safe to run twice (one proposal per departure record; one open proposal per registration); each
    record is handled in its own transaction; the run itself is audited.
    """
    today = today or timezone.localdate()
    years = int(conf("LIFECYCLE_INACTIVITY_YEARS"))
    latest = add_years(today, -years) + dt.timedelta(days=1)  # wide by a day for 29 February
    candidates = list(
        DepartureRecord.objects.filter(
            event_date__lte=latest, proposals__isnull=True, registration__status__in=LIVE_STATUSES
        ).values_list("pk", flat=True)
    )
    created: list[CancellationProposal] = []
    for pk in candidates:
        with transaction.atomic():
            record = DepartureRecord.objects.select_for_update().select_related("registration").get(pk=pk)
            due = inactivity_due_on(record.event_date)
            if due > today or record.proposals.exists() or resumed_practice(record):
                continue
            proposal = _propose(record, grounds=["practice_ceased_2y"], basis_date=due, acting_user=acting_user)
            if proposal is not None:
                created.append(proposal)
    with transaction.atomic():
        audit.record(EventType.CANCELLATION_JOB_RUN, actor=acting_user, subject=("lifecycle", "proposals"),
                     data={"date": today.isoformat(), "checked": len(candidates), "proposed": len(created)})
    return created


@transaction.atomic
def decide_cancellation_proposal(
    proposal_id: int, *, acting_user: User, accept: bool, reason: str = ""
) -> CancellationProposal:
    """The approver accepts a proposal (the registration is cancelled) or dismisses it with a reason."""
    if not CancellationProposal.objects.for_user(acting_user, "act", via="authority").filter(
        pk=proposal_id
    ).exists():
        raise NotFound(_("未找到该注销建议。"), code="not_found")
    proposal = CancellationProposal.objects.select_for_update().select_related("registration").get(pk=proposal_id)
    _require_role(acting_user, Role.APPROVER, authority_id=proposal.authority_id)
    if proposal.status != ProposalStatus.OPEN:
        raise DomainError(_("该注销建议已处理。"), code="proposal_closed")
    reason = (reason or "").strip()[:2000]
    if not accept and not reason:
        raise DomainError(_("不予注销须说明理由。"), code="required", field="reason")
    if accept:
        departure = proposal.departure
        cancel_registration(
            proposal.registration, acting_user=acting_user, form=CancellationForm.AUTHORITY,
            grounds=list(proposal.grounds), reason=reason, proposal=proposal,
            event_date=departure.event_date if departure else proposal.basis_date,
        )
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DISMISSED
    proposal.decided_at, proposal.decided_by, proposal.decision_reason = timezone.now(), acting_user, reason
    proposal.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    audit.record(
        EventType.CANCELLATION_PROPOSAL_DECIDED, actor=acting_user, subject=proposal,
        authority_id=proposal.authority_id, institution_id=proposal.registration.main_institution_id,
        data={"accept": accept, "reason": reason, "registration": proposal.registration_id},
    )
    return proposal


# -- 换领/补发 ------------------------------------------------------------------------------------------
def replace_certificate(application: Application, *, acting_user: User | None) -> dict[str, Any]:
    """Issue a new version of the registration's e-licence (the old one is superseded); audited."""
    from medreg.licences.services import issue_for_registration

    data = application.form_data
    reg = PracticeRegistration.objects.select_for_update().select_related("person", "main_institution").get(
        pk=data["registration"]
    )
    if reg.status != RegistrationStatus.ACTIVE:
        raise DomainError(_("只有有效的执业注册可以换领或补发证书。"), code="registration_not_active")
    licence = issue_for_registration(reg, acting_user=acting_user)
    audit.record(
        EventType.CERTIFICATE_REPLACED, actor=acting_user, subject=reg, authority_id=reg.authority_id,
        institution_id=reg.main_institution_id,
        data={"reason": data.get("reason"), "application": application.number, "version": licence.version,
              "notice_late": bool(data.get("notice_late"))},
    )
    return {"registration": reg, "licence": licence}


# -- 个人信息更新 ------------------------------------------------------------------------------------------
def current_info(person: Person) -> PersonInfoVersion | None:
    return person.info_versions.order_by("-version").first()  # type: ignore[attr-defined, no-any-return]


def apply_person_info_update(application: Application, *, acting_user: User | None) -> PersonInfoVersion:
    """Make an approved 个人信息更新 effective. The archive keeps the version before and the new one."""
    from medreg.applications.choices import AttachmentKind

    assert application.person_id is not None
    person = Person.objects.select_for_update().get(pk=application.person_id)
    data = application.form_data
    last = current_info(person)
    now = timezone.now()
    if last is None:  # keep what was there before the first approved update
        last = PersonInfoVersion.objects.create(
            person=person, version=1, education=person.education, school=person.school, title=person.title,
        )
    photo = application.attachments.filter(kind=AttachmentKind.PHOTO).order_by("-uploaded_at").first()
    new_values = {f: (str(data.get(f) or "").strip() or getattr(person, f)) for f in INFO_FIELDS}
    version = PersonInfoVersion.objects.create(
        person=person, version=last.version + 1, **new_values,
        photo=photo or last.photo, photo_sha256=photo.sha256 if photo else last.photo_sha256,
        application=application, approved_by=acting_user, approved_by_institution_id=application.institution_id,
        approved_at=now,
    )
    changes = {f: {"old": getattr(person, f), "new": v} for f, v in new_values.items() if getattr(person, f) != v}
    for f, v in new_values.items():
        setattr(person, f, v)
    person.save(update_fields=[*INFO_FIELDS, "updated_at"])
    audit.record(
        EventType.PERSON_INFO_UPDATED, actor=acting_user, subject=person,
        institution_id=application.institution_id,
        data={"changes": changes, "photo": photo.sha256 if photo else None, "version": version.version,
              "application": application.number},
    )
    return version


@transaction.atomic
def approve_info_update_by_institution(application_id: int, *, acting_user: User, comment: str = "") -> Application:
    """个人信息更新 takes effect on the institution's approval: the item's review chain is the institution
    alone, so its staff decide (the generic ``decide_by_institution``: SUBMITTED → APPROVED, the item's own
    transition table, pre-checks, ``on_approve``, timeline and audit)."""
    from medreg.applications import services as apps

    return apps.decide_by_institution(application_id, acting_user=acting_user, comment=comment)
