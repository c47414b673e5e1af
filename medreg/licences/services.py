"""Issuing, superseding and verifying e-licences (COSE_Sign1 over CWT, Base45 QR with prefix HL1:)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core import identifiers
from medreg.core.conf import conf
from medreg.core.errors import DomainError
from medreg.licences import cose
from medreg.licences.choices import KIND_CODES, LicenceKind, LicenceStatus
from medreg.licences.models import ELicence, SigningKey

if TYPE_CHECKING:
    from medreg.accounts.models import Authority, User
    from medreg.people.models import PracticeRegistration

KEY_LIFETIME = timedelta(days=365 * 2)
STATUS_LIST_SIZE = 1 << 20


def _key_password() -> bytes:
    return str(conf("SIGNING_KEY_PASSWORD")).encode()


def current_signing_key(authority: Authority) -> SigningKey | None:
    """The authority's usable signing key, if it has one (no writes)."""
    now = timezone.now()
    return (
        SigningKey.objects.filter(authority=authority, is_active=True, withdrawn_at__isnull=True,
                                  not_before__lte=now, not_after__gt=now + timedelta(days=1))
        .order_by("-not_after")
        .first()
    )


def ensure_signing_key(authority: Authority, *, acting_user: User | None) -> SigningKey:
    """The authority's current signing key, created (and audited) on first use or after expiry.

    Runs inside the issuing transaction; the authority row is locked so two issuances cannot both
    create a key.
    """
    from medreg.accounts.models import Authority as AuthorityModel

    AuthorityModel.objects.select_for_update().filter(pk=authority.pk).first()
    key = current_signing_key(authority)
    if key is not None:
        return key
    now = timezone.now()
    private = cose.generate_signing_key()
    public = private.public_key()
    key = SigningKey.objects.create(
        kid=cose.kid_for(public).hex(),
        authority=authority,
        public_key_pem=public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
        private_key_pem=cose.private_key_to_pem(private, _key_password()).decode(),
        not_before=now,
        not_after=now + KEY_LIFETIME,
    )
    audit.record(EventType.SIGNING_KEY_CREATED, actor=acting_user, subject=key, authority_id=authority.pk,
                 data={"kid": key.kid})
    return key


def _random_status_index() -> int:
    for _attempt in range(20):
        idx = secrets.randbelow(STATUS_LIST_SIZE)
        if not ELicence.objects.filter(status_index=idx).exists():
            return idx
    raise RuntimeError("status list is full; enlarge STATUS_LIST_SIZE")


def _status_uri(authority: Authority) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/status/{authority.pk}"


def _sign(lic: ELicence, key: SigningKey, *, now: datetime) -> str:
    qr_exp = now + timedelta(days=conf("QR_LIFETIME_DAYS"))
    exp = min(qr_exp, key.not_after)
    if lic.expires_at is not None:
        exp = min(exp, lic.expires_at)
    d = lic.data
    claims = cose.build_licence_claims(
        issuer=lic.authority.uscc or str(lic.authority_id),
        kind=cose.LicenceKindCode(KIND_CODES[LicenceKind(lic.kind)]),
        identifier=lic.identifier,
        holder_name=lic.holder_name,
        licence_number=lic.licence_no,
        issued_at=now,
        expires_at=exp,
        category_code=d.get("category_code") or None,
        scope_codes=tuple(d.get("scope_codes") or ()),
        institution=d.get("institution_uscc") or None,
        status_idx=lic.status_index,
        status_uri=_status_uri(lic.authority),
    )
    private = cose.load_private_key(key.private_key_pem.encode(), _key_password())
    return cose.encode_qr_payload(cose.sign_cwt(claims, private, bytes.fromhex(key.kid)))


def issue_for_registration(registration: PracticeRegistration, *, acting_user: User | None) -> ELicence:
    """Issue (or re-issue as a new version) the e-licence of a practice registration.

    Runs inside the caller's transaction: a rolled-back approval leaves no licence behind.
    """
    authority = registration.authority
    if not authority.uscc:
        raise DomainError(_("发证机关未配置统一社会信用代码，无法生成电子证照标识。"), code="issuer_uscc")
    kind = LicenceKind.PHYSICIAN if registration.profession == "physician" else LicenceKind.NURSE
    previous = (
        ELicence.objects.select_for_update().filter(registration=registration).order_by("-version").first()
    )
    version = previous.version + 1 if previous else 1
    serial = registration.certificate_no
    type_code = conf("ELICENCE_TYPE_CODES")[kind]
    identifier = identifiers.build_elicence_identifier(type_code, authority.uscc, serial, version)
    key = ensure_signing_key(authority, acting_user=acting_user)
    now = timezone.now()
    inst = registration.main_institution
    lic = ELicence(
        kind=kind,
        identifier=identifier,
        serial=serial,
        version=version,
        status=LicenceStatus.VALID,
        person=registration.person,
        institution=None,
        registration=registration,
        authority=authority,
        authority_division_code=registration.authority_division_code,
        holder_name=registration.person.name,
        licence_no=registration.certificate_no,
        data={
            "level_code": registration.level_code,
            "category_code": registration.category_code,
            "scope_codes": list(registration.scope_codes),
            "practice_division": registration.practice_division_id,
            "institution_name": inst.name,
            "institution_uscc": inst.uscc,
            "registered_on": registration.registered_on.isoformat(),
            "valid_until": registration.valid_until.isoformat() if registration.valid_until else None,
        },
        signing_key=key,
        issued_at=now,
        expires_at=None,
    )
    for _attempt in range(5):
        lic.status_index = _random_status_index()
        lic.qr_payload = _sign(lic, key, now=now)
        try:
            with transaction.atomic():
                lic.save(force_insert=True)
            break
        except IntegrityError:  # a concurrent issuance took the same random status slot
            lic.pk = None
    else:
        raise RuntimeError("could not allocate a status-list slot")
    if previous is not None and previous.status == LicenceStatus.VALID:
        previous.status = LicenceStatus.SUPERSEDED
        previous.status_changed_at = now
        previous.save(update_fields=["status", "status_changed_at"])
        audit.record(EventType.LICENCE_SUPERSEDED, actor=acting_user, subject=previous, authority_id=authority.pk,
                     data={"by": identifier})
    audit.record(EventType.LICENCE_ISSUED, actor=acting_user, subject=lic, authority_id=authority.pk,
                 institution_id=inst.pk, data={"identifier": identifier, "version": version, "kid": key.kid})
    return lic


