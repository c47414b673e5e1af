"""Benchmark: sign and verify e-licence QR payloads (COSE_Sign1 ES256, zlib, Base45).

Run: .venv/bin/python benchmarks/bench_qr.py [N]
No database needed: this measures the cryptographic pipeline that bulk issuance and every verify
request pay for.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, date, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from medreg.licences import cose  # noqa: E402


def main(n: int) -> None:
    key = cose.generate_signing_key()
    kid = cose.kid_for(key.public_key())
    pub = key.public_key()
    now = datetime.now(UTC)
    payloads = []
    t0 = time.perf_counter()
    for i in range(n):
        # the production payload (decision 0051): 6-digit division code as iss, the compact identifier
        # (版本号.校验位), the licence number as an integer, the default status-list URI
        claims = cose.build_licence_claims(
            issuer="530000", kind=cose.LicenceKindCode.PHYSICIAN, identifier="001.A",
            holder_name="张晓明", licence_number=f"{110530000000000 + i}", issued_at=now,
            expires_at=now + timedelta(days=90), category_code="1", scope_codes=("11",),
            institution="12530102MB0000000X", valid_until=date(2031, 1, 1), status_idx=i,
            status_uri="http://127.0.0.1:8000/sl/12",
        )
        payloads.append(cose.encode_qr_payload(cose.sign_cwt(claims, key, kid, canonical_order=True)))
    t1 = time.perf_counter()
    for p in payloads:
        cose.verify_cwt(cose.decode_qr_payload(p), lambda _k: pub, now=now)
    t2 = time.perf_counter()
    print(f"n={n} sign+encode: {n / (t1 - t0):,.0f}/s  decode+verify: {n / (t2 - t1):,.0f}/s  "
          f"payload chars: {len(payloads[0])}  QR: v{cose.qr_info(payloads[0]).version}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
