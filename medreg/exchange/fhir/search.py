"""ITI-90 search and ITI-91 history: parameters → querysets → Bundles with keyset ``next`` links."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone

from medreg.core import querycache
from medreg.core.conf import conf
from medreg.exchange.fhir import render
from medreg.exchange.fhir.resources import (
    TYPES,
    HealthcareServiceType,
    ResourceType,
    SearchError,
    date_q,
    parse_instant,
    prefixed_pks,
)
from medreg.exchange.models import ResourceVersion

CONTROL = {"_count", "_cursor", "_include", "_revinclude", "_revInclude", "_format", "_total", "_summary",
           "_elements", "_sort", "_pretty"}
REVINCLUDE_LIMIT = 1000
CURSOR = re.compile(r"^(\d+)\.(\d+)$")


@dataclass
class Params:
    """A search request: ordered (name, modifier, value) triples plus the control parameters."""

    filters: list[tuple[str, str, str]] = field(default_factory=list)
    control: dict[str, list[str]] = field(default_factory=dict)
    strict: bool = False

    @classmethod
    def parse(cls, items: Iterable[tuple[str, str]], *, strict: bool = False) -> Params:
        p = cls(strict=strict)
        for key, value in items:
            if key in CONTROL:
                p.control.setdefault("_revinclude" if key == "_revInclude" else key, []).append(value)
                continue
            name, _sep, modifier = key.partition(":")
            p.filters.append((name, modifier, value))
        return p

    def count(self) -> int:
        raw = (self.control.get("_count") or [str(conf("FHIR_PAGE_SIZE"))])[-1]
        if not raw.isdigit():
            raise SearchError(400, "invalid", "_count must be a positive integer")
        return max(1, min(int(raw), conf("FHIR_MAX_PAGE_SIZE")))

    def echo(self) -> list[tuple[str, str]]:
        """The parameters to repeat in paging links (everything but the cursor)."""
        out = [(f"{n}:{m}" if m else n, v) for n, m, v in self.filters]
        for k, vs in self.control.items():
            if k != "_cursor":
                out += [(k, v) for v in vs]
        return out


def _id_q(rtype: ResourceType, prefix: str, values: list[str]) -> Q:
    if isinstance(rtype, HealthcareServiceType):
        q = Q(pk__in=[])
        for rid in values:
            key = rtype.split(rid)
            if key:
                q |= Q(institution_id=key[0], code=key[1])
        return q
    pks = prefixed_pks(values, prefix) if prefix else [int(v) for v in values if v.isdigit()]
    return Q(pk__in=pks)


def _compilable(rtype: ResourceType, params: Params) -> list[tuple[str, str, list[str]]] | None:
    """The filters of a search that can run as compiled SQL, or None. Every filter must be one whose values
    reach SQL only through Django's own lookups (``rtype.compiled_filters``): then one compiled shape per
    (parameter, modifier, number of values) serves every value."""
    if not rtype.row_columns:
        return None
    out = []
    for name, modifier, value in params.filters:
        values = [v for v in value.split(",") if v != ""]
        if not values:
            continue
        if (name, modifier) not in rtype.compiled_filters:
            return None
        out.append((name, modifier, values))
    return out


def _compiled_rows(rtype: ResourceType, idx: int, src: Any, filters: list[tuple[str, str, list[str]]],
                   after: int | None, limit: int) -> list[Any]:
    """One source's page through :func:`querycache.values_rows`, as rows with attribute access."""
    values: dict[str, str | int] = {f"v{i}.{j}": v for i, (_n, _m, vs) in enumerate(filters) for j, v in enumerate(vs)}
    if after is not None:
        values["after"] = after
    key = ("fhir", rtype.name, idx, tuple((n, m, len(vs)) for n, m, vs in filters), after is not None, limit,
           rtype.shape_key())

    def make(vals: Mapping[str, Any]) -> Any:
        given = [(n, m, [vals[f"v{i}.{j}"] for j in range(len(vs))]) for i, (n, m, vs) in enumerate(filters)]
        qs: Any = rtype.page(src, given, vals.get("after"), limit)
        if qs is None:
            qs = rtype.base(src)
            for name, modifier, vs in given:
                qs = rtype.filter(src, qs, name, modifier, vs)
        if "after" in vals:
            qs = qs.filter(pk__gt=vals["after"])
        return qs.order_by("pk").values(*rtype.row_columns)[:limit]

    return [rtype.row(r) for r in querycache.values_rows(key, make, values)]


