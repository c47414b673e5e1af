"""Signing keys of the issuing authorities, their rotation, and the signed trust list.

* Each issuing authority has its own document-signing keys (ES256 by default, EdDSA allowed: setting
  ``SIGNING_ALGORITHM``). ``kid`` = first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo.
* Private keys are stored PKCS#8-encrypted with ``SIGNING_KEY_PASSWORD`` (never in clear in the DB).
* A key signs for ``SIGNING_KEY_LIFETIME_DAYS`` and then verifies for ``SIGNING_KEY_OVERLAP_DAYS`` more
  (at least the QR lifetime), so QR codes it signed keep verifying after a rotation.
* One trust-list key (no authority) signs the published trust list: a COSE_Sign1 over a CBOR map of
  every key a verifier may accept, with a validity period and the signer's kid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import cbor2
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core.conf import conf
from medreg.licences import cose
from medreg.licences.models import KeyPurpose, SigningKey

if TYPE_CHECKING:
    from medreg.accounts.models import Authority, User

TRUST_LIST_VERSION = 1


def key_password() -> bytes:
    return str(conf("SIGNING_KEY_PASSWORD")).encode()


def lifetime() -> timedelta:
    return timedelta(days=int(conf("SIGNING_KEY_LIFETIME_DAYS")))


def overlap() -> timedelta:
    return timedelta(days=max(int(conf("SIGNING_KEY_OVERLAP_DAYS")), int(conf("QR_LIFETIME_DAYS"))))


@lru_cache(maxsize=256)
def _private(kid: str, pem: str) -> cose.PrivateKey:
    return cose.load_private_key(pem.encode(), key_password())


def private_key(key: SigningKey) -> cose.PrivateKey:
    """The decrypted private key (decrypted once per process: PKCS#8 decryption is deliberately slow)."""
    return _private(key.kid, key.private_key_pem)


def public_key(key: SigningKey) -> cose.PublicKey:
    loaded = serialization.load_pem_public_key(key.public_key_pem.encode())
    return cose.load_public_key_spki(
        loaded.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _signing_filter(now: datetime) -> Q:
    return Q(is_active=True, withdrawn_at__isnull=True, not_before__lte=now, not_after__gt=now + overlap())


def current_signing_key(authority: Authority | None, *, purpose: str = KeyPurpose.DOCUMENT) -> SigningKey | None:
    """The key that signs new documents for ``authority`` now (``None`` if there is none; no writes)."""
    now = timezone.now()
    return (
        SigningKey.objects.filter(_signing_filter(now), authority=authority, purpose=purpose)
        .order_by("-not_before", "-pk")
        .first()
    )


def _create_key(authority: Authority | None, *, purpose: str, acting_user: User | None,
                algorithm: str | None = None) -> SigningKey:
    now = timezone.now()
    algorithm = algorithm or str(conf("SIGNING_ALGORITHM"))
    private = cose.generate_signing_key(algorithm)
    public = private.public_key()
    key = SigningKey.objects.create(
        kid=cose.kid_for(public).hex(),
        authority=authority,
        purpose=purpose,
        algorithm=algorithm,
        public_key_pem=public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
        private_key_pem=cose.private_key_to_pem(private, key_password()).decode(),
        not_before=now,
        not_after=now + lifetime() + overlap(),
    )
    audit.record(EventType.SIGNING_KEY_CREATED, actor=acting_user, subject=key,
                 authority_id=authority.pk if authority else None,
                 data={"kid": key.kid, "alg": algorithm, "purpose": purpose})
    transaction.on_commit(invalidate_trust_list)
    return key


def ensure_signing_key(authority: Authority, *, acting_user: User | None) -> SigningKey:
    """The authority's current signing key, created (and audited) on first use or when it must rotate.

    Runs inside the issuing transaction; the authority row is locked so two issuances cannot both
    create a key.
    """
    from medreg.accounts.models import Authority as AuthorityModel

    key = current_signing_key(authority)
    if key is not None:
        return key
    AuthorityModel.objects.select_for_update().filter(pk=authority.pk).first()
    key = current_signing_key(authority)
    if key is not None:
        return key
    return _create_key(authority, purpose=KeyPurpose.DOCUMENT, acting_user=acting_user)


def ensure_trust_list_key(*, acting_user: User | None = None) -> SigningKey:
    """The key that signs the trust list (created on first use)."""
    key = current_signing_key(None, purpose=KeyPurpose.TRUST_LIST)
    if key is not None:
        return key
    with transaction.atomic():
        from medreg.audit.models import AuditChainHead

        AuditChainHead.objects.select_for_update().get_or_create(id=1)  # serialises the creation
        key = current_signing_key(None, purpose=KeyPurpose.TRUST_LIST)
        return key or _create_key(None, purpose=KeyPurpose.TRUST_LIST, acting_user=acting_user)


@transaction.atomic
def rotate_keys(*, acting_user: User | None, authority: Authority | None = None,
                algorithm: str | None = None, include_trust_list_key: bool = False) -> list[SigningKey]:
    """Give every issuing authority that has keys (or just ``authority``) a new signing key.

    The previous key stops signing at once but stays on the trust list for the overlap period
    (``not_after`` = now + overlap), so QR codes it signed keep verifying until they expire.
    """
    now = timezone.now()
    olds = SigningKey.objects.select_for_update(of=("self",)).filter(is_active=True, withdrawn_at__isnull=True)
    if authority is not None:
        olds = olds.filter(authority=authority, purpose=KeyPurpose.DOCUMENT)
    elif not include_trust_list_key:
        olds = olds.filter(purpose=KeyPurpose.DOCUMENT)
    created: list[SigningKey] = []
    done: set[tuple[int | None, str]] = set()
    for old in olds.select_related("authority").order_by("pk"):
        old.is_active = False
        old.not_after = min(old.not_after, now + overlap())
        old.save(update_fields=["is_active", "not_after"])
        clear_key_cache()
        slot = (old.authority_id, old.purpose)
        if slot in done:
            continue
        done.add(slot)
        new = _create_key(old.authority, purpose=old.purpose, acting_user=acting_user,
                          algorithm=algorithm or str(conf("SIGNING_ALGORITHM")))
        audit.record(EventType.SIGNING_KEY_ROTATED, actor=acting_user, subject=new, authority_id=old.authority_id,
                     data={"old": old.kid, "new": new.kid, "old_verifies_until": old.not_after.isoformat()})
        created.append(new)
    if authority is not None and not created:
        created.append(_create_key(authority, purpose=KeyPurpose.DOCUMENT, acting_user=acting_user,
                                   algorithm=algorithm))
    return created


@transaction.atomic
def withdraw_key(kid: str, *, acting_user: User | None, reason: str) -> SigningKey:
    """Take a (compromised) key off the trust list at once: everything it signed stops verifying."""
    key = SigningKey.objects.select_for_update().get(kid=kid)
    if key.withdrawn_at is None:
        key.withdrawn_at, key.is_active = timezone.now(), False
        key.save(update_fields=["withdrawn_at", "is_active"])
        clear_key_cache()
        transaction.on_commit(clear_key_cache)
        audit.record(EventType.SIGNING_KEY_WITHDRAWN, actor=acting_user, subject=key,
                     authority_id=key.authority_id, data={"kid": kid, "reason": reason[:200]})
        transaction.on_commit(invalidate_trust_list)
    return key


def trusted_keys(now: datetime | None = None) -> list[SigningKey]:
    """Keys a verifier may accept now: document keys not withdrawn and inside their validity."""
    now = now or timezone.now()
    return list(
        SigningKey.objects.select_related("authority")
        .filter(purpose=KeyPurpose.DOCUMENT, withdrawn_at__isnull=True, not_before__lte=now, not_after__gt=now)
        .order_by("authority_id", "not_before", "pk")
    )


@dataclass(frozen=True)
class KeyInfo:
    """What a verifier needs about a trusted key: the public key and whose it is."""

    kid: str
    public_key: cose.PublicKey
    authority_id: int | None
    issuer_uscc: str
    issuer_iss: str
    issuer_name: str
    not_after: datetime


_KEY_CACHE: dict[str, tuple[float, KeyInfo | None]] = {}
KEY_CACHE_SECONDS = 60.0


def clear_key_cache() -> None:
    _KEY_CACHE.clear()


def key_info(kid: bytes) -> KeyInfo | None:
    """The trusted key with this kid, or ``None`` (cached per process for a minute; a withdrawal in this
    process clears the cache at once, other processes see it within :data:`KEY_CACHE_SECONDS`)."""
    now_mono = time.monotonic()
    hit = _KEY_CACHE.get(kid.hex())
    if hit is not None and now_mono - hit[0] < KEY_CACHE_SECONDS:
        info = hit[1]
    else:
        key = (
            SigningKey.objects.select_related("authority")
            .filter(kid=kid.hex(), purpose=KeyPurpose.DOCUMENT, withdrawn_at__isnull=True)
            .first()
        )
        info = None
        if key is not None and key.authority is not None:
            a = key.authority
            info = KeyInfo(key.kid, public_key(key), a.pk, a.uscc, a.division_code or a.uscc or str(a.pk), a.name,
                           key.not_after)
            info = info if key.not_before <= timezone.now() else None
        if len(_KEY_CACHE) > 10000:
            _KEY_CACHE.clear()
        _KEY_CACHE[kid.hex()] = (now_mono, info)
    if info is None or info.not_after <= timezone.now():
        return None
    return info


def resolve_key(kid: bytes) -> cose.PublicKey | None:
    """The trusted public key with this kid (the verifier's trust-list lookup)."""
    info = key_info(kid)
    return info.public_key if info is not None else None


def _spki(key: SigningKey) -> bytes:
    return cose.public_key_spki_der(public_key(key))


def trust_list_entries(now: datetime | None = None) -> list[dict[str, Any]]:
    """The public description of every trusted key (also the JSON form of the trust list)."""
    out = []
    for k in trusted_keys(now):
        authority = k.authority
        out.append({
            "kid": k.kid,
            "alg": k.algorithm,
            "issuer": authority.name if authority else "",
            "issuer_code": (authority.uscc if authority else "") or "",
            "iss": (authority.division_code or authority.uscc or str(authority.pk)) if authority else "",
            "authority_id": k.authority_id,
            "not_before": k.not_before.isoformat(),
            "not_after": k.not_after.isoformat(),
            "signing": k.is_active,
            "spki": _spki(k).hex(),
        })
    return out


TL_ISSUED = 1
TL_NOT_AFTER = 2
TL_SIGNER = 3
TL_KEYS = 4
TL_TYPE_CODES = 5
TL_STATUS_BASE = 6


def build_trust_list(*, acting_user: User | None = None) -> tuple[bytes, dict[str, Any]]:
    """The signed trust list: COSE_Sign1 (signed by the trust-list key) over a CBOR map, plus its JSON form.

    Map keys: 1 issued-at, 2 not-after (validity end), 3 the signer's kid, 4 the keys ``[{1 kid, 2 alg,
    3 spki, 4 issuer USCC, 5 issuer name, 6 not_before, 7 not_after, 8 authority id, 9 the ``iss`` value
    its QR codes carry}]``, 5 the
    证照类型代码 per licence kind code, 6 the base of the status-list URLs. The COSE message also carries
    ``iat``/``exp`` so a verifier can reject a stale list.
    """
    signer = ensure_trust_list_key(acting_user=acting_user)
    now = timezone.now()
    valid_to = now + timedelta(hours=int(conf("TRUST_LIST_VALIDITY_HOURS")))
    entries = trust_list_entries(now)
    type_codes = {int(code): conf("ELICENCE_TYPE_CODES")[kind] for kind, code in _kind_codes().items()}
    body: dict[int, Any] = {
        TL_ISSUED: int(now.timestamp()),
        TL_NOT_AFTER: int(valid_to.timestamp()),
        TL_SIGNER: bytes.fromhex(signer.kid),
        TL_KEYS: [
            {1: bytes.fromhex(e["kid"]), 2: cose.ALGORITHMS[e["alg"]], 3: bytes.fromhex(e["spki"]),
             4: e["issuer_code"], 5: e["issuer"], 6: int(datetime.fromisoformat(e["not_before"]).timestamp()),
             7: int(datetime.fromisoformat(e["not_after"]).timestamp()), 8: e["authority_id"], 9: e["iss"]}
            for e in entries
        ],
        TL_TYPE_CODES: type_codes,
        TL_STATUS_BASE: status_base(),
    }
    claims = {cose.IAT: body[TL_ISSUED], cose.EXP: body[TL_NOT_AFTER], -70002: body}
    signed = _sign_large(claims, signer)
    json_form = {
        "version": TRUST_LIST_VERSION,
        "issued_at": now.isoformat(),
        "not_after": valid_to.isoformat(),
        "signer": {"kid": signer.kid, "alg": signer.algorithm, "spki": _spki(signer).hex()},
        "type_codes": {str(k): v for k, v in type_codes.items()},
        "status_base": status_base(),
        "keys": entries,
        "cose": signed.hex(),
    }
    return signed, json_form


def _sign_large(claims: dict[int, Any], signer: SigningKey) -> bytes:
    """Sign a trust list too big for the QR size limit of :func:`cose.sign_cwt` (same format)."""
    alg = cose.ALGORITHMS[signer.algorithm]
    protected = cbor2.dumps({cose.HEADER_ALG: alg, cose.HEADER_KID: bytes.fromhex(signer.kid)}, canonical=True)
    payload = cbor2.dumps(claims, canonical=True)
    tbs = cbor2.dumps(["Signature1", protected, b"", payload], canonical=True)
    signature = cose.sign_bytes(private_key(signer), tbs)
    return bytes(cbor2.dumps(cbor2.CBORTag(cose.COSE_SIGN1_TAG, [protected, {}, payload, signature]),
                             canonical=True))


def _kind_codes() -> dict[str, int]:
    from medreg.licences.choices import KIND_CODES

    return {str(k): int(v) for k, v in KIND_CODES.items()}


def status_base() -> str:
    """The base URL of the status lists: ``{base}{authority_id}``."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/sl/"


def invalidate_trust_list() -> None:
    from django.core.cache import cache

    cache.delete("licences:trust-list")


def trust_anchor() -> dict[str, str]:
    """The trust-list signer a verify page pins (kid, algorithm, SPKI hex)."""
    signer = ensure_trust_list_key()
    return {"kid": signer.kid, "alg": signer.algorithm, "spki": _spki(signer).hex()}
