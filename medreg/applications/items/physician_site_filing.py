"""多执业机构备案: adding an institution in the same province, with start and end dates.

The main institution agrees, then the commission that licensed the added institution files it
(2017 《医师执业注册管理办法》 第10条 [K]). Filing never crosses the registration's 执业地点. Work inside a
医疗联合体, 会诊, 进修, 规培, 对口支援, emergency rescue, 义诊 and government tasks needs no filing
(医师法 第18条): the form lists these kinds and says so instead of filing them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.applications.choices import Stage, Subject
from medreg.applications.items import _physician as P
from medreg.applications.items.base import BusinessItem, FieldSpec, Parties
from medreg.core.conf import conf
from medreg.core.errors import DomainError, ErrorItem
from medreg.people.choices import PracticeWorkKind

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application

MAX_FILING_YEARS = 5  # a filing states its own end date; it may not run beyond the nurse/physician horizon


def overlapping_site_exists(registration_id: int, institution_id: int, start: date, end: date) -> bool:
    from medreg.people.models import PracticeSite

    return PracticeSite.objects.filter(
        Q(end_on__isnull=True) | Q(end_on__gte=start),
        registration_id=registration_id, institution_id=institution_id, kind="filed", status="active",
        start_on__lte=end,
    ).exists()


class PhysicianSiteFiling(BusinessItem):
    code = "PHY-SITE-FILE"
    name = _("多执业机构备案")
    subject = Subject.PHYSICIAN
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《中华人民共和国医师法》第十五条、第十八条；《医师执业注册管理办法》第十条")
    description = _(
        "在执业地点（省级行政区划）内增加执业机构：经主要执业机构同意后，向批准拟执业机构的卫生健康主管部门备案，"
        "写明执业期限。跨省执业须先申请“增加执业地点”。医联体内执业、会诊、进修、规培、对口支援、义诊等无需备案。"
    )
    fields = (
        FieldSpec("registration", _("执业注册"), "registration", choices_table="physician"),
        FieldSpec("site_institution", _("拟执业机构"), "institution",
                  help_text=_("须与执业地点在同一省份，且不是主要执业机构")),
        FieldSpec("work_kind", _("执业形式"), "choice", options=tuple(PracticeWorkKind.choices),
                  help_text=_("医联体内执业、会诊、进修等无需备案，选择后系统会提示")),
        FieldSpec("start_on", _("执业开始日期"), "date"),
        FieldSpec("end_on", _("执业结束日期"), "date", help_text=_("备案须写明有效期")),
        FieldSpec("scope_codes", _("在该机构的执业范围"), "multichoice", choices_table="practice_scope",
                  required=False, help_text=_("不填则与注册的执业范围相同；只能在注册范围之内")),
        FieldSpec("declaration", _("本人承诺所填信息真实有效"), "boolean"),
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
            else:
                out["registration"] = reg.pk

        kind = str(data.get("work_kind") or "").strip()
        if kind and kind not in PracticeWorkKind.values:
            errors.append(ErrorItem("work_kind", _("请选择执业形式。"), field="work_kind"))
        elif kind in conf("EXEMPT_PRACTICE_KINDS"):
            errors.append(ErrorItem(
                "exempt_work", _("“%(kind)s”依法无需办理多机构备案或变更注册，不需要提交本申请。"), field="work_kind",
                params={"kind": PracticeWorkKind(kind).label},
            ))
        elif not kind:
            P.required(errors, "work_kind", partial)
        out["work_kind"] = kind

        if data.get("site_institution") in (None, ""):
            P.required(errors, "site_institution", partial)
        else:
            inst = P.active_institution(data["site_institution"])
            if inst is None:
                errors.append(ErrorItem("unknown_institution", _("请从搜索结果中选择一家正在执业的医疗机构。"),
                                        field="site_institution"))
            elif reg is not None and inst.pk == reg.main_institution_id:
                errors.append(ErrorItem("main_institution", _("该机构已是您的主要执业机构，无需备案。"),
                                        field="site_institution"))
            elif reg is not None and not P.within_place(reg, inst):
                errors.append(ErrorItem(
                    "other_province", _("多机构备案不能跨省（执业地点）；到其他省份执业请先申请“增加执业地点”。"),
                    field="site_institution",
                ))
            else:
                out["site_institution"] = inst.pk

        start = P.parse_date(data.get("start_on"), "start_on", errors, partial)
        end = P.parse_date(data.get("end_on"), "end_on", errors, partial)
        today = timezone.localdate()
        if start is not None and start < today and not partial:
            errors.append(ErrorItem("start_past", _("开始日期不能早于今天。"), field="start_on"))
        if start is not None and end is not None:
            if end < start:
                errors.append(ErrorItem("end_before_start", _("结束日期不能早于开始日期。"), field="end_on"))
            elif (end - start).days > MAX_FILING_YEARS * 366:
                errors.append(ErrorItem("too_long_period", _("备案期限最长%(n)s年。"), field="end_on",
                                        params={"n": MAX_FILING_YEARS}))
        out["start_on"] = start.isoformat() if start else ""
        out["end_on"] = end.isoformat() if end else ""

        scopes = P.parse_codes(data.get("scope_codes"))
        if scopes and reg is not None:
            outside = [s for s in scopes if s not in reg.scope_codes]
            if outside:
                errors.append(ErrorItem("scope_outside", _("备案机构的执业范围只能在注册的执业范围之内。"),
                                        field="scope_codes"))
        out["scope_codes"] = scopes or (list(reg.scope_codes) if reg else [])
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
            raise DomainError(_("请先选择执业注册。"), code="required", field="registration")
        site = Institution.objects.select_related("licensing_authority").filter(
            pk=P.as_int(data.get("site_institution")) or 0).first()
        authority = site.licensing_authority if site is not None else reg.authority
        return Parties(person=user.person, institution=reg.main_institution, authority=authority,
                       target_registration=reg)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people.models import PracticeRegistration

        data = application.form_data
        reg = PracticeRegistration.objects.filter(pk=data.get("registration"), status="active").first()
        if reg is None:
            return [ErrorItem("registration_not_active", _("该执业注册当前不是有效状态，不能备案。"), field="registration")]
        problems = P.suspension_problem(application.person)
        site = P.active_institution(data.get("site_institution"))
        if site is None:
            problems.append(ErrorItem("institution_inactive", _("拟执业机构当前不在执业状态。"), field="site_institution"))
        elif overlapping_site_exists(reg.pk, site.pk, date.fromisoformat(data["start_on"]),
                                     date.fromisoformat(data["end_on"])):
            problems.append(ErrorItem("overlapping_filing", _("您在该机构已有与此期限重叠的有效备案。"),
                                      field="site_institution"))
        return problems

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people import practice

        site = practice.file_practice_site(application, acting_user=acting_user)
        return {"site": site.pk}


ITEM = PhysicianSiteFiling()
