"""机构备案 of a physician's departure: 调离、退休、退职、辞退、开除、死亡 (《医师执业注册管理办法》第19条 [K]).

Filed by the main institution within 30 days (later filings are accepted and flagged late). On approval
the affiliation ends and the departure record starts the two-year clock after which the system proposes
注销 (医师法 第17条第5项, 中止执业满二年).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import Stage, Subject
from medreg.applications.items import lifecycle_common as common
from medreg.applications.items.base import BusinessItem, FieldSpec, Parties
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application


class PhysicianDepartureFiling(BusinessItem):
    code = "PHY-DEPARTURE-FILING"
    name = _("医师离岗备案（调离、退休、退职、辞退、开除、死亡）")
    subject = Subject.PHYSICIAN
    applicant = "institution"
    review_chain = (Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《医师执业注册管理办法》第十九条；《中华人民共和国医师法》第十七条")
    description = _(
        "医师调离、退休、退职、被辞退、被开除或死亡的，主要执业机构应当在三十日内向准予注册的卫生健康主管部门备案。"
        "备案后满二年未恢复执业的，系统向卫生健康主管部门提出注销建议。"
    )
    fields = (
        FieldSpec("registration", _("执业注册"), "registration", choices_table="physician",
                  help_text=_("本机构为主要执业机构的医师执业注册")),
        FieldSpec("kind", _("备案类型"), "choice", choices_table="departure_kind"),
        FieldSpec("event_date", _("发生日期"), "date", help_text=_("格式：年-月-日")),
        FieldSpec("note", _("备注"), "text", required=False, max_length=500),
    )

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        from medreg.people.lifecycle import DEPARTURE_TABLE, report_is_late
        from medreg.reference import selectors as ref

        errors: list[ErrorItem] = []
        out: dict[str, Any] = {}
        common.clean_registration(data, user, out, errors, partial=partial)
        kinds = {c.code for c in ref.codes(DEPARTURE_TABLE)}
        common.clean_choice(data, out, errors, "kind", kinds, partial=partial)
        day = common.clean_date(data, out, errors, "event_date", required=True, partial=partial)
        out["late"] = bool(day and report_is_late(day, on=timezone.localdate()))
        common.clean_text(data, out, errors, "note", 500, required=False, partial=partial)
        if errors:
            raise DomainError(errors=errors)
        return out

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        return common.registration_parties(data, user, applicant=self.applicant)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people.models import PracticeRegistration

        problems = common.registration_problems(application)
        reg = PracticeRegistration.objects.filter(pk=common.as_int(application.form_data.get("registration")) or 0).first()
        if reg is not None and reg.main_institution_id != application.institution_id:
            problems.append(ErrorItem("not_main_institution", _("只有主要执业机构可以备案。"), field="registration"))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people.lifecycle import record_departure

        record = record_departure(application, acting_user=acting_user)
        return {"registration": record.registration, "departure": record.pk}


ITEM = PhysicianDepartureFiling()
