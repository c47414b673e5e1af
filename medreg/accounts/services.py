"""Top-down account creation, role grants and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.accounts.choices import (
    AUTHORITY_ROLES,
    INSTITUTION_ROLES,
    AuthorityKind,
    AuthorityLevel,
    Role,
    UserKind,
)
from medreg.accounts.models import ApiToken, Authority, Membership, User
from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core import identifiers
from medreg.core.conf import conf
from medreg.core.errors import DomainError, ErrorItem, PermissionDenied
from medreg.core.scoping import invalidate_scope, scope_info
from medreg.people.services import PHONE_RE, USERNAME_RE, phone_index

if TYPE_CHECKING:
    from medreg.institutions.models import Institution

LEVEL_ORDER = {AuthorityLevel.NATIONAL: 0, AuthorityLevel.PROVINCE: 1, AuthorityLevel.CITY: 2, AuthorityLevel.COUNTY: 3}
DIVISION_LEVEL = {AuthorityLevel.PROVINCE: "province", AuthorityLevel.CITY: "city", AuthorityLevel.COUNTY: "county"}


def _admin_authorities(user: User | None) -> list[Authority]:
    info = scope_info(user)
    ids = {a for r, a, _i in info.roles if r == Role.AUTHORITY_ADMIN and a}
    return list(Authority.objects.select_related("division").filter(pk__in=ids))


def _is_superior(upper: Authority, lower: Authority) -> bool:
    """``upper`` is at a strictly higher level and its division's subtree holds ``lower``."""
    return LEVEL_ORDER[AuthorityLevel(upper.level)] < LEVEL_ORDER[AuthorityLevel(lower.level)] and (
        lower.division_code.startswith(upper.division_prefix)
    )


def _is_system(user: User | None) -> bool:
    return user is None or user.is_superuser


@transaction.atomic
def create_authority(
    *, acting_user: User | None, name: str, level: str, division_code: str | None, uscc: str = "",
    kind: str = AuthorityKind.COMMISSION,
) -> Authority:
    """Create a commission or bureau. Only an admin of a higher authority whose subtree holds it may."""
    from medreg.reference.models import Division

    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写机关名称。"), code="required", field="name")
    if level not in AuthorityLevel.values:
        raise DomainError(_("级别无效。"), code="invalid", field="level")
    if kind not in AuthorityKind.values:
        raise DomainError(_("请选择机关类型。"), code="invalid", field="kind")
    division = None
    if level != AuthorityLevel.NATIONAL:
        division = Division.objects.filter(code=division_code or "", level=DIVISION_LEVEL[AuthorityLevel(level)]).first()
        if division is None:
            raise DomainError(_("行政区划代码与级别不符。"), code="division", field="division_code")
    if uscc:
        uscc = identifiers.validate_uscc(uscc)
    parent = None
    if not _is_system(acting_user):
        parents = [
            a for a in _admin_authorities(acting_user)
            if LEVEL_ORDER[AuthorityLevel(a.level)] < LEVEL_ORDER[AuthorityLevel(level)]
            and division is not None and division.code.startswith(a.division_prefix)
        ]
        if not parents:
            raise PermissionDenied(_("只能为本辖区的下级机关创建账户。"), code="not_superior")
        parent = max(parents, key=lambda a: LEVEL_ORDER[AuthorityLevel(a.level)])
    elif division is not None:
        parent = _closest_parent(division.code, level)
    authority = Authority.objects.create(
        name=name, level=level, kind=kind, division=division, parent=parent, uscc=uscc,
        division_code=division.code if division else "", created_by=acting_user,
    )
    audit.record(EventType.AUTHORITY_CREATED, actor=acting_user, subject=authority, authority_id=authority.pk,
                 data={"name": name, "level": level, "division": authority.division_code})
    return authority


def _closest_parent(code: str, level: str) -> Authority | None:
    candidates = Authority.objects.filter(is_active=True).select_related("division")
    best = None
    for a in candidates:
        if LEVEL_ORDER[AuthorityLevel(a.level)] < LEVEL_ORDER[AuthorityLevel(level)] and code.startswith(a.division_prefix):
            if best is None or LEVEL_ORDER[AuthorityLevel(a.level)] > LEVEL_ORDER[AuthorityLevel(best.level)]:
                best = a
    return best


