"""Generators of valid identifiers for demo data, tests and benchmarks (never for real records)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from medreg.core import identifiers

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def citizen_id(rng: random.Random, division_code: str, *, born_after: date = date(1960, 1, 1),
               born_before: date = date(2000, 12, 31), gender: str | None = None) -> str:
    span = (born_before - born_after).days
    birth = born_after + timedelta(days=rng.randrange(span))
    seq = rng.randrange(0, 500)
    seq = seq * 2 + (1 if (gender or rng.choice("MF")) == "M" else 0)
    first17 = f"{division_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + identifiers.citizen_id_check_char(first17)


def org_code(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789") for _ in range(8))
    return body + identifiers.org_code_check_char(body)


def uscc(rng: random.Random, division_code: str, *, prefix: str = "12", org: str | None = None) -> str:
    org = org or org_code(rng)
    first17 = f"{prefix}{division_code}{org}"
    return first17 + identifiers.uscc_check_char(first17)


def institution_ids(rng: random.Random, division_code: str, category_code: str, *, for_profit: bool = False,
                    economic_type: str = "11") -> tuple[str, str]:
    """A matching (USCC, 登记号) pair that passes the cross-check."""
    org = org_code(rng)
    code = uscc(rng, division_code, prefix="91" if for_profit else "12", org=org)
    reg = identifiers.build_registration_no(org, division_code, economic_type, category_code, "2" if for_profit else "1")
    return code, reg


def physician_qualification_code(year: int, province: str, level: str, category2: str, id_number: str) -> str:
    return f"{year:04d}{province}{level}{category2}{id_number}"