def matches(rtype: ResourceType, params: Params, *, start: tuple[int, int] | None, limit: int) -> list[tuple[Any, Any]]:
    """Up to ``limit`` (source, row) pairs after the keyset position ``start``, in (source, pk) order."""
    rows: list[tuple[Any, Any]] = []
    compiled = _compilable(rtype, params)
    for idx, src in enumerate(rtype.sources()):
        if start is not None and idx < start[0]:
            continue
        if compiled is not None:
            after = start[1] if start is not None and idx == start[0] else None
            rows += [(idx, o) for o in _compiled_rows(rtype, idx, src, compiled, after, limit - len(rows))]
            if len(rows) >= limit:
                break
            continue
        qs: Any = rtype.base(src)
        for name, modifier, value in params.filters:
            values = [v for v in value.split(",") if v != ""]
            if not values:
                continue
            if name == "_id":
                qs = qs.filter(_id_q(rtype, src.prefix, values))
            elif name == "_lastUpdated":
                qs = qs.filter(date_q(src.updated, values))
            elif name in rtype.search_params:
                qs = rtype.filter(src, qs, name, modifier, values)
            elif params.strict:
                raise SearchError(400, "not-supported", f"unknown search parameter {name!r} for {rtype.name}")
            if qs is None:
                break
        if qs is None:
            continue
        if start is not None and idx == start[0]:
            qs = qs.filter(pk__gt=start[1])
        rows += [(idx, o) for o in qs.order_by("pk")[: limit - len(rows)]]
        if len(rows) >= limit:
            break
    return rows


def _render_rows(rtype: ResourceType, rows: list[tuple[int, Any]]) -> list[dict[str, Any]]:
    sources = rtype.sources()
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(rows):  # consecutive rows share a source: render them in one batch
        j = i
        while j < len(rows) and rows[j][0] == rows[i][0]:
            j += 1
        out += rtype.render(sources[rows[i][0]], [o for _idx, o in rows[i:j]])
        i = j
    return out


def _references(resources: list[dict[str, Any]], path: str) -> list[tuple[str, str]]:
    refs = []
    for res in resources:
        value = res.get(path)
        for r in value if isinstance(value, list) else [value] if value else []:
            parts = str(r.get("reference", "")).split("/")
            if len(parts) >= 2:
                refs.append((parts[-2], parts[-1]))
    return refs


def search(rtype: ResourceType, params: Params, *, base: str, path: str) -> dict[str, Any]:
    """A ``searchset`` Bundle for one page, with ``_include``/``_revinclude`` and a ``next`` link."""
    count = params.count()
    start = None
    cursor = (params.control.get("_cursor") or [""])[-1]
    if cursor:
        m = CURSOR.match(cursor)
        if not m:
            raise SearchError(400, "invalid", "invalid _cursor")
        start = (int(m.group(1)), int(m.group(2)))
    rows = matches(rtype, params, start=start, limit=count + 1)
    more = len(rows) > count
    rows = rows[:count]
    resources = _render_rows(rtype, rows)
    entries = [{"fullUrl": f"{base}{rtype.name}/{r['id']}", "resource": r, "search": {"mode": "match"}}
               for r in resources]
    seen = {(rtype.name, r["id"]) for r in resources}
    for inc in params.control.get("_include", []):
        spec = rtype.includes.get(inc)
        if spec is None:
            if params.strict:
                raise SearchError(400, "not-supported", f"_include={inc} is not supported")
            continue
        refs = [r for r in _references(resources, spec[0]) if r[0] == spec[1] and r not in seen]
        if spec[1] in TYPES and refs:
            for rid, res in TYPES[spec[1]].resolve([rid for _t, rid in refs]).items():
                if res is not None and (spec[1], rid) not in seen:
                    seen.add((spec[1], rid))
                    entries.append({"fullUrl": f"{base}{spec[1]}/{rid}", "resource": res,
                                    "search": {"mode": "include"}})
    for rev in params.control.get("_revinclude", []):
        spec = rtype.revincludes.get(rev)
        if spec is None:
            if params.strict:
                raise SearchError(400, "not-supported", f"_revinclude={rev} is not supported")
            continue
        if not spec[0] or not resources:
            continue
        source_type = TYPES[spec[0]]
        sub = Params(filters=[(spec[1], "", ",".join(f"{rtype.name}/{r['id']}" for r in resources))])
        found = _render_rows(source_type, matches(source_type, sub, start=None, limit=REVINCLUDE_LIMIT))
        for res in found:
            if (spec[0], res["id"]) not in seen:
                seen.add((spec[0], res["id"]))
                entries.append({"fullUrl": f"{base}{spec[0]}/{res['id']}", "resource": res,
                                "search": {"mode": "include"}})
    links = [{"relation": "self", "url": f"{base}{path}?{urlencode(params.echo() + _cursor_item(cursor))}"}]
    if more and rows:
        last_idx, last = rows[-1]
        links.append({"relation": "next",
                      "url": f"{base}{path}?{urlencode(params.echo() + [('_cursor', f'{last_idx}.{last.pk}')])}"})
    return {"resourceType": "Bundle", "type": "searchset", "meta": {"lastUpdated": render.instant(timezone.now())},
            "link": links, "entry": entries}


