"""Validators, parsers and builders for the identifiers MedReg handles.

Every interface (form, API schema, import command) calls these functions, so a number is accepted or
refused the same way everywhere. Validators normalise their input first (Unicode NFKC, so full-width
digits typed on a Chinese keyboard work; whitespace removed; letters upper-cased) and raise
:class:`~medreg.core.errors.DomainError` with a stable ``code``:

=============================  ================================================================
identifier                     error codes
=============================  ================================================================
居民身份证号 (GB 11643)         ``id_format``, ``id_checksum``, ``id_birth_date``
统一社会信用代码 (GB 32100)     ``uscc_format``, ``uscc_checksum``
医疗机构登记号                  ``regno_format``, ``regno_org_code``, ``regno_org_code_checksum``,
                               ``regno_division``, ``regno_economic_type``, ``regno_category``,
                               ``regno_management_type``, ``regno_legacy``, ``regno_uscc_mismatch``
医师资格证书编码                ``qualcode_format``, ``qualcode_embedded_id``
医师执业证书编码                ``practice_cert_format``
护士执业证书编号                ``nurse_cert_format`` (only for empty or over-long values)
电子证照标识 (GB/T 36904)       ``elicence_format``, ``elicence_checksum``
=============================  ================================================================

Builders (``*_check_char``, ``build_*``) are for demo-data generators and issuing code; they raise
:class:`ValueError` on bad arguments because a wrong argument there is a programming error, not user
input.

Numbers that carry personal data (ID numbers, qualification codes) never appear in error messages or
in the ``repr`` of the returned objects, so they cannot leak into logs.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from django.utils.translation import gettext_lazy as _

from medreg.core.errors import DomainError, ErrorItem

__all__ = [
    "ECONOMIC_TYPE_CODES",
    "ELICENCE_ROOT",
    "MANAGEMENT_TYPE_CODES",
    "PHYSICIAN_CATEGORY_CODES",
    "PHYSICIAN_LEVEL_CODES",
    "PROVINCE_CODES",
    "USCC_ALPHABET",
    "CitizenId",
    "ElicenceIdentifier",
    "PhysicianQualificationCode",
    "RegistrationNo",
    "build_elicence_identifier",
    "build_practice_certificate_no",
    "build_registration_no",
    "check_nurse_certificate_no",
    "citizen_id_check_char",
    "cross_check_registration_no_with_uscc",
    "iso7064_mod37_36",
    "mask_citizen_id",
    "mask_qualification_code",
    "normalise_nurse_certificate_no",
    "nurse_certificate_warnings",
    "org_code_check_char",
    "parse_registration_no",
    "uscc_check_char",
    "validate_citizen_id",
    "validate_elicence_identifier",
    "validate_physician_qualification_code",
    "validate_practice_certificate_no",
    "validate_uscc",
]

# China has had a single UTC+8 offset without daylight saving since 1991, so a fixed offset gives the
# calendar date in China without depending on the tz database.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

#: Province-level prefixes of GB/T 2260 (mainland, Taiwan, Hong Kong, Macao). These are structural and
#: have not changed since Chongqing (50) was created in 1997; the dated county table lives in ``reference``.
PROVINCE_CODES: frozenset[str] = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "71 81 82".split()
)

#: 经济类型, the first two digits of GB/T 12402-2000, as used in segment 3 of the 医疗机构登记号.
ECONOMIC_TYPE_CODES: frozenset[str] = frozenset(
    "11 12 13 14 15 16 17 19 21 22 23 24 29 31 32 33 34 39 90".split()
)

#: 机构分类管理 (WS 218-2002 附录B): 1 非营利性, 2 营利性, 9 其他.
MANAGEMENT_TYPE_CODES: frozenset[str] = frozenset({"1", "2", "9"})

#: 医师资格 级别 inside the qualification code: 1 执业医师, 2 执业助理医师, 3 师承, 4 确有专长.
PHYSICIAN_LEVEL_CODES: frozenset[str] = frozenset({"1", "2", "3", "4"})

#: 医师资格 类别 inside the qualification code: 10 临床, 20 口腔, 30 公共卫生, 41–48 中医 family
#: (中医, 中西医结合, 蒙, 藏, 维, 傣, 朝, 壮).
PHYSICIAN_CATEGORY_CODES: frozenset[str] = frozenset("10 20 30 41 42 43 44 45 46 47 48".split())

#: First year code of 医师资格证书编码; people recognised before 1998-06-26 also carry 1998.
FIRST_QUALIFICATION_YEAR = 1998

#: Oldest plausible age for a living ID holder; older birth dates are taken as typing errors.
MAX_AGE_YEARS = 130

_WHITESPACE_RE = re.compile(r"\s+")


def _compact(value: str) -> str:
    """NFKC-normalise, drop all whitespace and upper-case ``value``."""
    return _WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", value)).upper()


def _china_today() -> date:
    return datetime.now(CHINA_TZ).date()


# ---------------------------------------------------------------------------------------------------
# 居民身份证号 (GB 11643-1999)
# ---------------------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_ASCII_OFFSET = 48 * sum(_ID_WEIGHTS)
_ID18_RE = re.compile(r"[0-9]{17}[0-9X]")
_ID15_RE = re.compile(r"[0-9]{15}")
_DIGITS17_RE = re.compile(r"[0-9]{17}")


@dataclass(frozen=True, repr=False)
class CitizenId:
    """A validated 18-character resident ID number and what it encodes.

    ``repr`` shows only the masked number: the object may end up in a log line.
    """

    number: str
    birth_date: date
    gender: str
    division_code: str

    @property
    def province_code(self) -> str:
        """The two-digit province prefix of the address code."""
        return self.division_code[:2]

    @property
    def masked(self) -> str:
        """The number as shown to people who may not see it in full (see :func:`mask_citizen_id`)."""
        return mask_citizen_id(self.number)

    def __repr__(self) -> str:
        return f"CitizenId({self.masked!r})"


def citizen_id_check_char(first17: str) -> str:
    """The GB 11643 check character (``0``–``9`` or ``X``) for the first 17 digits of an ID number."""
    if not _DIGITS17_RE.fullmatch(first17):
        raise ValueError("citizen_id_check_char needs exactly 17 ASCII digits")
    # on the ASCII codes: each digit is its code minus 48, so subtract 48 x the weights' sum once
    total = sum(map(operator.mul, first17.encode("ascii"), _ID_WEIGHTS)) - _ID_ASCII_OFFSET
    return _ID_CHECK_CHARS[total % 11]


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def validate_citizen_id(
    value: str, *, today: date | None = None, field: str | None = "citizen_id"
) -> CitizenId:
    """Validate a 居民身份证号 and return it normalised to 18 characters with its parts.

    Accepts surrounding or inner whitespace, full-width digits and a lower-case ``x``. A legacy
    15-digit number is converted to 18 characters (``19`` inserted before the two-digit year, check
    character computed); it has no check character of its own to verify.

    Checks, in order: shape (``id_format``), check character (``id_checksum``: when it fails, the
    other digits cannot be trusted either), then the birth date (``id_birth_date``): it must exist,
    not lie after ``today`` (default: today in China) and not make the holder older than
    :data:`MAX_AGE_YEARS`.

    The address code is not looked up: people keep their number when a county is renamed or merged,
    Hong Kong, Macao and Taiwan residence permits use ``810000``/``820000``/``830000``, and late
    household registration gives codes newer than the birth date. A dated division table belongs to
    the ``reference`` app, which may warn.
    """
    v = _compact(value)
    if _ID15_RE.fullmatch(v):
        first17 = v[:6] + "19" + v[6:]
        number = first17 + citizen_id_check_char(first17)
    elif _ID18_RE.fullmatch(v):
        number = v
        if citizen_id_check_char(v[:17]) != v[17]:
            raise DomainError(
                _("身份证号校验位不正确，请核对号码。"),
                code="id_checksum",
                field=field,
            )
    else:
        raise DomainError(
            _("身份证号应为 18 位（最后一位可以是 X），或旧版 15 位数字。"),
            code="id_format",
            field=field,
        )

    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise DomainError(_("身份证号中的出生日期不存在。"), code="id_birth_date", field=field) from None
    today = today or _china_today()
    if birth > today:
        raise DomainError(_("身份证号中的出生日期晚于今天。"), code="id_birth_date", field=field)
    if _age_on(birth, today) > MAX_AGE_YEARS:
        raise DomainError(
            _("身份证号中的出生日期显示年龄超过 %(max_age)s 岁，请核对号码。"),
            code="id_birth_date",
            field=field,
            params={"max_age": MAX_AGE_YEARS},
        )
    return CitizenId(
        number=number,
        birth_date=birth,
        gender="M" if int(number[16]) % 2 else "F",
        division_code=number[:6],
    )


def mask_citizen_id(value: str) -> str:
    """Mask an ID number for display, never revealing the birth date.

    Keeps the first 3 characters (province and first digit of the city) and, for 18 characters, the
    last 4 (sequence and check), e.g. ``110***********002X``; this matches :func:`medreg.core.masking.mask_id`.
    A legacy 15-digit number keeps the first 3 and the last 3 (its sequence). Any other length is
    masked completely, because its layout is unknown. The result has the input's (compacted) length.
    """
    v = _compact(value)
    if len(v) == 18:
        return v[:3] + "*" * 11 + v[-4:]
    if len(v) == 15:
        return v[:3] + "*" * 9 + v[-3:]
    return "*" * len(v)


# ---------------------------------------------------------------------------------------------------
# 统一社会信用代码 (GB 32100-2015)
# ---------------------------------------------------------------------------------------------------

#: The 31 characters of GB 32100, in value order (no I, O, Z, S, V).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(f"[{USCC_ALPHABET}]{{18}}")


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a 统一社会信用代码."""
    if len(first17) != 17 or any(ch not in USCC_ALPHABET for ch in first17):
        raise ValueError("uscc_check_char needs 17 characters from the GB 32100 alphabet")
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str, *, field: str | None = "uscc") -> str:
    """Validate a 统一社会信用代码 and return it normalised (upper case, no whitespace).

    Only the alphabet, the length and the check character are verified. The first character may be a
    letter (``A`` 中央军委改革和编制办公室, ``N`` 农业, ``Y`` 其他 …): ``stdnum.cn.uscc`` wrongly
    insists on eight leading digits, so it is not used here.
    """
    v = _compact(value)
    if not _USCC_RE.fullmatch(v):
        raise DomainError(
            _("统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）。"),
            code="uscc_format",
            field=field,
        )
    if uscc_check_char(v[:17]) != v[17]:
        raise DomainError(_("统一社会信用代码校验位不正确，请核对代码。"), code="uscc_checksum", field=field)
    return v


