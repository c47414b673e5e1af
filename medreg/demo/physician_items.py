"""Demo: the physician items after the first registration, so the portals show them in use.

The demo's approved physicians (``dr_approved``) file an additional institution at a county hospital
(approved, so the public register and FHIR show multi-site practice with dates), and ask for a change of
their scope of practice (left at the approver, so the extension and decision screens have something to
show).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from medreg.accounts.choices import AuthorityLevel, Role
from medreg.accounts.models import User
from medreg.applications import services as apps

if TYPE_CHECKING:
    from medreg.demo.builder import DemoResult, _Context


def build_physician_items(ctx: _Context, result: DemoResult) -> None:
    user = User.objects.filter(username="dr_approved").select_related("person").first()
    if user is None or user.person is None:
        return
    reg = user.person.registrations.filter(status="active").select_related("main_institution").first()
    if reg is None:
        return
    # a county hospital in the same province, other than the main institution
    site = next(
        (inst for inst, _admin in ctx.institutions.values()
         if inst.pk != reg.main_institution_id and inst.licensing_authority.level == AuthorityLevel.COUNTY
         and inst.division_code.startswith(reg.practice_division_id[:2])),
        None,
    )
    main_admin = next((admin for inst, admin in ctx.institutions.values() if inst.pk == reg.main_institution_id), None)
    if site is None or main_admin is None:
        return
    today = timezone.localdate()
    filing = apps.create_application("PHY-SITE-FILE", acting_user=user, data={
        "registration": reg.pk, "site_institution": site.pk, "work_kind": "multi_site",
        "start_on": today.isoformat(), "end_on": (today + timedelta(days=730)).isoformat(), "declaration": True,
    })
    apps.submit_application(filing.pk, acting_user=user)
    apps.confirm_by_institution(filing.pk, acting_user=main_admin, comment="同意到该院多机构执业。")
    county = ctx.bundles[site.licensing_authority_id].users
    apps.accept_application(filing.pk, acting_user=county[Role.CLERK])
    apps.review_application(filing.pk, acting_user=county[Role.REVIEWER], opinion="主要执业机构已同意，同省多机构执业。",
                            recommend="approve")
    apps.approve_application(filing.pk, acting_user=county[Role.APPROVER], comment="准予备案。")
    result.applications.setdefault("multi_site_filing", []).append(user.username)

    change = apps.create_application("PHY-REG-CHANGE", acting_user=user, data={
        "registration": reg.pk, "scope_codes": [*reg.scope_codes[:1], "21"] if reg.scope_codes[:1] != ["21"]
        else ["21", "11"], "reason": "取得全科医生转岗培训合格证书，增加全科医学专业。", "declaration": True,
    })
    apps.submit_application(change.pk, acting_user=user)
    apps.confirm_by_institution(change.pk, acting_user=main_admin, comment="情况属实。")
    bundle = ctx.bundles[reg.authority_id].users
    apps.accept_application(change.pk, acting_user=bundle[Role.CLERK])
    apps.review_application(change.pk, acting_user=bundle[Role.REVIEWER], opinion="符合变更条件，建议准予。",
                            recommend="approve")
    result.applications.setdefault("registration_change", []).append(user.username)
