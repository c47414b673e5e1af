"""The demo province (云南省), built through the real services so every row is audited.

``build_demo()`` creates the national and provincial commissions, city and county commissions with a
staff account for every role, institutions with their admin accounts, legacy physicians and nurses
(imported through :func:`medreg.people.imports.import_legacy_practitioners`), exam-centre records of
newcomers who have not registered yet, and self-registered physicians whose first-registration
applications stand in every workflow state. A fixed seed makes it reproducible; the whole build is
one transaction, so a failed run leaves nothing behind and can simply be repeated.
"""

from __future__ import annotations

import io
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from medreg.accounts import services as accounts
from medreg.accounts.choices import AuthorityLevel, Role
from medreg.accounts.models import Authority, User
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.audit.context import audit_context
from medreg.audit.models import AuditEvent
from medreg.core import identifiers
from medreg.demo import catalogue, ids, names
from medreg.demo.catalogue import CitySpec, CountySpec, InstitutionSpec
from medreg.demo.world import DEFAULT_PASSWORD, STAFF_ROLES, AuthorityBundle, make_physician_qualification
from medreg.institutions import services as institutions
from medreg.institutions.models import Institution
from medreg.people import services as people
from medreg.people.choices import Profession, QualificationSource
from medreg.people.imports import ImportResult, LegacyPractitioner, import_legacy_practitioners
from medreg.people.models import QualificationRecord

ITEM = "PHY-REG-FIRST"
# The order in which applications are driven; each is created fresh and moved to its target state.
WORKFLOW_STATES = (
    Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.RECEIVED, Status.CORRECTION, Status.ACCEPTED,
    Status.REVIEWED, Status.APPROVED, Status.REFUSED, Status.WITHDRAWN,
)
NEWCOMER_NAME = "李明华"
_NEWCOMER_FIRST17 = "53010219920315401"
NEWCOMER_ID = _NEWCOMER_FIRST17 + identifiers.citizen_id_check_char(_NEWCOMER_FIRST17)
NEWCOMER_PHONE = "13987654321"


class DemoError(Exception):
    """The demo cannot be built (for example, the reference data is not loaded)."""


@dataclass(frozen=True)
class DemoConfig:
    """How much to build. The defaults are ``medreg demo``; tests use :data:`SMALL`."""

    cities: int = 3
    counties: int = 8
    institutions: int = 40
    physicians: int = 1000
    nurses: int = 1500
    applicants_per_state: int = 2
    newcomers: int = 6  # synced, unregistered exam-centre records (李明华 first, one nurse last)
    seed: int = 2026
    batch_size: int = 1000


SMALL = DemoConfig(cities=2, counties=3, institutions=6, physicians=20, nurses=20, applicants_per_state=1,
                   newcomers=3, batch_size=15)


@dataclass(frozen=True)
class Newcomer:
    name: str
    id_number: str = field(repr=False)
    profession: str
    phone: str


@dataclass
class DemoResult:
    created: bool
    seconds: float = 0.0
    accounts: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    imported: ImportResult | None = None
    applications: dict[str, list[str]] = field(default_factory=dict)  # status -> applicant usernames


# -- helpers ------------------------------------------------------------------------------------------
def demo_province() -> Authority | None:
    return Authority.objects.filter(level=AuthorityLevel.PROVINCE, division_code=catalogue.PROVINCE_CODE).first()


def demo_exists() -> bool:
    return demo_province() is not None


def _check_reference(config: DemoConfig) -> None:
    from medreg.reference.models import Code, Division

    needed = {catalogue.PROVINCE_CODE}
    for city in catalogue.CITIES[: config.cities]:
        needed.add(city.division)
        needed.update(c.division for c in city.counties)
    found = set(Division.objects.filter(code__in=needed).values_list("code", flat=True))
    if found != needed:
        missing = ", ".join(sorted(needed - found))
        raise DemoError(f"行政区划参考数据缺失（缺少 {missing}）：请先运行 medreg load-reference。")
    if not Code.objects.filter(table="clinical_subject").exists():
        raise DemoError("诊疗科目等参考代码表为空：请先运行 medreg load-reference。")


