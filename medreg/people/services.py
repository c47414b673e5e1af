"""Writes about persons: self-registration, activation by the institution, practice registrations."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import ActivationMode, Role, UserKind
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core import identifiers
from medreg.core.errors import Conflict, DomainError, ErrorItem, NotFound, PermissionDenied
from medreg.core.models import Counter
from medreg.core.pii import blind_index
from medreg.core.scoping import scope_info
from medreg.notifications import services as notify
from medreg.people.choices import AffiliationStatus, Profession, RegistrationStatus
from medreg.people.models import Affiliation, Person, PracticeRegistration, QualificationRecord
from medreg.people.rules import practice_division_for

if TYPE_CHECKING:
    from medreg.accounts.models import User
    from medreg.applications.models import Application
    from medreg.institutions.models import Institution

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{3,29}$")
ACTIVATION_CODE_TTL = timedelta(hours=24)
ACTIVATION_MAX_ATTEMPTS = 5
CATEGORY_CERT_CODES = {"1": "10", "2": "20", "3": "30", "4": "41"}


def id_index(id_number: str) -> str:
    return blind_index(id_number, purpose="citizen-id")


def phone_index(phone: str) -> str:
    return blind_index(phone, purpose="phone")


def _code_hash(affiliation_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"activation:{affiliation_id}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def register_individual(
    *,
    acting_user: User | None,
    name: str,
    id_number: str,
    phone: str,
    password: str,
    username: str,
    profession: str = Profession.PHYSICIAN,
) -> User:
    """Self-registration of a physician or nurse, matched against the synced qualification records.

    Creates (or claims) the Person, the User and links the qualification records. Audited.
    """
    from medreg.accounts.models import User

    errors: list[ErrorItem] = []
    name = (name or "").strip()
    if not (2 <= len(name) <= 30):
        errors.append(ErrorItem("name", _("请输入与身份证件一致的真实姓名。"), field="name"))
    cid = None
    try:
        cid = identifiers.validate_citizen_id(id_number)
    except DomainError as exc:
        errors.extend(ErrorItem(e.code, e.message, field="id_number", params=e.params) for e in exc.errors)
    phone = (phone or "").strip()
    if not PHONE_RE.match(phone):
        errors.append(ErrorItem("phone", _("请输入11位中国大陆手机号码。"), field="phone"))
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        errors.append(ErrorItem("username", _("登录名以字母开头，4至30位字母、数字、下划线、点或横线。"),
                                field="username"))
    elif User.objects.filter(username__iexact=username).exists():
        errors.append(ErrorItem("username_taken", _("该登录名已被使用。"), field="username"))
    try:
        validate_password(password)
    except ValidationError as exc:
        errors.extend(ErrorItem("password", m, field="password") for m in exc.messages)
    if profession not in Profession.values:
        errors.append(ErrorItem("profession", _("请选择医师或护士。"), field="profession"))
    if errors:
        raise DomainError(errors=errors)
    assert cid is not None
    index = id_index(cid.number)
    person = Person.objects.select_for_update().filter(id_index=index).first()
    if person is not None and User.objects.filter(person=person).exists():
        raise DomainError(
            _("该身份证件号码已被注册。如非本人操作，请联系执业机构或卫生健康行政部门核实找回账户。"),
            code="id_taken", field="id_number",
        )
    records = list(QualificationRecord.objects.select_for_update().filter(id_index=index, profession=profession))
    if not records:
        raise DomainError(
            _("资格信息尚未同步：系统暂未收到您的资格考试信息，通常在成绩公布后1至2周同步，请稍后再试。"),
            code="qualification_not_synced", field="id_number",
        )
    if not any(r.name == name for r in records):
        raise DomainError(_("姓名与资格信息中的姓名不一致，请核对。"), code="name_mismatch", field="name")
    try:
        with transaction.atomic():  # a concurrent registration of the same ID or name loses cleanly
            if person is None:
                person = Person.objects.create(
                    name=name, gender=cid.gender, id_number=cid.number, id_index=index,
                    birth_date=cid.birth_date.isoformat(),
                )
                audit.record(EventType.PERSON_CREATED, actor=acting_user, subject=person,
                             data={"source": "self_registration"})
            user = User.objects.create_user(
                username=username,
                password=password,
                kind=UserKind.INDIVIDUAL,
                real_name=name,
                phone=phone,
                phone_index=phone_index(phone),
                person=person,
            )
    except IntegrityError:
        raise Conflict(_("该身份证件号码或登录名刚刚被注册，请核对后重试。"), code="registration_conflict") from None
    QualificationRecord.objects.filter(pk__in=[r.pk for r in records], person__isnull=True).update(person=person)
    audit.record(
        EventType.INDIVIDUAL_REGISTERED,
        actor=acting_user or user,
        subject=user,
        data={"person": person.pk, "profession": profession, "qualifications": [r.pk for r in records]},
    )
    return user


@transaction.atomic
def request_activation(*, acting_user: User, institution_id: int) -> Affiliation:
    """An individual asks an institution to activate their account (auto-activates if configured)."""
    from medreg.institutions.models import Institution

    person = acting_user.person
    if acting_user.kind != UserKind.INDIVIDUAL or person is None:
        raise PermissionDenied(_("只有医师或护士本人可以申请激活。"), code="not_individual")
    institution = Institution.objects.filter(pk=institution_id, status="active").first()
    if institution is None:
        raise DomainError(_("请从搜索结果中选择一家正在执业的医疗机构。"), code="unknown_institution",
                          field="institution")
    existing = Affiliation.objects.select_for_update().filter(
        person=person, institution=institution, status__in=[AffiliationStatus.PENDING, AffiliationStatus.ACTIVE]
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            aff = Affiliation.objects.create(person=person, institution=institution)
    except IntegrityError:
        raise DomainError(_("已提交过激活申请。"), code="duplicate") from None
    audit.record(EventType.ACTIVATION_REQUESTED, actor=acting_user, subject=aff, institution_id=institution.pk)
    if institution.activation_mode == ActivationMode.AUTO:
        _activate(aff, acting_user=None, how="auto")
    else:
        notify.notify_institution_staff(
            institution,
            title=_("新的账户激活申请"),
            body=_("%(name)s 申请激活在本机构的执业账户。"),
            params={"name": person.name},
            link="/portal/institution/staff/",
        )
    return aff


def _activate(aff: Affiliation, *, acting_user: User | None, how: str) -> Affiliation:
    aff.status = AffiliationStatus.ACTIVE
    aff.activated_at = timezone.now()
    aff.activated_by = acting_user
    aff.activation_code_hash = ""
    aff.save(update_fields=["status", "activated_at", "activated_by", "activation_code_hash"])
    audit.record(
        EventType.ACCOUNT_ACTIVATED, actor=acting_user, subject=aff, institution_id=aff.institution_id,
        data={"how": how},
    )
    user = aff.person.user
    notify.notify_user(
        user,
        title=_("账户已激活"),
        body=_("您在“%(institution)s”的执业账户已激活，现在可以办理业务。"),
        params={"institution": aff.institution.name},
        link="/portal/me/",
        sms=True,
    )
    return aff


@transaction.atomic
def send_activation_code(affiliation_id: int, *, acting_user: User) -> Affiliation:
    """Institution staff send a one-time activation code to the person's phone and inbox."""
    if not Affiliation.objects.for_user(acting_user, "view", via="institution").filter(pk=affiliation_id).exists():
        raise NotFound(_("未找到该记录。"), code="not_found")
    aff = Affiliation.objects.select_for_update().select_related("institution", "person").get(pk=affiliation_id)
    if aff.status != AffiliationStatus.PENDING:
        raise DomainError(_("该账户不在待激活状态。"), code="not_pending")
    code = f"{secrets.randbelow(1_000_000):06d}"
    aff.activation_code_hash = _code_hash(aff.pk, code)
    aff.activation_code_expires_at = timezone.now() + ACTIVATION_CODE_TTL
    aff.activation_attempts = 0
    aff.save(update_fields=["activation_code_hash", "activation_code_expires_at", "activation_attempts"])
    audit.record(EventType.ACTIVATION_CODE_SENT, actor=acting_user, subject=aff, institution_id=aff.institution_id)
    notify.notify_user(
        aff.person.user,
        title=_("执业账户激活码"),
        body=_("“%(institution)s”向您发送了激活码：%(code)s（24小时内有效）。"),
        params={
            "institution": aff.institution.name, "code": code},
        link="/portal/me/activate/",
        sms=True,
    )
    return aff


