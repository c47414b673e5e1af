"""Nurse registration (护士条例 第7–10、32条; 护士执业注册管理办法 [K]).

Rules (pure reads, returning :class:`ErrorItem` lists) and the registry effects of the nurse items:
first registration, change, renewal (including the deemed grant of 行政许可法 第50条), re-registration
and cancellation. The effects run inside the approval transaction of ``applications.services``; the
deemed grant is its own top-level service, run by a scheduled task and by ``medreg nurses auto-renew``.

Dates are inclusive: a registration with ``valid_until`` = D is valid on D and expired on D + 1.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import OPEN, Action, AttachmentKind, Status
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core import identifiers
from medreg.core.conf import conf
from medreg.core.errors import Conflict, DomainError, ErrorItem
from medreg.core.models import Counter
from medreg.core.pii import blind_index
from medreg.people.choices import AffiliationStatus, Profession, RegistrationStatus
from medreg.people.models import PracticeRegistration, QualificationRecord

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application
    from medreg.institutions.models import Institution
    from medreg.licences.models import ELicence
    from medreg.people.models import Person

FIRST = "NUR-REG-FIRST"
CHANGE = "NUR-REG-CHANGE"
RENEW = "NUR-REG-RENEW"
REREGISTER = "NUR-REG-RE"
CANCEL = "NUR-REG-CANCEL"
NURSE_ITEMS = (FIRST, CHANGE, RENEW, REREGISTER, CANCEL)
CERT_SERIAL_DIGITS = 8  # the same sequence as the legacy import (people.imports), so numbers never collide

# A renewal still undecided at expiry is deemed granted from these statuses (行政许可法 第50条). Not
# from 补正 or 退回: the application is then incomplete on the applicant's side.
DEEMED_GRANT_FROM = frozenset({Status.SUBMITTED, Status.RECEIVED, Status.ACCEPTED, Status.REVIEWED})
DEEMED_GRANT_TRANSITIONS: dict[str, frozenset[str]] = {s: frozenset({Status.APPROVED}) for s in DEEMED_GRANT_FROM}


# -- dates ------------------------------------------------------------------------------------------------
def add_months(d: date, months: int) -> date:
    """``d`` moved by whole calendar months; the day is clipped to the month's end (31 Mar - 1 = 28/29 Feb)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    day = min(d.day, pycalendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def add_years(d: date, years: int) -> date:
    return add_months(d, 12 * years)


def valid_until_for(start: date) -> date:
    """注册有效期 5 years (护士条例 第8条), counted like the legacy register: start + 5 years."""
    return add_years(start, conf("NURSE_REGISTRATION_VALID_YEARS"))


def _today(on: date | None) -> date:
    return on or timezone.localdate()


# -- reads ------------------------------------------------------------------------------------------------
def nurse_registrations(person: Person) -> list[PracticeRegistration]:
    return list(
        person.registrations.filter(profession=Profession.NURSE)
        .select_related("main_institution", "authority")
        .order_by("-registered_on", "-pk")
    )


def is_expired(reg: PracticeRegistration, on: date | None = None) -> bool:
    return reg.valid_until is not None and reg.valid_until < _today(on)


def current_registration(person: Person | None) -> PracticeRegistration | None:
    """The nurse's active registration (expired or not), if any."""
    if person is None:
        return None
    return (
        person.registrations.filter(profession=Profession.NURSE, status=RegistrationStatus.ACTIVE)
        .select_related("main_institution", "authority")
        .order_by("-registered_on", "-pk")
        .first()
    )


def renewal_window(reg: PracticeRegistration) -> tuple[date, date] | None:
    """(first day, last day) on which 延续注册 may be filed: the 3 months before expiry, expiry day included."""
    if reg.valid_until is None:
        return None
    return add_months(reg.valid_until, -conf("NURSE_RENEWAL_WINDOW_MONTHS")), reg.valid_until


def in_renewal_window(reg: PracticeRegistration, on: date | None = None) -> bool:
    window = renewal_window(reg)
    return window is not None and window[0] <= _today(on) <= window[1]


def filed_on(application: Application) -> date | None:
    return timezone.localdate(application.submitted_at) if application.submitted_at else None


def qualifies_for_deemed_grant(application: Application, reg: PracticeRegistration) -> bool:
    """Filed at least 30 days before expiry (行政许可法 第50条)."""
    filed = filed_on(application)
    return (
        filed is not None and reg.valid_until is not None
        and (reg.valid_until - filed).days >= conf("NURSE_RENEWAL_DEEMED_GRANT_DAYS")
    )


