"""Public-query benchmark: requests/s and p50/p99 latency of the public endpoints against PostgreSQL, and
the ratio to the same indexed query through bare psycopg in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/medreg_bench .venv/bin/python benchmarks/public_query.py \\
        [--rate 500] [--seconds 20] [--servers 2] [--threads 8] [--connections 32]

Data: migrate, ``medreg load-reference``, ``medreg demo --small``, then ``benchmarks/public_data.py``
(COPY-based, toward 8,000,000 practitioners / 1,000,000 institutions), then ``medreg migrate`` again so
the ``public`` app's indexes exist.

For each endpoint (姓名 + 省份 search through the open API, the same search as the HTML page,
institution name search, e-licence verification, FHIR ``Practitioner?name=`` when ``/fhir/r4/``
answers, and as a floor the health check, whose one statement is ``SELECT 1``) the script:

1. starts ``--servers`` server processes (``medreg serve --no-worker``; ``--server waitress``: one process
   per port, ``--server granian``: one granian server with that many worker processes), throttles disabled;
2. runs an open-loop load at ``--rate`` requests/s for ``--seconds`` (latency measured from the scheduled
   send time, so queueing counts: no coordinated omission) and reports achieved rate, p50, p99, errors;
3. runs a closed loop (``--connections`` keep-alive connections, as fast as possible) for the maximum
   throughput, with wrk when it is installed (``apt-get install wrk``; ``--generator`` chooses) and the
   asyncio client otherwise; the row reports the generator and its own CPU, as a share of one core;
4. runs the same SQL the endpoint runs (taken from the Django queryset; for the FHIR search, which runs
   three queries per request, every statement one request runs, captured in-process) through bare psycopg
   with the same number of threads, closed loop, prepared where the endpoint prepares it (the name search),
   and reports its rate: the ratio is HTTP max / bare max.

The open-loop generator is an asyncio HTTP/1.1 keep-alive client in this process; wrk, when used, runs
beside it. Both share the machine with the servers and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# -- a minimal keep-alive HTTP/1.1 client ---------------------------------------------------------------------
class Conn:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, raw: bytes) -> int:
        if self.writer is None or self.writer.is_closing():
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        close = False
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            k = k.strip().lower()
            if k == b"content-length":
                length = int(v.strip())
            elif k == b"connection" and v.strip().lower() == b"close":
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status


def build_get(host: str, path: str, params: dict[str, str]) -> bytes:
    q = urllib.parse.urlencode(params)
    return (f"GET {path}?{q} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\nAccept-Language: zh-hans\r\n\r\n").encode()


def build_post_json(host: str, path: str, body: dict[str, Any]) -> bytes:
    data = json.dumps(body).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


@dataclass
class Result:
    sent: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    completed: int | None = None  # when the generator reports counts, not each latency (wrk)
    quantiles: dict[float, float] = field(default_factory=dict)  # ms, likewise
    cpu: float = 0.0  # CPU seconds the load generator itself spent

    def pct(self, p: float) -> float:
        if p in self.quantiles:
            return self.quantiles[p]
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000

    @property
    def rate(self) -> float:
        done = len(self.latencies) if self.completed is None else self.completed
        return done / self.seconds if self.seconds else 0.0

    @property
    def generator_share(self) -> float:
        """The generator's CPU as a share of one core."""
        return self.cpu / self.seconds if self.seconds else 0.0


async def open_loop(ports: list[int], make: Callable[[], bytes], rate: float, seconds: float, pool: int) -> Result:
    res = Result()
    conns: asyncio.Queue[Conn] = asyncio.Queue()
    for i in range(pool):
        conns.put_nowait(Conn("127.0.0.1", ports[i % len(ports)]))
    total = int(rate * seconds)
    start = time.perf_counter() + 0.2

    async def one(at: float) -> None:
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        c = await conns.get()
        try:
            status = await c.request(make())
            res.statuses[status] = res.statuses.get(status, 0) + 1
            if status != 200:
                res.errors += 1
            res.latencies.append(time.perf_counter() - at)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            res.errors += 1
            c.writer = None
        finally:
            conns.put_nowait(c)

    tasks = [asyncio.create_task(one(start + i / rate)) for i in range(total)]
    res.sent = total
    await asyncio.gather(*tasks)
    res.seconds = time.perf_counter() - start
    return res


