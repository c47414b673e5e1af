"""Cryptographic core of the offline-verifiable QR e-licence (CWT in COSE_Sign1, ES256).

The pipeline follows the EU DCC (HCERT) design adapted to MedReg (domain notes,
``standards-and-e-licences.md`` §C.5)::

    claims (int-keyed map) -> CBOR -> COSE_Sign1 (tag 18, ES256) -> zlib -> Base45 -> "HL1:" -> QR

Design choices worth knowing:

* The ``kid`` sits in the **protected** header next to ``alg`` so that it is covered by the signature
  and cannot be swapped in transit. The verifier also accepts a ``kid`` in the unprotected header (as
  the DCC allows); the protected one wins.
* Signatures are ES256 (ECDSA P-256 / SHA-256) in the raw ``r || s`` form of RFC 9053 §2.1, made
  deterministically (RFC 6979, which RFC 9053 recommends): the same key and claims always give the
  same QR, and a weak random source at signing time cannot leak the key.
* Claims are CBOR-encoded canonically. ``exp`` (4) and ``iat`` (6) are mandatory in every token this
  module signs or accepts; ``nbf`` (5) is optional.
* Every verification failure raises :class:`QRVerificationError` with a stable ``code`` and a Chinese
  message (English in the ``en`` catalogue). The signature is checked before the payload is parsed.
* Nothing here touches the database; the licence service layer supplies keys and the trust-list
  lookup (``resolve_key``). A citizen ID number is never placed in a QR payload.
"""

from __future__ import annotations

import enum
import hashlib
import io
import re
import struct
import unicodedata
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Final, TypeGuard

import base45
import cbor2
import deflate
import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric

from medreg.core import identifiers
from medreg.core.errors import DomainError

# --- constants -------------------------------------------------------------------------------------

QR_PREFIX: Final = "HL1:"
"""Context identifier of MedReg e-licence QR payloads (never the DCC's ``HC1:``)."""

MAX_COSE_SIZE: Final = 4096
"""Upper bound for a COSE message, and for the inflated QR payload (guards against zip bombs)."""

MAX_QR_TEXT_LENGTH: Final = 8192
"""Upper bound for the scanned text; far above what a QR code can hold."""

DEFAULT_LEEWAY: Final = timedelta(minutes=5)
"""Clock skew tolerated for ``iat``/``nbf`` in the future. ``exp`` is applied strictly."""

COSE_SIGN1_TAG: Final = 18
HEADER_ALG: Final = 1
HEADER_CRIT: Final = 2
HEADER_KID: Final = 4
ALG_ES256: Final = -7
ALG_EDDSA: Final = -8
ALGORITHMS: Final = {"ES256": ALG_ES256, "EdDSA": ALG_EDDSA}

# CWT claim keys (RFC 8392, IETF Token Status List) and MedReg's private licence claim.
ISS: Final = 1
EXP: Final = 4
NBF: Final = 5
IAT: Final = 6
CTI: Final = 7
STATUS: Final = 65535
LICENCE: Final = -70001

# Keys of the map held in the LICENCE claim. Key 9 is reserved for a salted hash of the ID number.
LIC_KIND: Final = 1
LIC_IDENTIFIER: Final = 2
LIC_HOLDER_NAME: Final = 3
LIC_NUMBER: Final = 4
LIC_CATEGORY: Final = 5
LIC_SCOPES: Final = 6
LIC_INSTITUTION: Final = 7
LIC_VALID_UNTIL: Final = 8

_ES256_SIGNATURE_SIZE: Final = 64
_P256_COORDINATE_SIZE: Final = 32
_MAX_CBOR_DEPTH: Final = 16


class LicenceKindCode(enum.IntEnum):
    """Wire code of the licence kind in a QR payload (``choices.KIND_CODES`` maps the model's kinds here)."""

    PHYSICIAN = 1
    NURSE = 2
    INSTITUTION = 3


# --- errors ----------------------------------------------------------------------------------------

