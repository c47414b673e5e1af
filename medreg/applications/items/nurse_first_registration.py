"""护士首次执业注册: a nurse's first registration (护士条例 第7、8条; 护士执业注册管理办法)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind, Stage, Subject
from medreg.applications.items import nurse_common as common
from medreg.applications.items.base import AttachmentSpec, BusinessItem, FieldSpec, Parties
from medreg.core.errors import ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application
    from medreg.people.models import Person

MIN_PROGRAMME_YEARS = 3  # 护士条例 第7条: 3 years' full-time nursing or midwifery programme
MIN_INTERNSHIP_MONTHS = 8  # ... with at least 8 months' clinical internship


class NurseFirstRegistration(BusinessItem):
    code = "NUR-REG-FIRST"
    name = _("护士首次执业注册")
    subject = Subject.NURSE
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《护士条例》第七条、第八条；《护士执业注册管理办法》")
    description = _(
        "通过护士执业资格考试的人员，经拟执业医疗机构确认后，向批准设立该机构或者为该机构备案的卫生健康主管部门"
        "申请执业注册。应在通过考试之日起3年内申请；逾期的须提交在教学、综合医院接受3个月临床护理培训并考核合格的证明。"
        "注册有效期为5年。"
    )
    fields = (
        FieldSpec("qualification", _("护士执业资格考试"), "qualification", help_text=_("从已同步的考试合格信息中选择"),
                  autofill="qualification"),
        common.INSTITUTION,
        FieldSpec("education", _("学历"), "text", max_length=30, autofill="archive"),
        FieldSpec("school", _("毕业院校"), "text", max_length=100, autofill="archive"),
        FieldSpec("programme_years", _("护理、助产专业学制（年）"), "text", max_length=2,
                  help_text=_("普通全日制护理或助产专业课程学习年限，须3年以上")),
        FieldSpec("internship_months", _("临床实习时间（月）"), "text", max_length=2,
                  help_text=_("在教学、综合医院完成的临床实习，须8个月以上")),
        common.HEALTH_CHECK_ON,
        common.HEALTH_DECLARATION,
        common.DECLARATION,
    )
    attachments = (
        AttachmentSpec(AttachmentKind.PHOTO, images_only=True, help_text=_("近6个月二寸白底免冠正面照片，JPEG或PNG")),
        AttachmentSpec(AttachmentKind.HEALTH_CERT, help_text=_("申请前6个月内的健康体检证明，PDF、JPEG或PNG")),
        AttachmentSpec(AttachmentKind.EMPLOYMENT_PROOF, help_text=_("拟执业医疗机构出具的拟聘用证明，PDF、JPEG或PNG")),
        AttachmentSpec(AttachmentKind.TRAINING_PROOF, required=False,
                       help_text=_("通过考试超过3年才申请的，须提交3个月临床护理培训并考核合格的证明")),
    )
    materials_note = _("护士执业注册申请审核表由系统根据填报信息生成，无需另行提交纸质表格。")

    def offered_to(self, person: Person) -> bool:
        from medreg.people.choices import Profession

        return not person.registrations.filter(profession=Profession.NURSE).exists()

    def initial_data(self, *, user: User) -> dict[str, Any]:
        from medreg.people import selectors as people
        from medreg.people.choices import Profession

        person = user.person
        if person is None:
            return {}
        data: dict[str, Any] = {"education": person.education, "school": person.school}
        quals = list(person.qualifications.filter(profession=Profession.NURSE).order_by("-obtained_on"))
        if len(quals) == 1:
            data["qualification"] = quals[0].pk
        active = people.active_affiliations(person)
        if len(active) == 1:
            data["main_institution"] = active[0].institution_id
        return data

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        from medreg.people.choices import Profession

        form = common.Form(data, partial=partial)
        person = user.person
        if form.blank("qualification"):
            form.missing("qualification")
        else:
            qual = None
            if person is not None:
                qual = person.qualifications.filter(
                    pk=common.as_int(data.get("qualification")) or 0, profession=Profession.NURSE
                ).first()
            if qual is None:
                form.errors.append(ErrorItem("unknown_qualification",
                                             _("未找到该护士执业资格考试信息，请从已同步的信息中选择。"),
                                             field="qualification"))
            else:
                form.out["qualification"] = qual.pk
                form.out["exam_passed_on"] = qual.obtained_on.isoformat()
        form.institution()
        form.text("education", 30)
        form.text("school", 100)
        form.minimum("programme_years", MIN_PROGRAMME_YEARS,
                     _("须完成%(n)s年以上普通全日制护理、助产专业课程学习（护士条例第七条）。"))
        form.minimum("internship_months", MIN_INTERNSHIP_MONTHS,
                     _("须在教学、综合医院完成%(n)s个月以上临床实习（护士条例第七条）。"))
        form.health()
        form.declaration()
        return form.done()

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        return common.institution_parties(common.person_of(user), data)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people import nursing

        return nursing.first_registration_problems(application)

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people import nursing

        return nursing.create_nurse_registration(application, acting_user=acting_user)


ITEM = NurseFirstRegistration()