async def closed_loop(ports: list[int], make: Callable[[], bytes], seconds: float, connections: int) -> Result:
    res = Result()
    stop = time.perf_counter() + seconds

    async def worker(i: int) -> None:
        c = Conn("127.0.0.1", ports[i % len(ports)])
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                status = await c.request(make())
                res.statuses[status] = res.statuses.get(status, 0) + 1
                if status != 200:
                    res.errors += 1
                res.latencies.append(time.perf_counter() - t)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                res.errors += 1
                c.writer = None

    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(i) for i in range(connections)))
    res.seconds, res.cpu = time.perf_counter() - t0, time.process_time() - c0
    res.sent = len(res.latencies) + res.errors
    return res


def _lua_string(raw: bytes) -> str:
    """A Lua string literal of ``raw`` (escaped, so CR LF survive: long brackets would fold them)."""
    out = []
    for b in raw:
        ch = chr(b)
        out.append(ch if 32 <= b < 127 and ch not in '"\\' else f"\\{b:03d}")
    return '"' + "".join(out) + '"'


WRK_SCRIPT = """
local reqs = {%s}
local n = #reqs
request = function() return reqs[math.random(n)] end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %%d, "duration_us": %%d, "errors": %%d, "status_errors": %%d, '
    .. '"p50_us": %%d, "p99_us": %%d}\\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99)))
end
"""


