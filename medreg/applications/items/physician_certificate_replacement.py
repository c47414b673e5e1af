"""医师执业证书换领/补发 (《医师执业注册管理办法》第16条 [K]).

遗失 → 补发: a 遗失声明 must be published, due within ``LIFECYCLE_LOSS_NOTICE_DAYS`` days of the loss (a
later notice is accepted and flagged). 损毁 → 换领: the damaged certificate is shown. Approval issues a new
version of the e-licence; the previous one is superseded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind, Stage, Subject
from medreg.applications.items import lifecycle_common as common
from medreg.applications.items.base import AttachmentSpec, BusinessItem, FieldSpec, Parties
from medreg.core.conf import conf
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application

REASON_TABLE = "cert_replacement_reason"
LOST, DAMAGED = "lost", "damaged"


class PhysicianCertificateReplacement(BusinessItem):
    code = "PHY-CERT-REPLACE"
    name = _("医师执业证书换领、补发")
    subject = Subject.PHYSICIAN
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《医师执业注册管理办法》")
    description = _(
        "执业证书遗失的，应当于十五日内在指定报刊上刊登遗失声明，凭遗失声明申请补发；执业证书损毁的，申请换领。"
        "准予后生成新版本的电子证照，原版本同时作废。"
    )
    fields = (
        FieldSpec("registration", _("执业注册"), "registration", choices_table="physician"),
        FieldSpec("reason", _("申请原因"), "choice", choices_table=REASON_TABLE),
        FieldSpec("lost_on", _("遗失日期"), "date", required=False, help_text=_("遗失时填写，格式：年-月-日")),
        FieldSpec("notice_on", _("遗失声明刊登日期"), "date", required=False,
                  help_text=_("遗失时填写，格式：年-月-日")),
        FieldSpec("declaration", _("本人承诺所填信息及提交材料真实有效"), "boolean"),
    )
    attachments = (
        AttachmentSpec(AttachmentKind.LOSS_NOTICE, required=False,
                       help_text=_("遗失补发时必须上传：刊登遗失声明的报刊版面，PDF、JPEG或PNG")),
        AttachmentSpec(AttachmentKind.DAMAGED_CERTIFICATE, required=False,
                       help_text=_("损毁换领时必须上传：损毁证书的照片或扫描件")),
    )

    def initial_data(self, *, user: User) -> dict[str, Any]:
        from medreg.people.choices import RegistrationStatus
        from medreg.people.lifecycle import registrations_for

        regs = list(registrations_for(user, via="person").filter(status=RegistrationStatus.ACTIVE))
        return {"registration": regs[0].pk} if len(regs) == 1 else {}

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        errors: list[ErrorItem] = []
        out: dict[str, Any] = {}
        common.clean_registration(data, user, out, errors, partial=partial)
        reason = common.clean_choice(data, out, errors, "reason", (LOST, DAMAGED), partial=partial)
        lost = reason == LOST
        lost_on = common.clean_date(data, out, errors, "lost_on", required=lost, partial=partial)
        notice_on = common.clean_date(data, out, errors, "notice_on", required=lost, partial=partial)
        out["notice_late"] = False
        if lost and lost_on and notice_on:
            if notice_on < lost_on:
                errors.append(ErrorItem("notice_before_loss", _("遗失声明刊登日期不能早于遗失日期。"), field="notice_on"))
            else:
                out["notice_late"] = (notice_on - lost_on).days > int(conf("LIFECYCLE_LOSS_NOTICE_DAYS"))
        common.clean_declaration(data, out, errors, partial=partial)
        if errors:
            raise DomainError(errors=errors)
        return out

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        if user.person is None:
            raise DomainError(_("只有医师本人可以申请换领或补发执业证书。"), code="not_individual")
        return common.registration_parties(data, user, applicant=self.applicant)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        problems = common.registration_problems(application, active_only=True)
        reason = application.form_data.get("reason")
        have = set(application.attachments.values_list("kind", flat=True))
        needed = {LOST: AttachmentKind.LOSS_NOTICE, DAMAGED: AttachmentKind.DAMAGED_CERTIFICATE}
        kind = needed.get(str(reason))
        if kind is not None and kind.value not in have:
            problems.append(ErrorItem("attachment_missing", _("缺少材料：%(kind)s"), field="attachments",
                                      params={"kind": kind.label}))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people.lifecycle import replace_certificate

        return replace_certificate(application, acting_user=acting_user)


ITEM = PhysicianCertificateReplacement()
