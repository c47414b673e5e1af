"""Token Status List (IETF draft-ietf-oauth-status-list, CWT form) for one issuing authority.

Each licence carries ``status: {"status_list": {"idx": n, "uri": ...}}`` in its QR; ``n`` is a random
slot of its issuing authority's list. Verifiers fetch the list once (a zlib-compressed bit array,
2 bits per slot), cache it for ``ttl`` seconds, and read slot ``n`` offline: 0 valid, 1 invalid
(revoked, superseded or expired), 2 suspended.

The signed list is kept in :class:`StatusListSnapshot` so every request gets the same bytes and ETag.
A status change marks the snapshot dirty in the same transaction; the next request (or the periodic
job) regenerates it, and no snapshot is served older than :data:`MAX_AGE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import cbor2
from django.db import IntegrityError, transaction
from django.utils import timezone

from medreg.licences import cose, keys
from medreg.licences.choices import LicenceStatus
from medreg.licences.models import ELicence, StatusListSnapshot

if TYPE_CHECKING:
    from medreg.accounts.models import Authority

BITS = 2
STATUS_LIST_CLAIM = 65533
TTL_CLAIM = 65534
SUB = 2
TYP_HEADER = 16
TTL_SECONDS = 300
MAX_AGE_SECONDS = 60
VALUES = {
    LicenceStatus.VALID: 0,
    LicenceStatus.REVOKED: 1,
    LicenceStatus.SUPERSEDED: 1,
    LicenceStatus.EXPIRED: 1,
    LicenceStatus.SUSPENDED: 2,
}


def build_bits(authority: Authority | int, *, size: int) -> bytes:
    """The uncompressed list: slot ``idx`` holds the 2-bit status, least significant bits first."""
    authority_id = authority if isinstance(authority, int) else authority.pk
    data = bytearray(size * BITS // 8)
    rows = (
        ELicence.objects.filter(authority_id=authority_id)
        .exclude(status=LicenceStatus.VALID)
        .values_list("status_index", "status")
    )
    for idx, status in rows.iterator(chunk_size=10000):
        value = VALUES[LicenceStatus(status)]
        if value and idx < size:
            byte, shift = divmod(idx * BITS, 8)
            data[byte] |= value << shift
    return bytes(data)


def read_status(lst: bytes, idx: int) -> int:
    """Slot ``idx`` of a compressed list (what a verifier does offline)."""
    raw = zlib.decompress(lst)
    byte, shift = divmod(idx * BITS, 8)
    return (raw[byte] >> shift) & 0b11


def signed_status_list(authority: Authority, *, uri: str, size: int) -> bytes | None:
    """A COSE_Sign1 CWT holding the compressed list, signed with the authority's current key.

    ``None`` when the authority has no signing key yet (it has issued nothing to list).
    """
    key = keys.current_signing_key(authority)
    if key is None:
        key = (
            authority.signing_keys.filter(withdrawn_at__isnull=True, not_after__gt=timezone.now())
            .order_by("-not_before").first()
        )
    if key is None:
        return None
    now = timezone.now()
    claims: dict[int, Any] = {
        SUB: uri,
        cose.IAT: int(now.timestamp()),
        cose.EXP: int((now + timedelta(days=1)).timestamp()),
        TTL_CLAIM: TTL_SECONDS,
        STATUS_LIST_CLAIM: {"bits": BITS, "lst": zlib.compress(build_bits(authority, size=size), 9)},
    }
    protected = cbor2.dumps(
        {cose.HEADER_ALG: cose.ALGORITHMS[key.algorithm], cose.HEADER_KID: bytes.fromhex(key.kid),
         TYP_HEADER: "application/statuslist+cwt"},
        canonical=True,
    )
    payload = cbor2.dumps(claims, canonical=True)
    tbs = cbor2.dumps(["Signature1", protected, b"", payload], canonical=True)
    signature = cose.sign_bytes(keys.private_key(key), tbs)
    return bytes(cbor2.dumps(cbor2.CBORTag(cose.COSE_SIGN1_TAG, [protected, {}, payload, signature]), canonical=True))


def mark_dirty(authority_id: int) -> None:
    """Called inside the transaction that changes a licence status: the next request regenerates."""
    StatusListSnapshot.objects.filter(authority_id=authority_id, dirty=False).update(dirty=True)


def current(authority: Authority) -> StatusListSnapshot | None:
    """The authority's signed list, regenerated if a status changed or it is older than a minute."""
    from medreg.licences.services import status_list_size, status_uri

    now = timezone.now()
    snap = StatusListSnapshot.objects.filter(authority=authority).first()
    if snap is not None and not snap.dirty and snap.generated_at > now - timedelta(seconds=MAX_AGE_SECONDS):
        return snap
    return regenerate(authority, uri=status_uri(authority.pk), size=status_list_size())


def regenerate(authority: Authority, *, uri: str, size: int) -> StatusListSnapshot | None:
    with transaction.atomic():
        # clear the flag first: a change committed while we build marks it dirty again
        StatusListSnapshot.objects.filter(authority=authority).update(dirty=False)
        body = signed_status_list(authority, uri=uri, size=size)
        if body is None:
            return None
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        try:
            with transaction.atomic():
                snap, _created = StatusListSnapshot.objects.update_or_create(
                    authority=authority, defaults={"body": body, "etag": etag, "generated_at": timezone.now()}
                )
        except IntegrityError:  # a concurrent request created it first: serve that one
            return StatusListSnapshot.objects.filter(authority=authority).first()
        return snap


def invalidate(authority_id: int) -> None:
    """Forget the cached signed list of one authority (kept for callers of the earlier API)."""
    mark_dirty(authority_id)
