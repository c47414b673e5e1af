"""Builds a small, realistic world through the real services: used by the tests and by the demo.

Everything goes through service functions (with audit), so tests exercise the real paths.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from medreg.accounts import services as accounts
from medreg.accounts.choices import AuthorityLevel, Role
from medreg.accounts.models import Authority, User
from medreg.demo import ids
from medreg.institutions import services as institutions
from medreg.institutions.models import Institution
from medreg.people import services as people
from medreg.people.choices import Profession
from medreg.people.models import QualificationRecord

DEFAULT_PASSWORD = "Medreg!2026"
STAFF_ROLES = (Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISION, Role.AUTHORITY_ADMIN)


@dataclass
class AuthorityBundle:
    authority: Authority
    users: dict[str, User] = field(default_factory=dict)  # role -> user (one user per role)


def make_authority(name: str, level: str, division_code: str | None, *, rng: random.Random,
                   username_prefix: str, parent_admin: User | None = None) -> AuthorityBundle:
    authority = accounts.create_authority(
        acting_user=parent_admin, name=name, level=level, division_code=division_code,
        uscc=ids.uscc(rng, (division_code or "100000"), prefix="11"),
    )
    bundle = AuthorityBundle(authority)
    for role in STAFF_ROLES:
        bundle.users[role] = accounts.create_staff_account(
            acting_user=parent_admin, authority=authority, username=f"{username_prefix}_{role}".replace("_authority_admin", "_admin"),
            real_name=f"{name}{Role(role).label}员", password=DEFAULT_PASSWORD, roles=[role],
        )
    return bundle


def make_institution(authority: Authority, *, rng: random.Random, name: str, division_code: str,
                     category_code: str = "A100", beds: int = 300, admin_username: str,
                     activation_mode: str = "code", subjects: list[str] | None = None) -> tuple[Institution, User]:
    code, reg = ids.institution_ids(rng, division_code, category_code)
    today = timezone.localdate()
    inst = institutions.create_institution(
        acting_user=None, licensing_authority=authority, name=name, uscc=code, registration_no=reg,
        category_code=category_code, division_code=division_code, address=f"{name}院址",
        legal_representative="王建国", principal="李卫民", beds=beds,
        licence_valid_from=today - timedelta(days=365), licence_valid_until=today + timedelta(days=365 * 4),
        subject_codes=subjects or ["03", "04", "05", "07"], departments=["内科", "外科", "妇产科", "儿科"],
        activation_mode=activation_mode,
    )
    admin = accounts.create_institution_account(
        acting_user=None, institution=inst, username=admin_username, real_name=f"{name}管理员",
        password=DEFAULT_PASSWORD, roles=[Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER],
    )
    return inst, admin


def make_physician_qualification(*, rng: random.Random, name: str, division_code: str, level: str = "1",
                                 category: str = "1", obtained_on: date | None = None,
                                 id_number: str | None = None) -> tuple[QualificationRecord, str]:
    """An exam-centre record for a not-yet-registered physician. Returns (record, ID number)."""
    number = id_number or ids.citizen_id(rng, division_code)
    cat2 = {"1": "10", "2": "20", "3": "30", "4": "41"}[category]
    obtained = obtained_on or (timezone.localdate() - timedelta(days=200))
    code = ids.physician_qualification_code(obtained.year, division_code[:2], level, cat2, number)
    record = people.import_physician_qualification(
        acting_user=None, name=name, id_number=number, certificate_code=code, obtained_on=obtained,
    )
    return record, number


@dataclass
class World:
    rng: random.Random
    province: AuthorityBundle
    city: AuthorityBundle
    county: AuthorityBundle
    other_province: AuthorityBundle
    hospital: Institution
    hospital_admin: User
    other_hospital: Institution
    other_admin: User
    extra: dict[str, Any] = field(default_factory=dict)


def build_world(seed: int = 7, *, prefix: str = "") -> World:
    """Two provinces; in the first a city and a county commission and two hospitals."""
    rng = random.Random(seed)
    p = prefix
    province = make_authority("云南省卫生健康委员会", AuthorityLevel.PROVINCE, "530000", rng=rng, username_prefix=f"{p}yn")
    city = make_authority("昆明市卫生健康委员会", AuthorityLevel.CITY, "530100", rng=rng, username_prefix=f"{p}km",
                          parent_admin=province.users[Role.AUTHORITY_ADMIN])
    county = make_authority("五华区卫生健康局", AuthorityLevel.COUNTY, "530102", rng=rng, username_prefix=f"{p}wh",
                            parent_admin=city.users[Role.AUTHORITY_ADMIN])
    other = make_authority("贵州省卫生健康委员会", AuthorityLevel.PROVINCE, "520000", rng=rng, username_prefix=f"{p}gz")
    hospital, admin = make_institution(city.authority, rng=rng, name="昆明市第一人民医院", division_code="530102",
                                       admin_username=f"{p}km1h_admin")
    other_hospital, other_admin = make_institution(other.authority, rng=rng, name="贵阳市第二人民医院",
                                                   division_code="520102", admin_username=f"{p}gy2h_admin")
    return World(rng, province, city, county, other, hospital, admin, other_hospital, other_admin)


def register_physician(world: World, *, name: str = "张晓明", username: str = "zhangxm", level: str = "1",
                       category: str = "1") -> User:
    _record, number = make_physician_qualification(rng=world.rng, name=name, division_code="530102",
                                                   level=level, category=category)
    return people.register_individual(acting_user=None, name=name, id_number=number, phone="13800138000",
                                      password=DEFAULT_PASSWORD, username=username, profession=Profession.PHYSICIAN)


# The steps that carry a submitted-ready draft to each later status, for tests and the demo.
def drive(world: World, physician: User, app_id: int, upto: str) -> Any:
    """Move an application (a complete draft of an activated physician) through the workflow up to ``upto``.

    ``upto`` is a status: submitted, received, accepted, reviewed or approved.
    """
    from medreg.applications import services as apps

    c = world.city.users
    steps = [
        ("submitted", lambda: apps.submit_application(app_id, acting_user=physician)),
        ("received", lambda: apps.confirm_by_institution(app_id, acting_user=world.hospital_admin)),
        ("accepted", lambda: apps.accept_application(app_id, acting_user=c[Role.CLERK])),
        ("reviewed", lambda: apps.review_application(app_id, acting_user=c[Role.REVIEWER], opinion="材料齐全",
                                                     recommend="approve")),
        ("approved", lambda: apps.approve_application(app_id, acting_user=c[Role.APPROVER])),
    ]
    result = None
    for status, step in steps:
        result = step()
        if status == upto:
            return result
    raise ValueError(f"unknown target status {upto}")


# -- nurses (stream "nurse") ---------------------------------------------------------------------------
def make_nurse_qualification(*, rng: random.Random, name: str, division_code: str = "530102",
                             passed_on: date | None = None, id_number: str | None = None
                             ) -> tuple[QualificationRecord, str]:
    """An exam-centre 护士执业资格考试 result for a not-yet-registered nurse. Returns (record, ID number)."""
    from medreg.people.nursing import import_nurse_qualification

    number = id_number or ids.citizen_id(rng, division_code, born_after=date(1985, 1, 1))
    passed = passed_on or (timezone.localdate() - timedelta(days=200))
    record = import_nurse_qualification(acting_user=None, name=name, id_number=number, passed_on=passed)
    return record, number


def register_nurse(world: World, *, name: str = "王晓燕", username: str = "wangxy", passed_on: date | None = None,
                   phone: str = "13800138001") -> User:
    """A self-registered nurse (account only: not activated, not registered)."""
    _record, number = make_nurse_qualification(rng=world.rng, name=name, passed_on=passed_on)
    return people.register_individual(acting_user=None, name=name, id_number=number, phone=phone,
                                      password=DEFAULT_PASSWORD, username=username, profession=Profession.NURSE)


def registered_nurse(world: World, *, name: str = "赵丽娟", username: str = "zhaolj", valid_until: date,
                     registered_on: date | None = None, institution: Institution | None = None,
                     phone: str = "13800138002", with_licence: bool = True) -> User:
    """A nurse already on the register (legacy import) with an account and, optionally, an e-licence.

    ``valid_until`` sets the registration's expiry, so tests and the demo can place it anywhere
    relative to today (renewal window, expired, ...). The affiliation with the institution is active.
    """
    from medreg.licences import services as licences
    from medreg.people.imports import LegacyPractitioner, import_legacy_practitioners
    from medreg.people.models import PracticeRegistration

    inst = institution or world.hospital
    number = ids.citizen_id(world.rng, inst.division_code, born_after=date(1980, 1, 1))
    start = registered_on or (valid_until - timedelta(days=365 * 5))
    import_legacy_practitioners([LegacyPractitioner(
        profession=Profession.NURSE, name=name, id_number=number, institution_id=inst.pk, registered_on=start,
        qualification_obtained_on=start - timedelta(days=120), valid_until=valid_until,
    )], acting_user=None)
    user = people.register_individual(acting_user=None, name=name, id_number=number, phone=phone,
                                      password=DEFAULT_PASSWORD, username=username, profession=Profession.NURSE)
    if with_licence:
        from django.db import transaction

        reg = PracticeRegistration.objects.get(person=user.person, profession=Profession.NURSE)
        with transaction.atomic():  # issuing runs inside its caller's transaction (row locks)
            licences.issue_for_registration(reg, acting_user=None)
    return user
