"""增加执业地点: registering in another province while keeping (or, confirmed, giving up) the original.

To practise in another province a physician registers a main institution there; this is a
registration, never a 变更. Keeping the original 执业地点 requires the same 执业类别 and 执业范围; not
keeping it voids the original registration, which the physician must confirm explicitly.
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

KEEP, DO_NOT_KEEP = "yes", "no"


class PhysicianAddPlace(BusinessItem):
    code = "PHY-REG-ADD-PLACE"
    name = _("增加执业地点（跨省注册）")
    subject = Subject.PHYSICIAN
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《中华人民共和国医师法》第十四条、第十五条；《医师执业注册管理办法》第十条")
    description = _(
        "执业医师到其他省份执业，须先在该省注册一家主要执业机构。保留原执业地点时按“注册”办理，"
        "执业类别和执业范围与原注册相同；选择不保留的，原执业地点的注册将被注销。执业助理医师只能注册一个执业地点。"
    )
    fields = (
        FieldSpec("registration", _("原执业注册"), "registration", choices_table="physician"),
        FieldSpec("main_institution", _("新省份的主要执业机构"), "institution",
                  help_text=_("须为其他省份正在执业的医疗机构，并已激活您的账户")),
        FieldSpec("keep_original", _("保留原执业地点？"), "choice",
                  options=((KEEP, _("保留（新增一个执业地点）")), (DO_NOT_KEEP, _("不保留（原执业地点的注册将被注销）")))),
        FieldSpec("confirm_void", _("我已知晓并确认：不保留时，原执业地点的注册及电子证照将被注销"), "boolean",
                  required=False),
        FieldSpec("declaration", _("本人承诺所填信息及提交材料真实有效"), "boolean"),
    )
    attachments = (
        AttachmentSpec(AttachmentKind.EMPLOYMENT_PROOF, help_text=_("新省份主要执业机构出具的拟聘用证明")),
    )

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
            elif reg.level_code == "2":
                errors.append(ErrorItem("assistant_one_place", _("执业助理医师只能注册一个执业地点。"), field="registration"))
            else:
                out["registration"] = reg.pk
                # the new registration has the same 级别, 类别 and 范围 as the original
                out.update(level_code=reg.level_code, category_code=reg.category_code,
                           scope_codes=list(reg.scope_codes))
        inst = None
        if data.get("main_institution") in (None, ""):
            P.required(errors, "main_institution", partial)
        else:
            inst = P.active_institution(data["main_institution"])
            if inst is None:
                errors.append(ErrorItem("unknown_institution", _("请从搜索结果中选择一家正在执业的医疗机构。"),
                                        field="main_institution"))
            elif reg is not None and P.within_place(reg, inst):
                errors.append(ErrorItem(
                    "same_province",
                    _("该机构与原执业地点在同一省份：请申请多执业机构备案，或申请变更注册更换主要执业机构。"),
                    field="main_institution",
                ))
            else:
                out["main_institution"] = inst.pk
        keep = str(data.get("keep_original") or "").strip()
        if keep not in (KEEP, DO_NOT_KEEP):
            if keep or not partial:
                errors.append(ErrorItem("keep_original", _("请选择是否保留原执业地点。"), field="keep_original"))
        out["keep_original"] = keep
        out["confirm_void"] = P.is_true(data.get("confirm_void"))
        if keep == DO_NOT_KEEP and not out["confirm_void"] and not partial:
            errors.append(ErrorItem(
                "confirm_void", _("不保留原执业地点会注销原注册，请勾选确认；如需保留，请选择“保留”。"),
                field="confirm_void",
            ))
        if user.person is not None:
            out["education"], out["school"] = user.person.education, user.person.school
        out["declaration"] = P.declaration(data, errors, partial)
        if errors:
            raise DomainError(errors=errors)
        return out

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        from medreg.institutions.models import Institution

        if user.person is None:
            raise DomainError(_("只有已实名注册的医师可以申请。"), code="not_individual")
        inst = Institution.objects.select_related("licensing_authority").filter(
            pk=P.as_int(data.get("main_institution")) or 0).first()
        if inst is None:
            raise DomainError(_("请先选择主要执业机构。"), code="required", field="main_institution")
        reg = P.own_registration(user, data.get("registration"))
        voids = data.get("keep_original") == DO_NOT_KEEP
        return Parties(person=user.person, institution=inst, authority=inst.licensing_authority,
                       target_registration=reg if voids else None)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people import rules
        from medreg.people.models import PracticeRegistration

        data = application.form_data
        original = PracticeRegistration.objects.filter(pk=data.get("registration"), status="active").first()
        problems: list[ErrorItem] = []
        if original is None:
            problems.append(ErrorItem("registration_not_active", _("原执业注册当前不是有效状态。"), field="registration"))
        problems += rules.first_registration_problems(
            person=application.person, institution=application.institution,
            level_code=data.get("level_code", ""), exclude_application=application,
        )
        problems += P.person_bars(application.person)
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.licences import services as licences
        from medreg.people import practice
        from medreg.people import services as people
        from medreg.people.models import PracticeRegistration

        registration = people.create_practice_registration(application, acting_user=acting_user)
        licence = licences.issue_for_registration(registration, acting_user=acting_user)
        effects: dict[str, Any] = {"registration": registration, "licence": licence}
        if application.form_data.get("keep_original") == DO_NOT_KEEP:
            original = PracticeRegistration.objects.get(pk=application.form_data["registration"])
            practice.void_registration(original, acting_user=acting_user, application=application,
                                       reason=str(_("增加执业地点时选择不保留原执业地点")))
            effects["voided"] = original.certificate_no
        return effects


ITEM = PhysicianAddPlace()