class IdFactory:
    """Unique, valid citizen ID numbers (never colliding within one demo build)."""

    def __init__(self, rng: random.Random, reserved: set[str] | None = None) -> None:
        from medreg.reference.models import Division

        self.rng = rng
        self.seen: set[str] = set(reserved or ())
        counties = list(Division.objects.filter(level="county").values_list("code", flat=True).order_by("code"))
        self.home = [c for c in counties if c.startswith("53")] or ["530102"]
        self.elsewhere = [c for c in counties if not c.startswith("53")] or self.home

    def new(self, *, born_after: date, born_before: date, gender: str, division: str | None = None) -> str:
        for _attempt in range(100):
            where = division or (self.rng.choice(self.home) if self.rng.random() < 0.88 else self.rng.choice(self.elsewhere))
            number = ids.citizen_id(self.rng, where, born_after=born_after, born_before=born_before, gender=gender)
            if number not in self.seen:
                self.seen.add(number)
                return number
        raise DemoError("could not draw a fresh ID number")


def _birth(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _gender(rng: random.Random, male_share: float) -> str:
    return "M" if rng.random() < male_share else "F"


def photo_png(rng: random.Random) -> bytes:
    """A small 2-inch-ratio ID photo placeholder: white background, a grey silhouette."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (140, 196), "white")
    draw = ImageDraw.Draw(img)
    shade = rng.randrange(90, 150)
    tone = (shade, shade, shade + 10)
    draw.ellipse((42, 30, 98, 100), fill=tone)
    draw.rounded_rectangle((20, 110, 120, 210), radius=40, fill=tone)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def employment_pdf(number: str) -> bytes:
    """A one-page PDF standing in for the institution's 拟聘用证明 (ASCII text: core fonts only)."""
    from fpdf import FPDF

    pdf = FPDF(format=(148, 210))  # A5 in mm
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, f"Employment certificate (demo)\nApplication draft {number}\nThis file is generated demo data.")
    return bytes(pdf.output())


def newcomers(config: DemoConfig = DemoConfig()) -> list[Newcomer]:
    """The exam-centre records that wait for their owners to self-register (fixed by the seed)."""
    rng = random.Random(f"{config.seed}:newcomers")
    out = [Newcomer(NEWCOMER_NAME, NEWCOMER_ID, Profession.PHYSICIAN, NEWCOMER_PHONE)]
    factory = IdFactory(rng, reserved={NEWCOMER_ID})
    for n in range(1, config.newcomers):
        nurse = n == config.newcomers - 1
        gender = "F" if nurse else _gender(rng, 0.5)
        number = factory.new(born_after=date(1996, 1, 1), born_before=date(2002, 12, 31), gender=gender,
                             division=rng.choice(factory.home))
        out.append(Newcomer(names.person_name(rng, gender), number, Profession.NURSE if nurse else Profession.PHYSICIAN,
                            _phone(rng)))
    return out


# -- authorities and institutions ---------------------------------------------------------------------
@dataclass
class _Context:
    config: DemoConfig
    rng: random.Random
    ids: IdFactory
    log: Callable[[str], None]
    accounts: list[str] = field(default_factory=list)
    bundles: dict[int, AuthorityBundle] = field(default_factory=dict)  # authority pk -> bundle
    by_division: dict[str, AuthorityBundle] = field(default_factory=dict)
    institutions: dict[str, tuple[Institution, User]] = field(default_factory=dict)  # slug -> (inst, admin)


def _authority(ctx: _Context, name: str, level: str, division: str | None, prefix: str,
               parent_admin: User | None) -> AuthorityBundle:
    rng = ctx.rng
    authority = accounts.create_authority(
        acting_user=parent_admin, name=name, level=level, division_code=division,
        uscc=ids.uscc(rng, division or "100000", prefix="11"),
    )
    bundle = AuthorityBundle(authority)
    for role in STAFF_ROLES:
        username = f"{prefix}_{'admin' if role == Role.AUTHORITY_ADMIN else role}"
        bundle.users[role] = accounts.create_staff_account(
            acting_user=parent_admin, authority=authority, username=username,
            real_name=names.person_name(rng, _gender(rng, 0.5)), password=DEFAULT_PASSWORD, roles=[role],
        )
        ctx.accounts.append(username)
    ctx.bundles[authority.pk] = bundle
    if division:
        ctx.by_division[division] = bundle
    return bundle


