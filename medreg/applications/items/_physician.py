"""Form checks shared by the physician registration items (no ITEM here: not a catalogue entry)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from medreg.core.errors import ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.institutions.models import Institution
    from medreg.people.models import Person, PracticeRegistration

MAX_SCOPES = 3
ANY_CATEGORY_SCOPE = "57"
TRUE_VALUES = (True, "true", "on", "1", 1, "yes")


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def is_true(value: Any) -> bool:
    return value in TRUE_VALUES


def required(errors: list[ErrorItem], name: str, partial: bool) -> None:
    if not partial:
        errors.append(ErrorItem("required", _("此项为必填项。"), field=name))


def parse_codes(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = [s for s in raw.replace("，", ",").split(",")]
    return [str(s).strip() for s in (raw or []) if str(s).strip()]


def scope_errors(scopes: list[str], category_code: str | None, field: str = "scope_codes") -> list[ErrorItem]:
    """执业范围: current codes, no repeats, at most three, all within the 执业类别."""
    from medreg.reference import selectors as ref

    valid = ref.code_map("practice_scope")
    bad = [s for s in scopes if s not in valid or not ref.is_current_code("practice_scope", s)]
    if bad:
        return [ErrorItem("unknown_scope", _("执业范围代码无效：%(codes)s"), field=field, params={"codes": "、".join(bad)})]
    if len(set(scopes)) != len(scopes) or len(scopes) > MAX_SCOPES:
        return [ErrorItem("scope_count", _("执业范围不能重复，且最多选择%(n)s项。"), field=field, params={"n": MAX_SCOPES})]
    if category_code:
        wrong = [s for s in scopes if s != ANY_CATEGORY_SCOPE and valid[s].parent_code != category_code]
        if wrong:
            return [ErrorItem(
                "scope_category", _("执业范围%(codes)s不属于执业类别“%(category)s”。"), field=field,
                params={"codes": "、".join(valid[s].name for s in wrong),
                        "category": ref.code_name("practice_category", category_code)},
            )]
    return []


def own_registration(
    user: User, raw: Any, *, profession: str = "physician", statuses: tuple[str, ...] = ("active",),
) -> PracticeRegistration | None:
    """One of the applicant's own registrations (never anyone else's: a foreign id is simply not found)."""
    from medreg.people.models import PracticeRegistration

    pk = as_int(raw)
    if user.person_id is None or pk is None:
        return None
    return (
        PracticeRegistration.objects.select_related("main_institution", "practice_division", "authority")
        .filter(pk=pk, person_id=user.person_id, profession=profession, status__in=statuses).first()
    )


def active_institution(raw: Any) -> Institution | None:
    from medreg.institutions.models import Institution

    pk = as_int(raw)
    if pk is None:
        return None
    return Institution.objects.select_related("licensing_authority", "division").filter(pk=pk, status="active").first()


def within_place(reg: PracticeRegistration, inst: Institution) -> bool:
    """Whether ``inst`` lies inside the registration's 执业地点 (a province, or a county for assistants)."""
    return inst.division_code.startswith(reg.practice_division.prefix)


def declaration(data: dict[str, Any], errors: list[ErrorItem], partial: bool) -> bool:
    declared = is_true(data.get("declaration"))
    if not declared and not partial:
        errors.append(ErrorItem("declaration", _("请阅读并勾选承诺。"), field="declaration"))
    return declared


def parse_date(raw: Any, field: str, errors: list[ErrorItem], partial: bool) -> date | None:
    if raw in (None, ""):
        required(errors, field, partial)
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        errors.append(ErrorItem("bad_date", _("日期格式应为YYYY-MM-DD。"), field=field))
        return None


def person_bars(person: Person | None, profession: str = "physician") -> list[ErrorItem]:
    """不予注册 grounds and an active suspension, from the registry records (people.eligibility)."""
    if person is None:
        return [ErrorItem("parties", _("申请人缺失。"))]
    from medreg.people import eligibility

    return list(eligibility.registration_bars(person, profession=profession))


def suspension_problem(person: Person | None) -> list[ErrorItem]:
    if person is None:
        return []
    from medreg.people import eligibility

    penalty = eligibility.active_suspension(person)
    if penalty is None:
        return []
    end = getattr(penalty, "end_on", None) or getattr(penalty, "ends_on", None)
    return [ErrorItem("suspended", _("您正处于暂停执业期间（至%(end)s），暂不能办理此事项。"),
                      params={"end": end.isoformat() if end else ""})]


def activated_at(person: Person, inst: Institution, field: str) -> list[ErrorItem]:
    if person.affiliations.filter(institution=inst, status="active").exists():
        return []
    return [ErrorItem(
        "not_activated", _("您的账户尚未被“%(institution)s”激活，请先联系该机构激活。"), field=field,
        params={"institution": inst.name},
    )]