def exam_deadline(qualification: QualificationRecord) -> date:
    """The last day a first registration needs no 3-month training (within 3 years of the exam)."""
    return add_years(qualification.obtained_on, conf("NURSE_EXAM_VALID_YEARS"))


def practice_ended_on(reg: PracticeRegistration) -> date | None:
    """When practice under ``reg`` ended (None: it has not). Expiry ends it; so does cancellation or lapse.

    A cancelled or lapsed row is not changed afterwards, so its last update is when it ended.
    """
    ends: list[date] = []
    if reg.valid_until is not None and reg.valid_until < timezone.localdate():
        ends.append(reg.valid_until)
    if reg.status in (RegistrationStatus.CANCELLED, RegistrationStatus.LAPSED):
        ends.append(timezone.localdate(reg.updated_at))
    return min(ends) if ends else None


# -- rules ------------------------------------------------------------------------------------------------
def _bars(person: Person, on: date | None) -> list[ErrorItem]:
    try:
        from medreg.people.eligibility import registration_bars
    except ImportError:  # pragma: no cover - the records stream provides it
        return []
    return list(registration_bars(person, profession=Profession.NURSE, on=on))


def _institution_problems(person: Person, institution: Institution | None) -> list[ErrorItem]:
    if institution is None:
        return [ErrorItem("parties", _("申请人或执业机构缺失。"))]
    problems: list[ErrorItem] = []
    if institution.status != "active":
        problems.append(ErrorItem("institution_inactive", _("所选机构当前不在执业状态。"), field="main_institution"))
    if not person.affiliations.filter(institution=institution, status=AffiliationStatus.ACTIVE).exists():
        problems.append(ErrorItem(
            "not_activated", _("您的账户尚未被“%(institution)s”激活，请先联系该机构激活。"),
            field="main_institution", params={"institution": institution.name},
        ))
    return problems


def _has_attachment(application: Application, kind: str) -> bool:
    return application.attachments.filter(kind=kind).exists()


def _duplicate_open(application: Application, codes: tuple[str, ...]) -> list[ErrorItem]:
    from medreg.applications.models import Application as Model

    others = (
        Model.objects.filter(person=application.person, item_code__in=codes, status__in=OPEN)
        .exclude(status=Status.DRAFT)
        .exclude(pk=application.pk)
    )
    if others.exists():
        return [ErrorItem("duplicate_application", _("您已有一份正在办理的护士注册申请，请待其办结或撤回后再申请。"))]
    return []


def first_registration_problems(application: Application, *, on: date | None = None) -> list[ErrorItem]:
    """Why a nurse's first registration cannot go ahead now (护士条例 第7、8条)."""
    person = application.person
    if person is None:
        return [ErrorItem("parties", _("申请人或执业机构缺失。"))]
    problems = _institution_problems(person, application.institution)
    if person.registrations.filter(profession=Profession.NURSE).exists():
        problems.append(ErrorItem(
            "already_registered", _("您已有护士执业注册记录，请申请变更注册、延续注册或重新注册。"),
        ))
    qual = person.qualifications.filter(
        profession=Profession.NURSE, pk=application.form_data.get("qualification") or 0
    ).first()
    if qual is None:
        problems.append(ErrorItem("unknown_qualification", _("未找到该护士执业资格考试信息。"), field="qualification"))
    elif _today(on) > exam_deadline(qual) and not _has_attachment(application, AttachmentKind.TRAINING_PROOF):
        problems.append(ErrorItem(
            "training_required",
            _("您通过护士执业资格考试已超过%(years)s年（%(date)s），须提交在教学、综合医院接受3个月临床护理培训并考核合格的证明。"),
            field="attachments",
            params={"years": conf("NURSE_EXAM_VALID_YEARS"), "date": qual.obtained_on.isoformat()},
        ))
    problems += _duplicate_open(application, (FIRST, REREGISTER))
    return problems + _bars(person, on)


