"""Identifier validators, parsers and builders (medreg.core.identifiers). No database needed."""

from __future__ import annotations

import ast
import random
import re
from datetime import date
from pathlib import Path

import polib
import pytest
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from medreg.core.errors import DomainError
from medreg.core.identifiers import (
    USCC_ALPHABET,
    CitizenId,
    RegistrationNo,
    build_elicence_identifier,
    build_practice_certificate_no,
    build_registration_no,
    check_nurse_certificate_no,
    citizen_id_check_char,
    cross_check_registration_no_with_uscc,
    iso7064_mod37_36,
    mask_citizen_id,
    mask_qualification_code,
    normalise_nurse_certificate_no,
    nurse_certificate_warnings,
    org_code_check_char,
    parse_registration_no,
    uscc_check_char,
    validate_citizen_id,
    validate_elicence_identifier,
    validate_physician_qualification_code,
    validate_practice_certificate_no,
    validate_uscc,
)

KNOWN_ID = "11010519491231002X"  # the GB 11643 worked example: 1949-12-31, female
TODAY = date(2025, 6, 1)


def make_id(first17: str) -> str:
    return first17 + citizen_id_check_char(first17)


def make_uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def codes(exc: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return [item.code for item in exc.value.errors]


# =================================================================================================
# 居民身份证号
# =================================================================================================


def test_known_id_number_is_valid_and_decoded() -> None:
    cid = validate_citizen_id(KNOWN_ID)
    assert cid == CitizenId(
        number=KNOWN_ID, birth_date=date(1949, 12, 31), gender="F", division_code="110105"
    )
    assert cid.province_code == "11"


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        "  11010519491231002X\n",
        "110105 19491231 002X",
        "１１０１０５１９４９１２３１００２ｘ",  # full-width, as typed with a Chinese IME
    ],
)
def test_id_number_input_is_normalised(raw: str) -> None:
    assert validate_citizen_id(raw).number == KNOWN_ID


def test_odd_sequence_digit_means_male() -> None:
    number = make_id("11010519800101001")
    cid = validate_citizen_id(number)
    assert cid.gender == "M"
    assert cid.birth_date == date(1980, 1, 1)


def test_legacy_15_digit_number_is_converted_to_18() -> None:
    cid = validate_citizen_id("110105491231002")
    assert cid.number == KNOWN_ID
    assert cid.birth_date == date(1949, 12, 31)
    assert cid.gender == "F"
    male = validate_citizen_id("110105800101001")
    assert male.number == make_id("11010519800101001")
    assert male.gender == "M"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1101051949123100",  # 16 characters
        "11010519491231002XX",
        "1101051949123100X2",  # X not in last place
        "A1010519491231002X",
        "11010519491231002Y",
        "11010549123100X",  # a 15-digit number has no check character
        "110105-19491231-002X",
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits are digits to Python, not to GB 11643
    ],
)
def test_malformed_id_numbers_are_refused_as_format_errors(raw: str) -> None:
    with pytest.raises(DomainError) as exc:
        validate_citizen_id(raw)
    assert exc.value.code == "id_format"
    assert exc.value.errors[0].field == "citizen_id"


def test_wrong_check_character_is_a_checksum_error() -> None:
    with pytest.raises(DomainError) as exc:
        validate_citizen_id("110105194912310021")
    assert exc.value.code == "id_checksum"


def test_single_digit_typos_are_caught_by_the_check_character() -> None:
    for pos in range(17):
        for digit in "0123456789":
            if digit == KNOWN_ID[pos]:
                continue
            typo = KNOWN_ID[:pos] + digit + KNOWN_ID[pos + 1 :]
            with pytest.raises(DomainError):
                validate_citizen_id(typo)


@pytest.mark.parametrize(
    "birth",
    [
        "19491301",  # month 13
        "19490132",  # day 32
        "19490229",  # 1949 was not a leap year
        "19000229",  # nor was 1900
        "19490000",
    ],
)
def test_impossible_birth_date_is_refused(birth: str) -> None:
    with pytest.raises(DomainError) as exc:
        validate_citizen_id(make_id("110105" + birth + "002"))
    assert exc.value.code == "id_birth_date"


def test_impossible_birth_date_in_a_legacy_number_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        validate_citizen_id("110105491331002")
    assert exc.value.code == "id_birth_date"