def _selected_counties(config: DemoConfig) -> list[tuple[CitySpec, CountySpec]]:
    """Up to ``config.counties`` counties, taken round-robin over the selected cities."""
    cities = catalogue.CITIES[: config.cities]
    out: list[tuple[CitySpec, CountySpec]] = []
    depth = 0
    while len(out) < config.counties and any(depth < len(c.counties) for c in cities):
        for city in cities:
            if depth < len(city.counties) and len(out) < config.counties:
                out.append((city, city.counties[depth]))
        depth += 1
    return out


def _build_authorities(ctx: _Context) -> None:
    national = _authority(ctx, catalogue.NATIONAL_NAME, AuthorityLevel.NATIONAL, None, catalogue.NATIONAL_PREFIX, None)
    province = _authority(ctx, catalogue.PROVINCE_NAME, AuthorityLevel.PROVINCE, catalogue.PROVINCE_CODE,
                          catalogue.PROVINCE_PREFIX, national.users[Role.AUTHORITY_ADMIN])
    for city in catalogue.CITIES[: ctx.config.cities]:
        _authority(ctx, city.name, AuthorityLevel.CITY, city.division, city.prefix, province.users[Role.AUTHORITY_ADMIN])
    for city, county in _selected_counties(ctx.config):
        _authority(ctx, county.name, AuthorityLevel.COUNTY, county.division, county.prefix,
                   ctx.by_division[city.division].users[Role.AUTHORITY_ADMIN])


def _licensing_bundle(ctx: _Context, spec: InstitutionSpec) -> AuthorityBundle | None:
    if spec.licensed_by == "county":
        return ctx.by_division.get(spec.division)
    return ctx.by_division.get(spec.division[:4] + "00")


def _subjects(spec: InstitutionSpec) -> tuple[str, ...]:
    if spec.category == "A100" and spec.beds < 600:
        return catalogue.SMALL_HOSPITAL_SUBJECTS
    return catalogue.SUBJECTS[spec.category]


def _build_institutions(ctx: _Context) -> None:
    from medreg.reference import selectors as ref

    rng = ctx.rng
    today = timezone.localdate()
    subject_names = {c: n.name for c, n in ref.code_map("clinical_subject").items()}
    made = 0
    for spec in catalogue.INSTITUTIONS:
        if made >= ctx.config.institutions:
            break
        bundle = _licensing_bundle(ctx, spec)
        if bundle is None:
            continue
        admin = bundle.users[Role.AUTHORITY_ADMIN]
        economic = ("15" if spec.category.startswith("A") else "17") if spec.for_profit else (
            "12" if spec.category == "D600" else "11")
        uscc, reg_no = ids.institution_ids(rng, spec.division, spec.category, for_profit=spec.for_profit,
                                           economic_type=economic)
        subjects = _subjects(spec)
        departments = [subject_names[c] for c in subjects]
        if spec.beds >= 100:
            departments += list(catalogue.HOSPITAL_EXTRA_DEPARTMENTS)
        start = today - timedelta(days=rng.randrange(200, 1500))
        person = names.person_name(rng, _gender(rng, 0.6))
        inst = institutions.create_institution(
            acting_user=admin, licensing_authority=bundle.authority, name=spec.name, uscc=uscc, registration_no=reg_no,
            category_code=spec.category, division_code=spec.division,
            address=f"云南省{_city_name(spec.division)}{spec.address}", legal_representative=person,
            principal=person if spec.category in ("D211", "D600") else names.person_name(rng, _gender(rng, 0.6)),
            beds=spec.beds, licence_valid_from=start, licence_valid_until=_plus_years(start, 5),
            subject_codes=list(subjects), departments=departments, grade_code=spec.grade,
            contact_phone=f"0871-{rng.randrange(6000_0000, 6999_9999)}" if spec.division.startswith("5301")
            else f"087{rng.choice('47')}-{rng.randrange(300_0000, 399_9999)}",
        )
        username = f"{spec.slug}_admin"
        inst_admin = accounts.create_institution_account(
            acting_user=admin, institution=inst, username=username, real_name=names.person_name(rng, _gender(rng, 0.4)),
            password=DEFAULT_PASSWORD, roles=[Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER],
        )
        ctx.accounts.append(username)
        ctx.institutions[spec.slug] = (inst, inst_admin)
        made += 1