def change_problems(application: Application, *, on: date | None = None) -> list[ErrorItem]:
    """Why a 变更注册 cannot go ahead: an active, unexpired registration and a different institution."""
    person = application.person
    reg = _target(application)
    if person is None or reg is None:
        return [ErrorItem("no_registration", _("未找到您有效的护士执业注册。"), field="registration")]
    problems = _registration_usable(reg, on)
    problems += _institution_problems(person, application.institution)
    if application.institution_id == reg.main_institution_id:
        problems.append(ErrorItem(
            "same_institution", _("新的执业机构与当前注册的执业机构相同，无需变更。"), field="main_institution",
        ))
    problems += _duplicate_open(application, (CHANGE, CANCEL))
    return problems + _bars(person, on)


def renewal_problems(application: Application, *, on: date | None = None) -> list[ErrorItem]:
    """Why a 延续注册 cannot go ahead: filed outside the 3 months before expiry, or no usable registration.

    The window is judged on the filing date once the application is filed, so a timely application
    can still be approved after expiry.
    """
    person = application.person
    reg = _target(application)
    if person is None or reg is None:
        return [ErrorItem("no_registration", _("未找到您有效的护士执业注册。"), field="registration")]
    problems: list[ErrorItem] = []
    if reg.status not in (RegistrationStatus.ACTIVE, RegistrationStatus.LAPSED):
        problems.append(ErrorItem("registration_inactive", _("该护士执业注册当前状态为“%(status)s”，不能办理。"),
                                  field="registration", params={"status": reg.get_status_display()}))
    when = on
    if application.status not in (Status.DRAFT, Status.RETURNED):
        when = filed_on(application) or on
    window = renewal_window(reg)
    if window is None or not window[0] <= _today(when) <= window[1]:
        problems.append(ErrorItem(
            "renewal_window",
            _("延续注册只能在执业注册有效期届满前3个月内申请（%(start)s至%(end)s）；已过期的请申请重新注册。"),
            field="registration",
            params={"start": window[0].isoformat() if window else "", "end": window[1].isoformat() if window else ""},
        ))
    problems += _duplicate_open(application, (RENEW, CANCEL))
    return problems + _bars(person, on)


def reregistration_problems(application: Application, *, on: date | None = None) -> list[ErrorItem]:
    """Why a 重新注册 cannot go ahead (护士条例 第10、32条).

    Allowed once the last registration has expired unrenewed, lapsed or been cancelled; the waiting
    period after a revocation (2 years) is one of ``registration_bars``. More than 3 years without
    practice needs the proof of 3 months' training.
    """
    person = application.person
    if person is None:
        return [ErrorItem("parties", _("申请人或执业机构缺失。"))]
    today = _today(on)
    problems = _institution_problems(person, application.institution)
    regs = nurse_registrations(person)
    live = [r for r in regs if r.status in (RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED)
            and not is_expired(r, today)]
    ended = [e for e in (practice_ended_on(r) for r in regs) if e is not None]
    if live:
        problems.append(ErrorItem("registration_valid", _("您的护士执业注册仍在有效期内，无需重新注册。")))
    elif not ended:
        problems.append(ErrorItem("no_previous_registration", _("没有已失效的护士执业注册记录，请申请首次注册。")))
    else:
        last = max(ended)
        limit = add_years(last, conf("NURSE_REREGISTRATION_TRAINING_YEARS"))
        if today > limit and not _has_attachment(application, AttachmentKind.TRAINING_PROOF):
            problems.append(ErrorItem(
                "training_required",
                _("您中断护理执业活动已超过%(years)s年（自%(date)s起），须提交3个月临床护理培训并考核合格的证明。"),
                field="attachments",
                params={"years": conf("NURSE_REREGISTRATION_TRAINING_YEARS"), "date": last.isoformat()},
            ))
    problems += _duplicate_open(application, (FIRST, REREGISTER))
    return problems + _bars(person, on)


def cancellation_problems(application: Application, *, on: date | None = None) -> list[ErrorItem]:
    reg = _target(application)
    if application.person is None or reg is None:
        return [ErrorItem("no_registration", _("未找到您有效的护士执业注册。"), field="registration")]
    problems: list[ErrorItem] = []
    if reg.status not in (RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED, RegistrationStatus.LAPSED):
        problems.append(ErrorItem("registration_inactive", _("该护士执业注册当前状态为“%(status)s”，不能办理。"),
                                  field="registration", params={"status": reg.get_status_display()}))
    return problems + _duplicate_open(application, (CHANGE, RENEW, CANCEL))


