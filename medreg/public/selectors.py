"""Reads for the public site: an explicit exemption from ``for_user`` scoping.

The public register shows only the fields the law makes public, by an allow-list: each query selects
exactly the columns below with ``values()``, so personal data (ID number, birth date, phone,
医师资格证书编码, the practice certificate number) is never even loaded. Nothing here reuses staff
serializers or selectors.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

from medreg.people.choices import Profession, RegistrationStatus
from medreg.people.models import PracticeRegistration
from medreg.reference import selectors as ref
from medreg.reference.models import Division

MAX_RESULTS = 50
GENDER_LABELS = {"M": "男", "F": "女", "1": "男", "2": "女"}
GENDER_LABELS_EN = {"男": "Male", "女": "Female"}
_HIDDEN_DIVISION_NAMES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")

# The allow-list: the only columns the public register ever reads.
PUBLIC_REGISTRATION_COLUMNS = (
    "pk",
    "person__name",
    "person__gender",
    "profession",
    "level_code",
    "category_code",
    "scope_codes",
    "main_institution__name",
    "practice_division_id",
    "practice_division__name",
    "practice_division__parent__name",
    "practice_division__parent__parent__name",
    "status",
)


@dataclass(frozen=True)
class PublicRegistration:
    """One row of the public register: 姓名, 性别, 执业级别, 执业类别, 执业范围, 主要执业机构, 执业地点, 注册状态."""

    name: str
    gender: str
    profession: str
    level: str
    category: str
    scopes: str
    institution: str
    place: str
    status: str
    status_code: str


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _label(table: str, code: str) -> str:
    found = ref.code_map(table).get(code)
    if found is None:
        return code
    return found.label("en" if _english() else "zh-hans")


def _place(row: dict) -> str:
    names = [
        row["practice_division__parent__parent__name"],
        row["practice_division__parent__name"],
        row["practice_division__name"],
    ]
    return "".join(n for n in names if n and n not in _HIDDEN_DIVISION_NAMES)


def search_registrations(
    *,
    name: str,
    province_code: str,
    institution: str = "",
    profession: str = Profession.PHYSICIAN,
    limit: int = MAX_RESULTS,
) -> list[PublicRegistration]:
    """Registrations of people called exactly ``name`` practising in the province, optionally at an
    institution whose name contains ``institution``. One query (code tables come from the cache)."""
    name = (name or "").strip()
    prefix = (province_code or "")[:2]
    if not name or len(prefix) != 2 or not prefix.isdigit():
        return []
    qs = PracticeRegistration.objects.filter(
        person__name=name,
        profession=profession,
        practice_division__code__startswith=prefix,
        status__in=[RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED, RegistrationStatus.CANCELLED],
    )
    inst = (institution or "").strip()
    if inst:
        qs = qs.filter(main_institution__name__icontains=inst)
    rows = qs.order_by("status", "main_institution__name", "pk").values(*PUBLIC_REGISTRATION_COLUMNS)[:limit]
    statuses = dict(RegistrationStatus.choices)
    out = []
    for row in rows:
        gender = GENDER_LABELS.get(row["person__gender"], "")
        if _english():
            gender = GENDER_LABELS_EN.get(gender, gender)
        out.append(
            PublicRegistration(
                name=row["person__name"],
                gender=gender,
                profession=str(Profession(row["profession"]).label),
                level=_label("practice_level", row["level_code"]) if row["level_code"] else "",
                category=_label("practice_category", row["category_code"]) if row["category_code"] else "",
                scopes=("; " if _english() else "、").join(
                    _label("practice_scope", c) for c in row["scope_codes"] or []
                ),
                institution=row["main_institution__name"],
                place=_place(row),
                status=str(statuses.get(row["status"], row["status"])),
                status_code=row["status"],
            )
        )
    return out


def province_options() -> list[tuple[str, str]]:
    """(code, name) of every current province-level division."""
    return list(
        Division.objects.current().filter(level="province").order_by("code").values_list("code", "name")
    )
