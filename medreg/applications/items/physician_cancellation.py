"""医师注销注册 applied for by the physician (本人申请; 《医师执业注册管理办法》 [K], 医师法 第17条)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import Stage, Subject
from medreg.applications.items import lifecycle_common as common
from medreg.applications.items.base import BusinessItem, FieldSpec, Parties
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application


class PhysicianCancellation(BusinessItem):
    code = "PHY-REG-CANCEL"
    name = _("医师注销注册（本人申请）")
    subject = Subject.PHYSICIAN
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《中华人民共和国医师法》第十七条；《医师执业注册管理办法》")
    description = _("医师本人申请注销执业注册。经主要执业机构确认后，由准予注册的卫生健康主管部门注销，电子证照同时废止。")
    fields = (
        FieldSpec("registration", _("执业注册"), "registration", choices_table="physician",
                  help_text=_("选择要注销的执业注册")),
        FieldSpec("reason", _("注销原因"), "text", max_length=500),
        FieldSpec("declaration", _("本人承诺所填信息及提交材料真实有效"), "boolean"),
    )

    def initial_data(self, *, user: User) -> dict[str, Any]:
        from medreg.people.lifecycle import LIVE_STATUSES, registrations_for

        regs = list(registrations_for(user, via="person").filter(status__in=LIVE_STATUSES))
        return {"registration": regs[0].pk} if len(regs) == 1 else {}

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        errors: list[ErrorItem] = []
        out: dict[str, Any] = {"grounds": ["voluntary"]}
        common.clean_registration(data, user, out, errors, partial=partial)
        common.clean_text(data, out, errors, "reason", 500, required=True, partial=partial)
        common.clean_declaration(data, out, errors, partial=partial)
        if errors:
            raise DomainError(errors=errors)
        return out

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        if user.person is None:
            raise DomainError(_("只有医师本人可以申请注销执业注册。"), code="not_individual")
        return common.registration_parties(data, user, applicant=self.applicant)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        problems = common.registration_problems(application)
        if common.other_open(application, common.CANCEL_ITEMS):
            problems.append(ErrorItem("cancellation_pending", _("该执业注册已有一份正在办理的注销申请。")))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people.choices_lifecycle import CancellationForm
        from medreg.people.lifecycle import cancel_registration
        from medreg.people.models import PracticeRegistration

        reg = PracticeRegistration.objects.get(pk=application.form_data["registration"])
        record = cancel_registration(
            reg, acting_user=acting_user, form=CancellationForm.SELF, grounds=["voluntary"],
            reason=application.form_data.get("reason", ""), application=application,
        )
        return {"registration": reg, "cancellation": record.pk}


ITEM = PhysicianCancellation()
