"""医师注销注册 reported by the main institution (医师法 第17条: the institution reports within 30 days).

A report filed later than ``LIFECYCLE_REPORT_DAYS`` days after the event is accepted all the same and
flagged late (``late`` in the form data, ``reported_late`` on the cancellation record).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind, Stage, Subject
from medreg.applications.items import lifecycle_common as common
from medreg.applications.items.base import AttachmentSpec, BusinessItem, FieldSpec, Parties
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application


class PhysicianCancellationReport(BusinessItem):
    code = "PHY-REG-CANCEL-REPORT"
    name = _("医师注销注册（执业机构报告）")
    subject = Subject.PHYSICIAN
    applicant = "institution"
    review_chain = (Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《中华人民共和国医师法》第十七条")
    description = _(
        "医师死亡、受刑事处罚、被吊销医师执业证书、定期考核不合格再次考核仍不合格、中止执业满二年等情形，"
        "主要执业机构应当自知道或者应当知道之日起三十日内报告准予注册的卫生健康主管部门。逾期报告仍予受理，并标注逾期。"
    )
    fields = (
        FieldSpec("registration", _("执业注册"), "registration", choices_table="physician",
                  help_text=_("本机构为主要执业机构的医师执业注册")),
        FieldSpec("ground", _("注销事由"), "choice", choices_table="cancellation_ground"),
        FieldSpec("event_date", _("事由发生日期"), "date", help_text=_("格式：年-月-日")),
        FieldSpec("details", _("情况说明"), "text", max_length=500),
    )
    attachments = (
        AttachmentSpec(AttachmentKind.EVENT_PROOF, required=False,
                       help_text=_("死亡证明、判决书、处罚决定书等，PDF、JPEG或PNG")),
    )

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        from medreg.people.choices_lifecycle import CancellationForm
        from medreg.people.lifecycle import ground_codes, report_is_late

        errors: list[ErrorItem] = []
        out: dict[str, Any] = {}
        common.clean_registration(data, user, out, errors, partial=partial)
        ground = common.clean_choice(data, out, errors, "ground", ground_codes(CancellationForm.INSTITUTION),
                                     partial=partial)
        out["grounds"] = [ground] if ground else []
        day = common.clean_date(data, out, errors, "event_date", required=True, partial=partial)
        out["late"] = bool(day and report_is_late(day, on=timezone.localdate()))
        common.clean_text(data, out, errors, "details", 500, required=True, partial=partial)
        if errors:
            raise DomainError(errors=errors)
        return out

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        return common.registration_parties(data, user, applicant=self.applicant)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        problems = common.registration_problems(application)
        if common.other_open(application, common.CANCEL_ITEMS):
            problems.append(ErrorItem("cancellation_pending", _("该执业注册已有一份正在办理的注销申请。")))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        import datetime as dt

        from medreg.people.choices_lifecycle import CancellationForm
        from medreg.people.lifecycle import cancel_registration
        from medreg.people.models import PracticeRegistration

        data = application.form_data
        reg = PracticeRegistration.objects.get(pk=data["registration"])
        record = cancel_registration(
            reg, acting_user=acting_user, form=CancellationForm.INSTITUTION, grounds=list(data["grounds"]),
            reason=data.get("details", ""), event_date=dt.date.fromisoformat(data["event_date"]),
            reported_late=bool(data.get("late")), application=application,
        )
        return {"registration": reg, "cancellation": record.pk}


ITEM = PhysicianCancellationReport()