def test_leap_day_birth_is_accepted() -> None:
    assert validate_citizen_id(make_id("11010520000229002")).birth_date == date(2000, 2, 29)


def test_birth_date_after_today_is_refused_but_today_is_accepted() -> None:
    born_today = make_id("11010520250601002")
    assert validate_citizen_id(born_today, today=TODAY).birth_date == TODAY
    with pytest.raises(DomainError) as exc:
        validate_citizen_id(make_id("11010520250602002"), today=TODAY)
    assert exc.value.code == "id_birth_date"


def test_holder_may_be_130_but_not_131() -> None:
    aged_130 = make_id("11010518940602002")  # turns 131 tomorrow
    assert validate_citizen_id(aged_130, today=TODAY).birth_date == date(1894, 6, 2)
    with pytest.raises(DomainError) as exc:
        validate_citizen_id(make_id("11010518940601002"), today=TODAY)
    assert exc.value.code == "id_birth_date"
    assert "130" in exc.value.messages("zh-hans")[0]


@pytest.mark.parametrize(
    "first17",
    [
        "81000019800101001",  # 港澳台居民居住证 (Hong Kong): not a GB/T 2260 county
        "50010119900101001",  # born 1990, household registered in Chongqing (created 1997)
        "51322919600101001",  # 马尔康县, retired in 2015
    ],
)
def test_unknown_or_retired_address_codes_are_accepted(first17: str) -> None:
    number = make_id(first17)
    assert validate_citizen_id(number).division_code == first17[:6]


def test_stdnum_rejects_real_numbers_that_we_accept() -> None:
    # Why the checksum is computed here rather than with stdnum.cn.ric: its region table refuses these.
    for first17 in ("81000019800101001", "50010119900101001"):
        number = make_id(first17)
        assert not stdnum_ric.is_valid(number)
        assert validate_citizen_id(number).number == number


def test_check_char_agrees_with_stdnum_on_random_numbers() -> None:
    rng = random.Random(11643)
    for _ in range(200):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        assert citizen_id_check_char(first17) == stdnum_ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize("bad", ["1101051949123100", "110105194912310021", "1101051949123100A", "１" * 17])
def test_citizen_id_check_char_refuses_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        citizen_id_check_char(bad)


def test_id_errors_and_repr_never_contain_the_number() -> None:
    bad = "110105194912310021"
    with pytest.raises(DomainError) as exc:
        validate_citizen_id(bad)
    assert bad not in str(exc.value)
    assert all(bad not in m for m in exc.value.messages("zh-hans") + exc.value.messages("en"))
    text = repr(validate_citizen_id(KNOWN_ID))
    assert KNOWN_ID not in text and "19491231" not in text
    assert "110***********002X" in text


def test_field_name_can_be_chosen_by_the_caller() -> None:
    with pytest.raises(DomainError) as exc:
        validate_citizen_id("123", field="id_number")
    assert exc.value.field_errors().keys() == {"id_number"}


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        (KNOWN_ID, "110***********002X"),
        ("11010519491231002x", "110***********002X"),
        (" 110105491231002 ", "110*********002"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_mask_citizen_id_hides_the_birth_date(raw: str, masked: str) -> None:
    assert mask_citizen_id(raw) == masked


# =================================================================================================
# 统一社会信用代码
# =================================================================================================


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",  # a company (工商)
        "11100000000013338W",  # 住房和城乡建设部 (机构编制)
        "11430000006122244L",  # a Hunan provincial office
        "11330105002500287C",  # a Hangzhou district office
        "91110000600030002" + "0",  # check value 0
    ],
)
def test_real_usccs_are_valid(code: str) -> None:
    assert validate_uscc(code) == code


def test_uscc_input_is_normalised() -> None:
    assert validate_uscc(" 91110000600037341l ") == "91110000600037341L"


def test_uscc_check_char_agrees_with_stdnum_on_random_codes() -> None:
    rng = random.Random(32100)
    for _ in range(200):
        first17 = "".join(rng.choice("0123456789") for _ in range(8)) + "".join(
            rng.choice(USCC_ALPHABET) for _ in range(9)
        )
        assert uscc_check_char(first17) == stdnum_uscc.calc_check_digit(first17)


