"""Relational rows → FHIR R4 resources (validated with ``fhir.resources.R4B``).

Every function takes rows that the resource types in :mod:`medreg.exchange.fhir.resources` loaded with
the relations they need, and copies public-safe fields only.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B import fhirtypes
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from pydantic import TypeAdapter

from medreg.exchange.fhir import policy
from medreg.reference.selectors import code_map

P, INST = "practitioner", "institution"

MCSD = "https://profiles.ihe.net/ITI/mCSD"
MCSD_TYPES = f"{MCSD}/CodeSystem/IHE.mCSD.Organization.Location.Types"
ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
NS = "urn:medreg"
SYS_CERTIFICATE = f"{NS}:id:practice-certificate"  # 执业证书编码
SYS_ELICENCE = f"{NS}:id:elicence"  # 电子证照标识 (GB/T 36904)
SYS_USCC = f"{NS}:id:uscc"  # 统一社会信用代码 (GB 32100)
SYS_INST_REG = f"{NS}:id:institution-registration"  # 医疗机构登记号
CS_PROFESSION = f"{NS}:CodeSystem:profession"
CS_LEVEL = f"{NS}:CodeSystem:practice-level"
CS_CATEGORY = f"{NS}:CodeSystem:practice-category"
CS_SCOPE = f"{NS}:CodeSystem:practice-scope"
CS_SUBJECT = f"{NS}:CodeSystem:clinical-subject"  # 诊疗科目
CS_INST_CATEGORY = f"{NS}:CodeSystem:institution-category"
CS_DIVISION = f"{NS}:CodeSystem:gbt2260"
CS_STATUS = f"{NS}:CodeSystem:registration-status"
EXT_QUALIFICATION = f"{NS}:StructureDefinition:practitioner-qualification"  # NDH-style status + whereValid
PROFILES = {
    "Practitioner": f"{MCSD}/StructureDefinition/IHE.mCSD.Practitioner",
    "PractitionerRole": f"{MCSD}/StructureDefinition/IHE.mCSD.PractitionerRole",
    "Organization": f"{MCSD}/StructureDefinition/IHE.mCSD.Organization",
    "Location": f"{MCSD}/StructureDefinition/IHE.mCSD.Location",
    "HealthcareService": f"{MCSD}/StructureDefinition/IHE.mCSD.HealthcareService",
}
GENDER = {"M": "male", "F": "female", "1": "male", "2": "female"}
MODELS: dict[str, Any] = {
    "Practitioner": Practitioner, "PractitionerRole": PractitionerRole, "Organization": Organization,
    "Location": Location, "HealthcareService": HealthcareService,
}


_NAMES: dict[str, tuple[float, dict[str, str]]] = {}
NAMES_TTL = 300.0


def code_name(table: str, code: str) -> str:
    """A code's name from a per-process copy of the table (refreshed every few minutes): the shared cache
    unpickles the whole table on every lookup, which dominated the cost of rendering a search page."""
    now = time.monotonic()
    cached = _NAMES.get(table)
    if cached is None or now - cached[0] > NAMES_TTL:
        cached = (now, {c: e.name for c, e in code_map(table).items()})
        _NAMES[table] = cached
    return cached[1].get(code, code)


def instant(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def ref(resource_type: str, rid: Any, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"reference": f"{resource_type}/{rid}"}
    if display:
        out["display"] = display
    return out


def _meta(resource_type: str, version: int | None, last_updated: datetime | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"versionId": str(version or 0), "profile": [PROFILES[resource_type]]}
    if last_updated:
        meta["lastUpdated"] = instant(last_updated)
    return meta


# What fhir.resources checks of a resource is (1) its structure: the keys at every level, lists against
# objects, the JSON type of every leaf; and (2) each leaf value against the primitive type of its element
# (string, code, id, date, uri, ...). Two resources whose structure is the same and whose leaves pass and fail
# the same primitive types are therefore both valid or both invalid. Such a "shape" is validated in full once
# per process; every later resource is only reduced to its shape: ~40 µs instead of ~250 µs for a
# Practitioner, and a search page of 50 namesakes is all one or two shapes.
_PRIMITIVES = tuple(TypeAdapter(t) for t in (
    fhirtypes.Base64BinaryType, fhirtypes.BooleanType, fhirtypes.CanonicalType, fhirtypes.CodeType,
    fhirtypes.DateTimeType, fhirtypes.DateType, fhirtypes.DecimalType, fhirtypes.IdType, fhirtypes.InstantType,
    fhirtypes.Integer64Type, fhirtypes.IntegerType, fhirtypes.MarkdownType, fhirtypes.OidType,
    fhirtypes.PositiveIntType, fhirtypes.StringType, fhirtypes.TimeType, fhirtypes.UnsignedIntType,
    fhirtypes.UriType, fhirtypes.UrlType, fhirtypes.UuidType, fhirtypes.XhtmlType,
))
_VALIDATED: dict[tuple[Any, ...], None] = {}
VALIDATED_MEMO_SIZE = 10_000  # shapes per process; emptied when full


@functools.lru_cache(maxsize=200_000)
def _leaf_class(kind: type, value: Any) -> int:
    """Which FHIR primitive types accept ``value``, as bits (``kind`` keeps True apart from 1)."""
    return sum(1 << i for i, adapter in enumerate(_PRIMITIVES) if _accepts(adapter, value))


def _accepts(adapter: TypeAdapter[Any], value: Any) -> bool:
    try:
        adapter.validate_python(value)
    except Exception:  # noqa: BLE001 - any refusal (ValidationError, or a validator's own error) means "no"
        return False
    return True


_SCALARS = frozenset({str, int, float, bool})


def _shape(node: Any, _leaf: Any = _leaf_class) -> Any:
    kind = type(node)
    if kind is dict:
        return ("{", *[(k, _shape(v)) for k, v in node.items()])
    if kind is list:
        return ("[", *[_shape(v) for v in node])
    if node is None:
        return None
    if kind in _SCALARS:
        return (kind, _leaf(kind, node))
    return (kind, object())  # anything else (a subclass, a tuple) matches no shape: always validated


def edge(resource: dict[str, Any]) -> dict[str, Any]:
    """Validate against the R4B model; the (already JSON-ready) dict is what is served.

    Dumping the validated model again would only cost time (it was a third of a search request). A resource
    of a shape this process has already validated is not validated again (see ``_PRIMITIVES``)."""
    key = (resource["resourceType"], _shape(resource))
    if key in _VALIDATED:
        return resource
    MODELS[resource["resourceType"]].model_validate(resource)  # raises if we ever emit invalid FHIR
    if len(_VALIDATED) >= VALIDATED_MEMO_SIZE:
        _VALIDATED.clear()
    _VALIDATED[key] = None
    return resource


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display and display != code:
        coding["display"] = display
    return {"coding": [coding], "text": display or code}


_PROFESSION_DISPLAY = {"physician": "医师", "nurse": "护士"}


def _profession_display(profession: str) -> str:
    return _PROFESSION_DISPLAY.get(profession, profession)


#: The registration columns ``practitioner`` reads (``values()`` names; rows carry ``authority.name``).
PRACTITIONER_REGISTRATION_COLUMNS = (
    "id", "person_id", "status", "certificate_no", "profession", "category_code", "practice_division_id",
    "scope_codes", "registered_on", "valid_until", "authority_id", "authority__name",
)


def practitioner(person: Any, registrations: list[Any], licences: dict[int, Any], *, version: int | None,
                 last_updated: datetime | None,
                 shown_for: Callable[[str | None], frozenset[str]] | None = None) -> dict[str, Any]:
    """A Practitioner with one qualification per publicly listed registration; every field is checked
    against the publication policy for that registration's status (certificate numbers are not public
    by default, so neither they nor the e-licence identifier that embeds them appear). ``shown_for``: the
    public fields per status, when the caller renders a page with one reading of the policy."""
    if shown_for is None:
        shown_for = functools.partial(policy.shown, P)
    name = person.name
    human: dict[str, Any] = {"use": "official", "text": name, "family": name[:1]}
    if len(name) > 1:
        human["given"] = [name[1:]]
    shown = [(r, fields) for r in registrations if "listed" in (fields := shown_for(r.status))]
    regs = [r for r, _fields in shown]
    quals = []
    identifiers = []
    for r, fields in shown:
        show = fields.__contains__
        qual_ids = []
        if show("certificate_no"):
            qual_ids.append({"system": SYS_CERTIFICATE, "value": r.certificate_no})
            identifiers.append({"system": SYS_CERTIFICATE, "value": r.certificate_no})
            lic = licences.get(r.pk)
            if lic is not None:
                qual_ids.append({"system": SYS_ELICENCE, "value": lic.identifier})
        code = _concept(CS_PROFESSION, r.profession, _profession_display(r.profession))
        if r.category_code and show("category"):
            code["coding"].append({"system": CS_CATEGORY, "code": r.category_code,
                                   "display": code_name("practice_category", r.category_code)})
        ext = []
        if show("status"):
            ext.append({"url": "status", "valueCodeableConcept": _concept(CS_STATUS, r.status)})
        if show("practice_place"):
            ext.append({"url": "whereValid", "valueCodeableConcept": _concept(CS_DIVISION, r.practice_division_id)})
        if show("scopes"):
            ext += [{"url": "scope", "valueCodeableConcept": _concept(CS_SCOPE, c, code_name("practice_scope", c))}
                    for c in (r.scope_codes or [])]
        qual: dict[str, Any] = {"code": code, "issuer": ref("Organization", f"a{r.authority_id}", r.authority.name)}
        period = {}
        if show("registered_on"):
            period["start"] = day(r.registered_on)
        if r.valid_until and show("valid_until"):
            period["end"] = day(r.valid_until)
        if period:
            qual["period"] = period
        if ext:
            qual["extension"] = [{"url": EXT_QUALIFICATION, "extension": ext}]
        if qual_ids:
            qual["identifier"] = qual_ids
        quals.append(qual)
    res: dict[str, Any] = {
        "resourceType": "Practitioner", "id": str(person.pk), "meta": _meta("Practitioner", version, last_updated),
        "active": any(r.status == "active" for r in regs), "name": [human],
    }
    if identifiers:
        res["identifier"] = identifiers
    status = regs[0].status if regs else None
    if person.gender in GENDER and "gender" in shown_for(status):
        res["gender"] = GENDER[person.gender]
    if quals:
        res["qualification"] = quals
    return edge(res)


def practitioner_role(rid: str, reg: Any, institution: Any, *, active: bool, start: date | None,
                      end: date | None, scope_codes: list[str], version: int | None,
                      last_updated: datetime | None) -> dict[str, Any]:
    code = _concept(CS_PROFESSION, reg.profession, _profession_display(reg.profession))
    if reg.category_code:
        code["coding"].append({"system": CS_CATEGORY, "code": reg.category_code,
                               "display": code_name("practice_category", reg.category_code)})
    period: dict[str, Any] = {"start": day(start)}
    if end and policy.visible(P, "valid_until", reg.status):
        period["end"] = day(end)
    res: dict[str, Any] = {
        "resourceType": "PractitionerRole", "id": rid, "meta": _meta("PractitionerRole", version, last_updated),
        "active": active, "period": period,
        "practitioner": ref("Practitioner", reg.person_id, reg.person.name),
        "organization": ref("Organization", f"i{institution.pk}", institution.name),
        "location": [ref("Location", f"i{institution.pk}", institution.name)],
        "code": [code],
    }
    if scope_codes and policy.visible(P, "scopes", reg.status):
        res["specialty"] = [_concept(CS_SCOPE, c, code_name("practice_scope", c)) for c in scope_codes]
    return edge(res)


def _institution_identifiers(i: Any) -> list[dict[str, Any]]:
    out = []
    if policy.visible(INST, "uscc", i.status):
        out.append({"system": SYS_USCC, "value": i.uscc})
    if policy.visible(INST, "registration_no", i.status):
        out.append({"system": SYS_INST_REG, "value": i.registration_no})
    return out


def _address(i: Any) -> dict[str, Any]:
    out = {"district": i.division_code} if policy.visible(INST, "division", i.status) else {}
    if policy.visible(INST, "address", i.status):
        out["text"] = i.address
    return out


def _category(i: Any) -> list[dict[str, Any]]:
    if not policy.visible(INST, "category", i.status):
        return []
    return [_concept(CS_INST_CATEGORY, i.category_code, code_name("institution_category", i.category_code))]


def _clean(res: dict[str, Any]) -> dict[str, Any]:
    """Drop elements the policy emptied (FHIR forbids empty arrays and objects)."""
    return {k: v for k, v in res.items() if v not in ([], {}, None, "")}


def organization_institution(i: Any, *, version: int | None, last_updated: datetime | None) -> dict[str, Any]:
    address = _address(i)
    res: dict[str, Any] = {
        "resourceType": "Organization", "id": f"i{i.pk}", "meta": _meta("Organization", version, last_updated),
        "identifier": _institution_identifiers(i), "active": i.status == "active",
        "type": [
            {"coding": [{"system": MCSD_TYPES, "code": "facility", "display": "Facility"}]},
            {"coding": [{"system": ORG_TYPE, "code": "prov", "display": "Healthcare Provider"}]},
            *_category(i),
        ],
        "name": i.name, "address": [address] if address else [],
    }
    if policy.visible(INST, "licensing_authority", i.status):
        res["partOf"] = ref("Organization", f"a{i.licensing_authority_id}", i.licensing_authority.name)
    aliases = [a.strip() for a in (i.aliases or "").replace(";", "；").split("；") if a.strip()]
    if aliases and policy.visible(INST, "aliases", i.status):
        res["alias"] = aliases
    return edge(_clean(res))


def organization_authority(a: Any, *, version: int | None, last_updated: datetime | None) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Organization", "id": f"a{a.pk}", "meta": _meta("Organization", version, last_updated),
        "active": bool(a.is_active),
        "type": [
            {"coding": [{"system": MCSD_TYPES, "code": "jurisdiction", "display": "Jurisdiction"}]},
            {"coding": [{"system": ORG_TYPE, "code": "govt", "display": "Government"}]},
        ],
        "name": a.name,
    }
    if a.uscc:
        res["identifier"] = [{"system": SYS_USCC, "value": a.uscc}]
    if a.division_code:
        res["address"] = [{"district": a.division_code, "text": a.division.full_name() if a.division else ""}]
    if a.parent_id:
        res["partOf"] = ref("Organization", f"a{a.parent_id}", a.parent.name)
    return edge(res)


LOCATION_STATUS = {"active": "active", "suspended": "suspended"}


def location(i: Any, *, version: int | None, last_updated: datetime | None) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Location", "id": f"i{i.pk}", "meta": _meta("Location", version, last_updated),
        "identifier": _institution_identifiers(i), "status": LOCATION_STATUS.get(i.status, "inactive"),
        "name": i.name, "mode": "instance",
        "type": [{"coding": [{"system": MCSD_TYPES, "code": "facility", "display": "Facility"}]}, *_category(i)],
        "address": _address(i), "physicalType": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/location-physical-type", "code": "bu",
            "display": "Building"}]},
        "managingOrganization": ref("Organization", f"i{i.pk}", i.name),
    }
    return edge(_clean(res))


def healthcare_service(i: Any, code: str, *, version: int | None, last_updated: datetime | None) -> dict[str, Any]:
    name = code_name("clinical_subject", code)
    res: dict[str, Any] = {
        "resourceType": "HealthcareService", "id": f"i{i.pk}-{code}",
        "meta": _meta("HealthcareService", version, last_updated), "active": i.status == "active",
        "providedBy": ref("Organization", f"i{i.pk}", i.name),
        "type": [_concept(CS_SUBJECT, code, name)], "name": name,
        "location": [ref("Location", f"i{i.pk}", i.name)],
    }
    return edge(res)
