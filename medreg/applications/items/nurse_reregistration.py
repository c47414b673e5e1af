"""护士重新注册: registering again after expiry or 2 years after revocation (护士条例 第10、32条)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind, Stage, Subject
from medreg.applications.items import nurse_common as common
from medreg.applications.items.base import AttachmentSpec, BusinessItem, Parties
from medreg.core.errors import ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application
    from medreg.people.models import Person


class NurseReregistration(BusinessItem):
    code = "NUR-REG-RE"
    name = _("护士重新注册")
    subject = Subject.NURSE
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《护士条例》第十条、第三十二条；《护士执业注册管理办法》")
    description = _(
        "注册有效期届满未延续注册的，或者被吊销执业证书满2年的，可以申请重新注册。中断护理执业活动超过3年的，"
        "须提交在教学、综合医院接受3个月临床护理培训并考核合格的证明。"
    )
    fields = (common.INSTITUTION, common.HEALTH_CHECK_ON, common.HEALTH_DECLARATION, common.DECLARATION)
    attachments = (
        AttachmentSpec(AttachmentKind.PHOTO, images_only=True, help_text=_("近6个月二寸白底免冠正面照片，JPEG或PNG")),
        AttachmentSpec(AttachmentKind.HEALTH_CERT, help_text=_("申请前6个月内的健康体检证明，PDF、JPEG或PNG")),
        AttachmentSpec(AttachmentKind.EMPLOYMENT_PROOF, help_text=_("拟执业医疗机构出具的拟聘用证明，PDF、JPEG或PNG")),
        AttachmentSpec(AttachmentKind.TRAINING_PROOF, required=False,
                       help_text=_("中断护理执业活动超过3年的，须提交3个月临床护理培训并考核合格的证明")),
    )

    def offered_to(self, person: Person) -> bool:
        from medreg.people import nursing
        from medreg.people.choices import RegistrationStatus

        regs = nursing.nurse_registrations(person)
        live = [r for r in regs if r.status in (RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED)
                and not nursing.is_expired(r)]
        return bool(regs) and not live

    def initial_data(self, *, user: User) -> dict[str, Any]:
        from medreg.people import selectors as people

        person = user.person
        if person is None:
            return {}
        active = people.active_affiliations(person)
        return {"main_institution": active[0].institution_id} if len(active) == 1 else {}

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        form = common.Form(data, partial=partial)
        form.institution()
        form.health()
        form.declaration()
        return form.done()

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        return common.institution_parties(common.person_of(user), data)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people import nursing

        return nursing.reregistration_problems(application)

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people import nursing

        return nursing.create_nurse_registration(application, acting_user=acting_user, reregistration=True)


ITEM = NurseReregistration()