def _validate_account(username: str, real_name: str, phone: str, password: str) -> None:
    errors: list[ErrorItem] = []
    if not USERNAME_RE.match(username or ""):
        errors.append(ErrorItem("username", _("登录名以字母开头，4至30位字母、数字、下划线、点或横线。"), field="username"))
    elif User.objects.filter(username__iexact=username).exists():
        errors.append(ErrorItem("username_taken", _("该登录名已被使用。"), field="username"))
    if not (real_name or "").strip():
        errors.append(ErrorItem("required", _("请填写真实姓名。"), field="real_name"))
    if phone and not PHONE_RE.match(phone):
        errors.append(ErrorItem("phone", _("请输入11位中国大陆手机号码。"), field="phone"))
    try:
        validate_password(password)
    except ValidationError as exc:
        errors.extend(ErrorItem("password", m, field="password") for m in exc.messages)
    if errors:
        raise DomainError(errors=errors)


def _create_account(
    acting_user: User | None, kind: str, username: str, real_name: str, password: str, phone: str,
    roles: list[str], *, authority: Authority | None = None, institution: Institution | None = None,
) -> User:
    """Validate and create a top-down account with its role memberships (caller audits)."""
    _validate_account(username, real_name, phone, password)
    user = User.objects.create_user(
        username=username, password=password, kind=kind, real_name=real_name.strip(),
        phone=phone, phone_index=phone_index(phone) if phone else "", created_by=acting_user,
    )
    for role in sorted(set(roles)):
        Membership.objects.create(user=user, authority=authority, institution=institution, role=role,
                                  created_by=acting_user)
    return user


@transaction.atomic
def create_staff_account(
    *, acting_user: User | None, authority: Authority, username: str, real_name: str, password: str,
    roles: list[str], phone: str = "",
) -> User:
    """An authority admin (or a superior admin) creates a staff account with roles at ``authority``."""
    if not _is_system(acting_user):
        admin_of = _admin_authorities(acting_user)
        if not any(authority.pk == a.pk or _is_superior(a, authority) for a in admin_of):
            raise PermissionDenied(_("只能为本机关或下级机关创建人员账户。"), code="not_admin")
    bad = [r for r in roles if r not in AUTHORITY_ROLES]
    if not roles or bad:
        raise DomainError(_("请选择有效的管理端角色。"), code="roles", field="roles")
    user = _create_account(acting_user, UserKind.STAFF, username, real_name, password, phone, roles,
                           authority=authority)
    audit.record(EventType.STAFF_ACCOUNT_CREATED, actor=acting_user, subject=user, authority_id=authority.pk,
                 data={"username": username, "roles": sorted(set(roles))})
    return user


@transaction.atomic
def create_institution_account(
    *, acting_user: User | None, institution: Institution, username: str, real_name: str, password: str,
    roles: list[str], phone: str = "",
) -> User:
    """The authority that licensed the institution creates an account for its staff."""
    if not _is_system(acting_user):
        info = scope_info(acting_user)
        if not info.has_role(Role.AUTHORITY_ADMIN, authority_id=institution.licensing_authority_id):
            raise PermissionDenied(_("只有批准该机构的卫生健康行政部门可以为其创建账户。"), code="not_licensing_authority")
    bad = [r for r in roles if r not in INSTITUTION_ROLES]
    if not roles or bad:
        raise DomainError(_("请选择有效的机构端角色。"), code="roles", field="roles")
    user = _create_account(acting_user, UserKind.INSTITUTION, username, real_name, password, phone, roles,
                           institution=institution)
    audit.record(EventType.INSTITUTION_ACCOUNT_CREATED, actor=acting_user, subject=user,
                 authority_id=institution.licensing_authority_id, institution_id=institution.pk,
                 data={"username": username, "roles": sorted(set(roles))})
    invalidate_scope(user)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(*, username: str, password: str) -> tuple[str, ApiToken]:
    """Exchange a username and password for a bearer token (only its hash is stored).

    A failed attempt is itself audited (in its own transaction) before the error is raised.
    """
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        record_login_failure(username, channel="api")
        raise PermissionDenied(_("用户名或密码错误。"), code="bad_credentials")
    token = secrets.token_urlsafe(32)
    ttl = timedelta(hours=conf("API_TOKEN_TTL_HOURS"))
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, token_hash=_token_hash(token), expires_at=timezone.now() + ttl)
        audit.record(EventType.API_TOKEN_ISSUED, actor=user, subject=row)
    return token, row


def user_for_token(token: str) -> User | None:
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_token_hash(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    return row.user


def record_login(user: User, *, channel: str = "web") -> None:
    """Audit a successful sign-in."""
    with transaction.atomic():
        audit.record(EventType.LOGIN_SUCCEEDED, actor=user, subject=user, data={"channel": channel})


def record_login_failure(username: str, *, channel: str = "web") -> None:
    """Audit a failed sign-in (the name tried, never the password)."""
    with transaction.atomic():
        audit.record(EventType.LOGIN_FAILED, actor=None, subject=("auth", (username or "")[:60]),
                     data={"channel": channel})
