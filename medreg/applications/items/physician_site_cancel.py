"""取消多机构备案: a filed site ends before its end date, at the physician's request."""

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
    from medreg.people.models import PracticeSite


def _own_site(user: User, raw: Any) -> PracticeSite | None:
    from medreg.people.models import PracticeSite

    pk = P.as_int(raw)
    if user.person_id is None or pk is None:
        return None
    return PracticeSite.objects.select_related("registration__main_institution", "authority", "institution").filter(
        pk=pk, person_id=user.person_id, kind="filed", status="active").first()


class PhysicianSiteCancel(BusinessItem):
    code = "PHY-SITE-CANCEL"
    name = _("取消多机构备案")
    subject = Subject.PHYSICIAN
    applicant = "individual"
    review_chain = (Stage.INSTITUTION, Stage.ACCEPTANCE, Stage.REVIEW, Stage.DECISION)
    statutory_limit_days = 20
    legal_basis = _("《医师执业注册管理办法》第十条")
    description = _("不再到备案机构执业时，经主要执业机构确认后，由备案机构所在地的卫生健康主管部门取消备案。")
    fields = (
        FieldSpec("site", _("要取消的备案"), "practice_site"),
        FieldSpec("reason", _("取消原因"), "text", max_length=300),
        FieldSpec("declaration", _("本人承诺所填信息真实有效"), "boolean"),
    )

    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        errors: list[ErrorItem] = []
        out: dict[str, Any] = {}
        if data.get("site") in (None, ""):
            P.required(errors, "site", partial)
        else:
            site = _own_site(user, data["site"])
            if site is None:
                errors.append(ErrorItem("unknown_site", _("请选择您本人一项有效的备案。"), field="site"))
            else:
                out["site"] = site.pk
                out["registration"] = site.registration_id
        reason = str(data.get("reason") or "").strip()
        if not reason:
            P.required(errors, "reason", partial)
        elif len(reason) > 300:
            errors.append(ErrorItem("too_long", _("最多%(n)s个字符。"), field="reason", params={"n": 300}))
        out["reason"] = reason
        out["declaration"] = P.declaration(data, errors, partial)
        if errors:
            raise DomainError(errors=errors)
        return out

    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        if user.person is None:
            raise DomainError(_("只有已实名注册的医师可以申请。"), code="not_individual")
        site = _own_site(user, data.get("site"))
        if site is None:
            raise DomainError(_("请先选择要取消的备案。"), code="required", field="site")
        return Parties(person=user.person, institution=site.registration.main_institution, authority=site.authority,
                       target_registration=site.registration)

    def prechecks(self, application: Application) -> list[ErrorItem]:
        from medreg.people.models import PracticeSite

        if not PracticeSite.objects.filter(pk=application.form_data.get("site"), status="active").exists():
            return [ErrorItem("site_not_active", _("该备案已结束或已取消。"), field="site")]
        return []

    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        from medreg.people import practice

        site = practice.cancel_practice_site(application, acting_user=acting_user)
        return {"site": site.pk}


ITEM = PhysicianSiteCancel()