def _registration_usable(reg: PracticeRegistration, on: date | None) -> list[ErrorItem]:
    if reg.status != RegistrationStatus.ACTIVE:
        return [ErrorItem("registration_inactive", _("该护士执业注册当前状态为“%(status)s”，不能办理。"),
                          field="registration", params={"status": reg.get_status_display()})]
    if is_expired(reg, on):
        return [ErrorItem("registration_expired",
                          _("您的护士执业注册已于%(date)s届满，请申请重新注册。"), field="registration",
                          params={"date": reg.valid_until.isoformat() if reg.valid_until else ""})]
    return []


def _target(application: Application) -> PracticeRegistration | None:
    pk = application.form_data.get("registration")
    if application.person_id is None or pk in (None, ""):
        return None
    return PracticeRegistration.objects.filter(
        pk=pk, person_id=application.person_id, profession=Profession.NURSE
    ).select_related("main_institution", "authority").first()


# -- qualification import ------------------------------------------------------------------------------
@transaction.atomic
def import_nurse_qualification(
    *, acting_user: User | None, name: str, id_number: str, passed_on: date, certificate_code: str = "",
    source: str = "exam_centre",
) -> QualificationRecord:
    """Take one 护士执业资格考试 result from the exam-centre sync (passed date, optional 合格证明编号).

    Idempotent: the same person and exam date (or the same certificate code) returns the stored
    record. The audit event holds no personal data.
    """
    from medreg.people.services import id_index

    errors: list[ErrorItem] = []
    cid = None
    try:
        cid = identifiers.validate_citizen_id(id_number, field="id_number")
    except DomainError as exc:
        errors.extend(exc.errors)
    name = (name or "").strip()
    if not name:
        errors.append(ErrorItem("required", _("请填写姓名。"), field="name"))
    if not isinstance(passed_on, date):
        errors.append(ErrorItem("required", _("请填写考试合格日期。"), field="passed_on"))
    elif passed_on > timezone.localdate():
        errors.append(ErrorItem("future_date", _("考试合格日期不能晚于今天。"), field="passed_on"))
    code = "".join((certificate_code or "").split()).upper()
    if len(code) > 40:
        errors.append(ErrorItem("too_long", _("最多%(n)s个字符。"), field="certificate_code", params={"n": 40}))
    if errors:
        raise DomainError(errors=errors)
    assert cid is not None
    index = id_index(cid.number)
    code_index = blind_index(code, purpose="nurse-exam-code") if code else ""
    existing = QualificationRecord.objects.select_for_update().filter(
        profession=Profession.NURSE, id_index=index, obtained_on=passed_on
    ).first()
    if existing is None and code_index:
        existing = QualificationRecord.objects.filter(profession=Profession.NURSE, certificate_index=code_index).first()
    if existing is not None:
        return existing
    person_id = (
        QualificationRecord.objects.filter(id_index=index, person__isnull=False).values_list("person_id", flat=True)
        .first()
    )
    record = QualificationRecord.objects.create(
        profession=Profession.NURSE, id_index=index, name=name, certificate_code=code, certificate_index=code_index,
        obtained_on=passed_on, source=source, synced_at=timezone.now(), person_id=person_id,
    )
    audit.record(EventType.NURSE_QUALIFICATION_IMPORTED, actor=acting_user, subject=record,
                 data={"year": passed_on.year, "source": source, "linked": person_id is not None})
    return record


# -- effects of approved applications (inside the approval transaction) ---------------------------------
def next_nurse_certificate_no(division_code: str, on: date) -> str:
    name = f"nurse-cert:{on.year}{division_code[:2]}"
    serial = Counter.next(name)
    if serial >= 10 ** CERT_SERIAL_DIGITS:
        raise RuntimeError("nurse certificate sequence exhausted")
    return f"{on.year}{division_code[:2]}{serial:0{CERT_SERIAL_DIGITS}d}"


def sync_licence(reg: PracticeRegistration, *, acting_user: User | None, reason: str) -> ELicence | None:
    """Bring the e-licence in line with the registration (licences stream's contract, with a fallback)."""
    from medreg.licences import services as licences
    from medreg.licences.choices import LicenceStatus

    sync = getattr(licences, "sync_registration_licence", None)
    if sync is not None:
        result: ELicence | None = sync(reg, acting_user=acting_user, reason=reason)
        return result
    if reg.status == RegistrationStatus.ACTIVE:
        return licences.issue_for_registration(reg, acting_user=acting_user)
    for lic in reg.licences.filter(status=LicenceStatus.VALID):
        licences.revoke_licence(lic.pk, acting_user=acting_user, reason=reason)
    return None