def wrk_loop(ports: list[int], requests: list[bytes], seconds: float, connections: int) -> Result:
    """The closed loop run by wrk (C, epoll): one process per port, one thread each, ``connections``
    keep-alive connections in all, each request drawn from the prebuilt ``requests``. wrk spends about a
    quarter of the CPU per request that the asyncio client does, which leaves that CPU to the server."""
    import tempfile

    res = Result()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT % ",\n".join(_lua_string(r) for r in requests))
        script = fh.name
    per_port = max(1, connections // len(ports))
    t0, c0 = time.perf_counter(), os.times()
    procs = [subprocess.Popen(["wrk", "-t1", f"-c{per_port}", f"-d{max(1, round(seconds))}s", "-s", script,
                               f"http://127.0.0.1:{port}/"], stdout=subprocess.PIPE, text=True) for port in ports]
    outs = [p.communicate()[0] for p in procs]
    c1 = os.times()
    Path(script).unlink()
    p50s, p99s = [], []
    done = bad = 0
    for out in outs:
        line = next((ln for ln in out.splitlines() if ln.startswith("WRKJSON ")), None)
        if line is None:
            raise SystemExit(f"wrk printed no summary: {out[-500:]}")
        w = json.loads(line[len("WRKJSON "):])
        done += w["requests"]  # responses, non-2xx included; connection errors are counted apart
        bad += w["status_errors"]
        res.errors += w["errors"] + w["status_errors"]
        res.seconds = max(res.seconds, w["duration_us"] / 1e6)
        p50s.append(w["p50_us"] / 1000)
        p99s.append(w["p99_us"] / 1000)
    res.completed = done - bad
    res.sent = done
    res.quantiles = {50: max(p50s), 99: max(p99s)}  # one port (granian): exact; several: the worst port's
    res.cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    res.seconds = res.seconds or (time.perf_counter() - t0)
    return res


def bare_loop(dsn: str, queries: list[Any], seconds: float, threads: int, prepare: bool = False) -> Result:
    """``prepare``: as the endpoint runs it (``querycache.values_rows(..., prepare=True)``), server-side
    binding with each statement prepared once per connection."""
    import psycopg

    res = Result()
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        lat: list[float] = []
        # Client-side binding and no prepared statements, as Django's psycopg backend does (a prepared,
        # generic plan cannot use the trigram index for a LIKE pattern that is a parameter), unless the
        # endpoint itself prepares the statement.
        factory = psycopg.Cursor if prepare else psycopg.ClientCursor
        with psycopg.connect(dsn, cursor_factory=factory, prepare_threshold=0 if prepare else None) as conn:
            conn.autocommit = True
            while time.perf_counter() < stop:
                t = time.perf_counter()
                unit = random.choice(queries)
                for sql, params in unit if isinstance(unit, list) else [unit]:  # a list: one request's queries
                    conn.execute(sql, params).fetchall()
                lat.append(time.perf_counter() - t)
        with lock:
            res.latencies.extend(lat)

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    res.seconds = time.perf_counter() - t0
    res.sent = len(res.latencies)
    return res


# -- workload -------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_servers(n: int, threads: int, server: str = "waitress") -> tuple[list[subprocess.Popen[bytes]], list[int]]:
    """``n`` waitress processes on their own ports, or one granian server with ``n`` worker processes."""
    env = {**os.environ, "MEDREG_PUBLIC_SEARCH_RATE": "100000000/s", "MEDREG_PUBLIC_VERIFY_RATE": "100000000/s",
           "MEDREG_PUBLIC_API_RATE": "100000000/s", "MEDREG_PUBLIC_STATUS_RATE": "100000000/s",
           "LOG_LEVEL": "WARNING"}
    procs, ports = [], []
    for _ in range(1 if server == "granian" else n):
        port = free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "medreg.cli", "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port),
             "--threads", str(threads), "--server", server, "--processes", str(n)], env=env, stdout=subprocess.DEVNULL,
            stderr=open(f"/tmp/medreg-bench-server-{port}.log", "wb")))  # noqa: SIM115 - closed with the process
        ports.append(port)
    for proc, port in zip(procs, ports, strict=True):
        for _ in range(200):
            if proc.poll() is not None:
                err = Path(f"/tmp/medreg-bench-server-{port}.log").read_text(errors="replace")
                raise SystemExit(f"server on port {port} exited: {err.strip()[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
    return procs, ports


def samples(n: int = 2000) -> dict[str, Any]:
    """Query inputs drawn from the data: real names per province, institution name fragments, QR codes."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("select max(id) from people_practiceregistration")
        top = cur.fetchone()[0] or 1
        ids = [random.randint(1, top) for _ in range(n)]
        cur.execute(
            "select p.name, left(r.practice_division_id, 2) from people_practiceregistration r "
            "join people_person p on p.id = r.person_id where r.id = any(%s) and r.profession = 'physician'",
            [ids])
        names = cur.fetchall()
        cur.execute("select max(id) from institutions_institution")
        itop = cur.fetchone()[0] or 1
        cur.execute("select name from institutions_institution where id = any(%s)",
                    [[random.randint(1, itop) for _ in range(n)]])
        inst = [r[0] for r in cur.fetchall()]
    # What people type: the distinctive part of a name (the synthetic names start with a county code).
    frags = [name[6:] if name[:6].isdigit() else name for name in inst]
    return {"names": names, "inst": frags, "qrs": issue_licences(100)}


def issue_licences(n: int) -> list[tuple[str, str]]:
    """E-licences of the current format for ``n`` bench registrations (issued through the licences service,
    so verification runs its real path), as (QR payload, identifier)."""
    from django.db import transaction

    from medreg.licences import services as licences
    from medreg.licences.models import ELicence
    from medreg.people.models import PracticeRegistration

    out = []
    top = PracticeRegistration.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for pk in random.sample(range(1, top + 1), min(n * 2, top)):
        reg = PracticeRegistration.objects.filter(pk=pk, status="active").first()
        if reg is None:
            continue
        existing = ELicence.objects.filter(registration=reg, status="valid").first()
        try:
            with transaction.atomic():
                lic = existing or licences.issue_for_registration(reg, acting_user=None)
        except Exception as exc:  # noqa: BLE001 - a registration the licences service refuses is skipped
            print(f"skip registration {pk}: {exc}", flush=True)
            continue
        out.append((lic.qr_payload, lic.identifier))
        if len(out) >= n:
            break
    return out


def captured_sql(path: str, params: dict[str, str]) -> list[tuple[str, None]]:
    """Every SQL statement one GET of ``path`` runs in-process (as sent: Django binds client-side), for a
    baseline of endpoints that run several queries per request (the FHIR search runs four)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = Client().get(path, params, HTTP_HOST="127.0.0.1")
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} in-process")
    return [(q["sql"], None) for q in ctx.captured_queries]


def sql_of(qs: Any) -> tuple[str, list[Any]]:
    sql, params = qs.query.sql_with_params()
    return sql, list(params)


