"""执业助理医师升执业医师: register as 执业医师 after passing the 执业医师 qualification.

Only with the same 执业类别 and the same main institution. The 执业地点 becomes the province; the
assistant registration lapses automatically when this one is granted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import Stage, Subject
from medreg.applications.items import _physician as P
from medreg.applications.items.base import BusinessItem, FieldSpec, Parties
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application

ASSISTANT, PHYSICIAN = "2", "1"


class PhysicianUpgrade(BusinessItem):
    code = "PHY-REG-UPGRADE"
    name = _("执业助理医师注册为执业医师")
    subject = Subject.PHYSICIAN
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《中华人民共和国医师法》第十三条、第十四条")
    description = _("执业助理医师取得执业医师资格后，在同一执业类别、同一主要执业机构申请注册为执业医师，原助理医师注册自动失效。")
    fields = (
        FieldSpec("registration", _("执业助理医师注册"), "registration", choices_table="physician"),
        FieldSpec("qualification", _("执业医师资格"), "qualification", autofill="qualification",
                  help_text=_("须与助理医师注册的执业类别相同")),
        FieldSpec("scope_codes", _("执业范围"), "multichoice", choices_table="practice_scope",
                  help_text=_("最多三项，须属于同一执业类别"), autofill="registration"),
        FieldSpec("declaration", _("本人承诺所填信息及提交材料真实有效"), "boolean"),
    )

    def initial_data(self, *, user: User) -> dict[str, Any]:
        if user.person is None:
            return {}
        regs = list(user.person.registrations.filter(profession="physician", status="active", level_code=ASSISTANT))
        quals = list(user.person.qualifications.filter(profession="physician", level_code=PHYSICIAN))
        data: dict[str, Any] = {}
        if len(regs) == 1:
            data.update(registration=regs[0].pk, scope_codes=list(regs[0].scope_codes))
        if len(quals) == 1:
            data["qualification"] = quals[0].pk
        return data

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        from medreg.people import selectors as people

        errors: list[ErrorItem] = []
        out: dict[str, Any] = {}
        reg = None
        if data.get("registration") in (None, ""):
            P.required(errors, "registration", partial)
        else:
            reg = P.own_registration(user, data["registration"])
            if reg is None or reg.level_code != ASSISTANT:
                errors.append(ErrorItem("not_assistant", _("请选择您本人一项有效的执业助理医师注册。"), field="registration"))
                reg = None
            else:
                out["registration"] = reg.pk
                out["main_institution"] = reg.main_institution_id
        if data.get("qualification") in (None, ""):
            P.required(errors, "qualification", partial)
        else:
            qual = people.qualification_for(user.person, data["qualification"])
            if qual is None or qual.profession != "physician" or qual.level_code != PHYSICIAN:
                errors.append(ErrorItem("not_physician_qualification", _("请选择已同步的执业医师资格。"),
                                        field="qualification"))
            elif reg is not None and qual.category_code != reg.category_code:
                errors.append(ErrorItem("category_mismatch", _("执业医师资格的类别须与助理医师注册的执业类别相同。"),
                                        field="qualification"))
            else:
                out.update(qualification=qual.pk, level_code=PHYSICIAN, category_code=qual.category_code)
        scopes = P.parse_codes(data.get("scope_codes"))
        if not scopes:
            P.required(errors, "scope_codes", partial)
        else:
            errors += P.scope_errors(scopes, reg.category_code if reg else None)
        out["scope_codes"] = scopes
        if user.person is not None:
            out["education"], out["school"] = user.person.education, user.person.school
        out["declaration"] = P.declaration(data, errors, partial)
        if errors:
            raise DomainError(errors=errors)
        return out

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        if user.person is None:
            raise DomainError(_("只有已实名注册的医师可以申请。"), code="not_individual")
        reg = P.own_registration(user, data.get("registration"))
        if reg is None:
            raise DomainError(_("请先选择执业助理医师注册。"), code="required", field="registration")
        inst = reg.main_institution
        return Parties(person=user.person, institution=inst, authority=inst.licensing_authority,
                       target_registration=reg)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people.models import PracticeRegistration
        from medreg.people.rules import practice_division_for

        data = application.form_data
        reg = PracticeRegistration.objects.filter(pk=data.get("registration"), status="active",
                                                  level_code=ASSISTANT).first()
        if reg is None:
            return [ErrorItem("registration_not_active", _("助理医师注册当前不是有效状态。"), field="registration")]
        problems = P.person_bars(application.person)
        inst = application.institution
        assert inst is not None and application.person is not None
        if inst.pk != reg.main_institution_id:
            problems.append(ErrorItem("institution_changed", _("只能在原主要执业机构申请注册为执业医师。")))
        if inst.status != "active":
            problems.append(ErrorItem("institution_inactive", _("所选机构当前不在执业状态。")))
        problems += P.activated_at(application.person, inst, "registration")
        if PracticeRegistration.objects.filter(
            person_id=reg.person_id, profession="physician", status="active", level_code=PHYSICIAN,
            practice_division_id=practice_division_for(inst, PHYSICIAN),
        ).exists():
            problems.append(ErrorItem("duplicate_registration", _("您在该执业地点已有有效的执业医师注册。")))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.licences import services as licences
        from medreg.people import practice
        from medreg.people import services as people
        from medreg.people.models import PracticeRegistration

        assistant = PracticeRegistration.objects.get(pk=application.form_data["registration"])
        practice.lapse_registration(assistant, acting_user=acting_user, application=application,
                                    reason=str(_("注册为执业医师，助理医师注册自动失效")))
        registration = people.create_practice_registration(application, acting_user=acting_user)
        licence = licences.issue_for_registration(registration, acting_user=acting_user)
        return {"registration": registration, "licence": licence, "lapsed": assistant.certificate_no}


ITEM = PhysicianUpgrade()
