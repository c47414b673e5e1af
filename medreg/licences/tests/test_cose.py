"""The QR e-licence crypto core: COSE_Sign1/CWT signing, the HL1 envelope and the licence claims.

No database. The OpenSSL CLI is used as an independent ES256 verifier.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from django.utils import translation

from medreg.core.errors import DomainError
from medreg.licences import cose
from medreg.licences.cose import QRVerificationError

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
# A fixed test key: with deterministic (RFC 6979) signing every byte of the output is reproducible.
FIXED_SCALAR = 0x1F2E3D4C5B6A79880123456789ABCDEF0123456789ABCDEF0123456789ABCDE
PO_FILE = Path(cose.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(FIXED_SCALAR, ec.SECP256R1())


@pytest.fixture
def kid(key: ec.EllipticCurvePrivateKey) -> bytes:
    return cose.kid_for(key.public_key())


@pytest.fixture
def resolve(
    key: ec.EllipticCurvePrivateKey, kid: bytes
) -> Callable[[bytes], ec.EllipticCurvePublicKey | None]:
    return {kid: key.public_key()}.get


def physician_claims(**overrides: Any) -> dict[int, Any]:
    """The compact physician payload of the size budget (domain notes §C.4)."""
    values: dict[str, Any] = {
        "issuer": "110000",
        "kind": cose.LicenceKindCode.PHYSICIAN,
        "identifier": "26000123-1",
        "holder_name": "张晓明",
        "licence_number": "110110000012345",
        "category_code": "1",
        "scope_codes": ["0104", "0110"],
        "institution": "91350100M000100Y43",
        "valid_until": date(2031, 12, 31),
        "issued_at": NOW,
        "expires_at": NOW + timedelta(days=90),
        "status_idx": 12345,
        "status_uri": "https://x.example/s/1",
    }
    values.update(overrides)
    return cose.build_licence_claims(**values)


def raw_cose(
    key: ec.EllipticCurvePrivateKey,
    protected: dict[int, Any],
    unprotected: dict[int, Any],
    claims: dict[int, Any],
    *,
    tagged: bool = True,
) -> bytes:
    """A COSE_Sign1 built here, independently of the module, for header edge cases."""
    protected_bstr = cbor2.dumps(protected)
    payload = cbor2.dumps(claims)
    tbs = cbor2.dumps(["Signature1", protected_bstr, b"", payload])
    r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256())))
    body = [protected_bstr, unprotected, payload, r.to_bytes(32, "big") + s.to_bytes(32, "big")]
    return cbor2.dumps(cbor2.CBORTag(18, body) if tagged else body)


def qr_text_with_zlib(raw: bytes) -> str:
    return cose.QR_PREFIX + base45.b45encode(zlib.compress(raw, 9)).decode()


def assert_code(code: str, call: Callable[[], object]) -> QRVerificationError:
    with pytest.raises(QRVerificationError) as info:
        call()
    assert info.value.code == code, info.value.detail
    return info.value


# --- round trip and size ---------------------------------------------------------------------------


def test_sign_encode_decode_verify_round_trip_returns_the_same_claims(key, kid, resolve):
    claims = physician_claims()

    text = cose.encode_qr_payload(cose.sign_cwt(claims, key, kid))
    token = cose.verify_cwt(cose.decode_qr_payload(text), resolve, now=NOW)

    assert text.startswith("HL1:")
    assert token.claims == claims
    assert token.kid == kid
    assert token.issued_at == NOW
    assert token.expires_at == NOW + timedelta(days=90)
    licence = cose.parse_licence_claims(token.claims)
    assert licence == cose.LicenceClaims(
        kind=cose.LicenceKindCode.PHYSICIAN,
        identifier="26000123-1",
        holder_name="张晓明",
        licence_number="110110000012345",
        issuer="110000",
        category_code="1",
        scope_codes=("0104", "0110"),
        institution="91350100M000100Y43",
        valid_until=date(2031, 12, 31),
        status_idx=12345,
        status_uri="https://x.example/s/1",
    )


def test_signing_is_deterministic_and_canonical(key, kid):
    claims = physician_claims()
    reordered = dict(reversed(list(claims.items())))

    assert cose.sign_cwt(claims, key, kid) == cose.sign_cwt(reordered, key, kid)


def test_cose_layout_has_es256_and_kid_in_the_protected_header(key, kid):
    message = cbor2.loads(cose.sign_cwt(physician_claims(), key, kid))

    assert message.tag == 18
    protected, unprotected, payload, signature = message.value
    assert cbor2.loads(protected) == {1: -7, 4: kid}
    assert unprotected == {}
    assert len(signature) == 64


def test_compact_physician_payload_fits_the_size_budget(key, kid):
    claims = physician_claims()

    cbor_claims = cbor2.dumps(claims, canonical=True)
    cose_bytes = cose.sign_cwt(claims, key, kid)
    text = cose.encode_qr_payload(cose_bytes)
    info = cose.qr_info(text)

    # Measured: 153 B claims (licence number as an integer), 238 B COSE_Sign1; zlib would add bytes, so
    # the COSE travels uncompressed: 361 characters, version 14 at ECC Q (73x73 modules).
    assert len(cbor_claims) == 153
    assert len(cose_bytes) == 238
    assert len(zlib.compress(cose_bytes, 9)) > len(cose_bytes)
    assert len(text) == 4 + 357
    assert (info.version, info.error, info.size) == (14, "Q", 73)


def test_untagged_cose_sign1_is_accepted(key, kid, resolve):
    raw = raw_cose(key, {1: -7, 4: kid}, {}, physician_claims(), tagged=False)

    assert cose.verify_cwt(raw, resolve, now=NOW).kid == kid


def test_kid_in_the_unprotected_header_is_accepted(key, kid, resolve):
    raw = raw_cose(key, {1: -7}, {4: kid}, physician_claims())

    assert cose.verify_cwt(raw, resolve, now=NOW).kid == kid


def test_surrounding_whitespace_is_ignored(key, kid, resolve):
    text = cose.encode_qr_payload(cose.sign_cwt(physician_claims(), key, kid))

    assert cose.decode_qr_payload(f"  {text}\r\n") == cose.decode_qr_payload(text)


# --- tampering -------------------------------------------------------------------------------------


def test_one_changed_character_in_the_qr_text_is_rejected(key, kid, resolve):
    text = cose.encode_qr_payload(cose.sign_cwt(physician_claims(), key, kid))
    position = len(text) // 2
    # Pick a replacement that is still valid Base45, so the change reaches the zlib layer.
    for replacement in base45.BASE45_CHARSET:
        tampered = text[:position] + replacement + text[position + 1 :]
        if replacement != text[position] and _is_base45(tampered[4:]):
            break
    else:  # pragma: no cover
        pytest.fail("no Base45-valid replacement found")

    # Uncompressed, the change reaches the COSE layer: the structure or the signature check fails.
    with pytest.raises(QRVerificationError) as info:
        cose.verify_cwt(cose.decode_qr_payload(tampered), resolve, now=NOW)
    assert info.value.code in ("qr_encoding", "qr_structure", "qr_signature")


def test_a_compressible_payload_is_zlib_compressed_and_a_changed_character_is_caught(key, kid, resolve):
    claims = physician_claims()
    claims[cose.LICENCE][6] = ["11"] * 40  # repetitive: zlib now pays off
    text = cose.encode_qr_payload(cose.sign_cwt(claims, key, kid))
    assert base45.b45decode(text[4:])[:1] == b"\x78"
    assert cose.verify_cwt(cose.decode_qr_payload(text), resolve, now=NOW).claims == claims
    position = len(text) // 2
    for replacement in base45.BASE45_CHARSET:
        tampered = text[:position] + replacement + text[position + 1 :]
        if replacement != text[position] and _is_base45(tampered[4:]):
            break
    # zlib's Adler-32 check catches the change before the signature is even looked at.
    assert_code("qr_encoding", lambda: cose.verify_cwt(cose.decode_qr_payload(tampered), resolve, now=NOW))


def _is_base45(text: str) -> bool:
    try:
        base45.b45decode(text)
    except ValueError:
        return False
    return True


def test_one_changed_payload_byte_fails_the_signature(key, kid, resolve):
    message = cbor2.loads(cose.sign_cwt(physician_claims(), key, kid))
    protected, unprotected, payload, signature = message.value
    tampered_payload = payload.replace("张晓明".encode(), "张晓朋".encode())
    assert len(tampered_payload) == len(payload) and tampered_payload != payload
    text = cose.encode_qr_payload(
        cbor2.dumps(cbor2.CBORTag(18, [protected, dict(unprotected), tampered_payload, signature]))
    )

    assert_code("qr_signature", lambda: cose.verify_cwt(cose.decode_qr_payload(text), resolve, now=NOW))


def test_one_changed_signature_byte_fails_the_signature(key, kid, resolve):
    message = cbor2.loads(cose.sign_cwt(physician_claims(), key, kid))
    protected, unprotected, payload, signature = message.value
    bad = bytes([signature[0] ^ 0x01]) + signature[1:]
    raw = cbor2.dumps(cbor2.CBORTag(18, [protected, dict(unprotected), payload, bad]))

    assert_code("qr_signature", lambda: cose.verify_cwt(raw, resolve, now=NOW))


def test_swapping_the_kid_for_another_trusted_key_fails_the_signature(key, kid):
    other = cose.generate_signing_key()
    other_kid = cose.kid_for(other.public_key())
    message = cbor2.loads(cose.sign_cwt(physician_claims(), key, kid))
    _protected, unprotected, payload, signature = message.value
    swapped = cbor2.dumps({1: -7, 4: other_kid}, canonical=True)
    raw = cbor2.dumps(cbor2.CBORTag(18, [swapped, dict(unprotected), payload, signature]))
    trust = {kid: key.public_key(), other_kid: other.public_key()}

    assert_code("qr_signature", lambda: cose.verify_cwt(raw, trust.get, now=NOW))


def test_signature_of_the_wrong_length_is_rejected(key, kid, resolve):
    message = cbor2.loads(cose.sign_cwt(physician_claims(), key, kid))
    protected, unprotected, payload, signature = message.value
    raw = cbor2.dumps(cbor2.CBORTag(18, [protected, dict(unprotected), payload, signature[:63]]))

    assert_code("qr_signature", lambda: cose.verify_cwt(raw, resolve, now=NOW))


# --- keys, headers, structure ----------------------------------------------------------------------


def test_unknown_kid_is_rejected(key, kid):
    raw = cose.sign_cwt(physician_claims(), key, kid)

    assert_code("qr_unknown_key", lambda: cose.verify_cwt(raw, {}.get, now=NOW))


def test_trusted_key_on_another_curve_is_rejected(key, kid):
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    raw = cose.sign_cwt(physician_claims(), key, kid)

    assert_code("qr_unknown_key", lambda: cose.verify_cwt(raw, {kid: p384}.get, now=NOW))


@pytest.mark.parametrize(
    ("protected", "unprotected", "code"),
    [
        ({1: -35}, {4: b"k"}, "qr_algorithm"),  # ES384 is not accepted
        ({1: "ES256"}, {4: b"k"}, "qr_algorithm"),
        ({4: b"k"}, {1: -7}, "qr_structure"),
        ({1: -7, 2: [99], 4: b"k"}, {}, "qr_structure"),
        ({1: -7}, {}, "qr_structure"),
        ({1: -7, 4: "not-bytes"}, {}, "qr_structure"),
    ],
)
def test_bad_headers_are_rejected(key, resolve, protected, unprotected, code):
    raw = raw_cose(key, protected, unprotected, physician_claims())

    assert_code(code, lambda: cose.verify_cwt(raw, resolve, now=NOW))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xff",
        cbor2.dumps([1, 2, 3]),
        cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b""])),
        cbor2.dumps([b"", {}, None, b"\0" * 64]),
        cbor2.dumps([cbor2.dumps([1]), {}, b"", b"\0" * 64]),
        cbor2.dumps([b"", {}, b"", b"\0" * 64]) + b"\x00",
        b"\xa2\x01\x01\x01\x02",
    ],
    ids=[
        "empty",
        "not-cbor",
        "short-array",
        "other-tag",
        "detached",
        "header-not-map",
        "trailing",
        "dup-keys",
    ],
)
def test_malformed_cose_is_a_structure_error(resolve, raw):
    assert_code("qr_structure", lambda: cose.verify_cwt(raw, resolve, now=NOW))


def test_duplicate_keys_in_the_protected_header_are_rejected(key, kid, resolve):
    # {1: -7, 1: -8, 4: kid}: verifiers could disagree about which alg applies.
    protected_bstr = b"\xa3\x01\x26\x01\x27\x04\x48" + kid
    body = cbor2.loads(raw_cose(key, {1: -7, 4: kid}, {}, physician_claims())).value
    raw = cbor2.dumps(cbor2.CBORTag(18, [protected_bstr, {}, body[2], body[3]]))

    assert_code("qr_structure", lambda: cose.verify_cwt(raw, resolve, now=NOW))


def test_signed_claims_that_are_not_an_int_keyed_map_are_rejected(key, kid, resolve):
    raw = raw_cose(key, {1: -7, 4: kid}, {}, {"exp": 1, "iat": 0})

    assert_code("qr_structure", lambda: cose.verify_cwt(raw, resolve, now=NOW))


@pytest.mark.parametrize(
    "text",
    [
        "HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA.A5:S9MKN4NN3F85QNCY0O%0VZ001HOC9JU0D0HT0HB2PL/IB*09B9LW4T*8+DCMH0LDK2%K:XFE70*LP$V25$0Q:J:4MO1P0%0L0HD+9E/HY+4J6TH48S%4K.GJ2PT3QY:GQ3TE2I+-CPHN6D7LLK*2HG%89UV-0LZ 2ZJJ524-LH/CJTK96L6SR9MU9DHGZ%P WUQRENS431T1XCNCF+47AY0-IFO0500TGPN8F5G.41Q2E4T8ALW.INSV$ 07UV5SR+BNQHNML7 /KD3TU 4V*CAT3ZGLQMI/XI%ZJNSBBXK2:UG%UJMI:TU+MMPZ5$/PMX19UE:-PSR3/$NU44CBE6DQ3D7B0FBOFX0DV2DGMB$YPF62I$60/F$Z2I6IFX21XNI-LM%3/DF/U6Z9FEOJVRLVW6K$UG+BKK57:1+D10%4K83F+1VWD1NE",
        "https://example.org/verify/123",
        "",
        "hl1:ABC",
    ],
    ids=["dcc-prefix", "url", "empty", "lowercase-prefix"],
)
def test_foreign_text_is_a_prefix_error(text):
    assert_code("qr_prefix", lambda: cose.decode_qr_payload(text))


@pytest.mark.parametrize(
    "text",
    ["HL1:", "HL1:!!!", "HL1:A", "HL1:ZZZ", "HL1:0A0", "HL1:" + "0" * 9000],
    ids=["empty", "bad-char", "dangling-char", "group-overflow", "not-zlib", "too-long"],
)
def test_garbage_after_the_prefix_is_an_encoding_error(text):
    assert_code("qr_encoding", lambda: cose.decode_qr_payload(text))


def test_truncated_or_padded_zlib_is_an_encoding_error():
    compressed = zlib.compress(b"x" * 100, 9)

    for data in (compressed[:-3], compressed + b"\0"):
        text = cose.QR_PREFIX + base45.b45encode(data).decode()
        assert_code("qr_encoding", lambda t=text: cose.decode_qr_payload(t))


def test_zip_bomb_is_refused_without_inflating_it():
    bomb = qr_text_with_zlib(b"\0" * 1_000_000)
    assert len(bomb) < cose.MAX_QR_TEXT_LENGTH  # short enough to reach the inflater

    error = assert_code("qr_encoding", lambda: cose.decode_qr_payload(bomb))
    assert "exceeds" in error.detail


def test_inflated_size_limit_is_exactly_max_cose_size():
    assert len(cose.decode_qr_payload(qr_text_with_zlib(b"\0" * cose.MAX_COSE_SIZE))) == cose.MAX_COSE_SIZE
    assert_code(
        "qr_encoding", lambda: cose.decode_qr_payload(qr_text_with_zlib(b"\0" * (cose.MAX_COSE_SIZE + 1)))
    )


def test_non_alphanumeric_text_cannot_be_rendered():
    with pytest.raises(ValueError):
        cose.render_qr_svg("hl1:lower-case")


# --- time ------------------------------------------------------------------------------------------


def test_token_is_valid_until_just_before_exp_and_expired_at_exp(key, kid, resolve):
    raw = cose.sign_cwt(physician_claims(), key, kid)
    exp = NOW + timedelta(days=90)

    assert cose.verify_cwt(raw, resolve, now=exp - timedelta(seconds=1)).expires_at == exp
    assert_code("qr_expired", lambda: cose.verify_cwt(raw, resolve, now=exp))


def test_iat_slightly_in_the_future_is_tolerated_but_not_more(key, kid, resolve):
    raw = cose.sign_cwt(physician_claims(), key, kid)

    assert cose.verify_cwt(raw, resolve, now=NOW - timedelta(minutes=4)).issued_at == NOW
    assert_code("qr_not_yet_valid", lambda: cose.verify_cwt(raw, resolve, now=NOW - timedelta(minutes=6)))


def test_nbf_in_the_future_is_not_yet_valid(key, kid, resolve):
    claims = physician_claims()
    claims[cose.NBF] = int((NOW + timedelta(days=1)).timestamp())
    raw = cose.sign_cwt(claims, key, kid)

    assert_code("qr_not_yet_valid", lambda: cose.verify_cwt(raw, resolve, now=NOW))
    assert cose.verify_cwt(raw, resolve, now=NOW + timedelta(days=2)).claims[cose.NBF] == claims[cose.NBF]


@pytest.mark.parametrize(
    "change",
    [{4: "2027-01-01"}, {4: True}, {4: 10**30}, {6: None}, {4: 1700000000, 6: 1800000000}],
    ids=["exp-text", "exp-bool", "exp-huge", "iat-missing", "exp-before-iat"],
)
def test_bad_time_claims_are_a_structure_error(key, kid, resolve, change):
    claims = {**physician_claims(), **change}
    claims = {k: v for k, v in claims.items() if v is not None}

    assert_code(
        "qr_structure", lambda: cose.verify_cwt(raw_cose(key, {1: -7, 4: kid}, {}, claims), resolve, now=NOW)
    )


def test_naive_now_is_a_programming_error(key, kid, resolve):
    with pytest.raises(ValueError):
        cose.verify_cwt(cose.sign_cwt(physician_claims(), key, kid), resolve, now=datetime(2026, 1, 1))


def test_sign_cwt_refuses_claims_without_exp_or_iat(key, kid):
    with pytest.raises(ValueError):
        cose.sign_cwt({cose.ISS: "x", cose.IAT: 1}, key, kid)
    with pytest.raises(ValueError):
        cose.sign_cwt({cose.ISS: "x", cose.EXP: 2}, key, kid)
    with pytest.raises(ValueError):
        cose.sign_cwt({cose.EXP: 1, cose.IAT: 1}, key, kid)


# --- keys ------------------------------------------------------------------------------------------


def test_kid_is_the_first_8_bytes_of_sha256_over_the_spki(key):
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    assert cose.public_key_spki_der(key.public_key()) == spki
    assert cose.kid_for(key.public_key()) == hashlib.sha256(spki).digest()[:8]
    assert cose.load_public_key_spki(spki).public_numbers() == key.public_key().public_numbers()


@pytest.mark.parametrize("password", [None, b"correct horse"])
def test_private_key_pem_round_trip(password):
    key = cose.generate_signing_key()

    pem = cose.private_key_to_pem(key, password)
    loaded = cose.load_private_key(pem, password)

    assert loaded.private_numbers() == key.private_numbers()
    assert (b"ENCRYPTED" in pem) is (password is not None)


def test_wrong_password_or_wrong_key_type_is_refused():
    pem = cose.private_key_to_pem(cose.generate_signing_key(), b"secret")
    with pytest.raises((ValueError, TypeError)):
        cose.load_private_key(pem, b"wrong")

    p384_pem = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError):
        cose.load_private_key(p384_pem, None)
    ed_pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert cose.algorithm_of(cose.load_private_key(ed_pem, None)) == "EdDSA"


def test_eddsa_round_trip_and_key_type_must_match_alg(kid, key):
    ed = cose.generate_signing_key("EdDSA")
    ed_kid = cose.kid_for(ed.public_key())
    raw = cose.sign_cwt(physician_claims(), ed, ed_kid)
    protected = cbor2.loads(cbor2.loads(raw).value[0])
    assert protected[1] == cose.ALG_EDDSA
    token = cose.verify_cwt(raw, {ed_kid: ed.public_key()}.get, now=NOW)
    assert token.kid == ed_kid
    # an EdDSA token whose kid resolves to a P-256 key is refused (no algorithm confusion)
    assert_code("qr_unknown_key", lambda: cose.verify_cwt(raw, {ed_kid: key.public_key()}.get, now=NOW))
    tampered = bytearray(raw)
    tampered[-1] ^= 1
    assert_code("qr_signature", lambda: cose.verify_cwt(bytes(tampered), {ed_kid: ed.public_key()}.get, now=NOW))


# --- licence claims --------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["holder_name", "identifier", "licence_number"])
def test_a_citizen_id_number_never_goes_into_the_payload(field):
    with pytest.raises(ValueError, match="citizen ID"):
        physician_claims(**{field: "11010519491231002X"})


def test_build_licence_claims_rejects_bad_input():
    with pytest.raises(ValueError):
        physician_claims(holder_name=" ")
    with pytest.raises(ValueError):
        physician_claims(expires_at=NOW)
    with pytest.raises(ValueError):
        physician_claims(status_uri=None)
    with pytest.raises(ValueError):
        physician_claims(issued_at=datetime(2026, 1, 1))


def test_minimal_institution_licence_claims_round_trip(key, kid, resolve):
    claims = cose.build_licence_claims(
        issuer="330000",
        kind=cose.LicenceKindCode.INSTITUTION,
        identifier="PDY00001X33010617A1001",
        holder_name="杭州市西湖区某某社区卫生服务中心",
        licence_number="PDY00001X33010617A1001",
        issued_at=NOW,
        expires_at=NOW + timedelta(days=365),
        cti=b"\x01" * 8,
    )
    token = cose.verify_cwt(
        cose.decode_qr_payload(cose.encode_qr_payload(cose.sign_cwt(claims, key, kid))), resolve, now=NOW
    )

    licence = cose.parse_licence_claims(token.claims)
    assert licence.kind is cose.LicenceKindCode.INSTITUTION
    assert licence.scope_codes == ()
    assert (licence.category_code, licence.valid_until, licence.status_idx) == (None, None, None)
    assert licence.cti == b"\x01" * 8


@pytest.mark.parametrize(
    "licence",
    [
        None,
        {1: 9, 2: "a", 3: "b", 4: "c"},
        {1: 1, 2: "a", 3: "b"},
        {1: 1, 2: "a", 3: "b", 4: "c", 6: "x"},
        {1: 1, 2: "a", 3: "b", 4: "c", 8: 20311332},
    ],
    ids=["missing", "unknown-kind", "no-number", "scopes-not-list", "bad-date"],
)
def test_malformed_licence_claims_are_a_structure_error(licence):
    claims: dict[int, Any] = {cose.EXP: 2, cose.IAT: 1}
    if licence is not None:
        claims[cose.LICENCE] = licence

    assert_code("qr_structure", lambda: cose.parse_licence_claims(claims))


# --- errors and translations -----------------------------------------------------------------------


def test_errors_are_domain_errors_on_the_qr_field_with_chinese_messages():
    error = QRVerificationError("qr_signature", "detail for logs")

    assert isinstance(error, DomainError)
    assert error.errors[0].field == "qr"
    assert error.detail == "detail for logs"
    with translation.override("zh-hans"):
        assert error.messages() == ["签名验证失败，证照内容可能被篡改"]


def test_every_error_message_has_an_english_translation(tmp_path, settings):
    polib = pytest.importorskip("polib")
    catalogue = polib.pofile(str(PO_FILE))
    english = {entry.msgid: entry.msgstr for entry in catalogue}
    mo_dir = tmp_path / "en" / "LC_MESSAGES"
    mo_dir.mkdir(parents=True)
    catalogue.save_as_mofile(str(mo_dir / "django.mo"))
    settings.LOCALE_PATHS = [str(tmp_path)]

    for code, message in cose._MESSAGES.items():
        with translation.override("zh-hans"):
            chinese = str(message)
        assert english.get(chinese), f"{code}: {chinese} has no English entry"
        assert QRVerificationError(code).messages("en") == [english[chinese]]


# --- QR rendering ----------------------------------------------------------------------------------


def test_qr_symbol_renders_as_svg_and_png(key, kid):
    text = cose.encode_qr_payload(cose.sign_cwt(physician_claims(), key, kid))

    svg = cose.render_qr_svg(text, scale=2, title="电子证照二维码")
    png = cose.render_qr_png(text, scale=3)

    assert svg.startswith("<svg") and "<title>电子证照二维码</title>" in svg
    assert 'width="162"' in svg  # (73 modules + 2 x 4 quiet zone) x 2
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(png[16:20], "big") == (73 + 8) * 3


def test_long_text_falls_back_to_ecc_m():
    text = "HL1:" + "A" * 3000  # over the 2,420 alphanumeric characters of version 40 at Q

    info = cose.qr_info(text)

    assert (info.version, info.error) == (38, "M")
    with pytest.raises(ValueError):
        cose.qr_info("HL1:" + "A" * 3400)  # over the 3,391 characters of version 40 at M


# --- independent check -----------------------------------------------------------------------------


def test_openssl_verifies_the_cose_signature_independently(key, kid, tmp_path: Path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed")
    message = cbor2.loads(cose.sign_cwt(physician_claims(), key, kid))
    protected, _unprotected, payload, signature = message.value
    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    (tmp_path / "pub.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (tmp_path / "sig.der").write_bytes(der)
    (tmp_path / "tbs.bin").write_bytes(tbs)
    (tmp_path / "bad.bin").write_bytes(tbs[:-1] + bytes([tbs[-1] ^ 1]))

    def openssl_verify(data_file: str) -> subprocess.CompletedProcess[str]:
        command = [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-rawin",
            "-digest",
            "sha256",
        ]
        return subprocess.run(
            [*command, "-in", data_file, "-sigfile", "sig.der"], cwd=tmp_path, capture_output=True, text=True
        )

    good = openssl_verify("tbs.bin")
    bad = openssl_verify("bad.bin")

    assert good.returncode == 0, good.stderr
    assert "Signature Verified Successfully" in good.stdout
    assert bad.returncode != 0


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"category_code": None, "scope_codes": [], "institution": None, "valid_until": None},
        {"status_idx": None, "status_uri": None},
        {"cti": b"\x01\x02"},
        {"licence_number": "0011", "scope_codes": ["0110", "0104", "03"]},
        {"status_idx": 0, "status_uri": "u", "cti": b"", "holder_name": "欧阳娜娜娜"},
    ],
)
def test_claims_are_built_in_canonical_order_so_signing_may_skip_the_sort(key, kid, overrides):
    claims = physician_claims(**overrides)
    assert cbor2.dumps(claims) == cbor2.dumps(claims, canonical=True)
    assert cose.sign_cwt(claims, key, kid, canonical_order=True) == cose.sign_cwt(claims, key, kid)


def test_the_citizen_id_guard_checks_the_check_character_then_the_birth_date():
    valid = "11010519491231002X"
    assert cose._looks_like_citizen_id(valid)
    assert cose._looks_like_citizen_id(f"  {valid.lower()} ")
    assert not cose._looks_like_citizen_id(valid[:17] + "1")  # wrong check character
    # a right check character on an impossible birth date (month 13) is not an ID number
    body = "11010519491331002"
    total = sum(int(c) * w for c, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    assert not cose._looks_like_citizen_id(body + "10X98765432"[total % 11])
    with pytest.raises(ValueError, match="citizen ID"):
        physician_claims(licence_number=valid)
    # typed with full-width digits (an IME's default) it is the same number, and is refused the same way
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in valid)
    assert cose._looks_like_citizen_id(full_width)
    with pytest.raises(ValueError, match="citizen ID"):
        physician_claims(licence_number=full_width)
    # digits of another script that are not an ID number are ordinary text, not an error
    assert not cose._looks_like_citizen_id("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨")
    assert not cose._looks_like_citizen_id("１" * 18)


def test_the_zlib_form_written_by_libdeflate_is_read_by_the_standard_inflater(key, kid):
    # a holder name long enough to repeat makes zlib worth it, so the compressed form is used
    claims = physician_claims(holder_name="张" * 60, scope_codes=["0104"] * 20)
    message = cose.sign_cwt(claims, key, kid)
    text = cose.encode_qr_payload(message)
    body = base45.b45decode(text.removeprefix(cose.QR_PREFIX))
    assert body[0] == 0x78 and zlib.decompress(body) == message
    assert cose.decode_qr_payload(text) == message
