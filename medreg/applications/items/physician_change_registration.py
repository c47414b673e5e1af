"""医师变更注册: change of 执业地点 (through the main institution), 执业类别 or 执业范围.

医师法 第14、17、18条; 2017 《医师执业注册管理办法》 第17–21条 [K]. A change of main institution goes
through the old and the new institution, then the commission that licensed the new one (the 2017 办法
treats it as a new registration there). Moving the 执业地点 to another province voids the original place:
the form makes the physician confirm that, and points to 增加执业地点 for keeping it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind, Stage, Subject
from medreg.applications.items import _physician as P
from medreg.applications.items.base import AttachmentSpec, BusinessItem, FieldSpec, Parties
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application


class PhysicianChangeRegistration(BusinessItem):
    code = "PHY-REG-CHANGE"
    name = _("医师变更注册")
    subject = Subject.PHYSICIAN
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《中华人民共和国医师法》第十四条、第十七条、第十八条；《医师执业注册管理办法》第十七条至第二十一条")
    description = _(
        "变更执业地点（更换主要执业机构）、执业类别或执业范围。更换主要执业机构须经原机构和新机构确认，"
        "由批准新机构的卫生健康主管部门办理。在医疗联合体内执业、会诊、进修、规范化培训、对口支援、义诊等无需变更注册。"
    )
    fields = (
        FieldSpec("registration", _("要变更的执业注册"), "registration", choices_table="physician",
                  help_text=_("选择一项有效的执业注册")),
        FieldSpec("new_main_institution", _("新的主要执业机构"), "institution", required=False,
                  help_text=_("仅变更执业类别或范围时不填；更换机构须先由新机构激活您的账户")),
        FieldSpec("category_code", _("执业类别"), "choice", required=False, choices_table="practice_category",
                  help_text=_("须与您取得的医师资格类别一致"), autofill="registration"),
        FieldSpec("scope_codes", _("执业范围"), "multichoice", choices_table="practice_scope",
                  help_text=_("变更后的全部执业范围，最多三项"), autofill="registration"),
        FieldSpec("confirm_move", _("我已知晓：变更到其他省份后，原执业地点的注册将失效（如需保留请申请“增加执业地点”）"),
                  "boolean", required=False),
        FieldSpec("reason", _("变更原因"), "text", max_length=300),
        FieldSpec("declaration", _("本人承诺所填信息及提交材料真实有效"), "boolean"),
    )
    attachments = (
        AttachmentSpec(AttachmentKind.EMPLOYMENT_PROOF, required=False,
                       help_text=_("更换主要执业机构时必须提供新机构的拟聘用证明")),
        AttachmentSpec(AttachmentKind.RELEASE_PROOF, required=False,
                       help_text=_("更换主要执业机构时，原机构出具的解除聘用证明（各省要求不同）")),
    )

    def initial_data(self, *, user: User) -> dict[str, Any]:
        if user.person is None:
            return {}
        regs = list(user.person.registrations.filter(profession="physician", status="active"))
        if len(regs) != 1:
            return {}
        return {"registration": regs[0].pk, "category_code": regs[0].category_code,
                "scope_codes": list(regs[0].scope_codes)}

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        errors: list[ErrorItem] = []
        out: dict[str, Any] = {}
        reg = None
        if data.get("registration") in (None, ""):
            P.required(errors, "registration", partial)
        else:
            reg = P.own_registration(user, data["registration"])
            if reg is None:
                errors.append(ErrorItem("unknown_registration", _("请选择您本人一项有效的执业注册。"), field="registration"))
            else:
                out["registration"] = reg.pk
                out["level_code"] = reg.level_code

        new_inst = None
        if data.get("new_main_institution") not in (None, ""):
            new_inst = P.active_institution(data["new_main_institution"])
            if new_inst is None:
                errors.append(ErrorItem("unknown_institution", _("请从搜索结果中选择一家正在执业的医疗机构。"),
                                        field="new_main_institution"))
            elif reg is not None and new_inst.pk == reg.main_institution_id:
                errors.append(ErrorItem("same_institution", _("新机构与现主要执业机构相同；只变更类别或范围时请不要填写。"),
                                        field="new_main_institution"))
            else:
                out["new_main_institution"] = new_inst.pk

        category = str(data.get("category_code") or (reg.category_code if reg else "")).strip()
        if reg is not None and category and category != reg.category_code and user.person is not None:
            held = set(user.person.qualifications.filter(profession="physician", level_code=reg.level_code)
                       .values_list("category_code", flat=True))
            if category not in held:
                errors.append(ErrorItem("category_not_held", _("您没有该执业类别的医师资格，不能变更到该类别。"),
                                        field="category_code"))
        out["category_code"] = category

        scopes = P.parse_codes(data.get("scope_codes"))
        if not scopes:
            P.required(errors, "scope_codes", partial)
        else:
            errors += P.scope_errors(scopes, category or None)
        out["scope_codes"] = scopes

        out["confirm_move"] = P.is_true(data.get("confirm_move"))
        moving = (reg is not None and new_inst is not None and reg.level_code != "2"
                  and not P.within_place(reg, new_inst))
        if moving and not out["confirm_move"] and not partial:
            errors.append(ErrorItem(
                "confirm_move",
                _("新机构在其他省份：变更后原执业地点的注册将失效。如需保留原执业地点，请改为申请“增加执业地点”；"
                  "确认不保留请勾选此项。"),
                field="confirm_move",
            ))
        out["moves_place"] = bool(moving)

        reason = str(data.get("reason") or "").strip()
        if not reason:
            P.required(errors, "reason", partial)
        elif len(reason) > 300:
            errors.append(ErrorItem("too_long", _("最多%(n)s个字符。"), field="reason", params={"n": 300}))
        out["reason"] = reason
        if (reg is not None and not partial and new_inst is None and category == reg.category_code
                and scopes == list(reg.scope_codes)):
            errors.append(ErrorItem("no_change", _("申请的内容与现有注册相同，没有需要变更的项目。")))
        out["declaration"] = P.declaration(data, errors, partial)
        if errors:
            raise DomainError(errors=errors)
        return out

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        from medreg.institutions.models import Institution

        if user.person is None:
            raise DomainError(_("只有已实名注册的医师可以申请。"), code="not_individual")
        reg = P.own_registration(user, data.get("registration"))
        if reg is None:
            raise DomainError(_("请先选择要变更的执业注册。"), code="required", field="registration")
        new_id = P.as_int(data.get("new_main_institution"))
        if new_id:
            inst = Institution.objects.select_related("licensing_authority").get(pk=new_id)
            return Parties(person=user.person, institution=inst, authority=inst.licensing_authority,
                           co_institution=reg.main_institution, target_registration=reg)
        return Parties(person=user.person, institution=reg.main_institution, authority=reg.authority,
                       target_registration=reg)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people.models import PracticeRegistration

        data = application.form_data
        problems: list[ErrorItem] = []
        reg = PracticeRegistration.objects.filter(pk=data.get("registration")).select_related(
            "practice_division").first()
        if reg is None or reg.status != "active":
            return [ErrorItem("registration_not_active", _("该执业注册当前不是有效状态，不能变更。"), field="registration")]
        problems += P.suspension_problem(application.person)
        new_id = data.get("new_main_institution")
        if new_id:
            inst = application.institution
            assert inst is not None
            if inst.status != "active":
                problems.append(ErrorItem("institution_inactive", _("所选机构当前不在执业状态。"),
                                          field="new_main_institution"))
            assert application.person is not None
            problems += P.activated_at(application.person, inst, "new_main_institution")
            if not application.attachments.filter(kind=AttachmentKind.EMPLOYMENT_PROOF).exists():
                problems.append(ErrorItem("attachment_missing", _("缺少材料：%(kind)s"), field="attachments",
                                          params={"kind": AttachmentKind.EMPLOYMENT_PROOF.label}))
            from medreg.people.rules import practice_division_for

            place = practice_division_for(inst, reg.level_code)
            if place != reg.practice_division_id and PracticeRegistration.objects.filter(
                person_id=reg.person_id, profession="physician", status="active", practice_division_id=place
            ).exists():
                problems.append(ErrorItem("duplicate_registration", _("您在新的执业地点已有有效的执业注册。"),
                                          field="new_main_institution"))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people import practice

        reg = practice.change_registration(application, acting_user=acting_user)
        return {"registration": reg}


ITEM = PhysicianChangeRegistration()