def _lock_target(application: Application) -> PracticeRegistration:
    reg = _target(application)
    if reg is None:
        raise DomainError(_("未找到您有效的护士执业注册。"), code="no_registration", field="registration")
    return PracticeRegistration.objects.select_for_update().select_related("main_institution", "authority").get(
        pk=reg.pk
    )


def _lapse(reg: PracticeRegistration, *, acting_user: User | None, reason: str) -> None:
    from medreg.people import practice

    old_status = reg.status
    reg.status = RegistrationStatus.LAPSED
    reg.save(update_fields=["status", "updated_at"])
    today = timezone.localdate()
    practice.end_sites(reg, kinds=("main", "filed"), on=min(today, reg.valid_until or today), acting_user=acting_user,
                       application=None)
    practice.record_changes(reg, {"status": (old_status, RegistrationStatus.LAPSED)}, application=None,
                            acting_user=acting_user, on=today)
    audit.record(EventType.NURSE_REGISTRATION_LAPSED, actor=acting_user, subject=reg,
                 authority_id=reg.authority_id, institution_id=reg.main_institution_id,
                 data={"certificate_no": reg.certificate_no, "reason": reason,
                       "valid_until": reg.valid_until.isoformat() if reg.valid_until else None})
    sync_licence(reg, acting_user=acting_user, reason=reason)


def create_nurse_registration(
    application: Application, *, acting_user: User | None, reregistration: bool = False
) -> dict[str, Any]:
    """An approved first or re-registration becomes an active nurse registration valid for 5 years.

    For a re-registration, an expired registration still marked active lapses first. Audited; the
    e-licence is issued in the same transaction.
    """
    from medreg.licences import services as licences

    person, institution = application.person, application.institution
    assert person is not None and institution is not None
    today = timezone.localdate()
    if reregistration:
        for old in PracticeRegistration.objects.select_for_update().filter(
            person=person, profession=Profession.NURSE, status=RegistrationStatus.ACTIVE
        ):
            if not is_expired(old, today):
                raise Conflict(_("您的护士执业注册仍在有效期内，无需重新注册。"), code="registration_valid")
            _lapse(old, acting_user=acting_user, reason="reregistration")
    place = institution.division_code
    try:
        with transaction.atomic():
            reg = PracticeRegistration.objects.create(
                person=person, profession=Profession.NURSE, practice_division_id=place,
                main_institution=institution, authority=application.authority,
                authority_division_code=application.authority_division_code,
                certificate_no=next_nurse_certificate_no(place, today), status=RegistrationStatus.ACTIVE,
                registered_on=today, valid_until=valid_until_for(today), source_application=application,
            )
    except IntegrityError:
        raise Conflict(_("您已有有效的护士执业注册。"), code="duplicate_registration") from None
    data = application.form_data
    changes: dict[str, dict[str, str]] = {}
    for attr in ("education", "school"):
        if data.get(attr) and getattr(person, attr) != data[attr]:
            changes[attr] = {"old": getattr(person, attr), "new": data[attr]}
            setattr(person, attr, data[attr])
    if changes:
        person.save(update_fields=[*changes, "updated_at"])
    audit.record(
        EventType.NURSE_REGISTRATION_CREATED, actor=acting_user, subject=reg,
        authority_id=application.authority_id, institution_id=institution.pk,
        data={"certificate_no": reg.certificate_no, "application": application.number, "place": place,
              "valid_until": reg.valid_until.isoformat() if reg.valid_until else None,
              "reregistration": reregistration, "person_changes": changes},
    )
    from medreg.people import practice

    practice.open_main_site(reg, institution=institution, start_on=today, application=application,
                            acting_user=acting_user)
    licence = licences.issue_for_registration(reg, acting_user=acting_user)
    return {"registration": reg, "licence": licence}