_MESSAGES: Final[Mapping[str, Promise]] = {
    "qr_prefix": _("不是本系统签发的电子证照二维码"),
    "qr_encoding": _("二维码内容无法解码"),
    "qr_structure": _("二维码内容格式不正确"),
    "qr_algorithm": _("不支持的签名算法"),
    "qr_unknown_key": _("签发密钥不在信任列表中"),
    "qr_signature": _("签名验证失败，证照内容可能被篡改"),
    "qr_expired": _("二维码已过期"),
    "qr_not_yet_valid": _("二维码尚未生效"),
}


class QRVerificationError(DomainError):
    """A scanned or supplied e-licence QR payload was rejected.

    ``code`` is one of ``qr_prefix``, ``qr_encoding``, ``qr_structure``, ``qr_algorithm``,
    ``qr_unknown_key``, ``qr_signature``, ``qr_expired`` and ``qr_not_yet_valid``; the error is
    reported on the field ``qr``. ``detail`` is an English technical reason for logs, never for users.
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(_MESSAGES[code], code=code, field="qr")
        self.detail = detail


# --- keys ------------------------------------------------------------------------------------------


PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


def generate_signing_key(algorithm: str = "ES256") -> PrivateKey:
    """A new private key: P-256 for ES256 (the default), Ed25519 for EdDSA."""
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm != "ES256":
        raise ValueError(f"unsupported algorithm {algorithm}")
    return ec.generate_private_key(ec.SECP256R1())


def algorithm_of(key: PrivateKey | PublicKey) -> str:
    """``ES256`` or ``EdDSA`` for a supported key (``ValueError`` otherwise)."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and isinstance(
        key.curve, ec.SECP256R1
    ):
        return "ES256"
    raise ValueError("only P-256 (ES256) and Ed25519 (EdDSA) keys are supported")


def private_key_to_pem(key: PrivateKey, password: bytes | None) -> bytes:
    """PKCS#8 PEM of ``key``, encrypted with ``password`` unless it is ``None``."""
    encryption: serialization.KeySerializationEncryption
    if password is None:
        encryption = serialization.NoEncryption()
    else:
        encryption = serialization.BestAvailableEncryption(password)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def load_private_key(pem: bytes, password: bytes | None) -> PrivateKey:
    """Load a PEM private key and check that it is a P-256 or Ed25519 key (``ValueError`` otherwise)."""
    key = serialization.load_pem_private_key(pem, password=password)
    if not isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError("the signing key must be an EC P-256 or Ed25519 private key")
    algorithm_of(key)
    return key


def public_key_spki_der(pub: PublicKey) -> bytes:
    """DER SubjectPublicKeyInfo of ``pub`` (the form published in the trust list)."""
    return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key_spki(der: bytes) -> PublicKey:
    """Load a DER SubjectPublicKeyInfo and check that it is a P-256 or Ed25519 key (``ValueError`` otherwise)."""
    key = serialization.load_der_public_key(der)
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise ValueError("the public key must be an EC P-256 or Ed25519 key")
    algorithm_of(key)
    return key


def kid_for(pub: PublicKey) -> bytes:
    """Key id: the first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo (as the DCC does)."""
    return hashlib.sha256(public_key_spki_der(pub)).digest()[:8]


# --- COSE_Sign1 ------------------------------------------------------------------------------------


def _bstr(data: bytes) -> bytes:
    """A CBOR byte string with the shortest head (what canonical cbor2 writes), framed by hand for speed."""
    n = len(data)
    if n < 24:
        return bytes([0x40 | n]) + data
    if n < 256:
        return bytes([0x58, n]) + data
    if n < 65536:
        return b"\x59" + n.to_bytes(2, "big") + data
    return b"\x5a" + n.to_bytes(4, "big") + data