def _city_name(division: str) -> str:
    from medreg.reference.models import Division

    d = Division.objects.filter(code=division[:4] + "00").first()
    return d.name if d else ""


def _plus_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


# -- legacy practitioners -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Site:
    institution_id: int
    category: str
    province: str
    beds: int
    departments: tuple[str, ...]


def _sites(insts: list[Institution]) -> list[_Site]:
    from medreg.institutions.models import Department

    depts: dict[int, list[str]] = {}
    for inst_id, name in Department.objects.filter(institution__in=insts).values_list("institution_id", "name"):
        depts.setdefault(inst_id, []).append(name)
    return [
        _Site(i.pk, i.category_code, i.division_code[:2], i.beds, tuple(sorted(depts.get(i.pk, []))))
        for i in sorted(insts, key=lambda x: x.pk)
    ]


def _weight(site: _Site, nurse: bool) -> float:
    small = {"D211": 3, "D600": 3, "D110": 10, "B100": 20, "C220": 15}.get(site.category)
    if small is not None:
        return small * (0.5 if nurse else 1.0) + site.beds
    return 30 + site.beds * (1.3 if nurse else 1.0)


def practitioner_records(rng: random.Random, sites: list[_Site], *, physicians: int, nurses: int,
                         factory: IdFactory, today: date | None = None) -> Iterator[LegacyPractitioner]:
    """Legacy register entries: every site gets one physician first, the rest follow the beds."""
    today = today or timezone.localdate()
    if not sites:
        return
    pw = [_weight(s, False) for s in sites]
    nw = [_weight(s, True) for s in sites]
    for n in range(physicians):
        site = sites[n] if n < len(sites) else rng.choices(sites, pw)[0]
        yield _physician(rng, site, factory, today)
    for n in range(nurses):
        site = sites[n] if n < len(sites) and site_has_nurses(sites[n]) else rng.choices(sites, nw)[0]
        yield _nurse(rng, site, factory, today)


def site_has_nurses(site: _Site) -> bool:
    return site.category not in ("D211", "D600")


def _date_in_year(rng: random.Random, year: int, months: tuple[int, int] = (1, 12)) -> date:
    return date(year, rng.randint(*months), rng.randint(1, 28))


def _physician(rng: random.Random, site: _Site, factory: IdFactory, today: date) -> LegacyPractitioner:
    gender = _gender(rng, 0.52)
    number = factory.new(born_after=date(1962, 1, 1), born_before=date(1997, 12, 31), gender=gender)
    birth = _birth(number)
    year = min(max(birth.year + rng.randint(24, 32), identifiers.FIRST_QUALIFICATION_YEAR), today.year - 1)
    obtained = _date_in_year(rng, year, (9, 12))
    registered = max(min(obtained + timedelta(days=rng.randint(60, 720)), today - timedelta(days=14)), obtained)
    category, scope = names.pick(rng, catalogue.PHYSICIAN_MIX[site.category])
    scopes = [scope]
    if category == "1" and rng.random() < 0.12:
        extra = rng.choice(["21", "22", "23", "24"])
        if extra != scope:
            scopes.append(extra)
    assistant = rng.random() < catalogue.ASSISTANT_SHARE.get(site.category, catalogue.DEFAULT_ASSISTANT_SHARE)
    level = "2" if assistant else "1"
    dept = catalogue.SCOPE_DEPARTMENT.get(scope, "")
    if dept not in site.departments:
        dept = rng.choice(site.departments) if site.departments else ""
    return LegacyPractitioner(
        profession=Profession.PHYSICIAN, name=names.person_name(rng, gender), id_number=number,
        institution_id=site.institution_id, registered_on=registered, qualification_obtained_on=obtained,
        level_code=level, category_code=category, scope_codes=tuple(scopes),
        qualification_code=ids.physician_qualification_code(
            year, site.province, level, people.CATEGORY_CERT_CODES[category], number),
        department=dept,
        education=names.pick(rng, names.ASSISTANT_EDUCATION if assistant else names.PHYSICIAN_EDUCATION),
        school=names.pick(rng, names.PHYSICIAN_SCHOOLS),
        title=names.pick(rng, names.ASSISTANT_TITLES if assistant else names.PHYSICIAN_TITLES),
    )