def activate_with_code(*, acting_user: User, institution_id: int, code: str) -> Affiliation:
    """The person enters the code their institution sent. Five wrong tries void the code.

    A wrong code is itself recorded (attempt counter and audit event) before the error is raised.
    """
    person = acting_user.person
    if person is None:
        raise PermissionDenied(_("只有医师或护士本人可以激活账户。"), code="not_individual")
    with transaction.atomic():
        aff = Affiliation.objects.select_for_update().select_related("institution").filter(
            person=person, institution_id=institution_id, status=AffiliationStatus.PENDING
        ).first()
        if aff is None:
            raise DomainError(_("没有待激活的申请，请先向执业机构申请激活。"), code="no_pending", field="institution")
        code = (code or "").strip()
        ok = (
            bool(aff.activation_code_hash)
            and aff.activation_code_expires_at is not None
            and aff.activation_code_expires_at > timezone.now()
            and aff.activation_attempts < ACTIVATION_MAX_ATTEMPTS
            and hmac.compare_digest(aff.activation_code_hash, _code_hash(aff.pk, code))
        )
        if ok:
            return _activate(aff, acting_user=acting_user, how="code")
        aff.activation_attempts += 1
        aff.save(update_fields=["activation_attempts"])
        audit.record(EventType.ACTIVATION_FAILED, actor=acting_user, subject=aff, institution_id=aff.institution_id,
                     data={"attempt": aff.activation_attempts})
    raise DomainError(_("激活码错误或已过期，请核对或请机构重新发送。"), code="bad_code", field="code")


