"""护士注销执业注册, applied for by the nurse (护士条例 第10条; 行政许可法 第70条)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import Stage, Subject
from medreg.applications.items import nurse_common as common
from medreg.applications.items.base import BusinessItem, FieldSpec, Parties
from medreg.core.errors import ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application
    from medreg.people.models import Person


class NurseCancellation(BusinessItem):
    code = "NUR-REG-CANCEL"
    name = _("护士注销执业注册")
    subject = Subject.NURSE
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《护士条例》第十条；《中华人民共和国行政许可法》第七十条；《护士执业注册管理办法》")
    description = _("护士本人申请注销执业注册，经执业机构确认后由原注册部门办理。准予注销后，电子证照即时废止。")
    fields = (
        common.REGISTRATION,
        FieldSpec("reason", _("注销原因"), "text", max_length=200, help_text=_("如：不再从事护理工作、出国等")),
        common.DECLARATION,
    )

    def offered_to(self, person: Person) -> bool:
        from medreg.people import nursing

        return nursing.current_registration(person) is not None

    def initial_data(self, *, user: User) -> dict[str, Any]:
        return common.initial_registration(user.person)

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        form = common.Form(data, partial=partial)
        form.registration(user.person)
        form.text("reason", 200)
        form.declaration()
        return form.done()

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        person = common.person_of(user)
        reg = common.registration_of(person, data)
        return Parties(person=person, institution=reg.main_institution, authority=reg.authority,
                       target_registration=reg)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people import nursing

        return nursing.cancellation_problems(application)

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people import nursing

        return nursing.cancel_nurse_registration(application, acting_user=acting_user)


ITEM = NurseCancellation()
