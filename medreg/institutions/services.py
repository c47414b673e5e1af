"""Writes on institutions: creating the registry record and the institution's own settings."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import ActivationMode, Role
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core import identifiers
from medreg.core.errors import DomainError, ErrorItem, NotFound
from medreg.core.scoping import scope_info
from medreg.institutions.models import Department, Institution, InstitutionSubject
from medreg.reference import selectors as ref

if TYPE_CHECKING:
    from medreg.accounts.models import Authority, User


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
    audit.record(EventType.INSTITUTION_CREATED, actor=acting_user, subject=inst, authority_id=licensing_authority.pk,
                 institution_id=inst.pk, data={"name": inst.name, "uscc": uscc, "registration_no": inst.registration_no})
    return inst


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
