"""医疗机构执业登记: the 医疗机构执业许可证 (条例 第15–19条; 实施细则 第25–27条 [K]).

The institution applies through its pending registry record. The registered items are checked
here; the 登记号 is validated and cross-checked with the USCC, or generated on approval. Every
不予登记 ground is checked before the decision: those MedReg can check from the data here, the others
recorded by the authority (``institutions.services.record_registration_checks``).
"""

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
    admin_institutions,
)
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application
    from medreg.institutions.models import Institution

CODE = "INST-REG-PRACTICE"

REGISTERED_ITEM_FIELDS = (
    FieldSpec("name", _("机构名称"), "text", max_length=120, autofill="institution"),
    FieldSpec("second_names", _("第二名称"), "text", required=False, max_length=300,
              help_text=_("如“××互联网医院”，多个以“；”分隔")),
    FieldSpec("address", _("地址"), "text", max_length=200, autofill="institution"),
    FieldSpec("legal_representative", _("法定代表人"), "text", max_length=60, autofill="institution"),
    FieldSpec("principal", _("主要负责人"), "text", max_length=60, autofill="institution"),
    FieldSpec("economic_type", _("所有制形式"), "choice", choices_table="economic_type",
              help_text=_("经济类型（GB/T 12402）")),
    FieldSpec("category_code", _("机构类别"), "choice", choices_table="institution_category",
              help_text=_("卫生机构类别代码（WS 218）")),
    FieldSpec("management_type", _("经营性质"), "choice", choices_table="management_type",
              help_text=_("非营利性、营利性或其他")),
    FieldSpec("grade_code", _("医院等级"), "choice", required=False, choices_table="hospital_grade"),
    FieldSpec("subject_codes", _("诊疗科目"), "multichoice", choices_table="clinical_subject",
              help_text=_("一级或二级科目代码，如 03 内科、03.01 呼吸内科专业")),
    FieldSpec("beds", _("床位（张）"), "number", help_text=_("无床位填 0")),
    FieldSpec("dental_chairs", _("牙椅（台）"), "number", required=False,
              help_text=_("口腔类机构须填写牙椅数")),
    FieldSpec("registered_capital", _("注册资金（万元）"), "number"),
)


def clean_registered_items(c: Cleaner) -> None:
    """The registered items (条例 第18条) with their cross-field rules; used by 设置审批 and 执业登记 alike."""
    from medreg.core.conf import conf

    c.text("name", 120)
    c.names("second_names")
    c.text("address", 200)
    c.text("legal_representative", 60)
    c.text("principal", 60)
    c.choice("economic_type", "economic_type")
    category = c.choice("category_code", "institution_category")
    c.choice("management_type", "management_type")
    c.choice("grade_code", "hospital_grade", required=False)
    c.multichoice("subject_codes", "clinical_subject")
    c.integer("beds", minimum=0)
    chairs = c.integer("dental_chairs", minimum=0, required=False)
    c.amount("registered_capital")
    if category in conf("INSTITUTION_DENTAL_CATEGORIES") and not chairs and not c.partial:
        c.errors.append(ErrorItem("dental_chairs", _("口腔类医疗机构须登记牙椅数。"), field="dental_chairs"))


class InstitutionRegistration(InstitutionItem):
    code = CODE
    name = _("医疗机构执业登记")
    statutory_limit_days = 45
    allowed_statuses = ("pending",)
    legal_basis = _("《医疗机构管理条例》第十五条至第十九条；《医疗机构管理条例实施细则》第二十五条至第二十七条")
    description = _(
        "医疗机构执业，须向批准其设置的卫生健康行政部门办理执业登记，领取《医疗机构执业许可证》。"
        "三级医院等仍须设置审批的机构，须先取得设置医疗机构批准书。"
    )
    fields = (
        INSTITUTION_FIELD,
        *REGISTERED_ITEM_FIELDS,
        FieldSpec("registration_no", _("医疗机构登记号"), "text", required=False, max_length=23,
                  help_text=_("已有登记号的填写，与统一社会信用代码核对；不填写的，准予登记时生成")),
        DECLARATION_FIELD,
    )
    attachments = (
        AttachmentSpec(AttachmentKind.OTHER, help_text=_(
            "设置医疗机构批准书（如需）、医疗用房产权或使用证明、建筑平面图、验资证明、规章制度、"
            "负责人及科室负责人名录和有关资格证书，PDF、JPEG或PNG")),
    )
    materials_note = _("申请表由系统根据填报信息生成。")

    def initial_data(self, *, user: User) -> dict[str, Any]:
        insts = admin_institutions(user)
        if len(insts) != 1:
            return {}
        inst = insts[0]
        return {
            "institution": inst.pk, "name": inst.name, "address": inst.address,
            "legal_representative": inst.legal_representative, "principal": inst.principal,
            "economic_type": inst.economic_type, "category_code": inst.category_code,
            "management_type": inst.management_type,
        }

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        from medreg.core import identifiers

        c = Cleaner(data, partial=partial)
        c.institution(user)
        clean_registered_items(c)
        raw = c.text("registration_no", 23, required=False)
        if raw:
            try:
                parsed = identifiers.parse_registration_no(raw)
            except DomainError as exc:
                c.errors.extend(exc.errors)
            else:
                c.out["registration_no"] = parsed.number
        c.declaration()
        return c.done()

    def prechecks(self, application: Application) -> list[ErrorItem]:
        problems = super().prechecks(application)
        inst = application.institution
        if inst is None:
            return problems
        data = application.form_data
        problems += registration_no_problems(inst, data)
        problems += setup_problems(inst, data)
        if application.status in ("accepted", "reviewed"):
            problems += authority_check_problems(application)
        from medreg.supervision.selectors import inspection_prechecks

        problems += inspection_prechecks(application)  # 线上踏勘: a returned, not failed, 结论表
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.institutions import services as institutions
        from medreg.licences import services as licences

        inst = institutions.register_institution(application, acting_user=acting_user)
        licence = licences.issue_for_institution(inst, acting_user=acting_user)
        return {"institution": inst, "licence": licence}