def next_certificate_no(level_code: str, category_code: str, division_code: str) -> str:
    prefix = f"{level_code}{CATEGORY_CERT_CODES.get(category_code, '10')}{division_code}"
    serial = Counter.next(f"cert:{prefix}")
    return identifiers.build_practice_certificate_no(int(level_code), prefix[1:3], division_code, serial)


def _insert_registration(
    application: Application, person: Person, institution: Institution, data: dict[str, Any], level: str, place: str
) -> PracticeRegistration:
    return PracticeRegistration.objects.create(
        person=person,
        profession=Profession.PHYSICIAN,
        level_code=level,
        category_code=data["category_code"],
        scope_codes=list(data["scope_codes"]),
        practice_division_id=place,
        main_institution=institution,
        authority=application.authority,
        authority_division_code=application.authority_division_code,
        certificate_no=next_certificate_no(level, data["category_code"], place),
        status=RegistrationStatus.ACTIVE,
        registered_on=timezone.localdate(),
        source_application=application,
    )


def create_practice_registration(application: Application, *, acting_user: User | None) -> PracticeRegistration:
    """Turn an approved first-registration application into an active registration (inside its txn)."""
    data: dict[str, Any] = application.form_data
    institution = application.institution
    person = application.person
    assert institution is not None and person is not None
    level = data["level_code"]
    place = practice_division_for(institution, level)
    try:
        with transaction.atomic():
            reg = _insert_registration(application, person, institution, data, level, place)
    except IntegrityError:
        raise Conflict(_("该执业地点已有有效的执业注册。"), code="duplicate_registration") from None
    changes: dict[str, dict[str, str]] = {}
    for attr in ("education", "school"):
        if data.get(attr) and getattr(person, attr) != data[attr]:
            changes[attr] = {"old": getattr(person, attr), "new": data[attr]}
            setattr(person, attr, data[attr])
    if changes:
        person.save(update_fields=[*changes, "updated_at"])
    audit.record(
        EventType.REGISTRATION_CREATED, actor=acting_user, subject=reg,
        authority_id=application.authority_id, institution_id=institution.pk,
        data={"certificate_no": reg.certificate_no, "application": application.number, "place": place,
              "person_changes": changes},
    )
    from medreg.people.practice import open_main_site

    open_main_site(reg, institution=institution, start_on=reg.registered_on, application=application,
                   acting_user=acting_user)
    return reg


def staff_roles_for(user: User, institution_id: int) -> set[str]:
    info = scope_info(user)
    return {r for r, _a, i in info.roles if i == institution_id and r in (Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER)}


QUAL_CATEGORY_TO_PRACTICE = {"10": "1", "20": "2", "30": "3", **{str(c): "4" for c in range(41, 49)}}


@transaction.atomic
def import_physician_qualification(
    *, acting_user: User | None, name: str, id_number: str, certificate_code: str, obtained_on: Any,
    source: str = "exam_centre",
) -> QualificationRecord:
    """Take one 医师资格 record from the exam-centre sync, validated before it can match anyone.

    The 资格证书编码 must be well formed and embed the same ID number; 级别 and 类别 are read from
    it, so they cannot disagree with the certificate. The audit event holds no personal data.
    """
    from django.utils import timezone as tz

    cid = identifiers.validate_citizen_id(id_number, field="id_number")
    code = identifiers.validate_physician_qualification_code(certificate_code, field="certificate_code")
    if code.citizen_id.number != cid.number:
        raise DomainError(_("资格证书编码中的身份证件号码与本人不一致。"), code="qualcode_id_mismatch",
                          field="certificate_code")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写姓名。"), code="required", field="name")
    if code.level not in ("1", "2"):
        raise DomainError(_("该资格类型不通过本系统注册。"), code="qualcode_level", field="certificate_code")
    index = blind_index(code.code, purpose="qualification-code")
    existing = QualificationRecord.objects.select_for_update().filter(certificate_index=index).first()
    if existing is not None:
        return existing
    record = QualificationRecord.objects.create(
        profession=Profession.PHYSICIAN, id_index=id_index(cid.number), name=name, level_code=code.level,
        category_code=QUAL_CATEGORY_TO_PRACTICE[code.category], certificate_code=code.code,
        certificate_index=index, obtained_on=obtained_on, source=source, synced_at=tz.now(),
    )
    audit.record(EventType.QUALIFICATION_IMPORTED, actor=acting_user, subject=record,
                 data={"level": record.level_code, "category": record.category_code, "year": code.year})
    # a qualification passed after registering (e.g. an assistant's 执业医师 exam) joins the person at once
    holder = Person.objects.filter(id_index=record.id_index).first()
    if holder is not None:
        record.person = holder
        record.save(update_fields=["person"])
        audit.record(EventType.QUALIFICATION_LINKED, actor=acting_user, subject=record,
                     data={"person": holder.pk, "how": "sync"})
    return record
