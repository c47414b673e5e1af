"""Helpers that build institution applications through the real services (tests, demo, journeys).

Never used by production code paths.
"""

from __future__ import annotations

from typing import Any

from medreg.accounts import services as accounts
from medreg.accounts.choices import Role
from medreg.accounts.models import Authority, User
from medreg.applications import services as apps
from medreg.applications.models import Application
from medreg.demo import ids
from medreg.institutions import services as institutions
from medreg.institutions.models import Institution

PASSWORD = "Medreg!2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_pending_institution(
    world: Any, *, authority: Authority | None = None, name: str = "昆明康宁医院", division_code: str = "530102",
    category_code: str = "A100", admin_username: str = "kangning_admin", economic_type: str = "11",
) -> tuple[Institution, User]:
    """A pending institution (待执业登记) of ``authority`` (default: the world's city) with its admin account."""
    bundle = world.city if authority is None else next(
        b for b in (world.province, world.city, world.county, world.other_province) if b.authority == authority
    )
    uscc, _reg = ids.institution_ids(world.rng, division_code, category_code)
    inst = institutions.create_pending_institution(
        acting_user=bundle.users[Role.AUTHORITY_ADMIN], licensing_authority=bundle.authority, name=name,
        uscc=uscc, division_code=division_code, category_code=category_code, address=f"{name}院址",
        legal_representative="赵立新", principal="钱文华", economic_type=economic_type,
    )
    admin = accounts.create_institution_account(
        acting_user=bundle.users[Role.AUTHORITY_ADMIN], institution=inst, username=admin_username,
        real_name=f"{name}管理员", password=PASSWORD, roles=[Role.INSTITUTION_ADMIN],
    )
    return inst, admin


def registration_form(inst: Institution, **overrides: Any) -> dict[str, Any]:
    """A complete 执业登记 form for ``inst``."""
    data: dict[str, Any] = {
        "name": inst.name, "second_names": f"{inst.name[:-2]}互联网医院", "address": inst.address,
        "legal_representative": "赵立新", "principal": "钱文华", "economic_type": "11",
        "category_code": inst.category_code, "management_type": "1", "grade_code": "",
        "subject_codes": ["03", "03.01", "04"], "beds": 99, "dental_chairs": 0, "registered_capital": "1200.50",
        "declaration": True,
    }
    data.update(overrides)
    return data


def draft_with_materials(item_code: str, admin: User, data: dict[str, Any]) -> Application:
    app = apps.create_application(item_code, acting_user=admin, data=data)
    apps.add_attachment(app.pk, acting_user=admin, kind="other", filename="m.pdf", content=PDF)
    return app


def all_grounds_passed() -> dict[str, bool]:
    return {g: True for g in institutions.authority_grounds()}


def inspect(app: Application, *, bundle: Any) -> None:
    """When the item needs 线上踏勘: send the task to the authority's supervision account, which returns a
    合格 结论表 with a site photo."""
    from medreg.supervision import selectors as sv_selectors
    from medreg.supervision import services as sv
    from medreg.supervision.choices import CheckResult, Conclusion

    if not sv_selectors.needs_inspection(app):
        return
    inspector = bundle.users[Role.SUPERVISION]
    task = sv.send_inspection(app.pk, assignee_id=inspector.pk, acting_user=bundle.users[Role.CLERK])
    sv.add_inspection_file(task.pk, kind="photo", filename="site.png", content=_png(), acting_user=inspector)
    sv.return_inspection(task.pk, acting_user=inspector, findings="场所、设备与申请材料一致。",
                         conclusion=Conclusion.PASSED,
                         results={i["code"]: {"result": CheckResult.CONFORMS, "note": ""} for i in task.checklist})


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (24, 24), "white").save(buf, "PNG")
    return buf.getvalue()


def decide(world: Any, app: Application, *, bundle: Any = None, approve: bool = True,
           checks: dict[str, bool] | None = None) -> Application:
    """Submit, accept, review (recording the 不予登记 checks for 执业登记) and decide ``app``."""
    b = bundle or world.city
    apps.submit_application(app.pk, acting_user=app.applicant)
    apps.accept_application(app.pk, acting_user=b.users[Role.CLERK])
    if app.item_code == "INST-REG-PRACTICE":
        institutions.record_registration_checks(app.pk, acting_user=b.users[Role.REVIEWER],
                                                results=checks if checks is not None else all_grounds_passed())
    inspect(app, bundle=b)
    apps.review_application(app.pk, acting_user=b.users[Role.REVIEWER], opinion="材料齐全",
                            recommend="approve" if approve else "refuse")
    if approve:
        return apps.approve_application(app.pk, acting_user=b.users[Role.APPROVER])
    return apps.refuse_application(app.pk, acting_user=b.users[Role.APPROVER], reason="不符合条件")
