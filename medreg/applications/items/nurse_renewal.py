"""护士延续注册: renewal for a further 5 years (护士条例 第10条; 行政许可法 第50条)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import Stage, Subject
from medreg.applications.items import nurse_common as common
from medreg.applications.items.base import BusinessItem, Parties
from medreg.core.errors import ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application
    from medreg.people.models import Person


class NurseRenewal(BusinessItem):
    code = "NUR-REG-RENEW"
    name = _("护士延续注册")
    subject = Subject.NURSE
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《护士条例》第十条；《中华人民共和国行政许可法》第五十条；《护士执业注册管理办法》")
    description = _(
        "护士执业注册有效期为5年。有效期届满需继续执业的，应在届满前30日以前提出延续注册申请（本系统在届满前3个月内开放申请）。"
        "准予延续的，有效期延长5年。届满前30日以上提出申请、届满时仍未作出决定的，视为准予延续。"
    )
    fields = (common.REGISTRATION, common.HEALTH_DECLARATION, common.DECLARATION)

    def offered_to(self, person: Person) -> bool:
        from medreg.people import nursing

        reg = nursing.current_registration(person)
        return reg is not None and nursing.in_renewal_window(reg)

    def initial_data(self, *, user: User) -> dict[str, Any]:
        return common.initial_registration(user.person)

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        form = common.Form(data, partial=partial)
        form.registration(user.person)
        form.boolean("health_declaration", _("不符合护士执业注册的健康标准，不能申请注册（护士条例第七条）。"))
        form.declaration()
        return form.done()

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        person = common.person_of(user)
        reg = common.registration_of(person, data)
        inst = reg.main_institution
        return Parties(person=person, institution=inst, authority=inst.licensing_authority, target_registration=reg)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people import nursing

        return nursing.renewal_problems(application)

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people import nursing

        return nursing.renew_nurse_registration(application, acting_user=acting_user)


ITEM = NurseRenewal()
