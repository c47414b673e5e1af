"""设置医疗机构审批 (设置医疗机构批准书; 条例 第9–13条): only for the kinds that still need it.

Since the 2018 reform the 批准书 is issued only for 三级医院, 三级妇幼保健院, 急救中心/站, 临床检验中心,
中外合资合作 and 港澳台独资 institutions (the list is configuration: ``INSTITUTION_SETUP_APPROVAL_*``).
For all other kinds the licence is issued at 执业登记 and this item refuses the application up front.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind
from medreg.applications.items.base import AttachmentSpec
from medreg.applications.items.institution_common import (
    DECLARATION_FIELD,
    INSTITUTION_FIELD,
    Cleaner,
    InstitutionItem,
)
from medreg.applications.items.institution_registration import REGISTERED_ITEM_FIELDS, clean_registered_items
from medreg.core.errors import ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application


class InstitutionSetup(InstitutionItem):
    code = "INST-SETUP"
    name = _("设置医疗机构审批")
    statutory_limit_days = 30
    allowed_statuses = ("pending",)
    legal_basis = _("《医疗机构管理条例》第九条至第十三条")
    description = _(
        "仅三级医院、三级妇幼保健院、急救中心（站）、临床检验中心、中外合资合作医疗机构和港澳台独资医疗机构"
        "须取得设置医疗机构批准书；其他医疗机构直接申请执业登记。"
    )
    fields = (INSTITUTION_FIELD, *REGISTERED_ITEM_FIELDS, DECLARATION_FIELD)
    attachments = (
        AttachmentSpec(AttachmentKind.OTHER, help_text=_(
            "设置申请书、可行性研究报告、选址报告和建筑设计平面图，PDF、JPEG或PNG")),
    )

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        c = Cleaner(data, partial=partial)
        c.institution(user)
        clean_registered_items(c)
        c.declaration()
        return c.done()

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.institutions import rules

        problems = super().prechecks(application)
        data = application.form_data
        if not rules.needs_setup_approval(data.get("category_code", ""), grade_code=data.get("grade_code", ""),
                                          economic_type=data.get("economic_type", "")):
            problems.append(ErrorItem("setup_not_required",
                                      _("该类医疗机构无需设置审批，请直接申请执业登记。"), field="category_code"))
        inst = application.institution
        if inst is not None and inst.setup_approval_no:
            problems.append(ErrorItem("setup_already_approved", _("本机构已取得设置医疗机构批准书。")))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.institutions import services as institutions

        inst = institutions.approve_setup(application, acting_user=acting_user)
        return {"institution": inst, "setup_approval_no": inst.setup_approval_no}


ITEM = InstitutionSetup()