def _nurse(rng: random.Random, site: _Site, factory: IdFactory, today: date) -> LegacyPractitioner:
    gender = _gender(rng, 0.05)
    number = factory.new(born_after=date(1968, 1, 1), born_before=date(2001, 12, 31), gender=gender)
    birth = _birth(number)
    year = min(birth.year + rng.randint(20, 23), today.year - 1)
    obtained = _date_in_year(rng, year, (5, 8))
    registered = obtained + timedelta(days=rng.randint(30, 300))
    # A registration lasts five years; the register holds the latest renewal.
    while _plus_years(registered, 5) <= today:
        registered = _plus_years(registered, 5)
    registered = max(min(registered, today - timedelta(days=7)), obtained)
    dept = rng.choice(site.departments) if site.departments else ""
    return LegacyPractitioner(
        profession=Profession.NURSE, name=names.person_name(rng, gender), id_number=number,
        institution_id=site.institution_id, registered_on=registered, qualification_obtained_on=obtained,
        department=dept, education=names.pick(rng, names.NURSE_EDUCATION), school=names.pick(rng, names.NURSE_SCHOOLS),
        title=names.pick(rng, names.NURSE_TITLES),
    )


def _make_newcomer_records(ctx: _Context) -> None:
    today = timezone.localdate()
    for n, nc in enumerate(newcomers(ctx.config)):
        obtained = today - timedelta(days=120 + 15 * n)
        if nc.profession == Profession.PHYSICIAN:
            make_physician_qualification(rng=ctx.rng, name=nc.name, division_code=nc.id_number[:6], level="1",
                                         category="1", obtained_on=obtained, id_number=nc.id_number)
        else:
            QualificationRecord.objects.create(
                profession=Profession.NURSE, id_index=people.id_index(nc.id_number), name=nc.name,
                obtained_on=obtained, source=QualificationSource.EXAM_CENTRE, synced_at=timezone.now(),
            )


# -- self-registered physicians and their applications -----------------------------------------------
_CODE_RE = re.compile(r"(\d{6})")


def activate(user: User, inst: Institution, inst_admin: User) -> None:
    """Request activation, let the institution send a code, enter it (read from the inbox)."""
    aff = people.request_activation(acting_user=user, institution_id=inst.pk)
    if aff.status == "active":
        return
    people.send_activation_code(aff.pk, acting_user=inst_admin)
    note = user.notifications.filter(title__contains="激活码").order_by("-pk").first()
    match = _CODE_RE.search(note.body if note else "")
    if match is None:
        raise DemoError("activation code not found in the inbox")
    people.activate_with_code(acting_user=user, institution_id=inst.pk, code=match.group(1))


_APPLICANT_SCOPES = (("11",), ("12",), ("14",), ("11", "22"), ("13",), ("21",))
_EDU = (("本科", "昆明医科大学"), ("硕士研究生", "昆明医科大学"), ("本科", "大理大学"), ("硕士研究生", "四川大学"))


