"""HTTP interface of the mCSD Directory: plain Django views answering ``application/fhir+json``.

The directory is public: it serves only public-safe fields, so reads need no login. Errors are
OperationOutcome resources with the HTTP status FHIR prescribes (404 unknown, 410 deleted, 400 bad
search, 406 unsupported format).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from medreg.exchange.fhir import search as fhir_search
from medreg.exchange.fhir.capability import capability_statement
from medreg.exchange.fhir.resources import TYPES, SearchError

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
JSON_FORMATS = {"json", "application/json", "application/fhir+json", "application/json+fhir"}


def fhir_response(doc: dict[str, Any], status: int = 200, *, headers: dict[str, str] | None = None) -> HttpResponse:
    # orjson: the same compact UTF-8 JSON as json.dumps(ensure_ascii=False, separators=(",", ":")), ~8x faster
    resp = HttpResponse(orjson.dumps(doc), status=status,
                        content_type=CONTENT_TYPE)
    for k, v in (headers or {}).items():
        resp[k] = v
    return resp


def outcome(status: int, code: str, diagnostics: str) -> HttpResponse:
    doc = {"resourceType": "OperationOutcome",
           "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}]}
    return fhir_response(doc, status)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/r4/")


def _wants_other_format(request: HttpRequest) -> bool:
    fmt = request.GET.get("_format", "")
    if fmt:
        return fmt.split(";")[0].strip() not in JSON_FORMATS
    accept = request.headers.get("Accept", "")
    if not accept or "*/*" in accept or "json" in accept:
        return False
    return True


def fhir_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Content negotiation and OperationOutcome rendering around a FHIR view."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _wants_other_format(request):
            return outcome(406, "not-supported", "only application/fhir+json is supported")
        try:
            return view(request, *args, **kwargs)
        except SearchError as exc:
            return outcome(exc.status, exc.code, exc.diagnostics)

    return wrapped


def _strict(request: HttpRequest) -> bool:
    return "handling=strict" in request.headers.get("Prefer", "").replace(" ", "")


def _type(name: str) -> Any:
    rtype = TYPES.get(name)
    if rtype is None:
        raise SearchError(404, "not-supported", f"resource type {name!r} is not served here")
    return rtype


@require_GET
@fhir_view
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement(base_url(request)))


@csrf_exempt
@require_http_methods(["GET", "POST"])
@fhir_view
def type_search(request: HttpRequest, rtype: str) -> HttpResponse:
    """``GET [base]/[type]?...`` and ``POST [base]/[type]/_search`` (form-encoded body)."""
    resource = _type(rtype)
    items = [(k, v) for k, vs in request.GET.lists() for v in vs]
    if request.method == "POST":
        items += [(k, v) for k, vs in request.POST.lists() for v in vs]
    params = fhir_search.Params.parse(items, strict=_strict(request))
    bundle = fhir_search.search(resource, params, base=base_url(request), path=rtype)
    return fhir_response(bundle)


@require_GET
@fhir_view
def read(request: HttpRequest, rtype: str, rid: str) -> HttpResponse:
    resource = _type(rtype)
    found = resource.resolve([rid])
    if rid not in found:
        return outcome(404, "not-found", f"{rtype}/{rid} is not known")
    res = found[rid]
    if res is None:
        return outcome(410, "deleted", f"{rtype}/{rid} has been deleted")
    version = res.get("meta", {}).get("versionId", "0")
    return fhir_response(res, headers={"ETag": f'W/"{version}"'})


@require_GET
@fhir_view
def history(request: HttpRequest, rtype: str | None = None) -> HttpResponse:
    """ITI-91: ``[base]/_history`` and ``[base]/[type]/_history`` with ``_since``."""
    resource = _type(rtype) if rtype else None
    items = [(k, v) for k, vs in request.GET.lists() for v in vs]
    params = fhir_search.Params.parse(items, strict=_strict(request))
    path = f"{rtype}/_history" if rtype else "_history"
    return fhir_response(fhir_search.history(resource, params, base=base_url(request), path=path))


@fhir_view
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return outcome(404, "not-supported", "unknown FHIR endpoint")
