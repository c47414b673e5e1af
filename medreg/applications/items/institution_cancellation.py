"""医疗机构注销 (条例 第21条): 歇业 or closing; the licence is revoked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.items.base import FieldSpec
from medreg.applications.items.institution_common import (
    DECLARATION_FIELD,
    INSTITUTION_FIELD,
    Cleaner,
    InstitutionItem,
)

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application


class InstitutionCancellation(InstitutionItem):
    code = "INST-CANCEL"
    name = _("医疗机构注销")
    statutory_limit_days = 20
    allowed_statuses = ("active", "suspended")
    legal_basis = _("《医疗机构管理条例》第二十一条")
    description = _("医疗机构歇业，须向原登记机关办理注销登记，执业许可证（或备案凭证）同时收回。")
    fields = (INSTITUTION_FIELD, FieldSpec("reason_text", _("注销原因"), "text", max_length=300), DECLARATION_FIELD)

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        c = Cleaner(data, partial=partial)
        c.institution(user)
        c.text("reason_text", 300)
        c.declaration()
        return c.done()

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.institutions import services as institutions

        return {"institution": institutions.cancel_institution(application, acting_user=acting_user)}


ITEM = InstitutionCancellation()