def _drive(app_id: int, target: Status, applicant: User, inst_admin: User, bundle: AuthorityBundle) -> None:
    """Move a complete draft to ``target`` through the workflow services."""
    clerk, reviewer, approver = (bundle.users[Role.CLERK], bundle.users[Role.REVIEWER], bundle.users[Role.APPROVER])
    if target == Status.DRAFT:
        return
    apps.submit_application(app_id, acting_user=applicant)
    if target == Status.SUBMITTED:
        return
    if target == Status.WITHDRAWN:
        apps.withdraw_application(app_id, acting_user=applicant, reason="拟变更主要执业机构，撤回本次申请。")
        return
    if target == Status.RETURNED:
        apps.return_by_institution(app_id, acting_user=inst_admin,
                                   reason="拟聘用证明未加盖单位公章，请补充后重新提交。")
        return
    apps.confirm_by_institution(app_id, acting_user=inst_admin, comment="经核实，申请人拟在本院执业，信息属实。")
    if target == Status.RECEIVED:
        return
    if target == Status.CORRECTION:
        apps.request_correction(app_id, acting_user=clerk, items=["近期二寸白底免冠照片不清晰，请重新上传",
                                                                  "拟聘用证明缺少单位负责人签字"],
                                comment="请一次性补正以上材料。")
        return
    apps.accept_application(app_id, acting_user=clerk, comment="材料齐全，符合法定形式，予以受理。")
    if target == Status.ACCEPTED:
        return
    refuse = target == Status.REFUSED
    apps.review_application(
        app_id, acting_user=reviewer,
        opinion="经核查，申请人受刑事处罚，自刑罚执行完毕之日起至申请注册之日止不满二年，建议不予注册。" if refuse
        else "材料齐全，符合医师执业注册条件，建议准予注册。",
        recommend="refuse" if refuse else "approve",
    )
    if target == Status.REVIEWED:
        return
    if refuse:
        apps.refuse_application(app_id, acting_user=approver,
                                reason="申请人受刑事处罚，自刑罚执行完毕之日起至申请注册之日止不满二年。",
                                grounds=["《中华人民共和国医师法》第十六条第（二）项"])
    else:
        apps.approve_application(app_id, acting_user=approver, comment="准予注册。")


def _build_applicants(ctx: _Context, result: DemoResult) -> None:
    rng = ctx.rng
    journey = ctx.institutions.get(catalogue.JOURNEY_INSTITUTION_SLUG) or next(iter(ctx.institutions.values()))
    county_hospitals = [v for v in ctx.institutions.values()
                        if v[0].licensing_authority.level == AuthorityLevel.COUNTY and v[0].category_code == "A100"]
    places = [journey] + county_hospitals[:1]
    for state in WORKFLOW_STATES:
        for k in range(ctx.config.applicants_per_state):
            inst, inst_admin = places[k % len(places)]
            username = f"dr_{state}" if k == 0 else f"dr_{state}_{k + 1}"
            user = _register(ctx, username, inst.division_code)
            activate(user, inst, inst_admin)
            scopes = list(rng.choice(_APPLICANT_SCOPES))
            education, school = rng.choice(_EDU)
            assert user.person is not None
            qual = user.person.qualifications.get()
            app = apps.create_application(ITEM, acting_user=user, data={
                "qualification": qual.pk, "main_institution": inst.pk, "scope_codes": scopes,
                "department": catalogue.SCOPE_DEPARTMENT.get(scopes[0], ""), "education": education,
                "school": school, "declaration": True,
            })
            apps.add_attachment(app.pk, acting_user=user, kind="photo", filename="照片.png", content=photo_png(rng))
            apps.add_attachment(app.pk, acting_user=user, kind="employment_proof", filename="拟聘用证明.pdf",
                                content=employment_pdf(app.number))
            _drive(app.pk, state, user, inst_admin, ctx.bundles[inst.licensing_authority_id])
            result.applications.setdefault(str(state), []).append(username)
    # One more newcomer who asked the journey institution for activation and is waiting for the code.
    inst, _admin = journey
    user = _register(ctx, "dr_pending", inst.division_code)
    people.request_activation(acting_user=user, institution_id=inst.pk)


