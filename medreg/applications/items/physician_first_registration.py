"""医师首次执业注册: a physician's first practice registration (医师法 第13、14、16条)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind, Stage, Subject
from medreg.applications.items.base import AttachmentSpec, BusinessItem, FieldSpec, Parties
from medreg.core.conf import conf
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application

MAX_SCOPES = 3
ANY_CATEGORY_SCOPE = "57"


class PhysicianFirstRegistration(BusinessItem):
    code = "PHY-REG-FIRST"
    name = _("医师首次执业注册")
    subject = Subject.PHYSICIAN
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《中华人民共和国医师法》第十三条、第十四条、第十六条；《医师执业注册管理办法》")
    description = _(
        "取得医师资格的人员，向主要执业机构所在地、批准该机构的卫生健康主管部门申请执业注册。"
        "执业医师的执业地点为省级行政区划，执业助理医师为县级行政区划。"
    )
    fields = (
        FieldSpec("qualification", _("医师资格"), "qualification", help_text=_("从已同步的资格信息中选择"),
                  autofill="qualification"),
        FieldSpec("main_institution", _("主要执业机构"), "institution",
                  help_text=_("按机构名称、统一社会信用代码或登记号搜索，不能手工填写")),
        FieldSpec("scope_codes", _("执业范围"), "multichoice", choices_table="practice_scope",
                  help_text=_("须属于资格证书的执业类别，最多三项")),
        FieldSpec("department", _("科室"), "text", required=False, max_length=60,
                  help_text=_("从机构设置的科室中选择")),
        FieldSpec("education", _("学历"), "text", max_length=30, autofill="archive"),
        FieldSpec("school", _("毕业院校"), "text", max_length=100, autofill="archive"),
        FieldSpec("declaration", _("本人承诺所填信息及提交材料真实有效"), "boolean"),
    )
    attachments = (
        AttachmentSpec(AttachmentKind.PHOTO, images_only=True, help_text=_("近6个月二寸白底免冠正面照片，JPEG或PNG")),
        AttachmentSpec(AttachmentKind.EMPLOYMENT_PROOF, help_text=_("主要执业机构出具的拟聘用证明，PDF、JPEG或PNG")),
        AttachmentSpec(AttachmentKind.TRAINING_PROOF, required=False,
                       help_text=_("取得医师资格超过两年未注册的，须提交6个月临床培训及考核合格证明")),
    )
    materials_note = _("医师执业注册申请审核表由系统根据填报信息生成，无需另行提交纸质表格。")

    # ------------------------------------------------------------------------------------------
    def initial_data(self, *, user: User) -> dict[str, Any]:
        from medreg.people import selectors as people

        person = user.person
        if person is None:
            return {}
        data: dict[str, Any] = {"education": person.education, "school": person.school}
        quals = people.physician_qualifications(person)
        if len(quals) == 1:
            data["qualification"] = quals[0].pk
        active = people.active_affiliations(person)
        if len(active) == 1:
            data["main_institution"] = active[0].institution_id
        return data

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        from medreg.institutions.models import Institution
        from medreg.people import selectors as people
        from medreg.reference import selectors as ref

        errors: list[ErrorItem] = []
        out: dict[str, Any] = {}
        person = user.person

        def missing(name: str) -> None:
            if not partial:
                errors.append(ErrorItem("required", _("此项为必填项。"), field=name))

        qual = None
        raw_q = data.get("qualification")
        if raw_q in (None, ""):
            missing("qualification")
        else:
            qual = people.qualification_for(person, raw_q) if person else None
            if qual is None:
                errors.append(ErrorItem("unknown_qualification", _("未找到该医师资格信息，请从已同步的资格中选择。"),
                                        field="qualification"))
            else:
                out["qualification"] = qual.pk
                out["level_code"] = qual.level_code
                out["category_code"] = qual.category_code

        raw_i = data.get("main_institution")
        if raw_i in (None, ""):
            missing("main_institution")
        else:
            inst = Institution.objects.filter(pk=_as_int(raw_i) or 0, status="active").first()
            if inst is None:
                errors.append(ErrorItem("unknown_institution", _("请从搜索结果中选择一家正在执业的医疗机构。"),
                                        field="main_institution"))
            else:
                out["main_institution"] = inst.pk

        scopes = data.get("scope_codes") or []
        if isinstance(scopes, str):
            scopes = [s for s in scopes.replace("，", ",").split(",") if s.strip()]
        scopes = [str(s).strip() for s in scopes]
        if not scopes:
            missing("scope_codes")
        else:
            valid = ref.code_map("practice_scope")
            bad = [s for s in scopes if s not in valid or not ref.is_current_code("practice_scope", s)]
            if bad:
                errors.append(ErrorItem("unknown_scope", _("执业范围代码无效：%(codes)s"), field="scope_codes",
                                        params={"codes": "、".join(bad)}))
            elif len(set(scopes)) != len(scopes) or len(scopes) > MAX_SCOPES:
                errors.append(ErrorItem("scope_count", _("执业范围不能重复，且最多选择%(n)s项。"), field="scope_codes",
                                        params={"n": MAX_SCOPES}))
            elif qual is not None:
                wrong = [s for s in scopes if s != ANY_CATEGORY_SCOPE and valid[s].parent_code != qual.category_code]
                if wrong:
                    errors.append(ErrorItem(
                        "scope_category", _("执业范围%(codes)s不属于您资格证书的执业类别“%(category)s”。"),
                        field="scope_codes",
                        params={"codes": "、".join(valid[s].name for s in wrong),
                                "category": ref.code_name("practice_category", qual.category_code)},
                    ))
            out["scope_codes"] = scopes

        for name, limit in (("department", 60), ("education", 30), ("school", 100)):
            value = str(data.get(name) or "").strip()
            if len(value) > limit:
                errors.append(ErrorItem("too_long", _("最多%(n)s个字符。"), field=name, params={"n": limit}))
            elif not value and name != "department":
                missing(name)
            out[name] = value

        declared = data.get("declaration") in (True, "true", "on", "1", 1)
        if not declared and not partial:
            errors.append(ErrorItem("declaration", _("请阅读并勾选承诺。"), field="declaration"))
        out["declaration"] = declared
        if errors:
            raise DomainError(errors=errors)
        return out

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        from medreg.institutions.models import Institution

        if user.person is None:
            raise DomainError(_("只有已实名注册的医师可以申请执业注册。"), code="not_individual")
        inst_id = data.get("main_institution")
        inst = Institution.objects.select_related("licensing_authority").filter(pk=_as_int(inst_id) or 0).first()
        if inst is None:
            raise DomainError(_("请先选择主要执业机构。"), code="required", field="main_institution")
        return Parties(person=user.person, institution=inst, authority=inst.licensing_authority)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.applications.items import _physician as P
        from medreg.people import rules

        problems = rules.first_registration_problems(
            person=application.person,
            institution=application.institution,
            level_code=application.form_data.get("level_code", ""),
            exclude_application=application,
        )
        problems += P.person_bars(application.person)
        problems += self._training_problems(application)
        return problems

    def _training_problems(self, application: Application) -> list[ErrorItem]:
        """[K] 2017 办法 第12条: a qualification obtained more than two years ago, never registered, needs proof
        of six months' training and assessment."""
        from medreg.people import eligibility
        from medreg.people.models import QualificationRecord

        qual = QualificationRecord.objects.filter(pk=application.form_data.get("qualification")).first()
        person = application.person
        if qual is None or person is None or person.registrations.filter(profession="physician").exists():
            return []
        years = conf("PHYSICIAN_TRAINING_AFTER_YEARS")
        if timezone.localdate() < eligibility.add_years(qual.obtained_on, years):
            return []
        if application.attachments.filter(kind=AttachmentKind.TRAINING_PROOF).exists():
            return []
        return [ErrorItem(
            "training_required",
            _("取得医师资格已超过%(years)s年未注册，须提交在上级医疗机构进行6个月临床培训并考核合格的证明。"),
            field="attachments", params={"years": years},
        )]

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.licences import services as licences
        from medreg.people import services as people

        registration = people.create_practice_registration(application, acting_user=acting_user)
        licence = licences.issue_for_registration(registration, acting_user=acting_user)
        return {"registration": registration, "licence": licence}


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


ITEM = PhysicianFirstRegistration()
