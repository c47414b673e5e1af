"""Compiled SQL for hot, fixed-shape read queries, kept per process (PostgreSQL).

The public register answers hundreds of searches a second with the same few query shapes. Building a
queryset and compiling it to SQL costs about a millisecond of Python per request, more than PostgreSQL
spends answering it. :func:`values_rows` compiles each shape once, with placeholder values. Later calls
only put the new values into the parameter list and run the stored SQL. It converts the rows exactly as
``QuerySet.values()`` would.

Correctness rests on the cache key: it must name everything that changes the SQL text. That includes
flags that add a filter, the page size (Django writes ``LIMIT`` into the SQL), the selected columns and any
constant lists such as published statuses. Only the entries of ``values`` may vary under one key.

The first call of each shape checks itself. It also compiles the query with the real values and compares
SQL and parameters. A shape that does not reproduce (a value the ORM transforms in a way the slots cannot
follow) is never cached; it runs through the ORM every time. SQLite always runs through the ORM.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import QuerySet

from medreg.core.conf import conf

# Placeholder integers: far outside any id or page number the callers pass; a query on a small-integer
# column (the ORM answers an out-of-range value without SQL) is compiled with the second base instead.
_INT_BASES = (7_340_032_000_000, 30_011)
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1


Slot = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: tuple[Slot, ...]  # one per SQL parameter
    names: tuple[str, ...]
    query: Any  # the placeholder query: a compiler for this thread's connection applies the converters
    converters: dict[int, Any]  # position -> (converters, expression), as SQLCompiler.get_converters


_cache: dict[tuple[str, Hashable], object] = {}  # a _Compiled, or None: never cacheable
_lock = threading.Lock()
_MISSING = object()


def forget() -> None:
    """Drop every compiled shape (tests; a schema change in a running process)."""
    with _lock:
        _cache.clear()


def values_rows(key: Hashable, make: Callable[[Mapping[str, Any]], QuerySet[Any]],
                values: Mapping[str, Any], *, using: str = "default", prepare: bool = False) -> list[dict[str, Any]]:
    """``list(make(values))`` for a ``values()`` queryset, from SQL compiled once per ``key``.

    ``make`` must build the whole queryset (filters, order, ``values()``, slice) from ``values`` alone.
    Entries of ``values`` are ``str`` or ``int`` (not ``bool``); everything else that shapes the query
    belongs in ``key``.

    ``prepare``: run the statement as a server-side prepared statement (see :func:`_execute_prepared`),
    which spares PostgreSQL its planning on later executions on the same connection. Only for shapes
    whose plan does not depend on the values (equality and range lookups on b-tree indexes); a ``LIKE``
    on a trigram index needs the value at planning. ``MEDREG["PREPARED_STATEMENTS"] = False`` turns it off
    (a transaction-pooling PgBouncer older than 1.21 cannot keep prepared statements)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or any(
        isinstance(v, int) and not _BIGINT_MIN <= v <= _BIGINT_MAX for v in values.values()
    ):  # the ORM answers an out-of-range integer with an empty result, not a database error
        return list(make(values))
    entry = _cache.get((using, key), _MISSING)
    if entry is _MISSING:
        entry = _compile(make, values, using)
        if entry is not _MISSING:  # _MISSING: these values could not decide; compile again next time
            with _lock:
                _cache[(using, key)] = entry
    if not isinstance(entry, _Compiled):
        return list(make(values))
    params = [slot(values) for slot in entry.slots]
    rows: Any
    if prepare and conf("PREPARED_STATEMENTS"):
        rows = _execute_prepared(connection, entry.sql, params)
    else:
        with connection.cursor() as cursor:
            cursor.execute(entry.sql, params)
            rows = cursor.fetchall()
    if entry.converters:
        rows = entry.query.get_compiler(using=using).apply_converters(rows, entry.converters)
    names = entry.names
    return [dict(zip(names, row, strict=True)) for row in rows]


