"""The instance CapabilityStatement: an mCSD Directory with the Update Option (ITI-90 + ITI-91)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from medreg.exchange.fhir import render
from medreg.exchange.fhir.resources import TYPES

DIRECTORY = f"{render.MCSD}/CapabilityStatement/IHE.mCSD.Directory"
UPDATE = f"{render.MCSD}/CapabilityStatement/IHE.mCSD.Directory.Update"
PARAM_TYPES = {"_id": "token", "_lastUpdated": "date", "active": "token", "identifier": "token", "name": "string",
               "given": "string", "family": "string", "type": "token", "partof": "reference",
               "organization": "reference", "location": "reference", "practitioner": "reference",
               "service": "reference", "status": "token", "role": "token", "specialty": "token",
               "service-type": "token"}
EXPECT = "http://hl7.org/fhir/StructureDefinition/capabilitystatement-expectation"


def capability_statement(base: str) -> dict[str, Any]:
    resources = []
    for rtype in TYPES.values():
        resources.append({
            "type": rtype.name,
            "supportedProfile": [render.PROFILES[rtype.name]],
            "interaction": [{"code": "read"}, {"code": "search-type"}, {"code": "history-type"}],
            "versioning": "versioned",
            "readHistory": False,
            "searchInclude": list(rtype.includes),
            "searchRevInclude": list(rtype.revincludes),
            "searchParam": [{"name": p, "type": PARAM_TYPES[p],
                             "extension": [{"url": EXPECT, "valueCode": "SHALL"}]} for p in rtype.search_params]
            + [{"name": "_since", "type": "date", "documentation": "history-type (ITI-91)"}],
        })
    doc = {
        "resourceType": "CapabilityStatement", "status": "active", "kind": "instance",
        "date": render.instant(timezone.now()), "name": "MedRegMcsdDirectory",
        "title": "MedReg IHE mCSD Directory (with Update Option)", "publisher": "MedReg",
        "instantiates": [DIRECTORY, UPDATE], "fhirVersion": "4.0.1", "format": ["json"],
        "implementation": {"description": "MedReg mCSD Directory", "url": base},
        "software": {"name": "MedReg"},
        "rest": [{
            "mode": "server",
            "documentation": "Search by GET and POST (_search); string parameters accept :contains and :exact; "
                             "_lastUpdated accepts eq ne gt lt ge le sa eb; paging through Bundle.link next.",
            "resource": resources,
            "interaction": [{"code": "history-system"}],
            "searchParam": [{"name": "_count", "type": "number"}],
        }],
    }
    return CapabilityStatement.model_validate(doc).model_dump(mode="json", exclude_none=True)  # type: ignore[no-any-return]