@pytest.mark.parametrize("first17", ["N2110000MA0000001", "A1110000MA0000001", "Y1110000MA0000001"])
def test_letter_leading_usccs_are_accepted_although_stdnum_rejects_them(first17: str) -> None:
    code = make_uscc(first17)
    assert validate_uscc(code) == code
    # stdnum agrees that the check character is right, and refuses only because it wants 8 leading
    # digits: GB 32100 allows A, N, Y (and others) as the registering authority.
    assert stdnum_uscc.calc_check_digit(code) == code[-1]
    assert not stdnum_uscc.is_valid(code)


def test_uscc_with_wrong_check_char_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        validate_uscc("91110000600037341M")
    assert exc.value.code == "uscc_checksum"
    assert exc.value.errors[0].field == "uscc"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "91110000600037341",  # 17
        "91110000600037341LL",  # 19
        "9111000060003734IL",  # I is not in the alphabet
        "9111000060003734OL",
        "9111000060003734ZL",
        "9111000060003734SL",
        "9111000060003734VL",
        "91110000-600037341L",
    ],
)
def test_malformed_usccs_are_format_errors(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        validate_uscc(bad)
    assert exc.value.code == "uscc_format"


@pytest.mark.parametrize("bad", ["9111000060003734", "9111000060003734I", "91110000600037341L"])
def test_uscc_check_char_refuses_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        uscc_check_char(bad)


# =================================================================================================
# 组织机构代码 and 医疗机构登记号
# =================================================================================================


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("44488501", "4"),
        ("41580048", "0"),
        ("49850124", "X"),  # remainder 1 -> 10 -> X
        ("10000004", "0"),  # remainder 0 -> 11 -> 0
        ("60003734", "1"),  # the org code inside 91110000600037341L
        ("MA01ABCD", org_code_check_char("MA01ABCD")),
    ],
)
def test_org_code_check_char(body: str, check: str) -> None:
    assert org_code_check_char(body) == check


@pytest.mark.parametrize("bad", ["4448850", "444885014", "4448850a", "4448850-"])
def test_org_code_check_char_refuses_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        org_code_check_char(bad)


def test_real_registration_number_is_parsed_into_segments() -> None:
    reg = parse_registration_no("44488501443010511A1001")
    assert reg == RegistrationNo(
        number="44488501443010511A1001",
        division_code="430105",
        org_code="444885014",
        economic_type="11",
        category_code="A100",
        management_type="1",
    )
    assert not reg.legacy
    assert reg.is_for_profit is False


def test_second_real_registration_number_is_parsed() -> None:
    reg = parse_registration_no("41580048041010111G1001")
    assert (reg.org_code, reg.division_code, reg.category_code) == ("415800480", "410101", "G100")


@pytest.mark.parametrize(
    "raw", ["49850124-X45010611G1001", "49850124-x45010611g1001", " 49850124X45010611G1001 "]
)
def test_hyphenated_and_lower_case_registration_numbers_are_normalised(raw: str) -> None:
    reg = parse_registration_no(raw)
    assert reg.number == "49850124X45010611G1001"
    assert reg.org_code == "49850124X"


