"""Writes on practice registrations after the first one: changes, extra places, filed sites, upgrades.

These run inside the approval transaction of the application that asked for them (``on_approve`` of
the catalogue item), so they do not open their own; the approval service has already checked the
approver's role and jurisdiction and locked the application. Each one locks the registration it
changes, records field-level history (``RegistrationChange``), writes its audit event and brings the
e-licence in line with ``medreg.licences.services.sync_registration_licence``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core.errors import Conflict, DomainError
from medreg.people.choices import RegistrationStatus, SiteKind, SiteStatus
from medreg.people.models import PracticeRegistration, PracticeSite, RegistrationChange
from medreg.people.rules import practice_division_for

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application
    from medreg.institutions.models import Institution


def _sync_licence(reg: PracticeRegistration, *, acting_user: User | None, reason: str) -> None:
    from medreg.licences import services as licences

    licences.sync_registration_licence(reg, acting_user=acting_user, reason=reason)


def _locked(registration_id: int) -> PracticeRegistration:
    return PracticeRegistration.objects.select_for_update().select_related("main_institution").get(pk=registration_id)


def open_main_site(
    reg: PracticeRegistration, *, institution: Institution, start_on: date, application: Application | None,
    acting_user: User | None,
) -> PracticeSite:
    """The main institution of ``reg`` becomes a practice site from ``start_on``."""
    site = PracticeSite.objects.create(
        registration=reg, person_id=reg.person_id, institution=institution, kind=SiteKind.MAIN,
        start_on=start_on, scope_codes=list(reg.scope_codes), authority_id=reg.authority_id,
        authority_division_code=reg.authority_division_code, source_application=application,
    )
    audit.record(EventType.SITE_OPENED, actor=acting_user, subject=site, authority_id=reg.authority_id,
                 institution_id=institution.pk,
                 data={"registration": reg.pk, "kind": SiteKind.MAIN, "start_on": start_on.isoformat()})
    return site


def end_sites(
    reg: PracticeRegistration, *, kinds: tuple[str, ...], on: date, acting_user: User | None,
    application: Application | None, status: str = SiteStatus.ENDED,
) -> list[int]:
    ended = []
    for site in PracticeSite.objects.select_for_update().filter(registration=reg, kind__in=kinds,
                                                                status=SiteStatus.ACTIVE):
        site.status = status
        site.end_on = on if site.end_on is None or site.end_on > on else site.end_on
        site.ended_application = application
        site.save(update_fields=["status", "end_on", "ended_application", "updated_at"])
        audit.record(EventType.SITE_ENDED, actor=acting_user, subject=site, authority_id=site.authority_id,
                     institution_id=site.institution_id,
                     data={"registration": reg.pk, "kind": site.kind, "end_on": site.end_on.isoformat()})
        ended.append(site.pk)
    return ended


def record_changes(
    reg: PracticeRegistration, changes: dict[str, tuple[Any, Any]], *, application: Application | None,
    acting_user: User | None, on: date,
) -> None:
    for name, (old, new) in changes.items():
        RegistrationChange.objects.create(registration=reg, field=name, old_value=old, new_value=new,
                                          application=application, approved_by=acting_user, changed_on=on)


def change_registration(application: Application, *, acting_user: User | None) -> PracticeRegistration:
    """变更注册: apply the approved change of 执业地点 (through the main institution), 类别 or 范围."""
    from medreg.institutions.models import Institution

    data = application.form_data
    reg = _locked(int(data["registration"]))
    if reg.status != RegistrationStatus.ACTIVE:
        raise Conflict(_("该执业注册当前不是有效状态，不能变更。"), code="registration_not_active")
    today = timezone.localdate()
    changes: dict[str, tuple[Any, Any]] = {}
    fields = ["updated_at"]
    new_inst_id = data.get("new_main_institution")
    if new_inst_id and int(new_inst_id) != reg.main_institution_id:
        inst = Institution.objects.select_related("licensing_authority").get(pk=int(new_inst_id))
        place = practice_division_for(inst, reg.level_code)
        changes["main_institution"] = (reg.main_institution_id, inst.pk)
        if place != reg.practice_division_id:
            changes["practice_division"] = (reg.practice_division_id, place)
            # filed sites belong to the old province; they end with it
            end_sites(reg, kinds=(SiteKind.FILED,), on=today, acting_user=acting_user, application=application)
        end_sites(reg, kinds=(SiteKind.MAIN,), on=today, acting_user=acting_user, application=application)
        if inst.licensing_authority_id != reg.authority_id:
            changes["authority"] = (reg.authority_id, inst.licensing_authority_id)
        reg.main_institution, reg.practice_division_id = inst, place
        reg.authority = inst.licensing_authority
        reg.authority_division_code = inst.licensing_authority.division_code
        fields += ["main_institution", "practice_division", "authority", "authority_division_code"]
    category = data.get("category_code") or reg.category_code
    if category != reg.category_code:
        changes["category_code"] = (reg.category_code, category)
        reg.category_code = category
        fields.append("category_code")
    scopes = list(data.get("scope_codes") or reg.scope_codes)
    if scopes != list(reg.scope_codes):
        changes["scope_codes"] = (list(reg.scope_codes), scopes)
        reg.scope_codes = scopes
        fields.append("scope_codes")
    if not changes:
        raise DomainError(_("申请的内容与现有注册相同，没有需要变更的项目。"), code="no_change")
    try:
        with transaction.atomic():
            reg.save(update_fields=fields)
    except IntegrityError:
        raise Conflict(_("您在新的执业地点已有有效的执业注册。"), code="duplicate_registration") from None
    if "main_institution" in changes:
        open_main_site(reg, institution=reg.main_institution, start_on=today, application=application,
                       acting_user=acting_user)
    elif "scope_codes" in changes:
        PracticeSite.objects.filter(registration=reg, kind=SiteKind.MAIN, status=SiteStatus.ACTIVE).update(
            scope_codes=scopes, updated_at=timezone.now())
    record_changes(reg, changes, application=application, acting_user=acting_user, on=today)
    audit.record(EventType.REGISTRATION_CHANGED, actor=acting_user, subject=reg, authority_id=reg.authority_id,
                 institution_id=reg.main_institution_id,
                 data={"application": application.number,
                       "changes": {k: {"old": o, "new": n} for k, (o, n) in changes.items()}})
    _sync_licence(reg, acting_user=acting_user, reason=str(_("变更注册")))
    return reg


def void_registration(
    reg: PracticeRegistration, *, acting_user: User | None, application: Application | None, reason: str,
) -> PracticeRegistration:
    """The original registration is voided when a physician moves instead of adding a place."""
    reg = _locked(reg.pk)
    if reg.status != RegistrationStatus.ACTIVE:
        return reg
    today = timezone.localdate()
    reg.status = RegistrationStatus.CANCELLED
    reg.save(update_fields=["status", "updated_at"])
    end_sites(reg, kinds=(SiteKind.MAIN, SiteKind.FILED), on=today, acting_user=acting_user, application=application)
    record_changes(reg, {"status": (RegistrationStatus.ACTIVE, RegistrationStatus.CANCELLED)},
                    application=application, acting_user=acting_user, on=today)
    audit.record(EventType.REGISTRATION_VOIDED, actor=acting_user, subject=reg, authority_id=reg.authority_id,
                 institution_id=reg.main_institution_id,
                 data={"application": application.number if application else None, "reason": reason})
    _sync_licence(reg, acting_user=acting_user, reason=reason)
    return reg


def lapse_registration(
    reg: PracticeRegistration, *, acting_user: User | None, application: Application | None, reason: str,
) -> PracticeRegistration:
    """The assistant registration lapses automatically when the physician is registered as 执业医师."""
    reg = _locked(reg.pk)
    if reg.status not in (RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED):
        return reg
    today = timezone.localdate()
    old = reg.status
    reg.status = RegistrationStatus.LAPSED
    reg.save(update_fields=["status", "updated_at"])
    end_sites(reg, kinds=(SiteKind.MAIN, SiteKind.FILED), on=today, acting_user=acting_user, application=application)
    record_changes(reg, {"status": (old, RegistrationStatus.LAPSED)}, application=application,
                    acting_user=acting_user, on=today)
    audit.record(EventType.REGISTRATION_LAPSED, actor=acting_user, subject=reg, authority_id=reg.authority_id,
                 institution_id=reg.main_institution_id,
                 data={"application": application.number if application else None, "reason": reason})
    _sync_licence(reg, acting_user=acting_user, reason=reason)
    return reg


def file_practice_site(application: Application, *, acting_user: User | None) -> PracticeSite:
    """多机构备案: the added institution becomes a filed site with its start and end dates."""
    from medreg.institutions.models import Institution

    data = application.form_data
    reg = _locked(int(data["registration"]))
    if reg.status != RegistrationStatus.ACTIVE:
        raise Conflict(_("该执业注册当前不是有效状态，不能备案。"), code="registration_not_active")
    inst = Institution.objects.select_related("licensing_authority").get(pk=int(data["site_institution"]))
    site = PracticeSite.objects.create(
        registration=reg, person_id=reg.person_id, institution=inst, kind=SiteKind.FILED,
        start_on=date.fromisoformat(data["start_on"]), end_on=date.fromisoformat(data["end_on"]),
        scope_codes=list(data.get("scope_codes") or reg.scope_codes), authority=inst.licensing_authority,
        authority_division_code=inst.licensing_authority.division_code, source_application=application,
    )
    record_changes(reg, {"filed_site": (None, {"institution": inst.pk, "start_on": data["start_on"],
                                                 "end_on": data["end_on"]})},
                    application=application, acting_user=acting_user, on=timezone.localdate())
    audit.record(EventType.SITE_FILED, actor=acting_user, subject=site, authority_id=site.authority_id,
                 institution_id=inst.pk,
                 data={"registration": reg.pk, "start_on": data["start_on"], "end_on": data["end_on"],
                       "application": application.number})
    return site


def cancel_practice_site(application: Application, *, acting_user: User | None) -> PracticeSite:
    """取消备案: the filed site ends today."""
    site = PracticeSite.objects.select_for_update().get(pk=int(application.form_data["site"]))
    if site.kind != SiteKind.FILED or site.status != SiteStatus.ACTIVE:
        raise Conflict(_("该备案已结束或已取消。"), code="site_not_active")
    today = timezone.localdate()
    old_end = site.end_on
    site.status = SiteStatus.CANCELLED
    site.end_on = today if old_end is None or old_end > today else old_end
    site.ended_application = application
    site.save(update_fields=["status", "end_on", "ended_application", "updated_at"])
    record_changes(site.registration, {"filed_site": ({"institution": site.institution_id}, None)},
                    application=application, acting_user=acting_user, on=today)
    audit.record(EventType.SITE_FILING_CANCELLED, actor=acting_user, subject=site, authority_id=site.authority_id,
                 institution_id=site.institution_id,
                 data={"registration": site.registration_id, "end_on": site.end_on.isoformat(),
                       "application": application.number})
    return site