def _execute_prepared(connection: Any, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run ``sql`` with server-side binding, prepared on first use on this connection.

    Django's psycopg cursors bind on the client (``ClientCursor``), which never prepares. A plain
    ``psycopg.Cursor`` on the same connection binds on the server; with the connection's
    ``prepare_threshold`` at 0 psycopg prepares each statement text once and keeps it (up to
    ``prepared_max`` per connection). Client-binding cursors ignore the threshold, so nothing else changes.
    When queries are logged (``DEBUG``, ``CaptureQueriesContext``) the statement is recorded as Django's
    debug cursor records it, with the values in place (a prepared execution has no query text of its own)."""
    import psycopg

    # as Django's own cursor() does: the optional health check, (re)connecting, the thread-sharing check
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    started = time.monotonic()
    with connection.wrap_database_errors:
        pg = connection.connection
        if pg.prepare_threshold != 0:
            pg.prepare_threshold = 0
        with psycopg.Cursor(pg) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    if connection.queries_logged:
        connection.queries_log.append({"sql": connection.ops.compose_sql(sql, params),
                                       "time": f"{time.monotonic() - started:.3f}"})
    return rows


def _placeholders(values: Mapping[str, Any], base: int) -> dict[str, Any] | None:
    fake: dict[str, Any] = {}
    for i, (name, value) in enumerate(values.items()):
        if isinstance(value, bool) or not isinstance(value, str | int):
            return None
        fake[name] = f"\ue000{name}\ue001" if isinstance(value, str) else base + i
    return fake


def _take(name: str) -> Slot:
    def slot(values: Mapping[str, Any]) -> Any:
        return values[name]
    return slot


def _pattern(name: str, head: str, tail: str, escape: Callable[[str], str]) -> Slot:
    def slot(values: Mapping[str, Any]) -> Any:
        return f"{head}{escape(values[name])}{tail}"
    return slot


def _constant(param: Any) -> Slot:
    def slot(values: Mapping[str, Any]) -> Any:
        return param
    return slot


def _slot(param: Any, fake: Mapping[str, Any], like_escape: Callable[[str], str]) -> Slot:
    """How to rebuild one compiled parameter from ``values``."""
    if isinstance(param, str):
        for name, placeholder in fake.items():
            if not isinstance(placeholder, str) or placeholder not in param:
                continue
            if param == placeholder:
                return _take(name)
            head, _sep, tail = param.partition(placeholder)
            if placeholder in tail:
                raise _NotCacheable
            # wrapped by a pattern lookup (contains, startswith…): Django escapes LIKE wildcards in the value
            return _pattern(name, head, tail, like_escape)
    elif isinstance(param, int) and not isinstance(param, bool):
        for name, placeholder in fake.items():
            if placeholder == param:
                return _take(name)
    return _constant(param)


class _NotCacheable(Exception):
    pass


def _compile(make: Callable[[Mapping[str, Any]], QuerySet[Any]], values: Mapping[str, Any],
             using: str) -> _Compiled | None | object:
    """The compiled shape; ``None`` if the shape cannot be cached; ``_MISSING`` if ``values`` cannot decide."""
    connection = connections[using]
    for base in _INT_BASES:
        fake = _placeholders(values, base)
        if fake is None:
            return None
        qs = make(fake)
        compiler = qs.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
            break
        except (EmptyResultSet, FullResultSet):  # e.g. an empty status list: the ORM answers without SQL
            continue
    else:
        return None
    try:
        slots = tuple(_slot(p, fake, connection.ops.prep_for_like_query) for p in params)
    except _NotCacheable:
        return None
    try:
        real_sql, real_params = make(values).query.get_compiler(using=using).as_sql()
    except (EmptyResultSet, FullResultSet):
        return _MISSING
    if real_sql != sql or [slot(values) for slot in slots] != list(real_params):
        return None
    query = qs.query
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    if len(names) != len(compiler.select):  # not a plain values() query
        return None
    converters = compiler.get_converters([col for col, _sql, _alias in compiler.select])
    return _Compiled(sql, slots, tuple(names), query, converters)