def test_for_profit_and_other_management_types() -> None:
    assert parse_registration_no(build_registration_no("44488501", "430105", "17", "D211", "2")).is_for_profit
    assert (
        parse_registration_no(build_registration_no("44488501", "430105", "90", "D211", "9")).is_for_profit
        is None
    )


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("44488501543010511A1001", "regno_org_code_checksum"),
        ("44488501A43010511A1001", "regno_org_code"),  # 9th character must be a digit or X
        ("44488501499010511A1001", "regno_division"),  # no province 99
        ("44488501443010518A1001", "regno_economic_type"),  # 18 is not a GB/T 12402-2000 code
        ("44488501443010500A1001", "regno_economic_type"),
        ("444885014430105111A001", "regno_category"),
        ("44488501443010511AA001", "regno_category"),
        ("44488501443010511A1003", "regno_management_type"),
        ("44488501443010511A100A", "regno_management_type"),
    ],
)
def test_each_registration_number_segment_is_validated(number: str, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        parse_registration_no(number)
    assert codes(exc) == [code]
    assert exc.value.errors[0].field == "registration_no"


def test_all_segment_problems_are_reported_together() -> None:
    with pytest.raises(DomainError) as exc:
        parse_registration_no("44488501599010518AA003")
    assert codes(exc) == [
        "regno_org_code_checksum",
        "regno_division",
        "regno_economic_type",
        "regno_category",
        "regno_management_type",
    ]
    assert "18" in exc.value.messages("zh-hans")[2]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "44488501443010511A100",  # 21
        "44488501443010511A10011",  # 23 without the hyphen
        "4448850144-3010511A1001",  # hyphen in the wrong place
        "44488501443010511A100.",
        "4448850144301051",
    ],
)
def test_malformed_registration_numbers_are_format_errors(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        parse_registration_no(bad)
    assert exc.value.code == "regno_format"


def test_legacy_12_digit_clinic_number_is_accepted_with_a_flag() -> None:
    reg = parse_registration_no("430105000131")
    assert reg.legacy
    assert (reg.division_code, reg.serial, reg.attribute) == ("430105", "0001", "31")
    assert reg.org_code is None and reg.category_code is None
    assert reg.is_for_profit is None


@pytest.mark.parametrize(
    "bad",
    [
        "430105000011",  # serial 0000
        "430105000141",  # attribute class 4
        "430105000110",  # ownership digit 0
        "990105000111",  # no province 99
    ],
)
def test_legacy_numbers_are_validated(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        parse_registration_no(bad)
    assert exc.value.code == "regno_legacy"


def test_registration_number_matches_the_uscc_org_code() -> None:
    uscc = make_uscc("12430100444885014")
    assert cross_check_registration_no_with_uscc("44488501443010511A1001", uscc) is True
    assert (
        cross_check_registration_no_with_uscc(parse_registration_no("44488501443010511A1001"), uscc) is True
    )


def test_registration_number_and_uscc_mismatch_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        cross_check_registration_no_with_uscc("44488501443010511A1001", "91110000600037341L")
    assert exc.value.code == "regno_uscc_mismatch"
    assert exc.value.errors[0].field == "registration_no"


def test_cross_check_validates_both_numbers_first() -> None:
    with pytest.raises(DomainError) as exc:
        cross_check_registration_no_with_uscc("44488501443010511A1001", "91110000600037341M")
    assert exc.value.code == "uscc_checksum"
    with pytest.raises(DomainError) as exc:
        cross_check_registration_no_with_uscc("44488501543010511A1001", "91110000600037341L")
    assert exc.value.code == "regno_org_code_checksum"


def test_legacy_numbers_cannot_be_cross_checked() -> None:
    assert cross_check_registration_no_with_uscc("430105000131", "91110000600037341L") is False


@pytest.mark.parametrize("org", ["44488501", "444885014", "44488501-4", "44488501-4 "])
def test_build_registration_no_reproduces_the_real_example(org: str) -> None:
    assert build_registration_no(org, "430105", "11", "A100", "1") == "44488501443010511A1001"


@pytest.mark.parametrize(
    "args",
    [
        ("444885015", "430105", "11", "A100", "1"),  # wrong org check character
        ("4448850", "430105", "11", "A100", "1"),
        ("44488501", "990105", "11", "A100", "1"),
        ("44488501", "430105", "18", "A100", "1"),
        ("44488501", "430105", "11", "1100", "1"),
        ("44488501", "430105", "11", "A10", "1"),
        ("44488501", "430105", "11", "A100", "3"),
    ],
)
def test_build_registration_no_refuses_bad_segments(args: tuple[str, str, str, str, str]) -> None:
    with pytest.raises(ValueError):
        build_registration_no(*args)


def test_built_registration_numbers_cross_check_with_a_built_uscc() -> None:
    rng = random.Random(11714)
    for _ in range(50):
        body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        reg = build_registration_no(body, "110105", "15", "D211", "2")
        uscc = make_uscc("91110105" + reg[:9])
        assert cross_check_registration_no_with_uscc(reg, uscc)


# =================================================================================================
# 医师资格证书编码
# =================================================================================================


def test_qualification_code_is_decoded() -> None:
    q = validate_physician_qualification_code("201911110" + KNOWN_ID, today=TODAY)
    assert (q.year, q.province, q.level, q.category) == (2019, "11", "1", "10")
    assert q.embedded_id == KNOWN_ID
    assert q.citizen_id.number == KNOWN_ID
    assert q.citizen_id.birth_date == date(1949, 12, 31)
    assert q.code == "201911110" + KNOWN_ID


def test_24_character_code_embeds_a_legacy_id() -> None:
    q = validate_physician_qualification_code("199844241" + "110105491231002", today=TODAY)
    assert (q.year, q.province, q.level, q.category) == (1998, "44", "2", "41")
    assert q.embedded_id == "110105491231002"
    assert q.citizen_id.number == KNOWN_ID  # normalised to 18 for matching the person


def test_qualification_code_input_is_normalised() -> None:
    q = validate_physician_qualification_code(" 201911110" + KNOWN_ID.lower(), today=TODAY)
    assert q.code.endswith("X")


def test_current_year_is_accepted_and_next_year_refused() -> None:
    assert validate_physician_qualification_code("202511110" + KNOWN_ID, today=TODAY).year == 2025
    with pytest.raises(DomainError) as exc:
        validate_physician_qualification_code("202611110" + KNOWN_ID, today=TODAY)
    assert codes(exc) == ["qualcode_format"]


@pytest.mark.parametrize(
    "prefix",
    [
        "199711110",  # before 1998
        "201999110",  # no province 99
        "201910110",  # 10 is not a province
        "201911510",  # level 5
        "201911010",  # level 0
        "201911140",  # category 40
        "201911149",  # category 49
        "201911111",  # category 11
    ],
)
def test_qualification_code_segments_are_validated(prefix: str) -> None:
    with pytest.raises(DomainError) as exc:
        validate_physician_qualification_code(prefix + KNOWN_ID, today=TODAY)
    assert codes(exc) == ["qualcode_format"]
    assert exc.value.errors[0].field == "qualification_code"


def test_all_qualification_code_segment_problems_are_reported_together() -> None:
    with pytest.raises(DomainError) as exc:
        validate_physician_qualification_code("199799549" + KNOWN_ID, today=TODAY)
    assert codes(exc) == ["qualcode_format"] * 4
    assert "1998" in exc.value.messages("zh-hans")[0]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "201911110" + KNOWN_ID[:-1],  # 26
        "201911110" + KNOWN_ID + "1",  # 28
        "20191111011010519491231002X"[:-2] + "X2",  # X not last
        "199844241" + "11010549123100X",  # 24 characters cannot end in X
        "2019A1110" + KNOWN_ID,
    ],
)
def test_malformed_qualification_codes_are_format_errors(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        validate_physician_qualification_code(bad, today=TODAY)
    assert exc.value.code == "qualcode_format"


def test_invalid_embedded_id_is_reported_with_its_reason() -> None:
    with pytest.raises(DomainError) as exc:
        validate_physician_qualification_code("201911110" + "110105194912310021", today=TODAY)
    assert codes(exc) == ["qualcode_embedded_id", "id_checksum"]
    assert {item.field for item in exc.value.errors} == {"qualification_code"}


def test_embedded_id_with_impossible_birth_date_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        validate_physician_qualification_code("201911110" + make_id("11010519491301002"), today=TODAY)
    assert codes(exc) == ["qualcode_embedded_id", "id_birth_date"]


def test_qualification_code_never_leaks_the_embedded_id() -> None:
    code = "201911110" + KNOWN_ID
    q = validate_physician_qualification_code(code, today=TODAY)
    assert KNOWN_ID not in repr(q) and "19491231" not in repr(q)
    with pytest.raises(DomainError) as exc:
        validate_physician_qualification_code("201911110110105194912310021", today=TODAY)
    rendered = exc.value.messages("zh-hans") + exc.value.messages("en") + [str(exc.value)]
    assert all("110105194912310021" not in m for m in rendered)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("201911110" + KNOWN_ID, "201911110" + "*" * 18),
        ("201911110" + KNOWN_ID.lower(), "201911110" + "*" * 18),
        ("199844241110105491231002", "199844241" + "*" * 15),
        ("2019111101101051949", "*" * 19),
        ("", ""),
    ],
)
def test_mask_qualification_code_hides_the_embedded_id(raw: str, masked: str) -> None:
    assert mask_qualification_code(raw) == masked