_SIG1_PREFIX = b"\x84\x6aSignature1"  # array(4), text(10) "Signature1"


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The bytes that are signed: ``Sig_structure`` for COSE_Sign1 with empty external AAD, i.e.
    canonical CBOR of ``["Signature1", protected, h'', payload]``."""
    return _SIG1_PREFIX + _bstr(protected) + b"\x40" + _bstr(payload)


@lru_cache(maxsize=256)
def _protected_header(alg: int, kid: bytes) -> bytes:
    return bytes(cbor2.dumps({HEADER_ALG: alg, HEADER_KID: kid}, canonical=True))


def _is_int(value: object) -> TypeGuard[int]:
    """True for a CBOR integer (``bool`` is an ``int`` in Python but not in CBOR)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _numeric_date(moment: datetime) -> int:
    """Seconds since the epoch, rounded down (a CWT NumericDate)."""
    if moment.tzinfo is None:
        raise ValueError("datetimes in CWT claims must be timezone-aware")
    return int(moment.timestamp() // 1)


def sign_cwt(claims: Mapping[int, Any], key: PrivateKey, kid: bytes, *, canonical_order: bool = False) -> bytes:
    """Sign ``claims`` as a CWT and return the tagged COSE_Sign1 (tag 18) bytes.

    The protected header is ``{1: alg, 4: kid}`` with ``alg`` -7 (ES256, P-256 key) or -8 (EdDSA,
    Ed25519 key); the unprotected header is empty. ``claims`` must contain integer ``exp`` (4) and
    ``iat`` (6), ``exp`` after ``iat``. Raises ``ValueError`` for claims this module's verifier would
    reject and for messages over :data:`MAX_COSE_SIZE`. ``canonical_order=True`` promises that every
    map in ``claims`` already has its keys in canonical order (as :func:`build_licence_claims` builds
    them), which saves sorting them again; the bytes are the same.
    """
    algorithm = algorithm_of(key)
    if not kid:
        raise ValueError("kid must not be empty")
    exp, iat = claims.get(EXP), claims.get(IAT)
    if not _is_int(exp) or not _is_int(iat):
        raise ValueError("claims exp (4) and iat (6) must be present as integer NumericDates")
    if exp <= iat:
        raise ValueError("exp must be after iat")
    protected = _protected_header(ALGORITHMS[algorithm], bytes(kid))
    payload = cbor2.dumps(claims) if canonical_order else cbor2.dumps(dict(claims), canonical=True)
    signature = sign_bytes(key, _sig_structure(protected, payload))
    # tag 18, array(4): protected, {} (empty unprotected header), payload, signature
    message = b"\xd2\x84" + _bstr(protected) + b"\xa0" + _bstr(payload) + _bstr(signature)
    if len(message) > MAX_COSE_SIZE:
        raise ValueError(f"COSE message of {len(message)} bytes exceeds {MAX_COSE_SIZE}")
    return message


def sign_bytes(key: PrivateKey, data: bytes) -> bytes:
    """A raw COSE signature over ``data``: ES256 as ``r || s`` (deterministic, RFC 6979), or Ed25519."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    der = key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return r.to_bytes(_P256_COORDINATE_SIZE, "big") + s.to_bytes(_P256_COORDINATE_SIZE, "big")


def verify_bytes(key: PublicKey, signature: bytes, data: bytes) -> bool:
    """Check a raw COSE signature made by :func:`sign_bytes`."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
            return True
        if len(signature) != _ES256_SIGNATURE_SIZE:
            return False
        der = encode_dss_signature(
            int.from_bytes(signature[:_P256_COORDINATE_SIZE], "big"),
            int.from_bytes(signature[_P256_COORDINATE_SIZE:], "big"),
        )
        key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


@dataclass(frozen=True)
class VerifiedToken:
    """A CWT whose signature, key and validity period were checked."""

    kid: bytes
    claims: dict[int, Any]
    issued_at: datetime
    expires_at: datetime


def _cbor_loads(data: bytes) -> Any:
    """Decode exactly one CBOR item: no trailing bytes, no duplicate map keys, bounded nesting."""
    stream = io.BytesIO(data)
    try:
        decoder = cbor2.CBORDecoder(stream, allow_duplicate_keys=False, max_depth=_MAX_CBOR_DEPTH)
        value = decoder.decode()
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise QRVerificationError("qr_structure", f"invalid CBOR: {exc}") from exc
    if stream.tell() != len(data):
        raise QRVerificationError("qr_structure", "trailing bytes after the CBOR item")
    return value


def _header_map(value: object, what: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise QRVerificationError("qr_structure", f"{what} header is not a map")
    return value


def _to_datetime(value: object, label: int) -> datetime:
    if not _is_int(value):
        raise QRVerificationError("qr_structure", f"claim {label} is not an integer NumericDate")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise QRVerificationError("qr_structure", f"claim {label} is out of range") from exc


def verify_cwt(
    cose_bytes: bytes,
    resolve_key: Callable[[bytes], PublicKey | None],
    *,
    now: datetime,
    leeway: timedelta = DEFAULT_LEEWAY,
    max_size: int = MAX_COSE_SIZE,
) -> VerifiedToken:
    """Verify a COSE_Sign1 CWT (tagged or untagged) and return its claims.

    Steps: parse the envelope; require ``alg`` ES256 in the protected header; find the key for the
    ``kid`` through ``resolve_key`` (the trust list; ``None`` means unknown); check the signature over
    ``Sig_structure``; only then decode the claims and check ``exp`` strictly and ``iat``/``nbf``
    against ``now`` plus ``leeway``. ``now`` must be timezone-aware. Exceptions raised by
    ``resolve_key`` propagate unchanged. Every rejection is a :class:`QRVerificationError`.
    ``max_size`` may be raised for signed documents that are not QR payloads (status and trust lists).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if len(cose_bytes) > max_size:
        raise QRVerificationError("qr_structure", "COSE message too large")
    message = _cbor_loads(cose_bytes)
    if isinstance(message, cbor2.CBORTag):
        if message.tag != COSE_SIGN1_TAG:
            raise QRVerificationError("qr_structure", f"unexpected CBOR tag {message.tag}")
        message = message.value
    if not isinstance(message, list | tuple) or len(message) != 4:
        raise QRVerificationError("qr_structure", "COSE_Sign1 is not a 4-element array")
    protected_bstr, unprotected_value, payload, signature = message
    if not isinstance(protected_bstr, bytes) or not isinstance(payload, bytes):
        raise QRVerificationError("qr_structure", "protected header or payload is not a byte string")
    if not isinstance(signature, bytes):
        raise QRVerificationError("qr_structure", "signature is not a byte string")
    protected = _header_map(_cbor_loads(protected_bstr), "protected") if protected_bstr else {}
    unprotected = _header_map(unprotected_value, "unprotected")
    if HEADER_CRIT in protected:
        raise QRVerificationError("qr_structure", "critical header parameters are not supported")
    alg = protected.get(HEADER_ALG)
    if alg is None:
        raise QRVerificationError("qr_structure", "alg missing from the protected header")
    if alg not in (ALG_ES256, ALG_EDDSA) or not _is_int(alg):
        raise QRVerificationError("qr_algorithm", f"unsupported alg {alg!r}")
    kid = protected.get(HEADER_KID, unprotected.get(HEADER_KID))
    if not isinstance(kid, bytes) or not kid:
        raise QRVerificationError("qr_structure", "kid missing or not a byte string")
    public_key = resolve_key(kid)
    if public_key is None:
        raise QRVerificationError("qr_unknown_key", f"kid {kid.hex()} is not trusted")
    try:
        key_alg = algorithm_of(public_key)
    except ValueError as exc:
        raise QRVerificationError("qr_unknown_key", f"kid {kid.hex()} has an unsupported key type") from exc
    if ALGORITHMS[key_alg] != alg:
        raise QRVerificationError("qr_unknown_key", f"kid {kid.hex()} is a {key_alg} key, not alg {alg}")
    if len(signature) != _ES256_SIGNATURE_SIZE:
        raise QRVerificationError("qr_signature", f"signature of {len(signature)} bytes")
    if not verify_bytes(public_key, signature, _sig_structure(protected_bstr, payload)):
        raise QRVerificationError("qr_signature", "signature does not verify")

    claims = _cbor_loads(payload)
    if not isinstance(claims, Mapping) or not all(_is_int(k) for k in claims):
        raise QRVerificationError("qr_structure", "claims are not an integer-keyed map")
    expires_at = _to_datetime(claims.get(EXP), EXP)
    issued_at = _to_datetime(claims.get(IAT), IAT)
    if expires_at <= issued_at:
        raise QRVerificationError("qr_structure", "exp is not after iat")
    if now >= expires_at:
        raise QRVerificationError("qr_expired", f"expired at {expires_at.isoformat()}")
    if issued_at > now + leeway:
        raise QRVerificationError("qr_not_yet_valid", f"issued in the future at {issued_at.isoformat()}")
    if NBF in claims and _to_datetime(claims[NBF], NBF) > now + leeway:
        raise QRVerificationError("qr_not_yet_valid", "nbf is in the future")
    return VerifiedToken(kid=kid, claims=dict(claims), issued_at=issued_at, expires_at=expires_at)


# --- QR text envelope ------------------------------------------------------------------------------


_B45 = base45.BASE45_CHARSET


@lru_cache(maxsize=1)
def _b45_tables() -> tuple[list[str], dict[str, int]]:
    """Every 2-byte value's 3-character Base45 group, and the reverse map (built once, ~65k entries)."""
    pairs = [_B45[v % 45] + _B45[v // 45 % 45] + _B45[v // 2025] for v in range(65536)]
    return pairs, {t: v for v, t in enumerate(pairs)}


_PAIR_FORMATS: dict[int, struct.Struct] = {}


def b45encode(data: bytes | bytearray) -> str:
    """RFC 9285 Base45 (same output as the ``base45`` package, about ten times faster)."""
    pairs, _rev = _b45_tables()
    even = len(data) & ~1
    fmt = _PAIR_FORMATS.get(even)
    if fmt is None:
        fmt = _PAIR_FORMATS[even] = struct.Struct(f">{even // 2}H")
    out = "".join(map(pairs.__getitem__, fmt.unpack_from(data)))
    if len(data) & 1:
        out += _B45[data[-1] % 45] + _B45[data[-1] // 45]
    return out


def b45decode(text: str) -> bytes:
    """RFC 9285 Base45 decoding; ``ValueError`` for a character outside the alphabet or a bad group."""
    _pairs, rev = _b45_tables()
    n = len(text)
    if n % 3 == 1:
        raise ValueError("invalid Base45 length")
    full = n - n % 3
    try:
        values = [rev[text[i : i + 3]] for i in range(0, full, 3)]
    except KeyError as exc:
        raise ValueError("invalid Base45 group") from exc
    out = struct.pack(f">{len(values)}H", *values)
    if n % 3 == 2:
        a, b = _B45.find(text[-2]), _B45.find(text[-1])
        if a < 0 or b < 0 or a + b * 45 > 0xFF:
            raise ValueError("invalid Base45 group")
        out += bytes([a + b * 45])
    return out


def encode_qr_payload(cose_bytes: bytes) -> str:
    """``HL1:`` + Base45(zlib level 9 (COSE)), or Base45(COSE) when zlib would make it longer.

    The zlib stream is written by libdeflate (``deflate`` package; docs/decisions/0052): any zlib
    inflater reads it, and for a few hundred bytes it costs a fifth of CPython's ``zlib.compress``.

    Uses only QR alphanumeric characters. A COSE_Sign1 this small is mostly an incompressible
    signature and key id, so zlib usually *adds* its 11 bytes of framing; the DCC verifiers handle
    this by inflating only when the data starts with a zlib header, and so does
    :func:`decode_qr_payload` (a tagged COSE_Sign1 starts with ``0xD2``, never a zlib header byte).
    """
    if len(cose_bytes) > MAX_COSE_SIZE:
        raise ValueError(f"COSE message of {len(cose_bytes)} bytes exceeds {MAX_COSE_SIZE}")
    compressed = deflate.zlib_compress(cose_bytes, 9)  # libdeflate: a valid zlib stream, ~5x faster here
    body = compressed if len(compressed) < len(cose_bytes) else cose_bytes
    return QR_PREFIX + b45encode(body)


_RAW_COSE_SIGN1 = 0xD2  # CBOR tag 18, the first byte of an uncompressed tagged COSE_Sign1


def decode_qr_payload(text: str) -> bytes:
    """The COSE bytes inside a scanned ``HL1:`` text.

    Surrounding whitespace is stripped; this is safe because a Base45 string never ends with its
    space character (the last digit of a group is at most ``W``). Raises
    :class:`QRVerificationError` ``qr_prefix`` for foreign content and ``qr_encoding`` for bad
    Base45, bad zlib data, trailing data or an inflated size over :data:`MAX_COSE_SIZE`.
    """
    text = text.strip()
    if not text.startswith(QR_PREFIX):
        raise QRVerificationError("qr_prefix", "missing HL1: prefix")
    if len(text) > MAX_QR_TEXT_LENGTH:
        raise QRVerificationError("qr_encoding", "text too long")
    try:
        compressed: bytes = b45decode(text[len(QR_PREFIX) :])
    except ValueError as exc:
        raise QRVerificationError("qr_encoding", "invalid Base45") from exc
    if compressed[:1] == bytes([_RAW_COSE_SIGN1]):
        if len(compressed) > MAX_COSE_SIZE:
            raise QRVerificationError("qr_encoding", f"payload exceeds {MAX_COSE_SIZE} bytes")
        try:
            cbor2.loads(compressed)
        except cbor2.CBORDecodeEOF as exc:  # cut off while scanning or copying: an encoding problem
            raise QRVerificationError("qr_encoding", "truncated payload") from exc
        except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError):
            pass  # left to verify_cwt, which reports the structure error precisely
        return compressed
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(compressed, MAX_COSE_SIZE + 1)
    except zlib.error as exc:
        raise QRVerificationError("qr_encoding", f"invalid zlib data: {exc}") from exc
    if len(data) > MAX_COSE_SIZE or inflater.unconsumed_tail:
        raise QRVerificationError("qr_encoding", f"inflated payload exceeds {MAX_COSE_SIZE} bytes")
    if not inflater.eof or inflater.unused_data:
        raise QRVerificationError("qr_encoding", "truncated zlib stream or trailing data")
    return data


# --- licence claims --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceClaims:
    """The licence facts carried in a QR payload (the ``LICENCE`` claim plus ``iss``, ``cti``, status)."""

    kind: LicenceKindCode
    identifier: str
    holder_name: str
    licence_number: str
    issuer: str | None = None
    category_code: str | None = None
    scope_codes: tuple[str, ...] = field(default_factory=tuple)
    institution: str | None = None
    valid_until: date | None = None
    status_idx: int | None = None
    status_uri: str | None = None
    cti: bytes | None = None


_RIC_SHAPE = re.compile(r"[0-9]{17}[0-9Xx]")  # ASCII only: other scripts' digits are folded by NFKC first


def _looks_like_citizen_id(value: str) -> bool:
    """True for a valid 18-character GB 11643 number, which must never reach a QR code.

    The ISO 7064 MOD 11-2 check character is tested first (cheap, and it rules out ten in eleven other
    18-digit numbers); only a string that passes it gets the full check, birth date included."""
    if len(value) < 18:  # most texts (names, codes): nothing to strip can make them 18 characters
        return False
    compact = unicodedata.normalize("NFKC", value).strip()  # full-width digits and Ｘ are the same number
    if not _RIC_SHAPE.fullmatch(compact):
        return False
    if identifiers.citizen_id_check_char(compact[:17]) != compact[17].upper():
        return False
    return bool(ric.is_valid(compact))


def build_licence_claims(
    *,
    issuer: str,
    kind: LicenceKindCode,
    identifier: str,
    holder_name: str,
    licence_number: str,
    issued_at: datetime,
    expires_at: datetime,
    category_code: str | None = None,
    scope_codes: Sequence[str] = (),
    institution: str | None = None,
    valid_until: date | None = None,
    status_idx: int | None = None,
    status_uri: str | None = None,
    cti: bytes | None = None,
) -> dict[int, Any]:
    """CWT claims for one licence version, ready for :func:`sign_cwt`.

    ``identifier`` is the 电子证照标识 or its serial and version; ``category_code`` and
    ``scope_codes`` are reference-table codes (names are looked up by the verifier, keeping the QR
    small); ``institution`` is the USCC or registry code of the primary institution. The caller
    computes ``expires_at`` (the minimum of licence end, key end and QR lifetime). The status claim
    follows the IETF Token Status List: ``{"status_list": {"idx": n, "uri": url}}``.
    Raises ``ValueError`` for empty required values, a bad period, a half-given status reference, or
    any text field holding a citizen ID number.
    """
    if not isinstance(kind, LicenceKindCode):
        raise ValueError("kind must be a LicenceKindCode")
    required = {"issuer": issuer, "identifier": identifier, "holder_name": holder_name}
    required["licence_number"] = licence_number
    for name, value in required.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be a non-empty string")
    iat, exp = _numeric_date(issued_at), _numeric_date(expires_at)
    if exp <= iat:
        raise ValueError("expires_at must be after issued_at")
    # The institution field is left out: an all-digit USCC could pass the GB 11643 check by chance.
    for text in (issuer, identifier, holder_name, licence_number, category_code or "", *scope_codes):
        if len(text) >= 18 and _looks_like_citizen_id(text):  # shorter texts cannot hold one
            raise ValueError("a citizen ID number must never be placed in a QR payload")
    if (status_idx is None) != (status_uri is None):
        raise ValueError("status_idx and status_uri go together")
    if status_idx is not None and status_idx < 0:
        raise ValueError("status_idx must not be negative")

    licence: dict[int, Any] = {
        LIC_KIND: int(kind),
        LIC_IDENTIFIER: identifier,
        LIC_HOLDER_NAME: holder_name,
        LIC_NUMBER: _compact_number(licence_number),
    }
    if category_code:
        licence[LIC_CATEGORY] = category_code
    if scope_codes:
        licence[LIC_SCOPES] = list(scope_codes)
    if institution:
        licence[LIC_INSTITUTION] = institution
    if valid_until is not None:
        licence[LIC_VALID_UNTIL] = valid_until.year * 10000 + valid_until.month * 100 + valid_until.day

    # Keys are inserted in canonical CBOR order (RFC 8949 §4.2.1: 1, 4, 6, 7, 65535, -70001; the licence
    # map's 1-8 ascending; "idx" before "uri"), so sign_cwt(..., canonical_order=True) may skip sorting.
    claims: dict[int, Any] = {ISS: issuer, EXP: exp, IAT: iat}
    if cti is not None:
        claims[CTI] = bytes(cti)
    if status_idx is not None and status_uri is not None:
        claims[STATUS] = {"status_list": {"idx": status_idx, "uri": status_uri}}
    claims[LICENCE] = licence
    return claims


def _compact_number(number: str) -> int | str:
    """A licence number of digits without a leading zero travels as a CBOR integer (9 bytes, not 16)."""
    if number.isascii() and number.isdigit() and not number.startswith("0") and len(number) <= 19:
        return int(number)
    return number


def _number(value: object) -> str:
    if _is_int(value) and value > 0:
        return str(value)
    return _req_str(value, "licence number")


def _opt_str(value: object, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise QRVerificationError("qr_structure", f"{what} is not a text string")


def _req_str(value: object, what: str) -> str:
    if isinstance(value, str) and value:
        return value
    raise QRVerificationError("qr_structure", f"{what} is missing or not a text string")


def _yyyymmdd(value: object) -> date | None:
    if value is None:
        return None
    if not _is_int(value):
        raise QRVerificationError("qr_structure", "valid-until is not an integer")
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except ValueError as exc:
        raise QRVerificationError("qr_structure", "valid-until is not a yyyymmdd date") from exc


def parse_licence_claims(claims: Mapping[int, Any]) -> LicenceClaims:
    """Read the licence facts back from verified claims (``qr_structure`` if they are malformed)."""
    licence = claims.get(LICENCE)
    if not isinstance(licence, Mapping):
        raise QRVerificationError("qr_structure", "licence claim missing")
    raw_kind = licence.get(LIC_KIND)
    try:
        if not _is_int(raw_kind):
            raise ValueError(raw_kind)
        kind = LicenceKindCode(raw_kind)
    except ValueError as exc:
        raise QRVerificationError("qr_structure", "unknown licence kind") from exc
    scopes = licence.get(LIC_SCOPES, ())
    if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) for s in scopes):
        raise QRVerificationError("qr_structure", "scope codes are not a list of text strings")
    status_idx: int | None = None
    status_uri: str | None = None
    if STATUS in claims:
        status = claims[STATUS]
        ref = status.get("status_list") if isinstance(status, Mapping) else None
        if not isinstance(ref, Mapping) or not _is_int(ref.get("idx")) or ref["idx"] < 0:
            raise QRVerificationError("qr_structure", "status claim is malformed")
        status_idx, status_uri = ref["idx"], _req_str(ref.get("uri"), "status uri")
    cti = claims.get(CTI)
    if cti is not None and not isinstance(cti, bytes):
        raise QRVerificationError("qr_structure", "cti is not a byte string")
    return LicenceClaims(
        kind=kind,
        identifier=_req_str(licence.get(LIC_IDENTIFIER), "identifier"),
        holder_name=_req_str(licence.get(LIC_HOLDER_NAME), "holder name"),
        licence_number=_number(licence.get(LIC_NUMBER)),
        issuer=_opt_str(claims.get(ISS), "iss"),
        category_code=_opt_str(licence.get(LIC_CATEGORY), "category code"),
        scope_codes=tuple(scopes),
        institution=_opt_str(licence.get(LIC_INSTITUTION), "institution"),
        valid_until=_yyyymmdd(licence.get(LIC_VALID_UNTIL)),
        status_idx=status_idx,
        status_uri=status_uri,
        cti=cti,
    )


# --- QR symbol rendering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QRSymbolInfo:
    """What a rendered QR symbol looks like: version (1-40), error level and modules per side."""

    version: int
    error: str
    size: int


def _make_qr(text: str) -> segno.QRCode:
    """Alphanumeric-mode QR, ECC Q, or M when Q cannot hold ``text``.

    segno may raise the level further (to H) when that fits in the same version at no cost.
    Raises ``ValueError`` when ``text`` has characters outside the QR alphanumeric set or is too long.
    """
    try:
        return segno.make_qr(text, error="Q", mode="alphanumeric")
    except segno.DataOverflowError:
        return segno.make_qr(text, error="M", mode="alphanumeric")


def qr_info(text: str) -> QRSymbolInfo:
    """Version, error level and size of the symbol :func:`render_qr_svg` would draw for ``text``."""
    qr = _make_qr(text)
    width, _height = qr.symbol_size(scale=1, border=0)
    return QRSymbolInfo(version=int(qr.version), error=qr.error, size=int(width))


def render_qr_svg(text: str, *, scale: int = 4, title: str | None = None) -> str:
    """An SVG image of the QR symbol (with quiet zone, no XML declaration, embeddable in HTML).

    ``title`` becomes the SVG ``<title>`` for screen readers.
    """
    out = io.BytesIO()
    _make_qr(text).save(out, kind="svg", scale=scale, xmldecl=False, title=title)
    return out.getvalue().decode("utf-8")


def render_qr_png(text: str, *, scale: int = 4) -> bytes:
    """A PNG image of the QR symbol (with quiet zone)."""
    out = io.BytesIO()
    _make_qr(text).save(out, kind="png", scale=scale)
    return out.getvalue()