def _register(ctx: _Context, username: str, division: str) -> User:
    rng = ctx.rng
    gender = _gender(rng, 0.5)
    name = names.person_name(rng, gender)
    number = ctx.ids.new(born_after=date(1990, 1, 1), born_before=date(1999, 12, 31), gender=gender, division=division)
    make_physician_qualification(rng=rng, name=name, division_code=division, level="1", category="1",
                                 obtained_on=timezone.localdate() - timedelta(days=rng.randrange(90, 400)),
                                 id_number=number)
    user = people.register_individual(acting_user=None, name=name, id_number=number, phone=_phone(rng),
                                      password=DEFAULT_PASSWORD, username=username, profession=Profession.PHYSICIAN)
    ctx.accounts.append(username)
    return user


# -- entry points -------------------------------------------------------------------------------------
def build_demo(config: DemoConfig = DemoConfig(), *, log: Callable[[str], None] | None = None) -> DemoResult:
    """Build the demo province unless it exists already (then nothing is created)."""
    say = log or (lambda _msg: None)
    if demo_exists():
        return DemoResult(created=False)
    _check_reference(config)
    started = time.monotonic()
    result = DemoResult(created=True)
    rng = random.Random(f"{config.seed}:demo")
    reserved = {nc.id_number for nc in newcomers(config)}
    ctx = _Context(config, rng, IdFactory(random.Random(f"{config.seed}:ids"), reserved), say)
    with audit_context(channel="command"), transaction.atomic():
        say("机关与人员账户 (authorities and staff accounts)…")
        _build_authorities(ctx)
        say("医疗机构 (institutions)…")
        _build_institutions(ctx)
        say("历史注册数据导入 (legacy physicians and nurses)…")
        province_admin = ctx.by_division[catalogue.PROVINCE_CODE].users[Role.AUTHORITY_ADMIN]
        sites = _sites([inst for inst, _a in ctx.institutions.values()])
        records = practitioner_records(random.Random(f"{config.seed}:practitioners"), sites,
                                       physicians=config.physicians, nurses=config.nurses, factory=ctx.ids)
        result.imported = import_legacy_practitioners(records, acting_user=province_admin,
                                                      batch_size=config.batch_size, source="demo")
        say("待注册的考试中心资格信息 (synced, unregistered qualifications)…")
        _make_newcomer_records(ctx)
        say("医师首次执业注册申请 (applications in every workflow state)…")
        _build_applicants(ctx, result)
        from medreg.demo.physician_items import build_physician_items

        say("医师变更注册与多机构备案 (changes and additional-institution filings)…")
        build_physician_items(ctx, result)
        result.accounts = list(ctx.accounts)
        result.counts = _counts()
        audit.record(
            EventType.DEMO_LOADED, actor=None, subject=("demo", catalogue.PROVINCE_CODE),
            authority_id=ctx.by_division[catalogue.PROVINCE_CODE].authority.pk,
            data={"seed": config.seed, "accounts": result.accounts, "counts": result.counts,
                  "newcomers": config.newcomers},
        )
    result.seconds = time.monotonic() - started
    return result


def _counts() -> dict[str, int]:
    from medreg.applications.models import Application
    from medreg.licences.models import ELicence
    from medreg.people.models import Person, PracticeRegistration

    return {
        "authorities": Authority.objects.count(),
        "institutions": Institution.objects.count(),
        "persons": Person.objects.count(),
        "physician_registrations": PracticeRegistration.objects.filter(profession=Profession.PHYSICIAN).count(),
        "nurse_registrations": PracticeRegistration.objects.filter(profession=Profession.NURSE).count(),
        "applications": Application.objects.count(),
        "licences": ELicence.objects.count(),
        "accounts": User.objects.count(),
    }