def change_nurse_registration(application: Application, *, acting_user: User | None) -> dict[str, Any]:
    """变更注册 (护士条例 第9条): the new institution, its place and its commission take over.

    A change to another province is reported to the original registering authority (in-app, to its
    staff). A new licence version shows the new institution.
    """
    from medreg.accounts.choices import AUTHORITY_ROLES
    from medreg.notifications import services as notify

    reg = _lock_target(application)
    institution = application.institution
    assert institution is not None
    old = {"main_institution": reg.main_institution_id, "practice_division": reg.practice_division_id,
           "authority": reg.authority_id}
    old_authority, old_province = reg.authority, reg.practice_division_id[:2]
    reg.main_institution = institution
    reg.practice_division_id = institution.division_code
    reg.authority = application.authority
    reg.authority_division_code = application.authority_division_code
    try:
        with transaction.atomic():
            reg.save(update_fields=["main_institution", "practice_division", "authority", "authority_division_code",
                                    "updated_at"])
    except IntegrityError:
        raise Conflict(_("您已有有效的护士执业注册。"), code="duplicate_registration") from None
    cross = old_province != institution.division_code[:2]
    from medreg.people import practice

    today = timezone.localdate()
    if old["main_institution"] != institution.pk:
        practice.end_sites(reg, kinds=("main",) if not cross else ("main", "filed"), on=today,
                           acting_user=acting_user, application=application)
        practice.open_main_site(reg, institution=institution, start_on=today, application=application,
                                acting_user=acting_user)
    practice.record_changes(
        reg, {k: (v, n) for (k, v), n in zip(old.items(), (institution.pk, institution.division_code,
                                                             application.authority_id), strict=True) if v != n},
        application=application, acting_user=acting_user, on=today)
    audit.record(
        EventType.NURSE_REGISTRATION_CHANGED, actor=acting_user, subject=reg,
        authority_id=application.authority_id, institution_id=institution.pk,
        data={"application": application.number, "old": old, "cross_province": cross,
              "new": {"main_institution": institution.pk, "practice_division": institution.division_code,
                      "authority": application.authority_id}},
    )
    if cross:
        notify.notify_authority_staff(
            old_authority, roles=set(AUTHORITY_ROLES), title=_("护士跨省变更执业注册告知"),
            body=_("护士%(name)s（执业证书编号%(cert)s）已变更注册至%(authority)s，执业机构：%(institution)s。"),
            params={"name": reg.person.name, "cert": reg.certificate_no, "authority": application.authority.name,
                    "institution": institution.name},
        )
    licence = sync_licence(reg, acting_user=acting_user, reason="change")
    return {"registration": reg, "licence": licence}


def renew_nurse_registration(application: Application, *, acting_user: User | None, deemed: bool = False
                             ) -> dict[str, Any]:
    """延续注册 (护士条例 第10条): validity extended by 5 years from the old expiry; new licence version."""
    reg = _lock_target(application)
    if reg.status not in (RegistrationStatus.ACTIVE, RegistrationStatus.LAPSED) or reg.valid_until is None:
        raise Conflict(_("该护士执业注册当前状态为“%(status)s”，不能办理。"), code="registration_inactive",
                       params={"status": reg.get_status_display()})
    old_until, old_status = reg.valid_until, reg.status
    reg.valid_until = valid_until_for(old_until)
    reg.status = RegistrationStatus.ACTIVE
    reg.save(update_fields=["valid_until", "status", "updated_at"])
    from medreg.people import practice

    practice.record_changes(reg, {"valid_until": (old_until.isoformat(), reg.valid_until.isoformat())},
                            application=application, acting_user=acting_user, on=timezone.localdate())
    audit.record(
        EventType.NURSE_REGISTRATION_RENEWED, actor=acting_user, subject=reg,
        authority_id=reg.authority_id, institution_id=reg.main_institution_id,
        data={"application": application.number, "old_valid_until": old_until.isoformat(),
              "valid_until": reg.valid_until.isoformat(), "old_status": old_status, "deemed": deemed},
    )
    licence = sync_licence(reg, acting_user=acting_user, reason="renewal")
    return {"registration": reg, "licence": licence}


def cancel_nurse_registration(application: Application, *, acting_user: User | None) -> dict[str, Any]:
    """注销 applied for by the nurse: the registration is cancelled and its e-licence revoked."""
    reg = _lock_target(application)
    old_status = reg.status
    reg.status = RegistrationStatus.CANCELLED
    reg.save(update_fields=["status", "updated_at"])
    from medreg.people import practice

    today = timezone.localdate()
    practice.end_sites(reg, kinds=("main", "filed"), on=today, acting_user=acting_user, application=application)
    practice.record_changes(reg, {"status": (old_status, RegistrationStatus.CANCELLED)}, application=application,
                            acting_user=acting_user, on=today)
    audit.record(
        EventType.NURSE_REGISTRATION_CANCELLED, actor=acting_user, subject=reg,
        authority_id=reg.authority_id, institution_id=reg.main_institution_id,
        data={"application": application.number, "old_status": old_status, "reason": "applied"},
    )
    sync_licence(reg, acting_user=acting_user, reason="cancelled")
    return {"registration": reg}


