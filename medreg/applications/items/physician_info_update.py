"""医师个人信息更新 (学历、毕业院校、职称、照片). The change takes effect only when the institution approves
it; the institution alone decides (``approve_info_update_by_institution``). The archive keeps every
approved version with its approver."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import AttachmentKind, Stage, Status, Subject
from medreg.applications.items import lifecycle_common as common
from medreg.applications.items.base import AttachmentSpec, BusinessItem, FieldSpec, Parties
from medreg.core.errors import DomainError, ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application

# The institution's own decision: a submitted update is approved (or returned / withdrawn, generic moves).
INSTITUTION_TRANSITIONS = {Status.SUBMITTED: frozenset({Status.APPROVED})}


class PhysicianInfoUpdate(BusinessItem):
    code = "PHY-INFO-UPDATE"
    name = _("医师个人信息更新")
    subject = Subject.PHYSICIAN
    applicant = "individual"
    review_chain = (Stage.INSTITUTION,)
    statutory_limit_days = 20
    legal_basis = _("《医疗机构、医师、护士电子化注册管理规范（试行）》")
    description = _("医师可修改学历、毕业院校、职称和照片，经主要执业机构审核通过后生效；档案保留修改前后的版本。")
    fields = (
        FieldSpec("education", _("学历"), "text", required=False, max_length=30, autofill="archive"),
        FieldSpec("school", _("毕业院校"), "text", required=False, max_length=100, autofill="archive"),
        FieldSpec("title", _("职称"), "text", required=False, max_length=30, autofill="archive"),
        FieldSpec("declaration", _("本人承诺所填信息及提交材料真实有效"), "boolean"),
    )
    attachments = (
        AttachmentSpec(AttachmentKind.PHOTO, required=False, images_only=True,
                       help_text=_("更换照片时上传：近6个月二寸白底免冠正面照片，JPEG或PNG")),
    )

    def initial_data(self, *, user: User) -> dict[str, Any]:
        person = user.person
        if person is None:
            return {}
        return {"education": person.education, "school": person.school, "title": person.title}

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        errors: list[ErrorItem] = []
        out: dict[str, Any] = {}
        for name, limit in (("education", 30), ("school", 100), ("title", 30)):
            common.clean_text(data, out, errors, name, limit, required=False, partial=partial)
        common.clean_declaration(data, out, errors, partial=partial)
        if errors:
            raise DomainError(errors=errors)
        return out

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        from medreg.people import selectors as people

        person = user.person
        if person is None:
            raise DomainError(_("只有医师本人可以更新个人信息。"), code="not_individual")
        regs = people.active_registrations(person)
        if regs:
            inst = regs[0].main_institution
        else:
            affs = people.active_affiliations(person)
            if not affs:
                raise DomainError(_("您的账户尚未被执业机构激活，请先联系机构激活。"), code="not_activated")
            inst = affs[0].institution
        return Parties(person=person, institution=inst, authority=inst.licensing_authority)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people.choices import AffiliationStatus

        person = application.person
        problems: list[ErrorItem] = []
        if person is None or application.institution_id is None:
            return [ErrorItem("parties", _("申请人缺失。"))]
        if not person.affiliations.filter(institution_id=application.institution_id,
                                          status=AffiliationStatus.ACTIVE).exists():
            problems.append(ErrorItem("not_activated", _("您已不在该执业机构执业，不能由其审核。")))
        data = application.form_data
        changed = any((data.get(f) or "") and data.get(f) != getattr(person, f) for f in ("education", "school", "title"))
        if not changed and not application.attachments.filter(kind=AttachmentKind.PHOTO).exists():
            problems.append(ErrorItem("no_change", _("没有需要更新的信息。")))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people.lifecycle import apply_person_info_update

        version = apply_person_info_update(application, acting_user=acting_user)
        return {"info_version": version.version}


ITEM = PhysicianInfoUpdate(extra={"institution_transitions": INSTITUTION_TRANSITIONS})
