"""医师重新注册 (医师法 第19条): after 中止执业满二年 or once a 不予注册 ground has lapsed, with proof of a
passed assessment (考核合格). The form and the effect are those of the first registration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind
from medreg.applications.items import lifecycle_common as common
from medreg.applications.items.base import AttachmentSpec, FieldSpec
from medreg.applications.items.physician_first_registration import PhysicianFirstRegistration
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application


class PhysicianReRegistration(PhysicianFirstRegistration):
    code = "PHY-REG-AGAIN"
    name = _("医师重新执业注册")
    legal_basis = _("《中华人民共和国医师法》第十六条、第十九条")
    description = _(
        "中止医师执业活动二年以上或者不予注册情形消失的，申请重新执业注册，应当由县级以上卫生健康主管部门或者其委托的"
        "医疗卫生机构、行业组织考核合格。经主要执业机构确认后，由批准该机构的卫生健康主管部门决定。"
    )
    fields = (  # type: ignore[assignment]
        *PhysicianFirstRegistration.fields[:-1],
        FieldSpec("assessment_passed_on", _("考核合格日期"), "date", help_text=_("考核合格证明上的日期，格式：年-月-日")),
        PhysicianFirstRegistration.fields[-1],
    )
    attachments = (  # type: ignore[assignment]
        *PhysicianFirstRegistration.attachments,
        AttachmentSpec(AttachmentKind.ASSESSMENT_PROOF,
                       help_text=_("县级以上卫生健康主管部门或其委托机构出具的考核合格证明，PDF、JPEG或PNG")),
    )

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        errors: list[ErrorItem] = []
        out: dict[str, Any] = {}
        try:
            out = super().clean(data, user=user, partial=partial)
        except DomainError as exc:
            errors.extend(exc.errors)
        common.clean_date(data, out, errors, "assessment_passed_on", required=True, partial=partial)
        if errors:
            raise DomainError(errors=errors)
        return out

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people.choices import Profession, RegistrationStatus
        from medreg.people.eligibility import registration_bars

        problems = super().prechecks(application)
        person = application.person
        if person is None:
            return problems
        if not person.registrations.filter(
            profession=Profession.PHYSICIAN, status__in=[RegistrationStatus.CANCELLED, RegistrationStatus.LAPSED]
        ).exists():
            problems.append(ErrorItem("no_previous_registration",
                                      _("您没有已注销或失效的医师执业注册，请申请首次执业注册。")))
        seen = {(p.code, str(p.message)) for p in problems}  # the first-registration checks may list bars too
        problems.extend(b for b in registration_bars(person, profession=Profession.PHYSICIAN)
                        if (b.code, str(b.message)) not in seen)
        return problems


ITEM = PhysicianReRegistration()
