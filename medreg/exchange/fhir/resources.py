"""The mCSD resource types: where their rows come from, their search parameters and how they render.

A resource type has one or more *sources* (a queryset and the id prefix its resources carry: Organization
is both institutions ``i<pk>`` and authorities ``a<pk>``). Search filters each source, pages with a
keyset over (source, pk) and renders the page in batches. ``resolve`` answers reads, ``_include`` and
``_history``: a resource id maps to its JSON, to ``None`` (deleted: 410 / a history tombstone), or is
absent (never existed: 404).
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Cast, Greatest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from medreg.core import querycache
from medreg.exchange.fhir import policy, render
from medreg.exchange.models import ResourceVersion
from medreg.reference.selectors import code_map


class SearchError(Exception):
    """A search or read that cannot be executed: rendered as an OperationOutcome."""

    def __init__(self, status: int, code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status, self.code, self.diagnostics = status, code, diagnostics


Filter = Callable[[str, QuerySet[Any], str, list[str]], "QuerySet[Any] | None"]
DEAD_REGISTRATION = ("cancelled", "lapsed")
PERSON_PRIVATE = ("person__id_number", "person__birth_date", "person__id_index")


# -- parameter helpers ---------------------------------------------------------------------------------
def string_q(fields: Iterable[str], modifier: str, values: list[str]) -> Q:
    """FHIR string search: starts-with by default, ``:contains``, ``:exact`` (Chinese has no case)."""
    lookup = {"": "startswith", "contains": "contains", "exact": "exact"}.get(modifier)
    if lookup is None:
        raise SearchError(400, "not-supported", f"modifier :{modifier} is not supported on string parameters")
    q = Q(pk__in=[])
    for v in values:
        for f in fields:
            q |= Q(**{f"{f}__{lookup}": v})
    return q


def token(value: str) -> tuple[str | None, str]:
    if "|" in value:
        system, code = value.split("|", 1)
        return system, code
    return None, value


def reference_ids(values: list[str], resource_type: str) -> list[str]:
    """``Organization/i3``, ``i3`` or an absolute URL → ``i3`` (wrong types are dropped)."""
    out = []
    for v in values:
        parts = v.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] != resource_type:
            continue
        out.append(parts[-1])
    return out


def prefixed_pks(ids: list[str], prefix: str) -> list[int]:
    pks = []
    for rid in ids:
        if rid.startswith(prefix) and rid[len(prefix):].isdigit():
            pks.append(int(rid[len(prefix):]))
    return pks


def boolean(values: list[str]) -> bool:
    v = values[-1].lower()
    if v not in ("true", "false"):
        raise SearchError(400, "invalid", "boolean parameters take true or false")
    return v == "true"


DATE_PREFIX = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb)?(.+)$")


def date_q(field: str, values: list[str]) -> Q:
    """``_lastUpdated`` with the prefixes eq ne gt lt ge le sa eb (each value ANDed)."""
    q = Q()
    for raw in values:
        m = DATE_PREFIX.match(raw)
        if not m:
            raise SearchError(400, "invalid", f"invalid date {raw!r}")
        prefix, text = m.group(1) or "eq", m.group(2)
        start, end = date_range(text)
        q &= {
            "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
            "ne": ~Q(**{f"{field}__gte": start, f"{field}__lt": end}),
            "gt": Q(**{f"{field}__gte": end}), "sa": Q(**{f"{field}__gte": end}),
            "lt": Q(**{f"{field}__lt": start}), "eb": Q(**{f"{field}__lt": start}),
            "ge": Q(**{f"{field}__gte": start}), "le": Q(**{f"{field}__lt": end}),
        }[prefix]
    return q


def date_range(text: str) -> tuple[datetime, datetime]:
    """The instant interval a FHIR date or dateTime denotes (a day, or one second)."""
    text = text.replace(" ", "+")  # '+' in an unencoded query string arrives as a space
    dt = parse_datetime(text) if "T" in text else None
    if dt is not None:
        if timezone.is_naive(dt):
            dt = timezone.make_aware(dt)
        dt = dt.replace(microsecond=0)
        return dt, dt + timedelta(seconds=1)
    d = parse_date(text)
    if d is None:
        raise SearchError(400, "invalid", f"invalid date {text!r}")
    start = datetime(d.year, d.month, d.day, tzinfo=timezone.get_current_timezone())
    return start, start + timedelta(days=1)


def parse_instant(text: str) -> datetime:
    return date_range(text)[0]


def versions(resource_type: str, ids: list[str]) -> dict[str, int]:
    """Latest versionId per resource (the pk of its newest ResourceVersion row), through SQL compiled once
    per number of ids (``core.querycache``; a page's worth at most, longer lists go through the ORM)."""
    if not ids:
        return {}
    values: dict[str, str | int] = {"type": resource_type} | {f"i{n}": rid for n, rid in enumerate(ids)}

    def make(vals: Mapping[str, Any]) -> QuerySet[Any]:
        return (ResourceVersion.objects.filter(resource_type=vals["type"],
                                               resource_id__in=[vals[f"i{n}"] for n in range(len(ids))])
                .values("resource_id").annotate(v=Max("pk")).order_by())

    rows = querycache.values_rows(("fhir.versions", len(ids)), make, values) if len(ids) <= 200 else make(values)
    return {r["resource_id"]: r["v"] for r in rows}


class Row:
    """A ``values()`` row with attribute access, ``pk`` included, for renderers written against model
    instances: building a model instance costs several times more."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self.pk = values["id"]


@dataclass
class Source:
    prefix: str  # resource id = prefix + pk
    queryset: Callable[[], QuerySet[Any]]
    updated: str  # field (or annotation) for _lastUpdated


def _model(label: str) -> Any:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


# -- resource types ------------------------------------------------------------------------------------
class ResourceType(ABC):
    name = ""
    search_params: tuple[str, ...] = ()
    #: The ``values()`` columns ``render`` needs, for a type whose searches may run as SQL compiled once per
    #: shape (``core.querycache``); empty: searches build model instances through the ORM.
    row_columns: tuple[str, ...] = ()
    #: (parameter, modifier) pairs whose values reach SQL only through Django's own lookups, so that one
    #: compiled shape serves every value; a search with any other filter runs through the ORM.
    compiled_filters: frozenset[tuple[str, str]] = frozenset()
    includes: dict[str, tuple[str, str]] = {}  # "Type:param" -> (json path of the reference, target type)
    revincludes: dict[str, tuple[str, str]] = {}  # "Type:param" -> (source type, its search param)

    @abstractmethod
    def sources(self) -> list[Source]:
        """The relational sources this resource type is rendered from."""

    def filter(self, src: Source, qs: QuerySet[Any], param: str, modifier: str,
               values: list[str]) -> QuerySet[Any] | None:
        """Apply one search parameter to one source; None when the source cannot match."""
        raise KeyError(param)

    @abstractmethod
    def render(self, src: Source, objs: list[Any]) -> list[dict[str, Any]]:
        """FHIR JSON for ``objs`` of one source."""

    def is_deleted(self, src: Source, obj: Any) -> bool:
        return False

    def resolve(self, ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """Current content per id: a resource, None for a deleted one; unknown ids are left out."""
        out: dict[str, dict[str, Any] | None] = {}
        ids = list(dict.fromkeys(ids))
        for src in self.sources():
            pks = prefixed_pks(ids, src.prefix) if src.prefix else [int(i) for i in ids if i.isdigit()]
            if not pks:
                continue
            objs = list(src.queryset().filter(pk__in=pks))
            alive = [o for o in objs if not self.is_deleted(src, o)]
            for o in objs:
                if o not in alive:
                    out[f"{src.prefix}{o.pk}"] = None
            for o, res in zip(alive, self.render(src, alive), strict=True):
                out[f"{src.prefix}{o.pk}"] = res
        return out

    def base(self, src: Source) -> QuerySet[Any]:
        """The rows a search sees (deleted resources excluded)."""
        return src.queryset()

    def shape_key(self) -> Hashable:
        """What else shapes a compiled search's SQL: configuration that ``base`` or ``filter`` write into it."""
        return ()

    def page(self, src: Source, filters: list[tuple[str, str, list[Any]]], after: Any, limit: int) -> QuerySet[Any] | None:
        """A compiled search's queryset for one page, where its filters allow a tighter plan than filtering
        ``base`` one parameter at a time (``after``: the keyset position or None; the caller still orders by
        pk and slices). None: the general path."""
        return None

    def row(self, values: dict[str, Any]) -> Any:
        """A ``row_columns`` row as ``render`` takes it."""
        return Row(values)


class PractitionerType(ResourceType):
    name = "Practitioner"
    search_params = ("_id", "_lastUpdated", "active", "identifier", "name", "given", "family")
    row_columns = ("id", "name", "gender", "updated_at", "last_updated")
    compiled_filters = frozenset({("name", ""), ("name", "contains"), ("name", "exact"), ("family", ""),
                                  ("family", "contains")})

    def shape_key(self) -> Hashable:
        return tuple(policy.statuses("practitioner"))

    def page(self, src: Source, filters: list[tuple[str, str, list[Any]]], after: Any, limit: int) -> QuerySet[Any] | None:
        """A search by name alone (``name``, ``name:exact``, ``family``) starts from the registrations' copy of
        the name (decision 0057): the first ``limit`` listed namesakes' ids after ``after``, read from one
        range of the index ``public_reg_holder`` (its ``INCLUDE (person_id)`` spares the table). Filtering
        the persons instead would load and check every namesake before ordering: 4,489 for ``name=王艳``."""
        from medreg.people.models import PracticeRegistration

        if len(filters) != 1 or filters[0][:2] not in (("name", ""), ("name", "exact"), ("family", "")):
            return None
        _param, modifier, values = filters[0]
        lookup = "holder_name__exact" if modifier == "exact" else "holder_name__startswith"
        ids = PracticeRegistration.objects.filter(Q(*[Q(**{lookup: v}) for v in values], _connector=Q.OR),
                                                  status__in=policy.statuses("practitioner"))
        if after is not None:
            ids = ids.filter(person_id__gt=after)
        return self.base(src).filter(pk__in=ids.order_by("person_id").values("person_id").distinct()[:limit])

    def sources(self) -> list[Source]:
        from medreg.people.models import Person, PracticeRegistration

        def qs() -> QuerySet[Any]:
            regs = PracticeRegistration.objects.filter(person=OuterRef("pk"))
            latest = regs.order_by().values("person").annotate(m=Max("updated_at")).values("m")
            listed = regs.filter(status__in=policy.statuses("practitioner"))
            return Person.objects.only("id", "name", "gender", "updated_at").filter(Exists(listed)).annotate(
                last_updated=Greatest("updated_at", Subquery(latest)))

        return [Source("", qs, "last_updated")]

    def filter(self, src: Source, qs: QuerySet[Any], param: str, modifier: str,
               values: list[str]) -> QuerySet[Any] | None:
        from medreg.people.models import PracticeRegistration

        if param == "active":
            active = Exists(PracticeRegistration.objects.filter(person=OuterRef("pk"), status="active"))
            return qs.filter(active) if boolean(values) else qs.exclude(active)
        if param == "identifier":
            q = Q(pk__in=[])
            for v in values:
                system, code = token(v)
                if system in (None, "", render.SYS_CERTIFICATE):  # only where the number is public
                    q |= Q(Exists(PracticeRegistration.objects.filter(
                        person=OuterRef("pk"), certificate_no=code,
                        status__in=policy.statuses("practitioner", "certificate_no"))))
            return qs.filter(q)
        if param == "name":
            return qs.filter(string_q(["name"], modifier, values))
        if param == "family":
            if modifier == "exact":  # a one-character surname followed by the given name
                return qs.filter(Q(*[Q(name__regex=f"^{re.escape(v)}.") for v in values], _connector=Q.OR))
            return qs.filter(string_q(["name"], modifier, values))
        if param == "given":
            pattern = {"": "^.{v}", "contains": "^..*{v}", "exact": "^.{v}$"}.get(modifier)
            if pattern is None:
                raise SearchError(400, "not-supported", f"modifier :{modifier} is not supported")
            return qs.filter(Q(*[Q(name__regex=pattern.format(v=re.escape(v))) for v in values], _connector=Q.OR))
        raise KeyError(param)

    def render(self, src: Source, objs: list[Any]) -> list[dict[str, Any]]:
        from medreg.licences.models import ELicence
        from medreg.people.models import PracticeRegistration

        pks = [o.pk for o in objs]
        regs: dict[int, list[Any]] = {pk: [] for pk in pks}

        def registrations(vals: Mapping[str, Any]) -> QuerySet[Any]:
            return (PracticeRegistration.objects.filter(person_id__in=[vals[f"p{n}"] for n in range(len(pks))])
                    .order_by("registered_on", "pk").values(*render.PRACTITIONER_REGISTRATION_COLUMNS))

        reg_rows = [_registration_row(r) for r in querycache.values_rows(
            ("fhir.practitioner.registrations", len(pks)), registrations, {f"p{n}": pk for n, pk in enumerate(pks)})
        ] if pks else []
        for r in reg_rows:
            regs[r.person_id].append(r)
        shown_for = functools.cache(functools.partial(policy.shown, "practitioner"))  # once per status per page

        licences: dict[int, Any] = {}
        # an e-licence identifier embeds the certificate number: only read where that number is public
        numbered = [r.pk for r in reg_rows if "certificate_no" in shown_for(r.status)]
        for lic in (ELicence.objects.filter(registration__in=numbered)
                    .only("registration_id", "identifier", "version").order_by("version") if numbered else ()):
            if lic.registration_id is not None:
                licences[lic.registration_id] = lic
        vers = versions(self.name, [str(pk) for pk in pks])
        return [render.practitioner(o, regs[o.pk], licences, version=vers.get(str(o.pk)),
                                    last_updated=getattr(o, "last_updated", None) or o.updated_at,
                                    shown_for=shown_for) for o in objs]


def _registration_row(values: dict[str, Any]) -> Row:
    row = Row(values)
    row.authority = Row({"id": values["authority_id"], "name": values["authority__name"]})
    return row


class PractitionerRoleType(ResourceType):
    name = "PractitionerRole"
    search_params = ("_id", "_lastUpdated", "active", "location", "organization", "practitioner", "role",
                     "service", "specialty")
    includes = {
        "PractitionerRole:practitioner": ("practitioner", "Practitioner"),
        "PractitionerRole:organization": ("organization", "Organization"),
        "PractitionerRole:location": ("location", "Location"),
    }

    def sources(self) -> list[Source]:
        from medreg.people.models import PracticeRegistration

        # never load (and decrypt) the persons' ID numbers and birth dates
        out = [Source("r", lambda: PracticeRegistration.objects.select_related(
            "person", "main_institution").defer(*PERSON_PRIVATE), "updated_at")]
        site = _model("people.PracticeSite")
        if site is not None:
            out.append(Source("s", lambda: site.objects.filter(kind="filed").select_related(
                "registration__person", "institution").defer(*(f"registration__{f}" for f in PERSON_PRIVATE)),
                "updated_at"))
        return out

    @staticmethod
    def _live(field: str) -> list[str]:
        """Registration statuses in which a role exists: not ended, and its institution public."""
        return [s for s in policy.statuses("practitioner", field) if s not in DEAD_REGISTRATION]

    def is_deleted(self, src: Source, obj: Any) -> bool:
        if src.prefix == "r":
            return obj.status not in self._live("main_institution")
        return obj.status != "active" or obj.registration.status not in self._live("practice_sites")

    def base(self, src: Source) -> QuerySet[Any]:
        if src.prefix == "r":
            return src.queryset().filter(status__in=self._live("main_institution"))
        return src.queryset().filter(status="active", registration__status__in=self._live("practice_sites"))

    def filter(self, src: Source, qs: QuerySet[Any], param: str, modifier: str,
               values: list[str]) -> QuerySet[Any] | None:
        reg = "" if src.prefix == "r" else "registration__"
        inst = "main_institution_id" if src.prefix == "r" else "institution_id"
        if param == "active":
            return qs.filter(**{f"{reg}status": "active"}) if boolean(values) else qs.exclude(
                **{f"{reg}status": "active"})
        if param == "practitioner":
            return qs.filter(**{f"{reg}person_id__in": [int(i) for i in reference_ids(values, "Practitioner")
                                                         if i.isdigit()]})
        if param in ("organization", "location"):
            target = "Organization" if param == "organization" else "Location"
            return qs.filter(**{f"{inst}__in": prefixed_pks(reference_ids(values, target), "i")})
        if param == "role":
            return qs.filter(**{f"{reg}profession__in": [token(v)[1] for v in values]})
        if param == "specialty":
            field = "scope_codes" if src.prefix == "r" else "registration__scope_codes"
            qs = qs.annotate(_scope_text=Cast(field, TextField()))
            return qs.filter(Q(*[Q(_scope_text__contains=f'"{token(v)[1]}"') for v in values], _connector=Q.OR))
        if param == "service":
            q = Q(pk__in=[])
            for rid in reference_ids(values, "HealthcareService"):
                m = re.fullmatch(r"i(\d+)-(.+)", rid)
                if m:
                    q |= Q(**{inst: int(m.group(1))})
            return qs.filter(q)
        raise KeyError(param)

    def render(self, src: Source, objs: list[Any]) -> list[dict[str, Any]]:
        vers = versions(self.name, [f"{src.prefix}{o.pk}" for o in objs])
        out = []
        for o in objs:
            rid = f"{src.prefix}{o.pk}"
            if src.prefix == "r":
                out.append(render.practitioner_role(
                    rid, o, o.main_institution, active=o.status == "active", start=o.registered_on,
                    end=o.valid_until, scope_codes=list(o.scope_codes or []), version=vers.get(rid),
                    last_updated=o.updated_at))
            else:
                r = o.registration
                out.append(render.practitioner_role(
                    rid, r, o.institution, active=r.status == "active", start=o.start_on, end=o.end_on,
                    scope_codes=list(o.scope_codes or r.scope_codes or []), version=vers.get(rid),
                    last_updated=o.updated_at))
        return out


INSTITUTION_TYPES = {"facility", "prov"}
AUTHORITY_TYPES = {"jurisdiction", "govt"}


def _institutions() -> QuerySet[Any]:
    from medreg.institutions.models import Institution

    return Institution.objects.filter(status__in=policy.statuses("institution")).select_related(
        "licensing_authority")


class OrganizationType(ResourceType):
    name = "Organization"
    search_params = ("_id", "_lastUpdated", "active", "identifier", "name", "type", "partof")
    includes = {
        "Organization:endpoint": ("endpoint", "Endpoint"),
        "Organization:partof": ("partOf", "Organization"),
    }
    revincludes = {
        "Location:organization": ("Location", "organization"),
        "PractitionerRole:organization": ("PractitionerRole", "organization"),
        "HealthcareService:organization": ("HealthcareService", "organization"),
        "OrganizationAffiliation:participating-organization": ("", ""),
        "OrganizationAffiliation:primary-organization": ("", ""),
    }

    def sources(self) -> list[Source]:
        from medreg.accounts.models import Authority

        return [Source("i", _institutions, "updated_at"),
                Source("a", lambda: Authority.objects.select_related("parent", "division"), "created_at")]

    def filter(self, src: Source, qs: QuerySet[Any], param: str, modifier: str,
               values: list[str]) -> QuerySet[Any] | None:
        inst = src.prefix == "i"
        if param == "active":
            if inst:
                return qs.filter(status="active") if boolean(values) else qs.exclude(status="active")
            return qs.filter(is_active=boolean(values))
        if param == "identifier":
            q = Q(pk__in=[])
            for v in values:
                system, code = token(v)
                if system in (None, "", render.SYS_USCC):
                    q |= Q(uscc=code)
                if inst and system in (None, "", render.SYS_INST_REG):
                    q |= Q(registration_no=code)
            return qs.filter(q)
        if param == "name":
            fields = ["name", "aliases"] if inst and modifier == "contains" else ["name"]
            return qs.filter(string_q(fields, modifier, values))
        if param == "type":
            codes = {token(v)[1] for v in values}
            if inst:
                if codes & INSTITUTION_TYPES:
                    return qs
                return qs.filter(category_code__in=codes)
            return qs if codes & AUTHORITY_TYPES else None
        if param == "partof":
            pks = prefixed_pks(reference_ids(values, "Organization"), "a")
            return qs.filter(licensing_authority_id__in=pks) if inst else qs.filter(parent_id__in=pks)
        raise KeyError(param)

    def render(self, src: Source, objs: list[Any]) -> list[dict[str, Any]]:
        vers = versions(self.name, [f"{src.prefix}{o.pk}" for o in objs])
        if src.prefix == "i":
            return [render.organization_institution(o, version=vers.get(f"i{o.pk}"), last_updated=o.updated_at)
                    for o in objs]
        return [render.organization_authority(o, version=vers.get(f"a{o.pk}"), last_updated=o.created_at)
                for o in objs]


class LocationType(ResourceType):
    name = "Location"
    search_params = ("_id", "_lastUpdated", "identifier", "name", "organization", "status", "type", "partof")
    includes = {"Location:organization": ("managingOrganization", "Organization")}

    def sources(self) -> list[Source]:
        return [Source("i", _institutions, "updated_at")]

    def filter(self, src: Source, qs: QuerySet[Any], param: str, modifier: str,
               values: list[str]) -> QuerySet[Any] | None:
        if param == "identifier":
            return OrganizationType().filter(src, qs, param, modifier, values)
        if param == "name":
            fields = ["name", "aliases"] if modifier == "contains" else ["name"]
            return qs.filter(string_q(fields, modifier, values))
        if param == "organization":
            return qs.filter(pk__in=prefixed_pks(reference_ids(values, "Organization"), "i"))
        if param == "status":
            wanted = {token(v)[1] for v in values}
            q = Q(pk__in=[])
            if "active" in wanted:
                q |= Q(status="active")
            if "suspended" in wanted:
                q |= Q(status="suspended")
            if "inactive" in wanted:
                q |= ~Q(status__in=["active", "suspended"])
            return qs.filter(q)
        if param == "type":
            codes = {token(v)[1] for v in values}
            return qs if "facility" in codes else qs.filter(category_code__in=codes)
        if param == "partof":
            return None  # facilities are not nested in other locations
        raise KeyError(param)

    def render(self, src: Source, objs: list[Any]) -> list[dict[str, Any]]:
        vers = versions(self.name, [f"i{o.pk}" for o in objs])
        return [render.location(o, version=vers.get(f"i{o.pk}"), last_updated=o.updated_at) for o in objs]


class HealthcareServiceType(ResourceType):
    name = "HealthcareService"
    search_params = ("_id", "_lastUpdated", "active", "identifier", "location", "name", "organization",
                     "service-type")
    includes = {
        "HealthcareService:organization": ("providedBy", "Organization"),
        "HealthcareService:location": ("location", "Location"),
    }

    def sources(self) -> list[Source]:
        from medreg.institutions.models import InstitutionSubject

        return [Source("", lambda: InstitutionSubject.objects.filter(
            institution__status__in=policy.statuses("institution", "subjects")).select_related("institution"),
            "institution__updated_at")]

    def filter(self, src: Source, qs: QuerySet[Any], param: str, modifier: str,
               values: list[str]) -> QuerySet[Any] | None:
        if param == "active":
            return qs.filter(institution__status="active") if boolean(values) else qs.exclude(
                institution__status="active")
        if param == "identifier":
            return None  # 诊疗科目 registrations carry no identifier of their own
        if param in ("organization", "location"):
            target = "Organization" if param == "organization" else "Location"
            return qs.filter(institution_id__in=prefixed_pks(reference_ids(values, target), "i"))
        if param == "service-type":
            return qs.filter(code__in=[token(v)[1] for v in values])
        if param == "name":
            names = {c: e.name for c, e in code_map("clinical_subject").items()}
            lookup = {"": str.startswith, "contains": str.__contains__, "exact": str.__eq__}.get(modifier)
            if lookup is None:
                raise SearchError(400, "not-supported", f"modifier :{modifier} is not supported")
            return qs.filter(code__in=[c for c, n in names.items() if any(lookup(n, v) for v in values)])
        raise KeyError(param)

    @staticmethod
    def split(rid: str) -> tuple[int, str] | None:
        m = re.fullmatch(r"i(\d+)-([0-9A-Za-z.]+)", rid)
        return (int(m.group(1)), m.group(2)) if m else None

    def resolve(self, ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:

        out: dict[str, dict[str, Any] | None] = {}
        keys = {k: s for k in dict.fromkeys(ids) if (s := self.split(k)) is not None}
        if not keys:
            return out
        inst_ids = {s[0] for s in keys.values()}
        alive = {(s.institution_id, s.code): s for s in self.sources()[0].queryset().filter(
            institution_id__in=inst_ids)}
        rendered = dict(zip(alive.keys(), self.render(self.sources()[0], list(alive.values())), strict=True))
        known = set(_institutions().filter(pk__in=inst_ids).values_list("pk", flat=True))
        for rid, key in keys.items():
            if key in rendered:
                out[rid] = rendered[key]
            elif key[0] in known:
                out[rid] = None
        return out

    def render(self, src: Source, objs: list[Any]) -> list[dict[str, Any]]:
        vers = versions(self.name, [f"i{o.institution_id}-{o.code}" for o in objs])
        return [render.healthcare_service(o.institution, o.code, version=vers.get(f"i{o.institution_id}-{o.code}"),
                                          last_updated=o.institution.updated_at) for o in objs]


TYPES: dict[str, ResourceType] = {t.name: t for t in (
    PractitionerType(), PractitionerRoleType(), OrganizationType(), LocationType(), HealthcareServiceType())}