def registration_no_problems(inst: Institution, data: dict[str, Any]) -> list[ErrorItem]:
    """A given 登记号 must agree with the USCC, the division and the registered items."""
    from medreg.core import identifiers
    from medreg.institutions.models import Institution as Inst

    number = data.get("registration_no")
    if not number:
        return []
    problems: list[ErrorItem] = []
    try:
        parsed = identifiers.parse_registration_no(number)
        identifiers.cross_check_registration_no_with_uscc(parsed, inst.uscc)
    except DomainError as exc:
        return list(exc.errors)
    if parsed.legacy:
        problems.append(ErrorItem("regno_legacy_not_allowed", _("执业登记须使用 22 位医疗机构登记号。"),
                                  field="registration_no"))
        return problems
    mismatched = [
        str(label) for label, seg, value in (
            (_("行政区划"), parsed.division_code, inst.division_code),
            (_("所有制形式"), parsed.economic_type, data.get("economic_type")),
            (_("机构类别"), parsed.category_code, data.get("category_code")),
            (_("经营性质"), parsed.management_type, data.get("management_type")),
        ) if value and seg != value
    ]
    if mismatched:
        problems.append(ErrorItem("regno_items_mismatch", _("登记号与登记事项不一致：%(items)s"),
                                  field="registration_no", params={"items": "、".join(mismatched)}))
    if Inst.objects.filter(registration_no=parsed.number).exclude(pk=inst.pk).exists():
        problems.append(ErrorItem("regno_taken", _("该医疗机构登记号已被其他机构使用。"), field="registration_no"))
    return problems


def setup_problems(inst: Institution, data: dict[str, Any]) -> list[ErrorItem]:
    """不予登记 ground 1: kinds that need a 设置医疗机构批准书 must have one and match it."""
    from medreg.institutions import rules

    needs = rules.needs_setup_approval(
        data.get("category_code", ""), grade_code=data.get("grade_code", ""), economic_type=data.get("economic_type", "")
    )
    if not needs:
        return []
    if not inst.setup_approval_no:
        return [ErrorItem("setup_approval_missing", _("该类医疗机构须先取得设置医疗机构批准书（设置审批）。"))]
    problems: list[ErrorItem] = []
    if data.get("category_code") and data["category_code"] != inst.category_code:
        problems.append(ErrorItem("setup_mismatch", _("登记事项与设置医疗机构批准书核准的事项不一致：%(items)s"),
                                  field="category_code", params={"items": _("机构类别")}))
    beds = data.get("beds")
    if beds is not None and inst.setup_approved_beds is not None and int(beds) > inst.setup_approved_beds:
        problems.append(ErrorItem("setup_mismatch", _("登记事项与设置医疗机构批准书核准的事项不一致：%(items)s"),
                                  field="beds", params={"items": _("床位")}))
    return problems


def authority_check_problems(application: Application) -> list[ErrorItem]:
    """The grounds the authority checks itself: each must be recorded, and none may have failed."""
    from medreg.institutions.models import RegistrationCheck
    from medreg.institutions.services import authority_grounds
    from medreg.reference import selectors as ref

    grounds = authority_grounds()
    found = {c.ground: c for c in RegistrationCheck.objects.filter(application_id=application.pk)}
    missing = [g for g in grounds if g not in found]
    failed = [g for g in grounds if g in found and not found[g].passed]
    problems: list[ErrorItem] = []
    if failed:
        problems.append(ErrorItem("refusal_ground", _("存在不予登记情形：%(grounds)s"), params={
            "grounds": "；".join(ref.code_name("institution_refusal_ground", g) for g in failed)}))
    if missing:
        problems.append(ErrorItem("checks_missing", _("尚未核查的不予登记情形：%(grounds)s"), params={
            "grounds": "；".join(ref.code_name("institution_refusal_ground", g) for g in missing)}))
    return problems


ITEM = InstitutionRegistration()