# ---------------------------------------------------------------------------------------------------
# 组织机构代码 (GB 11714) and 医疗机构登记号
# ---------------------------------------------------------------------------------------------------

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY_RE = re.compile(r"[0-9A-Z]{8}")
_ORG_CODE_RE = re.compile(r"[0-9A-Z]{8}[0-9X]")
_DIVISION_RE = re.compile(r"[0-9]{6}")
_CATEGORY_RE = re.compile(r"[A-Z][0-9]{3}")
_REGNO_CHARS_RE = re.compile(r"[0-9A-Z]{22}")
_LEGACY_REGNO_RE = re.compile(r"[0-9]{12}")


def org_code_check_char(first8: str) -> str:
    """The GB 11714 check character (``0``–``9`` or ``X``) for the 8-character body of a 组织机构代码."""
    if not _ORG_BODY_RE.fullmatch(first8):
        raise ValueError("org_code_check_char needs 8 characters from 0-9 and A-Z")
    total = sum(int(ch, 36) * w for ch, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


@dataclass(frozen=True)
class RegistrationNo:
    """A parsed 医疗机构登记号.

    The current scheme (``legacy=False``) has 22 characters: 组织机构代码 (9) + 行政区划 (6) +
    经济类型 (2) + 卫生机构类别 WS 218 (4) + 分类管理 (1). The legacy 12-digit scheme for clinics,
    卫生所, 医务室, 卫生站 and 村卫生室 (``legacy=True``) has 行政区划 (6) + serial (4) + attribute (2);
    its other fields are ``None``.
    """

    number: str
    division_code: str
    legacy: bool = False
    org_code: str | None = None
    economic_type: str | None = None
    category_code: str | None = None
    management_type: str | None = None
    serial: str | None = None
    attribute: str | None = None

    @property
    def is_for_profit(self) -> bool | None:
        """True for 营利性, False for 非营利性, None when unknown (其他 or legacy)."""
        return {"1": False, "2": True}.get(self.management_type or "")


def parse_registration_no(value: str, *, field: str | None = "registration_no") -> RegistrationNo:
    """Parse and validate a 医疗机构登记号 (22 characters, or the legacy 12-digit clinic scheme).

    A 23-character form that keeps the old org code's hyphen (``49850124-X45010611G1001``) is
    accepted and returned without the hyphen. Every segment is checked and all problems are reported
    together: the org code's shape and GB 11714 check character (the published examples all pass it,
    so a failure is treated as a typing error), the province prefix of the division code, the
    GB/T 12402 经济类型, the WS 218 category shape (letter + 3 digits) and the 分类管理 digit.
    """
    v = _compact(value)
    if len(v) == 23 and v[8] == "-":
        v = v[:8] + v[9:]
    if _LEGACY_REGNO_RE.fullmatch(v):
        return _parse_legacy_registration_no(v, field)
    if not _REGNO_CHARS_RE.fullmatch(v):
        raise DomainError(
            _("医疗机构登记号应为 22 位数字或大写字母（旧版诊所类为 12 位数字）。"),
            code="regno_format",
            field=field,
        )
    org, division, econ, category, mgmt = v[:9], v[9:15], v[15:17], v[17:21], v[21]
    errors: list[ErrorItem] = []
    if not _ORG_CODE_RE.fullmatch(org):
        errors.append(
            ErrorItem(
                code="regno_org_code",
                message=_("登记号第 1–9 位应为组织机构代码（8 位数字或字母加 1 位校验码）。"),
                field=field,
            )
        )
    elif org_code_check_char(org[:8]) != org[8]:
        errors.append(
            ErrorItem(
                code="regno_org_code_checksum",
                message=_("登记号中的组织机构代码校验码不正确，请核对登记号。"),
                field=field,
            )
        )
    if not _DIVISION_RE.fullmatch(division) or division[:2] not in PROVINCE_CODES:
        errors.append(
            ErrorItem(
                code="regno_division", message=_("登记号第 10–15 位应为 6 位行政区划代码。"), field=field
            )
        )
    if econ not in ECONOMIC_TYPE_CODES:
        errors.append(
            ErrorItem(
                code="regno_economic_type",
                message=_("登记号第 16–17 位“%(code)s”不是有效的经济类型代码。"),
                field=field,
                params={"code": econ},
            )
        )
    if not _CATEGORY_RE.fullmatch(category):
        errors.append(
            ErrorItem(
                code="regno_category",
                message=_("登记号第 18–21 位应为卫生机构类别代码（1 个大写字母加 3 位数字）。"),
                field=field,
            )
        )
    if mgmt not in MANAGEMENT_TYPE_CODES:
        errors.append(
            ErrorItem(
                code="regno_management_type",
                message=_("登记号第 22 位应为分类管理代码：1 非营利性、2 营利性或 9 其他。"),
                field=field,
            )
        )
    if errors:
        raise DomainError(errors=errors)
    return RegistrationNo(
        number=v,
        division_code=division,
        org_code=org,
        economic_type=econ,
        category_code=category,
        management_type=mgmt,
    )


def _parse_legacy_registration_no(v: str, field: str | None) -> RegistrationNo:
    division, serial, attribute = v[:6], v[6:10], v[10:12]
    if (
        division[:2] not in PROVINCE_CODES
        or serial == "0000"
        or attribute[0] not in "123"
        or attribute[1] == "0"
    ):
        raise DomainError(
            _(
                "旧版 12 位登记号应为：6 位行政区划 + 4 位序号（0001–9999）+ 2 位属性（1–3 类别，1–9 所有制）。"
            ),
            code="regno_legacy",
            field=field,
        )
    return RegistrationNo(number=v, division_code=division, legacy=True, serial=serial, attribute=attribute)


def cross_check_registration_no_with_uscc(
    reg_no: str | RegistrationNo, uscc: str, *, field: str | None = "registration_no"
) -> bool:
    """Check that a 登记号's org code (characters 1–9) equals the USCC's positions 9–17.

    Both numbers are validated first (their own errors propagate). Returns True when the two were
    compared and agree; returns False for a legacy 12-digit 登记号, which carries no org code and so
    cannot be compared. Raises ``regno_uscc_mismatch`` when they disagree.
    """
    parsed = reg_no if isinstance(reg_no, RegistrationNo) else parse_registration_no(reg_no, field=field)
    code = validate_uscc(uscc)
    if parsed.legacy:
        return False
    if parsed.org_code != code[8:17]:
        raise DomainError(
            _("登记号第 1–9 位（组织机构代码）与统一社会信用代码第 9–17 位不一致。"),
            code="regno_uscc_mismatch",
            field=field,
        )
    return True


def build_registration_no(
    org_code: str, division_code: str, economic_type: str, category_code: str, management_type: str
) -> str:
    """Assemble a 22-character 医疗机构登记号 from its segments, for generators and imports.

    ``org_code`` may be the 8-character body (the GB 11714 check character is appended), or the full
    9 characters, with or without the old hyphen. Raises :class:`ValueError` if the result would not
    pass :func:`parse_registration_no`.
    """
    org = _compact(org_code).replace("-", "")
    if len(org) == 8:
        org += org_code_check_char(org)
    number = org + division_code + economic_type + category_code + management_type
    try:
        parsed = parse_registration_no(number)
    except DomainError as exc:
        raise ValueError(
            f"invalid registration number segments ({', '.join(e.code for e in exc.errors)})"
        ) from exc
    if parsed.legacy:
        raise ValueError("build_registration_no builds the 22-character scheme only")
    return parsed.number


# ---------------------------------------------------------------------------------------------------
# 医师资格证书编码 and 医师执业证书编码
# ---------------------------------------------------------------------------------------------------

_QUALCODE_RE = re.compile(r"[0-9]{24}|[0-9]{26}[0-9X]")
_PRACTICE_CERT_RE = re.compile(r"[0-9]{15}")


@dataclass(frozen=True, repr=False)
class PhysicianQualificationCode:
    """A validated 医师资格证书编码. It embeds the holder's ID number, so ``repr`` masks it.

    ``citizen_id`` is the embedded number validated and normalised to 18 characters, so callers can
    compare it with the person's ID; ``embedded_id`` is the number as it appears in the code.
    """

    code: str
    year: int
    province: str
    level: str
    category: str
    embedded_id: str
    citizen_id: CitizenId

    @property
    def masked(self) -> str:
        return mask_qualification_code(self.code)

    def __repr__(self) -> str:
        return f"PhysicianQualificationCode({self.masked!r})"


def validate_physician_qualification_code(
    value: str, *, today: date | None = None, field: str | None = "qualification_code"
) -> PhysicianQualificationCode:
    """Validate a 医师资格证书编码: year (4) + province (2) + 级别 (1) + 类别 (2) + full ID (15 or 18).

    The year must lie between 1998 and the current year, the province must be a GB/T 2260 province
    prefix, the 级别 one of 1–4 and the 类别 one of 10, 20, 30, 41–48; all such problems are reported
    together as ``qualcode_format``. The embedded ID is then checked with :func:`validate_citizen_id`;
    its failure is ``qualcode_embedded_id`` followed by the ID's own error item.
    """
    v = _compact(value)
    if not _QUALCODE_RE.fullmatch(v):
        raise DomainError(
            _("医师资格证书编码应为 24 或 27 位数字（最后一位可以是 X）。"),
            code="qualcode_format",
            field=field,
        )
    today = today or _china_today()
    year, province, level, category, embedded = int(v[:4]), v[4:6], v[6], v[7:9], v[9:]
    errors: list[ErrorItem] = []
    if not FIRST_QUALIFICATION_YEAR <= year <= today.year:
        errors.append(
            ErrorItem(
                code="qualcode_format",
                message=_("医师资格证书编码前 4 位应为取得资格的年份（%(first)s 年至今）。"),
                field=field,
                params={"first": FIRST_QUALIFICATION_YEAR},
            )
        )
    if province not in PROVINCE_CODES:
        errors.append(
            ErrorItem(
                code="qualcode_format",
                message=_("医师资格证书编码第 5–6 位“%(code)s”不是有效的省份代码。"),
                field=field,
                params={"code": province},
            )
        )
    if level not in PHYSICIAN_LEVEL_CODES:
        errors.append(
            ErrorItem(
                code="qualcode_format",
                message=_("医师资格证书编码第 7 位应为资格级别代码 1–4。"),
                field=field,
            )
        )
    if category not in PHYSICIAN_CATEGORY_CODES:
        errors.append(
            ErrorItem(
                code="qualcode_format",
                message=_("医师资格证书编码第 8–9 位“%(code)s”不是有效的资格类别代码。"),
                field=field,
                params={"code": category},
            )
        )
    if errors:
        raise DomainError(errors=errors)
    try:
        citizen_id = validate_citizen_id(embedded, today=today, field=field)
    except DomainError as exc:
        raise DomainError(
            _("医师资格证书编码中包含的身份证号无效。"),
            code="qualcode_embedded_id",
            field=field,
            errors=[dataclasses.replace(item, field=field) for item in exc.errors],
        ) from None
    return PhysicianQualificationCode(
        code=v,
        year=year,
        province=province,
        level=level,
        category=category,
        embedded_id=embedded,
        citizen_id=citizen_id,
    )


def mask_qualification_code(value: str) -> str:
    """Mask the embedded ID number of a 医师资格证书编码, keeping the 9 non-personal leading characters.

    ``201911141110105194912310021`` becomes ``201911141`` followed by 18 asterisks; this matches what
    :func:`medreg.core.masking.scrub` does to free text. Values of any other length than 24 or 27 are
    masked completely.
    """
    v = _compact(value)
    if len(v) in (24, 27):
        return v[:9] + "*" * (len(v) - 9)
    return "*" * len(v)


def validate_practice_certificate_no(value: str, *, field: str | None = "practice_certificate_no") -> str:
    """Validate a 医师执业证书编码: exactly 15 digits, otherwise opaque.

    The number does not change when the registration changes, so nothing (such as the current
    执业地点) is derived from its digits.
    """
    v = _compact(value)
    if not _PRACTICE_CERT_RE.fullmatch(v):
        raise DomainError(_("医师执业证书编码应为 15 位数字。"), code="practice_cert_format", field=field)
    return v


def build_practice_certificate_no(level: int, category2: str, division6: str, serial: int) -> str:
    """Assemble a 15-digit 医师执业证书编码: 级别 (1) + 类别 (2) + division (6) + serial (6).

    For generators; ``level`` is a single digit 1–9, ``serial`` 1–999999.
    """
    if not 1 <= level <= 9:
        raise ValueError("level must be a single digit 1-9")
    if not re.fullmatch(r"[0-9]{2}", category2):
        raise ValueError("category2 must be 2 digits")
    if not _DIVISION_RE.fullmatch(division6):
        raise ValueError("division6 must be 6 digits")
    if not 1 <= serial <= 999_999:
        raise ValueError("serial must be between 1 and 999999")
    return f"{level}{category2}{division6}{serial:06d}"


# ---------------------------------------------------------------------------------------------------
# 护士执业证书编号 (no public specification: opaque, soft-validated)
# ---------------------------------------------------------------------------------------------------

NURSE_CERT_MAX_LENGTH = 32
_NURSE_CERT_LENGTHS = range(12, 16)


def normalise_nurse_certificate_no(value: str, *, field: str | None = "nurse_certificate_no") -> str:
    """Normalise a 护士执业证书编号 for storage and look-up; refuse only empty or over-long values."""
    v = _compact(value)
    if not v or len(v) > NURSE_CERT_MAX_LENGTH:
        raise DomainError(
            _("请填写护士执业证书编号（不超过 %(max)s 个字符）。"),
            code="nurse_cert_format",
            field=field,
            params={"max": NURSE_CERT_MAX_LENGTH},
        )
    return v


def nurse_certificate_warnings(value: str, *, field: str | None = "nurse_certificate_no") -> list[ErrorItem]:
    """Soft checks on a 护士执业证书编号, as error items that render in both languages.

    Observed numbers are 12–15 digits; anything else is unusual but may be real, so it is only
    reported. Raises ``nurse_cert_format`` for an empty value or one over 32 characters.
    """
    v = normalise_nurse_certificate_no(value, field=field)
    warnings: list[ErrorItem] = []
    if not v.isascii() or not v.isdigit():
        warnings.append(
            ErrorItem(
                code="nurse_cert_not_digits",
                message=_("护士执业证书编号通常只含数字，请核对。"),
                field=field,
            )
        )
    if len(v) not in _NURSE_CERT_LENGTHS:
        warnings.append(
            ErrorItem(
                code="nurse_cert_length",
                message=_("护士执业证书编号通常为 12–15 位，这个编号有 %(length)s 位，请核对。"),
                field=field,
                params={"length": len(v)},
            )
        )
    return warnings


def check_nurse_certificate_no(value: str) -> list[str]:
    """Warnings about an unusual 护士执业证书编号, in the active language; empty when it looks normal.

    Never raises for an odd shape, only for an empty value or one over 32 characters
    (``nurse_cert_format``). Use :func:`nurse_certificate_warnings` when both languages are needed.
    """
    return [item.render() for item in nurse_certificate_warnings(value)]


# ---------------------------------------------------------------------------------------------------
# 电子证照标识 (GB/T 36904-2018)
# ---------------------------------------------------------------------------------------------------

#: 电子证照根代码.
ELICENCE_ROOT = "1.2.156.3005.2"
_MOD37_ALPHABET = string.digits + string.ascii_uppercase
_ALNUM_RE = re.compile(r"[0-9A-Z]+")
_TYPE_CODE_RE = re.compile(r"[0-9A-Z]{18}[0-9]{3}")
_SERIAL_MAX_LENGTH = 64
_ELICENCE_RE = re.compile(
    re.escape(ELICENCE_ROOT)
    + r"\.(?P<type>[0-9A-Z]{1,32})\.(?P<issuer>[0-9A-Z]{1,32})"
    + rf"\.(?P<serial>[0-9A-Z]{{1,{_SERIAL_MAX_LENGTH}}})"
    + r"\.(?P<version>[0-9]{3})\.(?P<check>[0-9A-Z])"
)


def iso7064_mod37_36(s: str) -> str:
    """The ISO/IEC 7064 (GB/T 17710) MOD 37,36 hybrid check character over ``0-9A-Z`` (upper case)."""
    if not s:
        raise ValueError("iso7064_mod37_36 needs at least one character")
    p = 36
    for ch in s:
        value = _MOD37_ALPHABET.find(ch)
        if value < 0:
            raise ValueError("iso7064_mod37_36 accepts only 0-9 and A-Z")
        r = (p + value) % 36 or 36
        p = (r * 2) % 37
    return _MOD37_ALPHABET[(37 - p) % 36]


@dataclass(frozen=True)
class ElicenceIdentifier:
    """A parsed 电子证照标识: ``1.2.156.3005.2.{type}.{issuer}.{serial}.{version:03d}.{check}``."""

    identifier: str
    type_code: str
    issuer_code: str
    serial: str
    version: int
    check_char: str

    @property
    def issuer_is_uscc(self) -> bool:
        """Whether the issuer segment is a valid USCC (some local systems use a 6-digit area code)."""
        try:
            validate_uscc(self.issuer_code)
        except DomainError:
            return False
        return True


def _elicence_payload(type_code: str, issuer: str, serial: str, version: int) -> str:
    return f"{type_code}{issuer}{serial}{version:03d}"


def build_elicence_identifier(type_code: str, issuer_uscc: str, serial: str, version: int) -> str:
    """Build a 电子证照标识 with its MOD 37,36 check character over type+issuer+serial+version.

    ``type_code`` is the 21-character 证照类型代码 from the national 证照目录 (the defining authority's
    18-character code + 3 digits; only its shape is checked, since test deployments use placeholder
    codes). ``issuer_uscc`` must be a valid USCC, ``serial`` 1–64 characters of ``0-9A-Z`` and
    ``version`` 1–999.
    """
    if not _TYPE_CODE_RE.fullmatch(type_code):
        raise ValueError("type_code must be 18 characters of 0-9/A-Z followed by 3 digits")
    try:
        issuer = validate_uscc(issuer_uscc)
    except DomainError as exc:
        raise ValueError(f"issuer_uscc is not a valid USCC ({exc.code})") from exc
    if issuer != issuer_uscc:
        raise ValueError("issuer_uscc must already be normalised (upper case, no whitespace)")
    if not _ALNUM_RE.fullmatch(serial) or len(serial) > _SERIAL_MAX_LENGTH:
        raise ValueError("serial must be 1-64 characters of 0-9 and A-Z")
    if not 1 <= version <= 999:
        raise ValueError("version must be between 1 and 999")
    check = iso7064_mod37_36(_elicence_payload(type_code, issuer, serial, version))
    return f"{ELICENCE_ROOT}.{type_code}.{issuer}.{serial}.{version:03d}.{check}"


def validate_elicence_identifier(
    value: str, *, field: str | None = "elicence_identifier"
) -> ElicenceIdentifier:
    """Validate a 电子证照标识 from any issuer and return its parts.

    The shape is checked leniently, because other systems deviate (a 6-digit area code as issuer,
    long random serials): root ``1.2.156.3005.2``, then type and issuer segments of 1–32 and a serial
    of 1–64 characters of ``0-9A-Z``, a 3-digit version other than ``000`` and one check character
    (``elicence_format``). The check character must match (``elicence_checksum``).
    """
    v = _compact(value)
    m = _ELICENCE_RE.fullmatch(v)
    if m is None or m["version"] == "000":
        raise DomainError(
            _("电子证照标识格式不正确，应为“1.2.156.3005.2.类型代码.颁发机构代码.流水号.版本号.校验位”。"),
            code="elicence_format",
            field=field,
        )
    version = int(m["version"])
    if iso7064_mod37_36(_elicence_payload(m["type"], m["issuer"], m["serial"], version)) != m["check"]:
        raise DomainError(_("电子证照标识校验位不正确，请核对标识。"), code="elicence_checksum", field=field)
    return ElicenceIdentifier(
        identifier=v,
        type_code=m["type"],
        issuer_code=m["issuer"],
        serial=m["serial"],
        version=version,
        check_char=m["check"],
    )
