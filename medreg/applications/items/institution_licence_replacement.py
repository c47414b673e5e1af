"""医疗机构执业许可证补发 (条例 第23条): after loss or damage a new licence version is issued."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind
from medreg.applications.items.base import AttachmentSpec, FieldSpec
from medreg.applications.items.institution_common import (
    DECLARATION_FIELD,
    INSTITUTION_FIELD,
    Cleaner,
    InstitutionItem,
)
from medreg.core.errors import ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application


class LicenceReplacement(InstitutionItem):
    code = "INST-LICENCE-REPLACE"
    name = _("医疗机构执业许可证补发")
    statutory_limit_days = 20
    allowed_statuses = ("active", "suspended")
    legal_basis = _("《医疗机构管理条例》第二十三条")
    description = _("执业许可证遗失或损毁的，申请补发。许可证不得伪造、涂改、出卖、转让、出借。")
    fields = (
        INSTITUTION_FIELD,
        FieldSpec("reason_code", _("补发原因"), "choice", choices_table="institution_replacement_reason"),
        FieldSpec("reason_text", _("情况说明"), "text", max_length=300),
        DECLARATION_FIELD,
    )
    attachments = (AttachmentSpec(AttachmentKind.OTHER, help_text=_("遗失声明或损毁的许可证，PDF、JPEG或PNG")),)

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        c = Cleaner(data, partial=partial)
        c.institution(user)
        c.choice("reason_code", "institution_replacement_reason")
        c.text("reason_text", 300)
        c.declaration()
        return c.done()

    def prechecks(self, application: Application) -> list[ErrorItem]:
        problems = super().prechecks(application)
        inst = application.institution
        if inst is not None and inst.licensing_mode != "licence":
            problems.append(ErrorItem("no_licence", _("备案诊所没有执业许可证，无需补发。")))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.institutions import services as institutions

        return {"institution": institutions.replace_licence(application, acting_user=acting_user)}


ITEM = LicenceReplacement()