@transaction.atomic
def revoke_licence(licence_id: int, *, acting_user: User | None, reason: str) -> ELicence:
    """Revoke a licence version; every verifier sees it as invalid from now on."""
    lic = ELicence.objects.select_for_update().get(pk=licence_id)
    if lic.status == LicenceStatus.REVOKED:
        return lic
    lic.status, lic.status_changed_at, lic.status_reason = LicenceStatus.REVOKED, timezone.now(), reason[:200]
    lic.save(update_fields=["status", "status_changed_at", "status_reason"])
    audit.record(EventType.LICENCE_REVOKED, actor=acting_user, subject=lic, authority_id=lic.authority_id,
                 data={"reason": reason[:200]})
    return lic


# -- verification ------------------------------------------------------------------------------------
@dataclass
class Verification:
    """The outcome a verifier shows: signature check, current status, and the public licence facts."""

    valid: bool
    status: str
    status_label: str
    message: str
    checked_at: datetime
    facts: dict[str, Any] = field(default_factory=dict)
    issuer: str = ""
    kid: str = ""


def _resolve_key(kid: bytes) -> ec.EllipticCurvePublicKey | None:
    key = SigningKey.objects.filter(kid=kid.hex(), is_active=True, withdrawn_at__isnull=True).first()
    if key is None:
        return None
    loaded = serialization.load_pem_public_key(key.public_key_pem.encode())
    return loaded if isinstance(loaded, ec.EllipticCurvePublicKey) else None


def verify_qr(text: str, *, now: datetime | None = None) -> Verification:
    """Check the signature offline-style, then look up the licence's status now.

    Raises :class:`~medreg.licences.cose.QRVerificationError` for a malformed, forged or expired code.
    """
    from medreg.reference import selectors as ref

    now = now or timezone.now()
    token = cose.verify_cwt(cose.decode_qr_payload(text), _resolve_key, now=now)
    claims = cose.parse_licence_claims(token.claims)
    lic = (
        ELicence.objects.select_related("authority", "signing_key", "registration", "registration__main_institution")
        .filter(identifier=claims.identifier)
        .first()
    )
    facts: dict[str, Any] = {
        "kind": str(LicenceKind(lic.kind).label) if lic else "",
        "holder_name": claims.holder_name,
        "licence_no": claims.licence_number,
        "identifier": claims.identifier,
        "category": ref.code_name("practice_category", claims.category_code) if claims.category_code else "",
        "scopes": [ref.code_name("practice_scope", s) for s in claims.scope_codes],
        "institution": lic.data.get("institution_name", "") if lic else "",
        "issued_at": token.issued_at,
        "qr_expires_at": token.expires_at,
    }
    if lic is None:
        return Verification(False, "unknown", str(_("未登记")), str(_("签名有效，但登记库中没有这份证照。")),
                            now, facts, kid=token.kid.hex())
    if lic.signing_key.kid != token.kid.hex():
        # A valid signature by another trusted key over this licence's identifier: not ours to vouch for.
        return Verification(False, "mismatch", str(_("签发密钥不符")),
                            str(_("二维码的签发密钥与登记库中该证照的签发密钥不一致，不能确认其真实性。")),
                            now, facts, issuer=lic.authority.name, kid=token.kid.hex())
    status = LicenceStatus(lic.status)
    reg = lic.registration
    if status == LicenceStatus.VALID and reg is not None and reg.status != "active":
        status = LicenceStatus.SUSPENDED if reg.status == "suspended" else LicenceStatus.REVOKED
    messages = {
        LicenceStatus.VALID: _("证照有效。"),
        LicenceStatus.SUSPENDED: _("证照当前处于暂停状态。"),
        LicenceStatus.REVOKED: _("证照已注销或吊销，当前无效。"),
        LicenceStatus.SUPERSEDED: _("这是旧版本证照，已被新版本替代，请出示最新电子证照。"),
    }
    return Verification(
        valid=status == LicenceStatus.VALID,
        status=str(status),
        status_label=str(status.label),
        message=str(messages[status]),
        checked_at=now,
        facts=facts,
        issuer=lic.authority.name,
        kid=token.kid.hex(),
    )
