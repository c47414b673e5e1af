"""Bulk e-licence issuance at national scale, on PostgreSQL.

    .venv/bin/python benchmarks/bulk_issuance.py --scale 1000000 [--workers N] [--db medreg_bench_licences]
                                                 [--keep] [--syncdb] [--data demo|copy] [--reuse]

1. creates a fresh database (``--db``; dropped afterwards unless ``--keep``), its schema (``migrate``, or
   ``--syncdb``: straight from the models, for a tree whose migrations are not generated yet) and the
   reference data;
2. generates ``--scale`` synthetic registrations: ``--data demo`` (default) with ``medreg demo --scale N``
   (through the services, 60 % physicians; slow: ~100-2,000/s), or ``--data copy`` with
   ``medreg demo --small`` plus ``benchmarks/public_data.py`` (PostgreSQL COPY, ~5 % cancelled);
3. measures the raw signing rate of the configured algorithm (bare ``sign`` over licence-sized data,
   one core) in this run;
4. runs ``medreg licences issue`` (``--workers``, one per core by default) and reports licences per second
   and the ratio to the raw signing rate of one core (licences/s ÷ raw/s) and of all the cores used
   (÷ raw/s × min(workers, cores));
   ``--reuse`` skips steps 1-2 on a database kept by an earlier ``--keep`` run (its licences are deleted);
5. reports offline verification throughput per core (decode + COSE signature check against the trust
   list held in memory) and full online verification (``verify_qr``: also the registry lookup).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MEDREG = str(ROOT / ".venv" / "bin" / "medreg")


def psql(sql: str) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(sql)


def run(args: list[str], env: dict[str, str]) -> tuple[str, float]:
    t0 = time.monotonic()
    proc = subprocess.run([MEDREG, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"medreg {' '.join(args)} failed")
    return proc.stdout + proc.stderr, time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--db", default="medreg_bench_licences")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--syncdb", action="store_true", help="schema from the models, migrations disabled")
    ap.add_argument("--verify-sample", type=int, default=20_000)
    ap.add_argument("--data", choices=["demo", "copy"], default="demo")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the kept database of an earlier --keep run: delete its licences, issue again")
    opts = ap.parse_args()

    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{opts.db}"
    env["PYTHONPATH"] = str(ROOT)
    env["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings_syncdb" if opts.syncdb else "config.settings"
    if not opts.reuse:
        psql(f"DROP DATABASE IF EXISTS {opts.db}")
        psql(f"CREATE DATABASE {opts.db}")
    try:
        if opts.reuse:
            _reset_licences(env["DATABASE_URL"])
        else:
            _build(opts, env)

        os.environ.update({k: env[k] for k in ("DATABASE_URL", "PYTHONPATH", "DJANGO_SETTINGS_MODULE")})
        import django

        django.setup()
        from medreg.core.conf import conf
        from medreg.licences import bulk

        algorithm = str(conf("SIGNING_ALGORITHM"))
        raw = bulk.raw_signing_rate(20_000, algorithm)
        eligible = bulk.eligible_registrations().count()
        print(f"raw {algorithm} signing: {raw:,.0f}/s on one core; eligible registrations: {eligible:,}")

        out, t = run(["licences", "issue", "--workers", str(opts.workers), "--no-progress"], env)
        m = re.search(r"issued (\d+)", out)
        issued = int(m.group(1)) if m else 0
        rate = issued / t
        print("\n".join(out.strip().splitlines()[-2:]))
        cores = min(opts.workers, os.cpu_count() or 1)
        print(f"bulk issuance: {issued:,} licences in {t:.1f} s wall (process start included) = {rate:,.0f}/s "
              f"with {opts.workers} workers on {os.cpu_count()} cores; ratio to the raw signing rate of one core = "
              f"{rate / raw:.2f}, of {cores} cores = {rate / (raw * cores):.2f}")

        _verification(opts.verify_sample)
    finally:
        if not opts.keep:
            from django.db import connections

            connections.close_all()
            psql(f"DROP DATABASE IF EXISTS {opts.db}")


def _build(opts: argparse.Namespace, env: dict[str, str]) -> None:
    _out, t = run(["migrate", "--run-syncdb", "-v", "0"] if opts.syncdb else ["migrate", "-v", "0"], env)
    if opts.syncdb:  # what migration licences.0005 does: the composite keys of the licence table
        _out, t2 = run(["shell", "-c", "from django.db import connection; from medreg.licences import schema; "
                                       "schema.install(connection)"], env)
        t += t2
    print(f"schema: {t:.1f} s")
    _out, t = run(["load_reference"], env)
    print(f"reference data: {t:.1f} s")
    if opts.data == "demo":
        _out, t = run(["demo", "--scale", str(opts.scale)], env)
        print(f"medreg demo --scale {opts.scale}: {t:.1f} s")
    else:
        _out, t = run(["demo", "--small"], env)
        print(f"medreg demo --small: {t:.1f} s")
        t0 = time.monotonic()
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "public_data.py"), "--practitioners",
                        str(opts.scale), "--institutions", str(max(100, opts.scale // 8))], env=env, cwd=ROOT,
                       check=True, capture_output=True)
        print(f"benchmarks/public_data.py --practitioners {opts.scale}: {time.monotonic() - t0:.1f} s")



def _reset_licences(url: str) -> None:
    """Empty the licence tables of a kept database (registrations and keys stay) for another issuance run."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE licences_licencecheck, licences_elicence, licences_statuslistsnapshot")
        conn.execute("VACUUM ANALYZE people_practiceregistration")
    print("reused the kept database; licences deleted")


def _verification(sample: int) -> None:
    from django.utils import timezone

    from medreg.licences import cose, keys, services
    from medreg.licences.models import ELicence

    payloads = list(ELicence.objects.order_by("?").values_list("qr_payload", flat=True)[:sample])
    if not payloads:
        return
    trust = {bytes.fromhex(k.kid): keys.public_key(k) for k in keys.trusted_keys()}
    now = timezone.now()
    t0 = time.perf_counter()
    for p in payloads:
        cose.parse_licence_claims(cose.verify_cwt(cose.decode_qr_payload(p), trust.get, now=now).claims)
    offline = len(payloads) / (time.perf_counter() - t0)
    online_sample = payloads[: min(2000, len(payloads))]
    t0 = time.perf_counter()
    for p in online_sample:
        assert services.verify_qr(p).valid
    online = len(online_sample) / (time.perf_counter() - t0)
    print(f"verification, one core: offline (decode + signature + claims) {offline:,.0f}/s; "
          f"online verify_qr (+ registry lookup) {online:,.0f}/s")


if __name__ == "__main__":
    main()