def scale(n: int, *, seed: int | None = None, batch_size: int = 2000, config: DemoConfig = DemoConfig(),
          log: Callable[[str], None] | None = None) -> tuple[ImportResult, float]:
    """Import ``n`` more legacy practitioners (60 % physicians) into the demo province's institutions.

    Builds the demo first (with ``config``) if it does not exist yet.
    """
    from medreg.people.models import Person

    if not demo_exists():
        build_demo(config, log=log)
    province = demo_province()
    assert province is not None
    admin = User.objects.filter(memberships__authority=province, memberships__role=Role.AUTHORITY_ADMIN).first()
    insts = list(Institution.objects.filter(division_code__startswith=catalogue.PROVINCE_CODE[:2], status="active"))
    if not insts:
        raise DemoError("演示省份没有医疗机构。")
    # A new seed per run (by default) so repeated runs keep adding people instead of skipping them.
    seed = seed if seed is not None else 10_000 + Person.objects.count()
    rng = random.Random(f"{seed}:scale")
    factory = IdFactory(random.Random(f"{seed}:scale-ids"), {nc.id_number for nc in newcomers()})
    physicians = round(n * 0.6)
    records = practitioner_records(rng, _sites(insts), physicians=physicians, nurses=n - physicians, factory=factory)
    started = time.monotonic()
    with audit_context(channel="command"):
        result = import_legacy_practitioners(records, acting_user=admin, batch_size=batch_size, source="demo-scale")
    return result, time.monotonic() - started


def demo_accounts() -> list[dict[str, Any]]:
    """Every account the demo created, with its password, role and authority or institution."""
    from medreg.applications.models import Application

    event = AuditEvent.objects.filter(event_type=EventType.DEMO_LOADED).order_by("-seq").first()
    if event is None:
        raise DemoError("演示数据尚未生成：请先运行 medreg demo。")
    usernames: list[str] = list(event.data.get("accounts", []))
    users = {u.username: u for u in User.objects.filter(username__in=usernames).prefetch_related(
        "memberships__authority", "memberships__institution")}
    out: list[dict[str, Any]] = []
    for username in usernames:
        user = users.get(username)
        if user is None:
            continue
        row: dict[str, Any] = {"username": username, "password": DEFAULT_PASSWORD, "name": user.real_name}
        memberships = [m for m in user.memberships.all() if m.is_active]
        if user.kind == "individual":
            row["role"] = "physician"
            aff = user.person.affiliations.select_related("institution").order_by("-pk").first() if user.person else None
            row["institution"] = aff.institution.name if aff else ""
            # the state the account was created to show: its first-registration application
            app = Application.objects.filter(applicant=user, item_code=ITEM).order_by("-pk").first()
            row["application_status"] = app.status if app else ""
        elif staff := [m for m in memberships if m.authority is not None]:
            row["role"] = staff[0].role
            row["authority"] = staff[0].authority.name if staff[0].authority else ""
        else:
            roles = {m.role for m in memberships}
            row["role"] = Role.INSTITUTION_ADMIN if Role.INSTITUTION_ADMIN in roles else (sorted(roles) or [""])[0]
            insts = [m.institution for m in memberships if m.institution is not None]
            row["institution"] = insts[0].name if insts else ""
        out.append(row)
    return out


def demo_seed() -> int:
    event = AuditEvent.objects.filter(event_type=EventType.DEMO_LOADED).order_by("-seq").first()
    return int(event.data.get("seed", DemoConfig.seed)) if event else DemoConfig.seed


def open_newcomers() -> list[Newcomer]:
    """The demo newcomers who have not self-registered yet."""
    from medreg.people.models import Person

    event = AuditEvent.objects.filter(event_type=EventType.DEMO_LOADED).order_by("-seq").first()
    count = int(event.data.get("newcomers", DemoConfig.newcomers)) if event else DemoConfig.newcomers
    config = DemoConfig(seed=demo_seed(), newcomers=count)
    all_ = newcomers(config)
    taken = set(Person.objects.filter(id_index__in=[people.id_index(nc.id_number) for nc in all_], user__isnull=False)
                .values_list("id_index", flat=True))
    return [nc for nc in all_ if people.id_index(nc.id_number) not in taken]
