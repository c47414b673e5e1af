"""医疗机构校验 (条例 第22条; 校验管理办法 [K]).

Fewer than 100 beds: every year; 100 or more: every 3 years. The item opens 3 months before the period
ends (and stays open once it is overdue); the authority decides within 30 days. 准予 = 校验合格; 暂缓校验
(1–6 months) is decided with ``institutions.services.defer_verification``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind
from medreg.applications.items.base import AttachmentSpec, FieldSpec
from medreg.applications.items.institution_common import (
    DECLARATION_FIELD,
    INSTITUTION_FIELD,
    Cleaner,
    InstitutionItem,
)
from medreg.core.conf import conf
from medreg.core.errors import ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application


class InstitutionVerification(InstitutionItem):
    code = "INST-VERIFY"
    name = _("医疗机构校验")
    statutory_limit_days = int(conf("INSTITUTION_VERIFICATION_DECISION_DAYS"))
    allowed_statuses = ("active", "suspended")
    legal_basis = _("《医疗机构管理条例》第二十二条；《医疗机构校验管理办法（试行）》")
    description = _(
        "床位不满100张的医疗机构每年校验一次，床位在100张以上的每三年校验一次。校验期满前3个月申请，"
        "登记机关在受理后30日内作出校验结论：校验合格或暂缓校验（1至6个月）。"
    )
    fields = (
        INSTITUTION_FIELD,
        FieldSpec("self_inspection", _("校验期内执业情况自查"), "text", max_length=2000,
                  help_text=_("执业情况、诊疗科目和床位变化、不良执业行为整改等")),
        DECLARATION_FIELD,
    )
    attachments = (AttachmentSpec(AttachmentKind.OTHER, help_text=_("校验申请书和校验期内执业情况自查报告")),)

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        c = Cleaner(data, partial=partial)
        c.institution(user)
        c.text("self_inspection", 2000)
        c.declaration()
        return c.done()

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.institutions import rules

        problems = super().prechecks(application)
        inst = application.institution
        if inst is None or inst.status not in self.allowed_statuses:
            return problems
        if inst.licensing_mode != "licence" or inst.verification_due_on is None:
            problems.append(ErrorItem("verification_not_applicable", _("备案诊所不实行校验。")))
        elif application.status in ("draft", "returned") and not rules.verification_window_open(
            inst.verification_due_on, timezone.localdate()
        ):
            problems.append(ErrorItem(
                "verification_not_open", _("校验期满前%(months)s个月起方可申请校验，本机构可于%(date)s起申请。"),
                params={"months": conf("INSTITUTION_VERIFICATION_OPENS_MONTHS_BEFORE"),
                        "date": rules.verification_opens_on(inst.verification_due_on).isoformat()},
            ))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.institutions import services as institutions

        record = institutions.record_verification(application, acting_user=acting_user)
        return {"verification": record.pk, "next_due_on": record.next_due_on}


ITEM = InstitutionVerification()
