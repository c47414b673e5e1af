"""诊所备案 (医疗机构管理条例 2022 revision): a clinic practises on its 备案凭证, issued on the spot.

The founder, or the clinic's responsible person, must have 5 years or more of registered practice,
checked against the registry (the person's physician registrations), never typed in. 中医(综合) and
中西医结合 clinics follow the 中医诊所备案 rule: 3 years of registered 中医 practice [K].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind, Stage
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
    from medreg.people.models import PracticeRegistration

TCM_CATEGORY = "4"


class ClinicFiling(InstitutionItem):
    code = "INST-CLINIC-FILING"
    name = _("诊所备案")
    statutory_limit_days = 0
    review_chain = (Stage.ACCEPTANCE,)
    allowed_statuses = ("pending",)
    completes_on_receipt = True
    legal_basis = _("《医疗机构管理条例》（2022年修订）；《中医诊所备案管理暂行办法》")
    description = _(
        "诊所向所在地县级卫生健康主管部门备案，材料齐全的当场发给诊所备案凭证，即可执业。"
        "举办人或诊所主要负责人须具有5年以上执业经历（中医诊所为3年以上中医执业经历），由系统按注册记录核验。"
    )
    fields = (
        INSTITUTION_FIELD,
        FieldSpec("name", _("诊所名称"), "text", max_length=120, autofill="institution"),
        FieldSpec("address", _("地址"), "text", max_length=200, autofill="institution"),
        FieldSpec("legal_representative", _("举办人"), "text", max_length=60),
        FieldSpec("principal", _("主要负责人"), "text", max_length=60),
        FieldSpec("economic_type", _("所有制形式"), "choice", choices_table="economic_type"),
        FieldSpec("category_code", _("机构类别"), "choice", choices_table="institution_category",
                  help_text=_("诊所类别（WS 218）")),
        FieldSpec("management_type", _("经营性质"), "choice", choices_table="management_type"),
        FieldSpec("subject_codes", _("诊疗科目"), "multichoice", choices_table="clinical_subject"),
        FieldSpec("dental_chairs", _("牙椅（台）"), "number", required=False),
        FieldSpec("responsible_certificate_no", _("主要负责人医师执业证书编码"), "text", max_length=15,
                  help_text=_("用于按注册记录核验执业年限，不能手工填写年限")),
        DECLARATION_FIELD,
    )
    attachments = (
        AttachmentSpec(AttachmentKind.OTHER, help_text=_("诊所备案信息表、场所使用证明、人员名单及资格证书，PDF、JPEG或PNG")),
    )

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        c = Cleaner(data, partial=partial)
        c.institution(user)
        c.text("name", 120)
        c.text("address", 200)
        c.text("legal_representative", 60)
        c.text("principal", 60)
        c.choice("economic_type", "economic_type")
        category = c.choice("category_code", "institution_category")
        c.choice("management_type", "management_type")
        c.multichoice("subject_codes", "clinical_subject")
        c.integer("dental_chairs", minimum=0, required=False)
        cert = c.text("responsible_certificate_no", 15)
        if cert and not (len(cert) == 15 and cert.isdigit()):
            c.errors.append(ErrorItem("certificate_no", _("医师执业证书编码应为15位数字。"),
                                      field="responsible_certificate_no"))
        if category and category not in conf("CLINIC_FILING_CATEGORIES"):
            c.errors.append(ErrorItem("not_a_clinic", _("只有诊所可以备案，其他医疗机构须办理执业登记。"),
                                      field="category_code"))
        c.declaration()
        out = c.done()
        out["beds"] = 0
        return out

    def prechecks(self, application: Application) -> list[ErrorItem]:
        problems = super().prechecks(application)
        data = application.form_data
        if application.authority.level != "county":
            problems.append(ErrorItem("filing_authority", _("诊所备案由所在地县级卫生健康主管部门办理。")))
        problems += founder_problems(data.get("responsible_certificate_no", ""), data.get("principal", ""),
                                     data.get("category_code", ""))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.institutions import services as institutions

        inst = institutions.file_clinic(application, acting_user=acting_user)
        return {"institution": inst, "filing_no": inst.filing_no}


def _registration(certificate_no: str) -> PracticeRegistration | None:
    from medreg.people.models import PracticeRegistration

    return (PracticeRegistration.objects.select_related("person")
            .filter(certificate_no=certificate_no, profession="physician").first())


def founder_problems(certificate_no: str, principal: str, category_code: str) -> list[ErrorItem]:
    """The responsible person's registered practice, from the registry: 5 years (中医诊所: 3 years, 中医)."""
    from medreg.institutions import rules

    field = "responsible_certificate_no"
    if not certificate_no:
        return [ErrorItem("required", _("此项为必填项。"), field=field)]
    reg = _registration(certificate_no)
    if reg is None or reg.person.name != principal.strip():
        return [ErrorItem("founder_unknown", _("未找到与主要负责人姓名一致的医师注册记录。"), field=field)]
    if reg.status != "active":
        return [ErrorItem("founder_not_active", _("主要负责人的医师执业注册不在有效状态。"), field=field)]
    years = rules.founder_min_years(category_code)
    tcm = category_code in conf("TCM_CLINIC_CATEGORIES")
    if tcm and reg.category_code != TCM_CATEGORY:
        return [ErrorItem("founder_not_tcm", _("中医诊所的主要负责人须为中医类别医师。"), field=field)]
    if not rules.has_practice_years(reg.person, years, on=timezone.localdate()):
        return [ErrorItem("founder_years", _("主要负责人须具有%(years)s年以上执业经历（按注册记录核验）。"),
                          field=field, params={"years": years})]
    return []


ITEM = ClinicFiling()