def licence_record_qs(identifier: str) -> Any:
    """The query verification runs for one licence (``licences.services.licence_record``)."""
    from medreg.core.identifiers import validate_elicence_identifier
    from medreg.licences.models import ELicence
    from medreg.licences.services import _RECORD_COLUMNS

    parsed = validate_elicence_identifier(identifier)
    return (ELicence.objects.by_identifier(parsed.serial, parsed.version, parsed.identifier).order_by()
            .values(*_RECORD_COLUMNS.values())[:1])


def scenarios(data: dict[str, Any], fhir: bool) -> list[dict[str, Any]]:
    """Each scenario: a request builder over sampled inputs, and the same SQL (with the same sampled inputs)
    precomputed from the Django queryset the endpoint runs, for the bare-psycopg baseline."""
    from django.db.models import Q

    from medreg.people.choices import Profession
    from medreg.public import selectors
    from medreg.public.policy import PUBLIC, current_policy

    pol = current_policy()
    cols = selectors._practitioner_columns(pol, PUBLIC)
    icols = selectors._institution_columns(pol, PUBLIC)

    def name_sql(x: tuple[str, str]) -> tuple[str, list[Any]]:
        qs = (selectors._practitioner_qs(pol, PUBLIC)
              .filter(holder_name=x[0], profession=Profession.PHYSICIAN, practice_division__code__startswith=x[1])
              .order_by("pk").values(*cols)[: selectors.PAGE_SIZE + 1])
        return sql_of(qs)

    def inst_sql(q: str) -> tuple[str, list[Any]]:
        qs = (selectors._institution_qs(pol, PUBLIC).filter(Q(name__contains=q) | Q(aliases__contains=q))
              .order_by("pk").values(*icols)[: selectors.PAGE_SIZE + 1])
        return sql_of(qs)

    names, inst, qrs = data["names"], data["inst"], data["qrs"]
    out = [
        {"name": "name + province search (open API, JSON)", "inputs": names, "sql": name_sql, "prepare": True,
         "http": lambda x: build_get("127.0.0.1", "/api/v1/public/practitioners", {"name": x[0], "province": x[1]})},
        {"name": "name + province search (HTML page)", "inputs": names, "sql": name_sql, "prepare": True,
         "http": lambda x: build_get("127.0.0.1", "/public/", {"name": x[0], "province": x[1] + "0000"})},
        {"name": "institution name search (open API)", "inputs": inst, "sql": inst_sql,
         "http": lambda q: build_get("127.0.0.1", "/api/v1/public/institutions", {"q": q})},
    ]
    if qrs:
        out.append({"name": "verify (open API, POST)", "inputs": qrs,
                    "sql": lambda x: sql_of(licence_record_qs(x[1])),
                    "http": lambda x: build_post_json("127.0.0.1", "/api/v1/verify", {"qr": x[0]})})
    # The floor: the cheapest request the stack serves (routing, middleware, one ``SELECT 1``) against the
    # same statement through bare psycopg. No endpoint's ratio can beat this one's by much.
    out.append({"name": "floor: health check (SELECT 1)", "inputs": [None], "sql": lambda _x: ("SELECT 1", []),
                "http": lambda _x: build_get("127.0.0.1", "/healthz", {})})
    if fhir:
        out.append({"name": "FHIR Practitioner?name=", "inputs": names,
                    "sql": lambda x: captured_sql("/fhir/r4/Practitioner", {"name": x[0]}),
                    "http": lambda x: build_get("127.0.0.1", "/fhir/r4/Practitioner", {"name": x[0]})})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", default="500", help="open-loop rate(s), comma-separated, e.g. 500,50")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--servers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=8, help="request threads per server process")
    parser.add_argument("--server", choices=["waitress", "granian"], default="waitress")
    parser.add_argument("--connections", type=int, default=32, help="closed-loop HTTP connections")
    parser.add_argument("--pool", type=int, default=64, help="open-loop connection pool")
    parser.add_argument("--bare-threads", type=int, default=0, help="bare psycopg threads (default: servers*threads)")
    parser.add_argument("--generator", choices=["auto", "wrk", "asyncio"], default="auto",
                        help="closed-loop load generator (auto: wrk when installed, else the asyncio client)")
    parser.add_argument("--only", default="", help="run only scenarios whose name contains this")
    parser.add_argument("--json", help="also write results here")
    args = parser.parse_args()
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "asyncio"
    elif generator == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    dsn = os.environ.get("DATABASE_URL", "")
    if not dsn.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL benchmark database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    for rate in ("SEARCH", "VERIFY", "API", "STATUS"):  # in-process captures (FHIR baseline) are not throttled
        os.environ[f"MEDREG_PUBLIC_{rate}_RATE"] = "100000000/s"
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("select count(*) from people_practiceregistration")
        n_regs = cur.fetchone()[0]
        cur.execute("select count(*) from institutions_institution")
        n_inst = cur.fetchone()[0]
    print(f"data: {n_regs:,} practice registrations, {n_inst:,} institutions", flush=True)
    data = samples()
    procs, ports = start_servers(args.servers, args.threads, args.server)
    results = []
    try:
        fhir = asyncio.run(_probe(ports[0], "/fhir/r4/metadata"))
        bare_threads = args.bare_threads or min(args.servers * args.threads, 16)
        for sc in scenarios(data, fhir):
            if args.only and args.only not in sc["name"]:
                continue
            inputs = sc["inputs"]

            def make(sc: dict[str, Any] = sc, inputs: list[Any] = inputs) -> bytes:
                return bytes(sc["http"](random.choice(inputs)))

            bare_set = [sc["sql"](x) for x in inputs[:500]]
            asyncio.run(closed_loop(ports, make, 2, 8))  # warm up (code tables, connections)
            loops = [asyncio.run(open_loop(ports, make, float(r), args.seconds, args.pool))
                     for r in str(args.rate).split(",")]
            if generator == "wrk":
                cl = wrk_loop(ports, [bytes(sc["http"](x)) for x in inputs], min(args.seconds, 15), args.connections)
            else:
                cl = asyncio.run(closed_loop(ports, make, min(args.seconds, 15), args.connections))
            bare = bare_loop(dsn, bare_set, min(args.seconds, 15), bare_threads, prepare=sc.get("prepare", False))
            # for a prepared endpoint, also the client-bound baseline of earlier runs (planning every time)
            unprepared = (bare_loop(dsn, bare_set, min(args.seconds, 15), bare_threads) if sc.get("prepare")
                          else None)
            row = {
                "endpoint": sc["name"],
                "open_loop": [{"target_rps": float(r), "achieved_rps": round(ol.rate, 1), "p50_ms": round(ol.pct(50), 1),
                               "p99_ms": round(ol.pct(99), 1), "errors": ol.errors, "statuses": ol.statuses}
                              for r, ol in zip(str(args.rate).split(","), loops, strict=True)],
                "max_rps": round(cl.rate, 1), "max_p50_ms": round(cl.pct(50), 1), "max_p99_ms": round(cl.pct(99), 1),
                "max_errors": cl.errors, "generator": generator, "generator_cpu": round(cl.generator_share, 2),
                "bare_prepared": sc.get("prepare", False), "bare_rps": round(bare.rate, 1), "bare_p50_ms": round(bare.pct(50), 2), "bare_p99_ms": round(bare.pct(99), 2),
                "ratio": round(cl.rate / bare.rate, 3) if bare.rate else None,
                **({"bare_unprepared_rps": round(unprepared.rate, 1),
                    "ratio_unprepared": round(cl.rate / unprepared.rate, 3) if unprepared.rate else None}
                   if unprepared is not None else {}),
            }
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    print()
    print("| Endpoint | open loop: target → achieved req/s | p50 ms | p99 ms | errors | max req/s (closed loop) "
          "| generator, CPU | bare psycopg q/s | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        for o in r["open_loop"]:
            print(f"| {r['endpoint']} | {o['target_rps']:.0f} → {o['achieved_rps']:.0f} | {o['p50_ms']} | {o['p99_ms']} "
                  f"| {o['errors']} | {r['max_rps']:.0f} | {r['generator']}, {r['generator_cpu']:.2f} "
                  f"| {r['bare_rps']:.0f} | {r['ratio']} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"registrations": n_regs, "institutions": n_inst, "results": results},
                                              ensure_ascii=False, indent=2))


async def _probe(port: int, path: str) -> bool:
    c = Conn("127.0.0.1", port)
    try:
        return await c.request(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()) == 200
    except (OSError, asyncio.IncompleteReadError, ValueError):
        return False


if __name__ == "__main__":
    main()