# -- the deemed grant (行政许可法 第50条) ----------------------------------------------------------------
@dataclass
class DeemedGrantResult:
    granted: list[str]  # application numbers
    skipped: int


def deemed_renewal_candidates(today: date) -> list[int]:
    """Open renewals whose registration expired before ``today`` (cheap pre-selection; re-checked under lock)."""
    from medreg.applications.models import Application

    ids = []
    for app in Application.objects.filter(item_code=RENEW, status__in=sorted(DEEMED_GRANT_FROM)).order_by("pk"):
        reg = _target(app)
        if reg is not None and reg.valid_until is not None and reg.valid_until < today:
            ids.append(app.pk)
    return ids


def grant_deemed_renewals(*, acting_user: User | None, today: date | None = None) -> DeemedGrantResult:
    """Deem granted every renewal filed >= 30 days before expiry and still undecided when it expired.

    Each application is its own transaction: locked, re-checked, the renewal applied (new licence
    version), moved to 准予 with a timeline entry, audited (``nurse.renewal_deemed_granted``, actor
    None for the scheduled job) and the applicant notified. Safe to run twice: a granted application
    is no longer open.
    """
    day = _today(today)
    result = DeemedGrantResult(granted=[], skipped=0)
    for app_id in deemed_renewal_candidates(day):
        number = _grant_one(app_id, acting_user=acting_user, today=day)
        if number:
            result.granted.append(number)
        else:
            result.skipped += 1
    return result


@transaction.atomic
def _grant_one(app_id: int, *, acting_user: User | None, today: date) -> str | None:
    from medreg.applications.models import Application, TimelineEntry
    from medreg.core.workflow import assert_can_transition
    from medreg.notifications import services as notify

    app = Application.objects.select_for_update().filter(pk=app_id, item_code=RENEW).first()
    if app is None or app.status not in DEEMED_GRANT_FROM:
        return None
    reg = _target(app)
    if reg is None or reg.valid_until is None or not reg.valid_until < today:
        return None
    if reg.status not in (RegistrationStatus.ACTIVE, RegistrationStatus.LAPSED):  # cancelled, suspended meanwhile
        return None
    if not qualifies_for_deemed_grant(app, reg):
        return None
    assert_can_transition(DEEMED_GRANT_TRANSITIONS, app.status, Status.APPROVED)
    effects = renew_nurse_registration(app, acting_user=acting_user, deemed=True)
    old = app.status
    with translation.override(settings.LANGUAGE_CODE):  # the legal record is kept in Chinese
        reason = str(_("有效期届满前未作出决定，依据《中华人民共和国行政许可法》第五十条视为准予延续。"))
        system = str(_("系统"))
    app.status = Status.APPROVED
    app.decided_at, app.decided_by, app.decision_reason = timezone.now(), acting_user, reason
    app.result_registration = effects["registration"]
    app.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "result_registration",
                            "updated_at"])
    app.clock_pauses.filter(ended_on__isnull=True).update(ended_on=today)
    TimelineEntry.objects.create(
        application=app, action=Action.APPROVE, from_status=old, to_status=Status.APPROVED, actor=acting_user,
        actor_label=(acting_user.real_name or acting_user.username) if acting_user else system,
        comment=reason, data={"deemed": True}, at=timezone.now(),
    )
    audit.record(
        EventType.NURSE_RENEWAL_DEEMED_GRANTED, actor=acting_user, subject=app, authority_id=app.authority_id,
        institution_id=app.institution_id,
        data={"number": app.number, "from": old, "registration": reg.pk,
              "filed_on": (filed_on(app) or today).isoformat(),
              "old_valid_until": reg.valid_until.isoformat(),
              "valid_until": effects["registration"].valid_until.isoformat()},
    )
    notify.notify_user(
        app.applicant, title=_("您的护士延续注册已视为准予"),
        body=_("申请%(number)s在注册有效期届满前未获决定，依法视为准予延续，有效期至%(date)s。"),
        params={"number": app.number, "date": effects["registration"].valid_until.isoformat()},
        link=f"/portal/me/applications/{app.pk}/", sms=True,
    )
    return app.number
