"""FHIR Practitioner search (mCSD ITI-90) against a running MedReg, with the bare-psycopg ratio.

Usage (PostgreSQL database filled with ``medreg demo --scale``, server started with ``medreg serve``)::

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/fhir_search.py \
        --base http://127.0.0.1:8000 --seconds 30 --concurrency 16

It samples real practitioner names from the database, then hits ``GET /fhir/r4/Practitioner?name:exact=…``
from a thread pool and, in the same run, the equivalent indexed query through bare psycopg. It prints
requests per second and p50/p99 latency for both and the throughput ratio.

``benchmarks/public_query.py`` can import :func:`practitioner_path` and :data:`BARE_SQL` to add this
scenario to its table.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable

BARE_SQL = (
    "SELECT p.id, p.name FROM people_person p WHERE p.name = %s AND EXISTS "
    "(SELECT 1 FROM people_practiceregistration r WHERE r.person_id = p.id) ORDER BY p.id LIMIT 21"
)


def practitioner_path(name: str, count: int = 20) -> str:
    """The FHIR search the benchmark issues for one name."""
    return "/fhir/r4/Practitioner?" + urllib.parse.urlencode({"name:exact": name, "_count": str(count)})


def sample_names(dsn: str, n: int = 2000) -> list[str]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT name FROM people_person TABLESAMPLE SYSTEM (1) LIMIT %s", (n,)).fetchall()
        if not rows:
            rows = conn.execute("SELECT name FROM people_person LIMIT %s", (n,)).fetchall()
    return [r[0] for r in rows]


def run(worker: Callable[[str], None], names: list[str], *, seconds: float, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop() -> None:
        rng = random.Random()
        mine = []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            worker(rng.choice(names))
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "n": len(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    dsn = os.environ["DATABASE_URL"]
    names = sample_names(dsn)

    def fhir(name: str) -> None:
        with urllib.request.urlopen(args.base + practitioner_path(name), timeout=30) as resp:
            resp.read()

    local = threading.local()

    def bare(name: str) -> None:
        import psycopg

        if not hasattr(local, "conn"):
            local.conn = psycopg.connect(dsn, autocommit=True)
        local.conn.execute(BARE_SQL, (name,)).fetchall()

    f = run(fhir, names, seconds=args.seconds, concurrency=args.concurrency)
    b = run(bare, names, seconds=args.seconds, concurrency=args.concurrency)
    print(f"FHIR Practitioner search: {f['rps']:.0f} req/s, p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms")
    print(f"bare psycopg query:       {b['rps']:.0f} req/s, p50 {b['p50_ms']:.1f} ms, p99 {b['p99_ms']:.1f} ms")
    print(f"throughput ratio FHIR / bare: {f['rps'] / b['rps']:.2f}")


if __name__ == "__main__":
    main()