def _cursor_item(cursor: str) -> list[tuple[str, str]]:
    return [("_cursor", cursor)] if cursor else []


def history(rtype: ResourceType | None, params: Params, *, base: str, path: str) -> dict[str, Any]:
    """ITI-91: a ``history`` Bundle, newest first; deleted resources are entries without a resource.

    Content is the resource's current state (the relational models are the source of truth), so a
    consumer that applies entries keeping the highest ``versionId`` per resource converges.
    """
    now = timezone.now()
    count = params.count()
    qs = ResourceVersion.objects.all()
    if rtype is not None:
        qs = qs.filter(resource_type=rtype.name)
    for name, _modifier, value in params.filters:
        if name == "_since":
            qs = qs.filter(occurred_at__gte=parse_instant(value))
        elif name == "_at":
            raise SearchError(400, "not-supported", "_at is not supported")
        elif params.strict:
            raise SearchError(400, "not-supported", f"unknown history parameter {name!r}")
    cursor = (params.control.get("_cursor") or [""])[-1]
    if cursor:
        if not cursor.isdigit():
            raise SearchError(400, "invalid", "invalid _cursor")
        qs = qs.filter(pk__lt=int(cursor))
    rows = list(qs.order_by("-pk")[: count + 1])
    more = len(rows) > count
    rows = rows[:count]
    current: dict[tuple[str, str], dict[str, Any] | None] = {}
    by_type: dict[str, list[str]] = {}
    for row in rows:
        by_type.setdefault(row.resource_type, []).append(row.resource_id)
    for type_name, ids in by_type.items():
        if type_name in TYPES:
            for rid, res in TYPES[type_name].resolve(ids).items():
                current[(type_name, rid)] = res
    entries = []
    for row in rows:
        key = (row.resource_type, row.resource_id)
        url = f"{row.resource_type}/{row.resource_id}"
        res = current.get(key)
        if res is not None:
            res = {**res, "meta": {**res.get("meta", {}), "versionId": str(row.pk)}}
            entries.append({"fullUrl": f"{base}{url}", "resource": res,
                            "request": {"method": "PUT", "url": url},
                            "response": {"status": "200", "etag": f'W/"{row.pk}"',
                                         "lastModified": render.instant(row.occurred_at)}})
        else:
            entries.append({"fullUrl": f"{base}{url}", "request": {"method": "DELETE", "url": url},
                            "response": {"status": "410", "etag": f'W/"{row.pk}"',
                                         "lastModified": render.instant(row.occurred_at)}})
    links = [{"relation": "self", "url": f"{base}{path}?{urlencode(params.echo() + _cursor_item(cursor))}"}]
    if more and rows:
        links.append({"relation": "next", "url": f"{base}{path}?{urlencode(params.echo() + [('_cursor', str(rows[-1].pk))])}"})
    return {"resourceType": "Bundle", "type": "history", "meta": {"lastUpdated": render.instant(now)},
            "link": links, "entry": entries}
