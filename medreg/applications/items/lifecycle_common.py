"""Form helpers shared by the physician lifecycle items (注销, 机构备案, 换领/补发, 个人信息更新).

Not an item itself (no ``ITEM``). The ``registration`` field kind names one of the physician's practice
registrations: the applicant's own (individual items) or a staff member's (institution items).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.applications.items.base import Parties
from medreg.core.errors import DomainError, ErrorItem, NotFound

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application
    from medreg.people.models import PracticeRegistration

CANCEL_ITEMS = ("PHY-REG-CANCEL", "PHY-REG-CANCEL-REPORT")


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def via_for(user: User) -> str:
    return "person" if getattr(user, "person", None) is not None and user.kind == "individual" else "institution"


def find_registration(user: User, raw: Any, *, live_only: bool = True) -> PracticeRegistration | None:
    from medreg.people.lifecycle import LIVE_STATUSES, registrations_for

    pk = as_int(raw)
    if pk is None:
        return None
    qs = registrations_for(user, via=via_for(user)).filter(pk=pk)
    if live_only:
        qs = qs.filter(status__in=LIVE_STATUSES)
    return qs.first()  # type: ignore[no-any-return]


def clean_registration(data: dict[str, Any], user: User, out: dict[str, Any], errors: list[ErrorItem],
                       *, partial: bool, field: str = "registration") -> PracticeRegistration | None:
    raw = data.get(field)
    if raw in (None, ""):
        if not partial:
            errors.append(ErrorItem("required", _("此项为必填项。"), field=field))
        return None
    reg = find_registration(user, raw)
    if reg is None:
        errors.append(ErrorItem("unknown_registration", _("请选择一项有效的医师执业注册。"), field=field))
        return None
    out[field] = reg.pk
    return reg


def clean_text(data: dict[str, Any], out: dict[str, Any], errors: list[ErrorItem], name: str, limit: int, *,
               required: bool, partial: bool) -> str:
    value = str(data.get(name) or "").strip()
    if len(value) > limit:
        errors.append(ErrorItem("too_long", _("最多%(n)s个字符。"), field=name, params={"n": limit}))
    elif not value and required and not partial:
        errors.append(ErrorItem("required", _("此项为必填项。"), field=name))
    out[name] = value
    return value


def clean_choice(data: dict[str, Any], out: dict[str, Any], errors: list[ErrorItem], name: str, allowed: Any, *,
                 partial: bool) -> str:
    value = str(data.get(name) or "").strip()
    if not value:
        if not partial:
            errors.append(ErrorItem("required", _("此项为必填项。"), field=name))
    elif value not in allowed:
        errors.append(ErrorItem("unknown_choice", _("请从列表中选择。"), field=name))
    out[name] = value
    return value


def clean_date(data: dict[str, Any], out: dict[str, Any], errors: list[ErrorItem], name: str, *, required: bool,
               partial: bool) -> dt.date | None:
    from medreg.people.lifecycle import parse_date

    day = parse_date(data.get(name), name, errors, required=required and not partial,
                     not_after=timezone.localdate())
    out[name] = day.isoformat() if day else ""
    return day


def clean_declaration(data: dict[str, Any], out: dict[str, Any], errors: list[ErrorItem], *, partial: bool) -> None:
    declared = data.get("declaration") in (True, "true", "on", "1", 1)
    if not declared and not partial:
        errors.append(ErrorItem("declaration", _("请阅读并勾选承诺。"), field="declaration"))
    out["declaration"] = declared


def registration_parties(data: dict[str, Any], user: User, *, applicant: str) -> Parties:
    """Person, main institution and granting authority of the chosen registration (404 outside scope).

    ``applicant`` is the item's applicant role: an institution item is filed by institution staff only.
    """
    from medreg.core.errors import PermissionDenied

    if via_for(user) != ("person" if applicant == "individual" else "institution"):
        raise PermissionDenied(_("您不能申请该事项。"), code="wrong_applicant")
    reg = find_registration(user, data.get("registration"))
    if reg is None:
        if data.get("registration") in (None, ""):
            raise DomainError(_("请先选择执业注册。"), code="required", field="registration")
        raise NotFound(_("未找到该执业注册。"), code="not_found")
    return Parties(person=reg.person, institution=reg.main_institution, authority=reg.authority)


def registration_problems(application: Application, *, active_only: bool = False) -> list[ErrorItem]:
    """The chosen registration is still live (or active) and belongs to the application's person."""
    from medreg.people.choices import RegistrationStatus
    from medreg.people.lifecycle import LIVE_STATUSES
    from medreg.people.models import PracticeRegistration

    reg = PracticeRegistration.objects.filter(pk=as_int(application.form_data.get("registration")) or 0).first()
    statuses = (RegistrationStatus.ACTIVE,) if active_only else LIVE_STATUSES
    if reg is None or reg.person_id != application.person_id or reg.status not in statuses:
        return [ErrorItem("registration_not_live", _("该执业注册已注销、失效或不在可办理状态。"), field="registration")]
    return []


def other_open(application: Application, codes: tuple[str, ...]) -> bool:
    """Another submitted, undecided application of ``codes`` for the same registration exists."""
    from medreg.applications.choices import OPEN, Status
    from medreg.applications.models import Application

    reg = application.form_data.get("registration")
    if application.person_id is None:
        return False
    return Application.objects.filter(
        item_code__in=codes, status__in=OPEN, person_id=application.person_id, form_data__registration=reg
    ).exclude(status=Status.DRAFT).exclude(pk=application.pk).exists()
