"""Token Status List (IETF draft-ietf-oauth-status-list, CWT form) for one issuing authority.

Each licence carries ``status: {"status_list": {"idx": n, "uri": ...}}`` in its QR. Verifiers fetch
the list once (it is small: a zlib-compressed bit array, 2 bits per slot), cache it for ``ttl``
seconds, and read slot ``n`` offline: 0 valid, 1 invalid (revoked or superseded), 2 suspended.
"""

from __future__ import annotations

import zlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from medreg.licences import cose
from medreg.licences.choices import LicenceStatus
from medreg.licences.models import ELicence

if TYPE_CHECKING:
    from medreg.accounts.models import Authority

BITS = 2
STATUS_LIST_CLAIM = 65533
TTL_CLAIM = 65534
SUB = 2
TTL_SECONDS = 6 * 3600
VALUES = {
    LicenceStatus.VALID: 0,
    LicenceStatus.REVOKED: 1,
    LicenceStatus.SUPERSEDED: 1,
    LicenceStatus.SUSPENDED: 2,
}


def build_bits(authority: Authority, *, size: int) -> bytes:
    """The uncompressed list: slot ``idx`` holds the 2-bit status, least significant bits first."""
    data = bytearray(size * BITS // 8)
    rows = ELicence.objects.filter(authority=authority).values_list("status_index", "status")
    for idx, status in rows.iterator(chunk_size=5000):
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
    from medreg.licences.services import _key_password, current_signing_key

    key = current_signing_key(authority)
    if key is None:
        return None
    now = timezone.now()
    claims: dict[int, Any] = {
        SUB: uri,
        cose.IAT: int(now.timestamp()),
        cose.EXP: int((now + timedelta(seconds=TTL_SECONDS * 4)).timestamp()),
        TTL_CLAIM: TTL_SECONDS,
        STATUS_LIST_CLAIM: {"bits": BITS, "lst": zlib.compress(build_bits(authority, size=size), 9)},
    }
    private = cose.load_private_key(key.private_key_pem.encode(), _key_password())
    return cose.sign_cwt(claims, private, bytes.fromhex(key.kid))
