"""Bulk issuance: an e-licence for every eligible practice registration that has no current licence.

``medreg licences issue`` (and :func:`issue_all`):

* **Eligible**: an active registration (a nurse registration not past ``valid_until``) whose issuing
  authority has a USCC, with no licence version that is valid or suspended.
* **Idempotent and resumable**: work is cut into chunks of registration ids; each chunk is one
  transaction (licences + one ``licence.bulk_issued`` audit event naming the chunk). A killed run
  leaves whole chunks; the next run selects what still has no current licence. ``ignore_conflicts``
  plus the unique constraints (serial+version, authority+status slot) make a concurrent online
  issuance harmless: the loser is skipped and picked up by the next run.
* **Parallel**: a process pool (one worker per core by default), each worker with its own database
  connection. The parent draws the random status-list slots (per authority, unused ones) and the
  versions, so workers never collide; workers sign (the expensive part) and bulk-insert.
* The face data of each licence is exactly :func:`services.registration_face`, so a later
  ``sync_registration_licence`` sees no change.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connections, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from medreg.core import identifiers
from medreg.core.conf import conf
from medreg.licences import cose, keys, services
from medreg.licences.choices import CURRENT_STATUSES, KIND_CODES, LicenceKind, LicenceStatus

DEFAULT_CHUNK = 2000


@dataclass
class BulkResult:
    eligible: int = 0
    issued: int = 0
    skipped: int = 0
    chunks: int = 0
    seconds: float = 0.0
    workers: int = 1
    plan_seconds: float = 0.0
    fetch_seconds: float = 0.0  # summed over workers: reading the registrations
    sign_seconds: float = 0.0  # summed over workers: claims, COSE signing, Base45
    insert_seconds: float = 0.0  # summed over workers: COPY + INSERT ... ON CONFLICT + audit + commit
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.issued / self.seconds if self.seconds else 0.0


def eligible_registrations() -> Any:
    """Active registrations without a current licence, whose authority can issue (has a USCC)."""
    from medreg.licences.models import ELicence
    from medreg.people.models import PracticeRegistration

    today = timezone.localdate()
    current = ELicence.objects.filter(registration=OuterRef("pk"), status__in=CURRENT_STATUSES)
    return (
        PracticeRegistration.objects.filter(status="active")
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exclude(authority__uscc="")
        .filter(~Exists(current))
    )


def _plan(limit: int | None) -> tuple[list[tuple[int, int, int, int]], dict[int, int]]:
    """``[(registration id, authority id, version, status slot)]`` for the eligible registrations."""
    from medreg.licences.models import ELicence

    qs = eligible_registrations().annotate(maxv=Max("licences__version")).order_by("pk")
    rows = list(qs.values_list("pk", "authority_id", "maxv")[: limit or None])
    by_authority: dict[int, int] = {}
    for _pk, authority_id, _v in rows:
        by_authority[authority_id] = by_authority.get(authority_id, 0) + 1
    size = services.status_list_size()
    taken: dict[int, set[int]] = {}
    for authority_id, count in by_authority.items():
        used = set(ELicence.objects.filter(authority_id=authority_id).values_list("status_index", flat=True))
        if len(used) + count > size * 0.9:
            raise RuntimeError(f"status list of authority {authority_id} would be over 90% full; "
                               "raise STATUS_LIST_SIZE")
        taken[authority_id] = used
    plan = []
    for pk, authority_id, maxv in rows:
        slots = taken[authority_id]
        while True:
            idx = secrets.randbelow(size)
            if idx not in slots:
                slots.add(idx)
                break
        plan.append((pk, authority_id, (maxv or 0) + 1, idx))
    return plan, by_authority


def _chunks(plan: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(plan), size):
        yield plan[i : i + size]


# -- worker side ----------------------------------------------------------------------------------------
_KEYS: dict[int, tuple[Any, Any, bytes, str, str]] = {}


def _authority_key(authority_id: int) -> tuple[Any, Any, bytes, str, str]:
    """(SigningKey, decrypted private key, kid bytes, USCC, division code) of the authority, cached per
    process."""
    if authority_id not in _KEYS:
        from medreg.accounts.models import Authority

        authority = Authority.objects.get(pk=authority_id)
        key = keys.current_signing_key(authority)
        if key is None:
            raise RuntimeError(f"authority {authority_id} has no signing key (the parent creates them)")
        _KEYS[authority_id] = (key, keys.private_key(key), bytes.fromhex(key.kid), authority.uscc,
                               authority.division_code)
    return _KEYS[authority_id]


_FIELDS = ("pk", "status", "profession", "level_code", "category_code", "scope_codes", "practice_division_id",
           "registered_on", "valid_until", "certificate_no", "authority_division_code", "person_id", "person__name",
           "main_institution__name", "main_institution__uscc", "authority_id")
_FACE_JSON = json.JSONEncoder(ensure_ascii=False)


def _fetch(ids: list[int]) -> list[tuple[Any, ...]]:
    """The :data:`_FIELDS` of the registrations ``ids``, as tuples.

    On PostgreSQL the ORM's SQL runs on the raw cursor with ``= ANY(array)`` (one parameter instead of
    2,000, and no per-row converters: psycopg already returns dates, the JSON list is parsed by the
    caller); elsewhere through ``values_list``."""
    from django.db import connection

    from medreg.people.models import PracticeRegistration

    qs = PracticeRegistration.objects.order_by().values_list(*_FIELDS)
    if connection.vendor != "postgresql":
        return list(qs.filter(pk__in=ids))
    sql, params = qs.filter(pk=-1).query.sql_with_params()
    pk_column = f"{connection.ops.quote_name(PracticeRegistration._meta.db_table)}.{connection.ops.quote_name('id')}"
    where = f"{pk_column} = %s"
    if sql.count(where) != 1 or params != (-1,):  # the ORM changed its SQL: take the portable path
        return list(qs.filter(pk__in=ids))
    with connection.cursor() as cursor:
        cursor.execute(sql.replace(where, f"{pk_column} = ANY(%s)"), [ids])
        return cursor.fetchall()


def _face(r: tuple[Any, ...]) -> dict[str, Any]:
    """Exactly :func:`services.registration_face`, from a :func:`_fetch` row (no model instances)."""
    scope = r[5]
    if isinstance(scope, str):
        scope = json.loads(scope)
    return {
        "level_code": r[3],
        "category_code": r[4],
        "scope_codes": list(scope),
        "practice_division": r[6],
        "institution_name": r[13],
        "institution_uscc": r[14],
        "registered_on": r[7].isoformat(),
        "valid_until": r[8].isoformat() if r[8] else None,
    }


def issue_chunk(chunk: list[tuple[int, int, int, int]]) -> tuple[int, int]:
    """Sign and insert the licences of one chunk in one transaction. Returns (issued, skipped)."""
    issued, skipped, _timing = issue_chunk_timed(chunk)
    return issued, skipped


class _Issuer:
    """What every licence of one authority shares within a chunk: key, kid, QR expiry, status-list URI."""

    __slots__ = ("key", "private", "kid", "exp", "status_uri", "issuer", "uscc", "states")

    def __init__(self, authority_id: int, now: Any, qr_days: timedelta, status_base: str,
                 type_codes: dict[str, str]) -> None:
        self.key, self.private, self.kid, uscc, division_code = _authority_key(authority_id)
        self.exp = min(now + qr_days, self.key.not_after)
        self.status_uri = f"{status_base}{authority_id}"
        self.issuer = division_code or uscc or str(authority_id)
        self.uscc = uscc
        self.states: dict[str, tuple[str, int]] = {}
        for kind in (LicenceKind.PHYSICIAN, LicenceKind.NURSE):  # the full check (USCC, type code) once
            identifiers.build_elicence_identifier(type_codes[kind], uscc, "1", 1)
            self.states[kind] = (type_codes[kind], _mod37_36_state(type_codes[kind] + uscc))


def issue_chunk_timed(chunk: list[tuple[int, int, int, int]]) -> tuple[int, int, tuple[float, float, float]]:
    """:func:`issue_chunk` with the seconds spent fetching, signing and inserting."""
    t0 = time.perf_counter()
    from medreg.audit import services as audit
    from medreg.audit.choices import EventType

    plan = {pk: (authority_id, version, idx) for pk, authority_id, version, idx in chunk}
    regs = _fetch(list(plan))
    t1 = time.perf_counter()
    now = timezone.now()
    type_codes = conf("ELICENCE_TYPE_CODES")
    qr_days = timedelta(days=conf("QR_LIFETIME_DAYS"))
    status_base = keys.status_base()
    issuers: dict[int, _Issuer] = {}
    kind_codes = {k: cose.LicenceKindCode(KIND_CODES[k]) for k in (LicenceKind.PHYSICIAN, LicenceKind.NURSE)}
    valid, sign_cwt, encode = LicenceStatus.VALID.value, cose.sign_cwt, cose.encode_qr_payload
    rows: list[tuple[Any, ...]] = []
    for reg in regs:
        authority_id, version, idx = plan[reg[0]]
        if reg[1] != "active" or reg[15] != authority_id:
            continue  # cancelled, or moved to another authority since planning: the next run sees it afresh
        issuer = issuers.get(authority_id)
        if issuer is None:
            issuer = issuers[authority_id] = _Issuer(authority_id, now, qr_days, status_base, type_codes)
        kind = LicenceKind.PHYSICIAN if reg[2] == "physician" else LicenceKind.NURSE
        serial = reg[9]
        if not _SERIAL.fullmatch(serial) or not 1 <= version <= 999:
            raise ValueError(f"registration {reg[0]}: certificate number unusable as a 流水号")
        type_code, state = issuer.states[kind]
        check = _mod37_36_finish(state, f"{serial}{version:03d}")
        identifier = f"{identifiers.ELICENCE_ROOT}.{type_code}.{issuer.uscc}.{serial}.{version:03d}.{check}"
        face = _face(reg)
        valid_until = reg[8]
        expires_at = _end_of_day(valid_until) if valid_until else None
        exp = issuer.exp if expires_at is None else min(issuer.exp, expires_at)
        claims = cose.build_licence_claims(
            issuer=issuer.issuer,
            kind=kind_codes[kind],
            identifier=f"{version:03d}.{check}",  # 流水号 = licence number: see services.compact_identifier
            holder_name=reg[12],
            licence_number=serial,
            issued_at=now,
            expires_at=exp,
            category_code=face["category_code"] or None,
            scope_codes=tuple(face["scope_codes"]),
            institution=face["institution_uscc"] or None,
            valid_until=valid_until,
            status_idx=idx,
            status_uri=issuer.status_uri,
        )
        qr = encode(sign_cwt(claims, issuer.private, issuer.kid, canonical_order=True))
        rows.append((kind.value, identifier, serial, version, valid, idx, reg[11], None, reg[0], authority_id, reg[10],
                     reg[12], serial, _FACE_JSON.encode(face), issuer.key.pk, qr, now, expires_at, ""))
    t2 = time.perf_counter()
    if not rows:
        return 0, len(chunk), (t1 - t0, t2 - t1, 0.0)
    with transaction.atomic():
        issued = _insert(rows)
        audit.record(EventType.LICENCE_BULK_ISSUED, actor=None,
                     subject=("people.practiceregistration", min(plan)),
                     data={"count": issued, "first_registration": min(plan), "last_registration": max(plan)})
    return issued, len(chunk) - issued, (t1 - t0, t2 - t1, time.perf_counter() - t2)


_SERIAL = re.compile(r"[0-9A-Z]{1,64}")
# the licence end of a registration's last valid day: a few thousand distinct days recur a million times
_end_of_day = lru_cache(maxsize=8192)(services._end_of_day)
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@lru_cache(maxsize=64)
def _mod37_36_state(prefix: str) -> int:
    """ISO 7064 MOD 37,36 runs left to right: the state after the constant type code + issuer is cached
    (same result as :func:`identifiers.iso7064_mod37_36`; tested through every bulk licence's QR)."""
    return _mod37_36_run(36, prefix)


_VALUES = {ch: i for i, ch in enumerate(_ALPHABET)}


def _mod37_36_run(p: int, text: str) -> int:
    values = _VALUES
    for ch in text:
        r = (p + values[ch]) % 36 or 36
        p = (r * 2) % 37
    return p


def _mod37_36_finish(p: int, rest: str) -> str:
    return _ALPHABET[(37 - _mod37_36_run(p, rest)) % 36]


_COLUMNS = ("kind", "identifier", "serial", "version", "status", "status_index", "person_id", "institution_id",
            "registration_id", "authority_id", "authority_division_code", "holder_name", "licence_no", "data",
            "signing_key_id", "qr_payload", "issued_at", "expires_at", "status_reason")


def _insert(rows: list[tuple[Any, ...]]) -> int:
    """Insert one chunk without model instances (the ORM's per-object cost would dominate) and skip rows
    that conflict with a unique constraint. PostgreSQL: COPY straight into the table inside a savepoint; if
    that hits a unique constraint, COPY into a temporary table and one ``INSERT ... SELECT ... ON CONFLICT
    DO NOTHING``. Elsewhere multi-row INSERTs. Returns rows inserted."""
    from django.db import connection

    from medreg.licences.models import ELicence

    table = connection.ops.quote_name(ELicence._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A chunk is an idempotent unit of work (a rerun re-issues what a lost commit dropped), so it does
            # not wait for the WAL flush; the registry's own transactions keep synchronous commit.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            import psycopg

            raw = cursor.cursor
            try:  # the planned slots and versions do not collide: COPY straight into the table is the fast path
                with transaction.atomic():
                    # table and column names come from the model's metadata; values travel through COPY
                    with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                return len(rows)
            except (IntegrityError, psycopg.errors.IntegrityError):  # a concurrent online issuance took a slot
                pass  # or a version: the slow path below skips exactly those rows
            cursor.execute("SELECT to_regclass('pg_temp.bulk_elicence')")
            if cursor.fetchone()[0] is None:
                cursor.execute(f"CREATE TEMP TABLE bulk_elicence AS SELECT {cols} FROM {table} "  # noqa: S608
                               "WITH NO DATA")
            with raw.copy(f"COPY bulk_elicence ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM bulk_elicence "  # noqa: S608
                           "ON CONFLICT DO NOTHING")
            inserted = max(cursor.rowcount, 0)
            cursor.execute("TRUNCATE bulk_elicence")
            return inserted
        one = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
        adapt_dt = connection.ops.adapt_datetimefield_value
        inserted = 0
        per_statement = max(1, 30000 // len(_COLUMNS))
        for i in range(0, len(rows), per_statement):
            part = rows[i : i + per_statement]
            params: list[Any] = []
            for row in part:
                values = list(row)
                values[16] = adapt_dt(values[16])
                values[17] = adapt_dt(values[17]) if values[17] is not None else None
                params.extend(values)
            # table and column names come from the model's metadata; every value is a bound parameter
            sql = f"INSERT INTO {table} ({cols}) VALUES {', '.join([one] * len(part))} ON CONFLICT DO NOTHING"  # noqa: S608
            cursor.execute(sql, params)
            inserted += max(cursor.rowcount, 0)
    return inserted


def _worker_init() -> None:
    connections.close_all()  # never share the parent's socket; each worker opens its own connection
    _KEYS.clear()


# -- parent side ----------------------------------------------------------------------------------------
def issue_all(
    *,
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> BulkResult:
    """Issue the licences of every eligible registration (see the module docstring)."""
    from medreg.accounts.models import Authority

    started = time.monotonic()
    workers = max(1, workers or os.cpu_count() or 1)
    plan, by_authority = _plan(limit)
    result = BulkResult(eligible=len(plan), workers=workers, plan_seconds=time.monotonic() - started)
    if total is not None:
        total(len(plan))
    if not plan:
        result.seconds = time.monotonic() - started
        return result
    with transaction.atomic():
        for authority in Authority.objects.filter(pk__in=list(by_authority)):
            keys.ensure_signing_key(authority, acting_user=None)
    chunks = list(_chunks(plan, chunk_size))
    result.chunks = len(chunks)
    if workers == 1 or len(chunks) == 1:
        for chunk in chunks:
            _account(result, issue_chunk_timed(chunk))
            if progress is not None:
                progress(len(chunk))
    else:
        import multiprocessing as mp

        connections.close_all()
        ctx = mp.get_context("fork")
        with ctx.Pool(workers, initializer=_worker_init) as pool:
            for outcome, chunk in zip(pool.imap(issue_chunk_timed, chunks), chunks, strict=True):
                _account(result, outcome)
                if progress is not None:
                    progress(len(chunk))
    for authority_id in by_authority:
        from medreg.licences import status_list

        status_list.mark_dirty(authority_id)
    result.seconds = time.monotonic() - started
    return result


def _account(result: BulkResult, outcome: tuple[int, int, tuple[float, float, float]]) -> None:
    issued, skipped, (fetch, sign, insert) = outcome
    result.issued += issued
    result.skipped += skipped
    result.fetch_seconds += fetch
    result.sign_seconds += sign
    result.insert_seconds += insert


def raw_signing_rate(n: int = 2000, algorithm: str | None = None) -> float:
    """Signatures per second of the bare algorithm over licence-sized data (one core), for the ratio."""
    key = cose.generate_signing_key(algorithm or str(conf("SIGNING_ALGORITHM")))
    data = os.urandom(180)
    t0 = time.perf_counter()
    for _ in range(n):
        cose.sign_bytes(key, data)
    return n / (time.perf_counter() - t0)
