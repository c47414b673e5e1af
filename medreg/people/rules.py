"""Registration rules about persons, computed from registry records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import OPEN
from medreg.core.errors import ErrorItem
from medreg.people.choices import AffiliationStatus, Profession, RegistrationStatus

if TYPE_CHECKING:
    from medreg.applications.models import Application
    from medreg.institutions.models import Institution
    from medreg.people.models import Person

ASSISTANT_LEVEL = "2"


def practice_division_for(institution: Institution, level_code: str) -> str:
    """执业地点: the province for an 执业医师, the county for an 执业助理医师."""
    if level_code == ASSISTANT_LEVEL:
        return institution.division_code
    return institution.division_code[:2] + "0000"


def first_registration_problems(
    *, person: Person | None, institution: Institution | None, level_code: str, exclude_application: Application | None
) -> list[ErrorItem]:
    """Why a first registration cannot go ahead (empty list: it can)."""
    from medreg.applications.models import Application

    problems: list[ErrorItem] = []
    if person is None or institution is None:
        return [ErrorItem("parties", _("申请人或主要执业机构缺失。"))]
    if institution.status != "active":
        problems.append(ErrorItem("institution_inactive", _("所选机构当前不在执业状态。"), field="main_institution"))
    if not person.affiliations.filter(institution=institution, status=AffiliationStatus.ACTIVE).exists():
        problems.append(ErrorItem(
            "not_activated",
            _("您的账户尚未被“%(institution)s”激活，请先联系该机构激活。"),
            field="main_institution",
            params={"institution": institution.name},
        ))
    active = person.registrations.filter(profession=Profession.PHYSICIAN, status=RegistrationStatus.ACTIVE)
    if level_code == ASSISTANT_LEVEL and active.filter(level_code=ASSISTANT_LEVEL).exists():
        problems.append(ErrorItem("assistant_one_place", _("执业助理医师只能注册一个执业地点。")))
    place = practice_division_for(institution, level_code)
    if active.filter(practice_division_id=place).exists():
        problems.append(ErrorItem(
            "duplicate_registration",
            _("您在该执业地点已有有效的执业注册，不能重复注册；如需变更请申请变更注册。"),
            field="main_institution",
        ))
    others = Application.objects.filter(person=person, item_code="PHY-REG-FIRST", status__in=OPEN).exclude(
        status="draft"
    )
    if exclude_application is not None:
        others = others.exclude(pk=exclude_application.pk)
    if others.exists():
        problems.append(ErrorItem("duplicate_application", _("您已有一份正在办理的首次执业注册申请。")))
    return problems
