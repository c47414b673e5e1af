"""医疗机构停业 and 解除停业 (条例 第21条): a stop over a year, except for rebuilding or relocation, is 歇业."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.applications.items.base import FieldSpec
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


class InstitutionSuspension(InstitutionItem):
    code = "INST-SUSPEND"
    name = _("医疗机构停业")
    statutory_limit_days = 20
    allowed_statuses = ("active",)
    legal_basis = _("《医疗机构管理条例》第二十一条")
    description = _("因改建、扩建、迁建以外的原因停业超过一年的，视为歇业。")
    fields = (
        INSTITUTION_FIELD,
        FieldSpec("start_on", _("停业日期"), "text", max_length=10, help_text=_("格式：YYYY-MM-DD")),
        FieldSpec("reason_code", _("停业原因"), "choice", choices_table="institution_suspension_reason"),
        FieldSpec("reason_text", _("停业说明"), "text", max_length=300),
        DECLARATION_FIELD,
    )

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        c = Cleaner(data, partial=partial)
        c.institution(user)
        raw = c.text("start_on", 10)
        if raw:
            try:
                start = date.fromisoformat(raw)
            except ValueError:
                c.errors.append(ErrorItem("date", _("日期格式应为YYYY-MM-DD。"), field="start_on"))
            else:
                if start < timezone.localdate():
                    c.errors.append(ErrorItem("date_past", _("停业日期不能早于今天。"), field="start_on"))
        c.choice("reason_code", "institution_suspension_reason")
        c.text("reason_text", 300)
        c.declaration()
        return c.done()

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.institutions import services as institutions

        return {"institution": institutions.suspend_institution(application, acting_user=acting_user)}


class InstitutionResumption(InstitutionItem):
    code = "INST-RESUME"
    name = _("医疗机构解除停业")
    statutory_limit_days = 20
    allowed_statuses = ("suspended",)
    legal_basis = _("《医疗机构管理条例》第二十一条")
    description = _("停业的医疗机构恢复执业，须申请解除停业。停业已视为歇业的，须办理注销或重新登记。")
    fields = (INSTITUTION_FIELD, FieldSpec("reason_text", _("恢复执业说明"), "text", max_length=300), DECLARATION_FIELD)

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        c = Cleaner(data, partial=partial)
        c.institution(user)
        c.text("reason_text", 300)
        c.declaration()
        return c.done()

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.institutions import rules

        problems = super().prechecks(application)
        inst = application.institution
        if inst is not None and inst.status == "suspended" and (
            inst.deemed_closed_on is not None
            or rules.suspension_counts_as_closure(inst.suspended_on, inst.suspension_reason, timezone.localdate())
        ):
            problems.append(ErrorItem("deemed_closed", _("停业已超过一年，视为歇业，不能解除停业。")))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.institutions import services as institutions

        return {"institution": institutions.resume_institution(application, acting_user=acting_user)}


ITEM = InstitutionSuspension()