# =================================================================================================
# 医师执业证书编码
# =================================================================================================


def test_practice_certificate_number_is_15_digits() -> None:
    assert validate_practice_certificate_no(" 110110105000001 ") == "110110105000001"


@pytest.mark.parametrize("bad", ["", "11011010500000", "1101101050000011", "11011010500000A", "１１０"])
def test_other_practice_certificate_numbers_are_refused(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        validate_practice_certificate_no(bad)
    assert exc.value.code == "practice_cert_format"


def test_build_practice_certificate_no() -> None:
    number = build_practice_certificate_no(1, "10", "110105", 1)
    assert number == "110110105000001"
    assert validate_practice_certificate_no(number) == number
    assert build_practice_certificate_no(2, "41", "430105", 999_999) == "241430105999999"


@pytest.mark.parametrize(
    "args",
    [
        (0, "10", "110105", 1),
        (10, "10", "110105", 1),
        (1, "1", "110105", 1),
        (1, "1A", "110105", 1),
        (1, "10", "11010", 1),
        (1, "10", "110105", 0),
        (1, "10", "110105", 1_000_000),
    ],
)
def test_build_practice_certificate_no_refuses_bad_arguments(args: tuple[int, str, str, int]) -> None:
    with pytest.raises(ValueError):
        build_practice_certificate_no(*args)


# =================================================================================================
# 护士执业证书编号
# =================================================================================================


@pytest.mark.parametrize("number", ["201811000123", "2018110001234", "201811000123456"])
def test_usual_nurse_certificate_numbers_have_no_warnings(number: str) -> None:
    assert check_nurse_certificate_no(number) == []


@pytest.mark.parametrize(
    ("number", "warning_codes"),
    [
        ("20181100012", ["nurse_cert_length"]),
        ("2018110001234567", ["nurse_cert_length"]),
        ("NS2018110001", ["nurse_cert_not_digits"]),
        ("护2018-001", ["nurse_cert_not_digits", "nurse_cert_length"]),
        ("A" * 32, ["nurse_cert_not_digits", "nurse_cert_length"]),
    ],
)
def test_odd_nurse_certificate_numbers_only_warn(number: str, warning_codes: list[str]) -> None:
    assert [w.code for w in nurse_certificate_warnings(number)] == warning_codes
    messages = check_nurse_certificate_no(number)
    assert len(messages) == len(warning_codes)
    assert all(isinstance(m, str) and m for m in messages)


def test_nurse_length_warning_names_the_length() -> None:
    [warning] = nurse_certificate_warnings("20181100012")
    assert "11" in warning.render("zh-hans")


@pytest.mark.parametrize("bad", ["", "   ", "1" * 33])
def test_empty_or_over_long_nurse_certificate_numbers_are_refused(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        check_nurse_certificate_no(bad)
    assert exc.value.code == "nurse_cert_format"


def test_nurse_certificate_number_is_normalised_for_storage() -> None:
    assert normalise_nurse_certificate_no(" ns２０１８ 110001 ") == "NS2018110001"


# =================================================================================================
# 电子证照标识 (GB/T 36904) and ISO 7064 MOD 37,36
# =================================================================================================

VECTOR_MOHURD = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
VECTOR_ZHEJIANG = "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0"


def test_iso7064_mod37_36_on_the_published_vectors() -> None:
    assert iso7064_mod37_36("11100000000013338W01111430000006122244L20230000403001") == "U"
    assert iso7064_mod37_36("11100000000013338W00911330105002500287C2025052201002") == "0"


def test_iso7064_mod37_36_detects_every_single_substitution() -> None:
    payload = "11100000000013338W01111430000006122244L20230000403001"
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for pos, original in enumerate(payload):
        for ch in alphabet:
            if ch != original:
                assert iso7064_mod37_36(payload[:pos] + ch + payload[pos + 1 :]) != "U"


@pytest.mark.parametrize("bad", ["", "abc", "AB.C", "ＡＢＣ"])
def test_iso7064_mod37_36_refuses_characters_outside_its_alphabet(bad: str) -> None:
    with pytest.raises(ValueError):
        iso7064_mod37_36(bad)


@pytest.mark.parametrize(
    ("vector", "type_code", "issuer", "serial", "version", "check"),
    [
        (VECTOR_MOHURD, "11100000000013338W011", "11430000006122244L", "20230000403", 1, "U"),
        (VECTOR_ZHEJIANG, "11100000000013338W009", "11330105002500287C", "2025052201", 2, "0"),
    ],
)
def test_published_identifiers_validate_and_rebuild(
    vector: str, type_code: str, issuer: str, serial: str, version: int, check: str
) -> None:
    parsed = validate_elicence_identifier(vector)
    assert (parsed.type_code, parsed.issuer_code, parsed.serial, parsed.version, parsed.check_char) == (
        type_code,
        issuer,
        serial,
        version,
        check,
    )
    assert parsed.identifier == vector
    assert parsed.issuer_is_uscc
    assert build_elicence_identifier(type_code, issuer, serial, version) == vector


def test_identifier_input_is_normalised() -> None:
    assert validate_elicence_identifier(" " + VECTOR_ZHEJIANG.lower() + " ").identifier == VECTOR_ZHEJIANG


def test_placeholder_type_code_builds_a_valid_identifier() -> None:
    # config.settings defaults the 证照类型代码 to a clearly fake test code of this shape.
    identifier = build_elicence_identifier("TEST0000000000000X001", "11330105002500287C", "MR2025000001", 1)
    assert identifier.startswith("1.2.156.3005.2.TEST0000000000000X001.11330105002500287C.MR2025000001.001.")
    assert validate_elicence_identifier(identifier).serial == "MR2025000001"


def test_identifiers_with_an_area_code_issuer_are_accepted_but_flagged() -> None:
    payload = ("11100000000013338W011", "340100", "000000016", "001")
    identifier = "1.2.156.3005.2." + ".".join(payload) + "." + iso7064_mod37_36("".join(payload))
    parsed = validate_elicence_identifier(identifier)
    assert parsed.issuer_code == "340100"
    assert not parsed.issuer_is_uscc


def test_wrong_identifier_check_character_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        validate_elicence_identifier(VECTOR_MOHURD[:-1] + "V")
    assert exc.value.code == "elicence_checksum"
    assert exc.value.errors[0].field == "elicence_identifier"


def test_version_bump_changes_the_check_character() -> None:
    tampered = VECTOR_ZHEJIANG.replace(".002.", ".003.")
    with pytest.raises(DomainError) as exc:
        validate_elicence_identifier(tampered)
    assert exc.value.code == "elicence_checksum"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        VECTOR_MOHURD.replace("1.2.156.3005.2", "1.2.156.3005.3"),
        VECTOR_MOHURD.replace(".001.", ".000."),
        VECTOR_MOHURD.replace(".001.", ".01."),
        VECTOR_MOHURD.replace(".20230000403.", "."),
        VECTOR_MOHURD.replace("20230000403", "2023-0000403"),
        VECTOR_MOHURD + ".1",
        VECTOR_MOHURD[:-2],
    ],
)
def test_malformed_identifiers_are_format_errors(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        validate_elicence_identifier(bad)
    assert exc.value.code == "elicence_format"


@pytest.mark.parametrize(
    "args",
    [
        ("11100000000013338W01", "11330105002500287C", "1", 1),  # type code too short
        ("11100000000013338W0AA", "11330105002500287C", "1", 1),  # sequence not digits
        ("11100000000013338W009", "11330105002500287D", "1", 1),  # issuer check character
        ("11100000000013338W009", "340100", "1", 1),  # issuer must be a USCC when we issue
        ("11100000000013338W009", "11330105002500287c", "1", 1),  # not normalised
        ("11100000000013338W009", "11330105002500287C", "", 1),
        ("11100000000013338W009", "11330105002500287C", "abc", 1),
        ("11100000000013338W009", "11330105002500287C", "A" * 65, 1),
        ("11100000000013338W009", "11330105002500287C", "1", 0),
        ("11100000000013338W009", "11330105002500287C", "1", 1000),
    ],
)
def test_build_elicence_identifier_refuses_bad_arguments(args: tuple[str, str, str, int]) -> None:
    with pytest.raises(ValueError):
        build_elicence_identifier(*args)


def test_version_999_and_long_serials_round_trip() -> None:
    identifier = build_elicence_identifier("11100000000013338W009", "11330105002500287C", "Z" * 64, 999)
    parsed = validate_elicence_identifier(identifier)
    assert (parsed.serial, parsed.version) == ("Z" * 64, 999)


# =================================================================================================
# Every Chinese message has an English translation with the same placeholders
# =================================================================================================

CORE = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _source_messages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def test_every_identifier_message_is_translated_to_english() -> None:
    messages = _source_messages(CORE / "identifiers.py") | _source_messages(CORE / "calendar.py")
    assert len(messages) > 20
    catalogue = {e.msgid: e.msgstr for e in polib.pofile(str(CORE / "locale/en/LC_MESSAGES/django.po"))}
    missing = sorted(m for m in messages if not catalogue.get(m))
    assert missing == []
    for msgid in messages:
        assert set(PLACEHOLDER.findall(catalogue[msgid])) == set(PLACEHOLDER.findall(msgid)), msgid
