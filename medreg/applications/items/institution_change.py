"""医疗机构变更登记 (条例 第20条): name, address, 主要负责人, 诊疗科目, beds (or dental chairs)."""

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
from medreg.core.conf import conf
from medreg.core.errors import ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application

CHANGEABLE = ("name", "second_names", "address", "principal", "subject_codes", "beds", "dental_chairs")


class InstitutionChange(InstitutionItem):
    code = "INST-CHANGE"
    name = _("医疗机构变更登记")
    statutory_limit_days = int(conf("INSTITUTION_CHANGE_LIMIT_DAYS"))
    legal_basis = _("《医疗机构管理条例》第二十条")
    description = _("医疗机构改变名称、场所、主要负责人、诊疗科目、床位，须向原登记机关办理变更登记。只填写要变更的事项。")
    fields = (
        INSTITUTION_FIELD,
        FieldSpec("name", _("机构名称"), "text", required=False, max_length=120),
        FieldSpec("second_names", _("第二名称"), "text", required=False, max_length=300),
        FieldSpec("address", _("地址"), "text", required=False, max_length=200),
        FieldSpec("principal", _("主要负责人"), "text", required=False, max_length=60),
        FieldSpec("subject_codes", _("诊疗科目"), "multichoice", required=False, choices_table="clinical_subject",
                  help_text=_("变更后的全部诊疗科目")),
        FieldSpec("beds", _("床位（张）"), "number", required=False),
        FieldSpec("dental_chairs", _("牙椅（台）"), "number", required=False),
        FieldSpec("reason", _("变更原因"), "text", max_length=300),
        DECLARATION_FIELD,
    )
    attachments = (AttachmentSpec(AttachmentKind.OTHER, help_text=_("变更事项的证明材料，PDF、JPEG或PNG")),)

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        c = Cleaner(data, partial=partial)
        c.institution(user)
        for name, limit in (("name", 120), ("address", 200), ("principal", 60)):
            if data.get(name) not in (None, ""):
                c.text(name, limit)
        if data.get("second_names") not in (None, ""):
            c.names("second_names")
        if data.get("subject_codes") not in (None, "", []):
            c.multichoice("subject_codes", "clinical_subject")
        for name in ("beds", "dental_chairs"):
            if data.get(name) not in (None, ""):
                c.integer(name, minimum=0)
        c.text("reason", 300)
        c.declaration()
        out = c.done()
        if not partial and not any(k in out for k in CHANGEABLE):
            from medreg.core.errors import DomainError

            raise DomainError(_("请至少填写一项变更事项。"), code="nothing_to_change")
        return out

    def prechecks(self, application: Application) -> list[ErrorItem]:
        problems = super().prechecks(application)
        inst, data = application.institution, application.form_data
        if inst is None:
            return problems
        same = [k for k in ("name", "address", "principal", "beds", "dental_chairs")
                if k in data and data[k] == getattr(inst, k)]
        if same and len(same) == len([k for k in CHANGEABLE if k in data]):
            problems.append(ErrorItem("nothing_to_change", _("填写的事项与现登记事项相同，无需变更。")))
        if inst.category_code in conf("INSTITUTION_DENTAL_CATEGORIES") and data.get("dental_chairs") == 0:
            problems.append(ErrorItem("dental_chairs", _("口腔类医疗机构须登记牙椅数。"), field="dental_chairs"))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.institutions import services as institutions

        return {"institution": institutions.change_registration(application, acting_user=acting_user)}


ITEM = InstitutionChange()
