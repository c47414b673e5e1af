"""护士变更注册: a nurse moves to another institution (护士条例 第9条)."""

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


class NurseChangeRegistration(BusinessItem):
    code = "NUR-REG-CHANGE"
    name = _("护士变更注册")
    subject = Subject.NURSE
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 7
    legal_basis = _("《护士条例》第九条；《护士执业注册管理办法》")
    description = _(
        "护士在有效期内变更执业地点（执业机构）的，经新的执业机构确认后，向批准设立或者备案该机构的卫生健康主管部门"
        "报告，收到报告的部门在7个工作日内办理。跨省、自治区、直辖市变更的，同时通知原注册部门。注册有效期不变。"
    )
    fields = (common.REGISTRATION, common.INSTITUTION, common.DECLARATION)
    attachments = (
        AttachmentSpec(AttachmentKind.EMPLOYMENT_PROOF, help_text=_("新执业机构出具的拟聘用证明，PDF、JPEG或PNG")),
    )

    def offered_to(self, person: Person) -> bool:
        from medreg.people import nursing

        reg = nursing.current_registration(person)
        return reg is not None and not nursing.is_expired(reg)

    def initial_data(self, *, user: User) -> dict[str, Any]:
        return common.initial_registration(user.person)

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        form = common.Form(data, partial=partial)
        form.registration(user.person)
        form.institution()
        form.declaration()
        return form.done()

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        person = common.person_of(user)
        return common.institution_parties(person, data, registration=common.registration_of(person, data))

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people import nursing

        return nursing.change_problems(application)

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people import nursing

        return nursing.change_nurse_registration(application, acting_user=acting_user)


ITEM = NurseChangeRegistration()
